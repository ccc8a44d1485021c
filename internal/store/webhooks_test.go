package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/ratecard"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
	"github.com/insights-dev/insights/internal/webhook"
)

// testCard prices marketing in DE at 0.10, utility anywhere at 0.02, calls
// to DE at 0.06 a minute.
func testCard(t *testing.T) *ratecard.Book {
	t.Helper()
	c, err := ratecard.Parse([]byte(`{"currency":"USD",
		"messages":{"MARKETING":{"DE":"0.10"},"UTILITY":{"*":"0.02"}},
		"calls_per_minute":{"DE":"0.06"}}`), "test")
	if err != nil {
		t.Fatal(err)
	}
	return ratecard.Single(c[0])
}

var wh0 = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

func st(ch, id, status string, at time.Duration, cat usage.Category, pt usage.PricingType) store.WebhookStatus {
	s := store.WebhookStatus{ChannelID: ch, MessageStatus: webhook.MessageStatus{
		MessageID: id, Status: status, Timestamp: wh0.Add(at), RecipientID: "4915100000001",
	}}
	if cat != "" {
		s.HasPricing, s.Category, s.PricingType = true, cat, pt
	}
	return s
}

func TestSaveWebhookBatchCountsOncePerMessage(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		seed(t, s)
		ctx := context.Background()
		card := testCard(t)
		mk, ut, sv := usage.CategoryMarketing, usage.CategoryUtility, usage.CategoryService
		reg, free := usage.PricingRegular, usage.PricingFreeCustomerService

		b := store.WebhookBatch{Statuses: []store.WebhookStatus{
			// m1: sent, delivered, read → counted at delivered (09:00 bucket).
			st("ch1", "m1", "sent", 0, mk, reg),
			st("ch1", "m1", "delivered", time.Minute, mk, reg),
			st("ch1", "m1", "read", 40*time.Minute, "", ""),
			// m2: read arrives before delivered; delivered (earlier) wins the bucket.
			st("ch1", "m2", "read", 45*time.Minute, ut, reg),
			// m3: failed never counts.
			st("ch1", "m3", "sent", 0, mk, reg),
			st("ch1", "m3", "failed", time.Minute, "", ""),
			// m4: free service message counts at cost zero.
			st("ch1", "m4", "delivered", 2*time.Minute, sv, free),
			// m5: only sent: not counted yet.
			st("ch1", "m5", "sent", 0, mk, reg),
			// m6: an unknown category is kept, its cost unknown.
			st("ch1", "m6", "delivered", 3*time.Minute, "BRAND_NEW", reg),
			// A duplicate inside the batch.
			st("ch1", "m1", "sent", 0, mk, reg),
		}}
		stored, dups, err := s.SaveWebhookBatch(ctx, card, b)
		if err != nil {
			t.Fatal(err)
		}
		if stored != 9 || dups != 1 {
			t.Fatalf("stored %d, duplicates %d; want 9, 1", stored, dups)
		}
		// The same batch again: all duplicates, nothing changes.
		stored, dups, err = s.SaveWebhookBatch(ctx, card, b)
		if err != nil || stored != 0 || dups != 10 {
			t.Fatalf("replay: stored %d, duplicates %d, %v", stored, dups, err)
		}
		// m2's delivered arrives late, with an earlier timestamp; m5 is delivered now.
		late := store.WebhookBatch{Statuses: []store.WebhookStatus{
			st("ch1", "m2", "delivered", 10*time.Minute, "", ""),
			st("ch1", "m5", "delivered", 50*time.Minute, "", ""),
		}}
		if stored, _, err := s.SaveWebhookBatch(ctx, card, late); err != nil || stored != 2 {
			t.Fatalf("late: stored %d, %v", stored, err)
		}

		rows, err := s.QueryWebhookUsage(ctx, store.AllClients(), store.UsageFilter{Start: wh0.Add(-time.Hour), End: wh0.Add(2 * time.Hour),
			GroupBy: []usage.GroupField{usage.ByCategory, usage.ByCountry}})
		if err != nil {
			t.Fatal(err)
		}
		type key struct {
			bucket string
			cat    usage.Category
		}
		got := map[key]usage.Row{}
		for _, r := range rows {
			got[key{r.Bucket.Format("15:04"), r.Key.Category}] = r
			if r.Key.Country != "DE" || r.Currency != "USD" {
				t.Errorf("row %+v: want country DE, currency USD", r)
			}
		}
		want := map[key]struct{ vol, cost, missing int64 }{
			{"09:00", mk}:          {1, 100_000_000, 0},
			{"09:00", ut}:          {1, 20_000_000, 0},
			{"09:00", sv}:          {1, 0, 0},
			{"09:00", "BRAND_NEW"}: {1, 0, 1},
			{"09:30", mk}:          {1, 100_000_000, 0}, // m5 delivered at 09:50
		}
		if len(got) != len(want) {
			t.Fatalf("got %d rows %+v, want %d", len(got), rows, len(want))
		}
		for k, w := range want {
			r := got[k]
			if r.Volume != w.vol || r.CostNanos != w.cost || r.CostMissing != w.missing {
				t.Errorf("%v: got volume %d cost %d missing %d, want %+v", k, r.Volume, r.CostNanos, r.CostMissing, w)
			}
		}

		// Filters and client grouping behave like QueryUsage.
		rows, err = s.QueryWebhookUsage(ctx, store.AllClients(), store.UsageFilter{Start: wh0, End: wh0.Add(time.Hour),
			ClientIDs: []string{"c1"}, Categories: []string{"MARKETING"}, GroupBy: []usage.GroupField{usage.ByClient}})
		if err != nil || len(rows) != 2 || rows[0].Key.Client != "c1" || rows[0].Volume != 1 {
			t.Errorf("filtered rows = %+v, %v", rows, err)
		}
		n, err := s.WebhookEventCount(ctx)
		if err != nil || n != 11 {
			t.Errorf("events stored = %d, %v; want 11", n, err)
		}
		if ok, err := s.HasWebhookEvent(ctx, "status", "m3", "failed"); err != nil || !ok {
			t.Errorf("failed status of m3 not found: %v", err)
		}
	})
}

func TestSaveWebhookBatchesGroupCommit(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		seed(t, s)
		ctx := context.Background()
		a := store.WebhookBatch{Statuses: []store.WebhookStatus{st("ch1", "g1", "delivered", 0, usage.CategoryUtility, usage.PricingRegular)}}
		b := store.WebhookBatch{Statuses: []store.WebhookStatus{
			st("ch1", "g1", "delivered", 0, usage.CategoryUtility, usage.PricingRegular), // same event as a's
			st("ch2", "g2", "delivered", 0, usage.CategoryUtility, usage.PricingRegular),
		}}
		res, err := s.SaveWebhookBatches(ctx, testCard(t), []store.WebhookBatch{a, b})
		if err != nil {
			t.Fatal(err)
		}
		if res[0] != (store.WebhookResult{Stored: 1}) || res[1] != (store.WebhookResult{Stored: 1, Duplicates: 1}) {
			t.Errorf("results = %+v", res)
		}
		// A batch naming an unknown channel fails as a whole: nothing is stored.
		bad := store.WebhookBatch{Statuses: []store.WebhookStatus{
			st("ch1", "g3", "delivered", 0, usage.CategoryUtility, usage.PricingRegular),
			st("nope", "g4", "delivered", 0, usage.CategoryUtility, usage.PricingRegular),
		}}
		if _, err := s.SaveWebhookBatches(ctx, nil, []store.WebhookBatch{bad}); err == nil {
			t.Fatal("unknown channel accepted")
		}
		if ok, _ := s.HasWebhookEvent(ctx, "status", "g3", "delivered"); ok {
			t.Error("half of a failed transaction was stored")
		}
	})
}

func TestSaveWebhookCalls(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		seed(t, s)
		ctx := context.Background()
		card := testCard(t)
		call := func(id, event string, dir usage.Direction, at time.Duration, status string, dur int64) store.WebhookCall {
			ev := webhook.CallEvent{CallID: id, Event: event, Direction: dir, Timestamp: wh0.Add(at), Status: status,
				DurationSeconds: dur, From: "4915100000001", To: "4915112345678"}
			if dir == usage.DirectionOutbound {
				ev.From, ev.To = ev.To, ev.From
			}
			return store.WebhookCall{ChannelID: "ch1", CallEvent: ev}
		}
		out, in := usage.DirectionOutbound, usage.DirectionInbound
		b := store.WebhookBatch{Calls: []store.WebhookCall{
			// Terminate before connect (out of order): starts in the 09:00 bucket.
			call("c-out", "terminate", out, 35*time.Minute, "COMPLETED", 56),
			call("c-out", "connect", out, 29*time.Minute, "", 0),
			call("c-in", "connect", in, time.Minute, "", 0),
			call("c-in", "terminate", in, 3*time.Minute, "COMPLETED", 120),
			call("c-fail", "terminate", out, 5*time.Minute, "FAILED", 0),
			call("c-open", "connect", in, 6*time.Minute, "", 0),
		}}
		stored, dups, err := s.SaveWebhookBatch(ctx, card, b)
		if err != nil || stored != 6 || dups != 0 {
			t.Fatalf("stored %d dups %d err %v", stored, dups, err)
		}
		if _, dups, _ := s.SaveWebhookBatch(ctx, card, b); dups != 6 {
			t.Errorf("replay duplicates = %d", dups)
		}
		rows, err := s.QueryWebhookCalls(ctx, store.AllClients(), store.UsageFilter{Start: wh0, End: wh0.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		p := usage.Period{From: usage.DateOf(wh0), To: usage.DateOf(wh0), Loc: time.UTC}
		sum := usage.AggregateCalls(rows, p, usage.Day)
		// 56 s outbound to DE = 10 pulses at 0.06/min = 0.06.
		if sum.Calls != 2 || sum.Inbound != 1 || sum.Outbound != 1 || sum.Seconds != 176 || sum.Cost["USD"] != 60_000_000 {
			t.Errorf("summary = %+v", sum)
		}
		list, err := s.ListWebhookCalls(ctx, store.AllClients(), store.UsageFilter{Start: wh0, End: wh0.Add(time.Hour), ClientIDs: []string{"c1"}}, 0)
		if err != nil {
			t.Fatal(err)
		}
		byID := map[string]store.CallDetail{}
		for _, d := range list {
			byID[d.CallID] = d
		}
		if len(list) != 4 || !byID["c-fail"].Terminated || byID["c-fail"].Completed || byID["c-open"].Terminated ||
			byID["c-out"].Start != wh0.Add(29*time.Minute) || byID["c-out"].Country != "DE" || !byID["c-in"].Completed {
			t.Errorf("calls = %+v", list)
		}
	})
}
