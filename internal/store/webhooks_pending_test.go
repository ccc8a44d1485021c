package store_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
	"github.com/insights-dev/insights/internal/webhook"
)

// webhookTotals counts the messages and completed calls the webhook counters
// hold around wh0.
func webhookTotals(t *testing.T, s *store.Store) (messages, calls int64) {
	t.Helper()
	ctx := context.Background()
	f := store.UsageFilter{Start: wh0.Add(-time.Hour), End: wh0.Add(2 * time.Hour)}
	rows, err := s.QueryWebhookUsage(ctx, store.AllClients(), f)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		messages += r.Volume
	}
	crows, err := s.QueryWebhookCalls(ctx, store.AllClients(), f)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range crows {
		calls += r.Count
	}
	return messages, calls
}

func TestPendingWebhooksResolveOnce(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		seed(t, s)
		ctx := context.Background()
		card := testCard(t)
		// A number the poller has not discovered yet, named by its display number.
		newNumber := func(id string) webhook.MessageStatus {
			m := st("", id, "delivered", time.Minute, usage.CategoryUtility, usage.PricingRegular).MessageStatus
			m.PhoneNumberID, m.DisplayPhoneNumber = "777000111", "+49 151 99990000"
			return m
		}
		p1, p2 := newNumber("p1"), newNumber("p2")
		call := webhook.CallEvent{CallID: "pc1", Event: "terminate", Direction: usage.DirectionOutbound,
			Status: "COMPLETED", Timestamp: wh0.Add(5 * time.Minute), DurationSeconds: 60,
			From: "4915199990000", To: "4915100000001", PhoneNumberID: "777000111", DisplayPhoneNumber: "+49 151 99990000"}
		b := store.WebhookBatch{Unknown: []store.UnknownEvent{
			{Status: &p1}, {Status: &p1}, {Call: &call},
			// Named by the URL: only that channel takes it, even though its number matches.
			{URLChannel: "ch-later", Status: &p2},
		}}
		res, err := s.SaveWebhookBatches(ctx, card, []store.WebhookBatch{b})
		if err != nil {
			t.Fatal(err)
		}
		if res[0] != (store.WebhookResult{Pending: 3, Duplicates: 1}) {
			t.Fatalf("first delivery: %+v; want 3 pending, 1 duplicate", res[0])
		}
		// Delivered again (360dialog retries): all duplicates.
		if res, err = s.SaveWebhookBatches(ctx, card, []store.WebhookBatch{b}); err != nil ||
			res[0] != (store.WebhookResult{Duplicates: 4}) {
			t.Fatalf("retry: %+v, %v; want 4 duplicates", res, err)
		}
		if n, err := s.PendingWebhookCount(ctx); err != nil || n != 3 {
			t.Fatalf("pending = %d, %v; want 3", n, err)
		}
		// Nothing resolves while the channel is unknown, and nothing is counted.
		if r, err := s.ResolvePendingWebhooks(ctx, card); err != nil || r != (store.PendingResolution{Waiting: 3}) {
			t.Fatalf("resolve before discovery: %+v, %v", r, err)
		}
		if m, c := webhookTotals(t, s); m != 0 || c != 0 {
			t.Fatalf("counted before the channel is known: %d messages, %d calls", m, c)
		}

		// Discovery brings the number; p1 also comes again, now to a known channel.
		if err := s.UpsertChannels(ctx, []store.Channel{{ID: "ch9", ClientID: "c1", WABAID: "w1",
			Currency: "EUR", PhoneNumber: "+4915199990000", Status: "ready"}}); err != nil {
			t.Fatal(err)
		}
		if stored, _, err := s.SaveWebhookBatch(ctx, card, store.WebhookBatch{Statuses: []store.WebhookStatus{
			{ChannelID: "ch9", MessageStatus: p1}}}); err != nil || stored != 1 {
			t.Fatalf("p1 to the known channel: stored %d, %v", stored, err)
		}
		r, err := s.ResolvePendingWebhooks(ctx, card)
		if err != nil || r != (store.PendingResolution{Stored: 1, Duplicates: 1, Waiting: 1}) {
			t.Fatalf("resolve after discovery: %+v, %v; want 1 stored, 1 duplicate, 1 waiting", r, err)
		}
		for range 2 { // and again: nothing more moves or counts
			if m, c := webhookTotals(t, s); m != 1 || c != 1 {
				t.Fatalf("counted %d messages, %d calls; want 1 and 1", m, c)
			}
			if r, err := s.ResolvePendingWebhooks(ctx, card); err != nil || r != (store.PendingResolution{Waiting: 1}) {
				t.Fatalf("resolve again: %+v, %v", r, err)
			}
		}
		if ok, err := s.HasWebhookEvent(ctx, "call", "pc1", "terminate"); err != nil || !ok {
			t.Errorf("resolved call event not stored: %v", err)
		}

		// The URL's channel appears: p2 moves to it.
		if err := s.UpsertChannels(ctx, []store.Channel{{ID: "ch-later", ClientID: "c2", WABAID: "w2",
			Currency: "USD", Status: "ready"}}); err != nil {
			t.Fatal(err)
		}
		if r, err := s.ResolvePendingWebhooks(ctx, card); err != nil || r != (store.PendingResolution{Stored: 1}) {
			t.Fatalf("resolve to the URL's channel: %+v, %v", r, err)
		}
		rows, err := s.QueryWebhookUsage(ctx, store.AllClients(), store.UsageFilter{Start: wh0, End: wh0.Add(time.Hour),
			ChannelIDs: []string{"ch-later"}})
		if err != nil || len(rows) != 1 || rows[0].Volume != 1 {
			t.Errorf("ch-later rows = %+v, %v; want one message", rows, err)
		}
	})
}

func TestPendingWebhooksPrunedAfterRetention(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		seed(t, s)
		ctx := context.Background()
		old, recent := st("", "old", "delivered", 0, "", "").MessageStatus, st("", "new", "delivered", 0, "", "").MessageStatus
		old.PhoneNumberID, recent.PhoneNumberID = "555", "555"
		for _, m := range []*webhook.MessageStatus{&old, &recent} {
			if _, err := s.SaveWebhookBatches(ctx, nil, []store.WebhookBatch{{Unknown: []store.UnknownEvent{{Status: m}}}}); err != nil {
				t.Fatal(err)
			}
		}
		aged := time.Now().Add(-store.PendingWebhookRetention - time.Hour).Unix()
		if err := s.ExecRaw(ctx, "UPDATE webhook_pending SET received_at = "+strconv.FormatInt(aged, 10)+" WHERE ref_id = 'old'"); err != nil {
			t.Fatal(err)
		}
		r, err := s.ResolvePendingWebhooks(ctx, nil)
		if err != nil || r != (store.PendingResolution{Pruned: 1, Waiting: 1}) {
			t.Fatalf("resolve = %+v, %v; want 1 pruned, 1 waiting", r, err)
		}
	})
}
