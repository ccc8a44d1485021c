package store_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
	"github.com/insights-dev/insights/internal/webhook"
)

// webhookView is everything the pages read from the webhook counters.
type webhookView struct {
	Usage []usage.Row
	Calls []usage.CallRow
	List  []store.CallDetail
}

func readWebhookView(t *testing.T, s *store.Store) webhookView {
	t.Helper()
	ctx := context.Background()
	f := store.UsageFilter{Start: wh0.Add(-time.Hour), End: wh0.Add(3 * time.Hour),
		GroupBy: []usage.GroupField{usage.ByCategory, usage.ByCountry}}
	var v webhookView
	var err error
	if v.Usage, err = s.QueryWebhookUsage(ctx, store.AllClients(), f); err != nil {
		t.Fatal(err)
	}
	if v.Calls, err = s.QueryWebhookCalls(ctx, store.AllClients(), f); err != nil {
		t.Fatal(err)
	}
	if v.List, err = s.ListWebhookCalls(ctx, store.AllClients(), f, 0); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestPruneWebhookEventsKeepsCounts: pruning old webhook events deletes
// only their dedupe records, in batches; the counters are unchanged, and
// when the pruned events are delivered again they still count once.
func TestPruneWebhookEventsKeepsCounts(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		seed(t, s)
		ctx := context.Background()
		card := testCard(t)
		mk, ut, reg := usage.CategoryMarketing, usage.CategoryUtility, usage.PricingRegular
		call := func(id, event string, at time.Duration, status string, dur int64) store.WebhookCall {
			return store.WebhookCall{ChannelID: "ch1", CallEvent: webhook.CallEvent{CallID: id, Event: event,
				Direction: usage.DirectionOutbound, Timestamp: wh0.Add(at), Status: status, DurationSeconds: dur,
				From: "4915112345678", To: "4915100000001"}}
		}
		old := store.WebhookBatch{
			Statuses: []store.WebhookStatus{
				st("ch1", "m1", "sent", 0, mk, reg),
				st("ch1", "m1", "delivered", time.Minute, mk, reg),
				st("ch1", "m1", "read", 40*time.Minute, "", ""),
				// Read before delivered: counted at the delivered time.
				st("ch1", "m2", "read", 45*time.Minute, ut, reg),
				st("ch1", "m2", "delivered", 10*time.Minute, "", ""),
			},
			Calls: []store.WebhookCall{
				call("c1", "connect", 5*time.Minute, "", 0),
				call("c1", "terminate", 7*time.Minute, "COMPLETED", 120),
			},
		}
		recent := store.WebhookBatch{Statuses: []store.WebhookStatus{st("ch1", "m3", "delivered", 50*time.Minute, mk, reg)}}

		received := wh0
		s.SetClock(func() time.Time { return received })
		if n, _, err := s.SaveWebhookBatch(ctx, card, old); err != nil || n != 7 {
			t.Fatalf("old: stored %d, %v", n, err)
		}
		received = wh0.AddDate(0, 0, 400)
		if n, _, err := s.SaveWebhookBatch(ctx, card, recent); err != nil || n != 1 {
			t.Fatalf("recent: stored %d, %v", n, err)
		}
		before := readWebhookView(t, s)
		if len(before.Usage) == 0 || len(before.Calls) == 0 {
			t.Fatalf("nothing counted: %+v", before)
		}

		p, err := s.Prune(ctx, store.PruneOptions{WebhookEventsBefore: received.Add(-time.Hour), Batch: 2})
		if err != nil {
			t.Fatal(err)
		}
		if p != (store.Pruned{WebhookEvents: 7}) {
			t.Errorf("pruned %+v, want the 7 old events", p)
		}
		if n, _ := s.WebhookEventCount(ctx); n != 1 {
			t.Errorf("%d events left, want 1", n)
		}
		if ok, _ := s.HasWebhookEvent(ctx, "status", "m3", "delivered"); !ok {
			t.Error("the recent event was pruned")
		}
		if got := readWebhookView(t, s); !reflect.DeepEqual(got, before) {
			t.Errorf("counters changed by pruning:\n got %+v\nwant %+v", got, before)
		}

		// Meta delivers the old events again: stored anew, counted once.
		if _, _, err := s.SaveWebhookBatch(ctx, card, old); err != nil {
			t.Fatal(err)
		}
		if got := readWebhookView(t, s); !reflect.DeepEqual(got, before) {
			t.Errorf("a redelivery after pruning changed the counters:\n got %+v\nwant %+v", got, before)
		}
		if _, dups, err := s.SaveWebhookBatch(ctx, card, old); err != nil || dups != 7 {
			t.Errorf("third delivery: %d duplicates, %v; want 7", dups, err)
		}
	})
}

// TestPrunePollRunsKeepsNewest: old poll runs go, except the newest of
// each channel, kind and outcome, so freshness and "last poll" survive.
func TestPrunePollRunsKeepsNewest(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		seed(t, s)
		ctx := context.Background()
		now := wh0
		ago := func(days int) time.Time { return now.AddDate(0, 0, -days) }
		runs := []store.PollRun{
			{ChannelID: "ch1", Kind: store.PollRecent, StartedAt: ago(120), Outcome: store.OutcomeOK},                   // pruned
			{ChannelID: "ch1", Kind: store.PollRecent, StartedAt: ago(100), Outcome: store.OutcomeOK},                   // newest ok, kept
			{ChannelID: "ch1", Kind: store.PollRecent, StartedAt: ago(110), Outcome: store.OutcomeError, Error: "boom"}, // pruned
			{ChannelID: "ch1", Kind: store.PollRecent, StartedAt: ago(99), Outcome: store.OutcomeError, Error: "bang"},
			{ChannelID: "ch1", Kind: store.PollBackfill, StartedAt: ago(200), Outcome: store.OutcomeOK}, // only one, kept
			{ChannelID: "", Kind: store.PollDiscover, StartedAt: ago(95), Outcome: store.OutcomeOK},     // pruned
			{ChannelID: "", Kind: store.PollDiscover, StartedAt: ago(1), Outcome: store.OutcomeOK},
			{ChannelID: "ch2", Kind: store.PollRecent, StartedAt: ago(91), Outcome: store.OutcomeOK}, // pruned
			{ChannelID: "ch2", Kind: store.PollRecent, StartedAt: ago(91), Outcome: store.OutcomeOK}, // same start, later id: kept
			{ChannelID: "ch3", Kind: store.PollRecent, StartedAt: ago(89), Outcome: store.OutcomeOK}, // inside retention
		}
		for _, r := range runs {
			if err := s.RecordPollRun(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		lastBefore, err := s.LastPollRuns(ctx, store.ChannelFilter{})
		if err != nil {
			t.Fatal(err)
		}
		okBefore, _, err := s.LastSuccessfulPoll(ctx, store.AllClients(), store.ChannelFilter{ChannelIDs: []string{"ch1"}})
		if err != nil {
			t.Fatal(err)
		}

		p, err := s.Prune(ctx, store.PruneOptions{PollRunsBefore: ago(90), Batch: 1})
		if err != nil {
			t.Fatal(err)
		}
		if p != (store.Pruned{PollRuns: 4}) {
			t.Errorf("pruned %+v, want 4 poll runs", p)
		}
		if n, _ := s.CountRows(ctx, "poll_runs"); n != int64(len(runs)-4) {
			t.Errorf("%d poll runs left, want %d", n, len(runs)-4)
		}
		lastAfter, err := s.LastPollRuns(ctx, store.ChannelFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(lastAfter, lastBefore) {
			t.Errorf("last runs changed:\n got %+v\nwant %+v", lastAfter, lastBefore)
		}
		okAfter, ok, err := s.LastSuccessfulPoll(ctx, store.AllClients(), store.ChannelFilter{ChannelIDs: []string{"ch1"}})
		if err != nil || !ok || !okAfter.Equal(okBefore) || !okAfter.Equal(ago(100)) {
			t.Errorf("last successful poll = %v, %v, %v; want %v", okAfter, ok, err, ago(100))
		}
		errs, err := s.RecentPollErrors(ctx, store.AllClients(), store.ChannelFilter{}, ago(365))
		if err != nil || len(errs) != 1 || errs[0].Error != "bang" {
			t.Errorf("errors left = %+v, %v; want only the newest", errs, err)
		}
	})
}

// TestPruneAuditAndNothingByDefault: audit entries before the horizon go;
// zero options prune nothing.
func TestPruneAuditAndNothingByDefault(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for i := range 10 {
			e := store.AuditEntry{At: wh0.AddDate(0, 0, -500+i), Actor: "a@example.test", Action: "login"}
			if i >= 7 {
				e.At = wh0.AddDate(0, 0, -i)
			}
			if err := s.AddAudit(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		if p, err := s.Prune(ctx, store.PruneOptions{}); err != nil || p != (store.Pruned{}) {
			t.Fatalf("zero options pruned %+v, %v", p, err)
		}
		p, err := s.Prune(ctx, store.PruneOptions{AuditBefore: wh0.AddDate(0, 0, -400), Batch: 3})
		if err != nil || p != (store.Pruned{Audit: 7}) {
			t.Fatalf("pruned %+v, %v; want 7 audit entries", p, err)
		}
		left, err := s.ListAudit(ctx, 100)
		if err != nil || len(left) != 3 {
			t.Fatalf("left %+v, %v", left, err)
		}
		for _, e := range left {
			if e.At.Before(wh0.AddDate(0, 0, -400)) {
				t.Errorf("entry of %v survived", e.At)
			}
		}
	})
}

// TestPruneStopsOnCancel: a cancelled context stops pruning with its error.
func TestPruneStopsOnCancel(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Prune(ctx, store.PruneOptions{AuditBefore: wh0}); err == nil {
		t.Fatal("prune with a cancelled context succeeded")
	}
}

// TestCheckpointTruncatesWAL: on a SQLite file the -wal file grows with
// writes and CheckpointWAL empties it; Optimize gathers planner statistics.
// Both are no-ops that succeed on PostgreSQL.
func TestCheckpointTruncatesWAL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "insights.db")
	s, err := store.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 3000 {
		if err := s.AddAudit(ctx, store.AuditEntry{At: wh0.Add(time.Duration(i) * time.Second), Action: "login", Detail: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	if fi, err := os.Stat(path + "-wal"); err != nil || fi.Size() == 0 {
		t.Fatalf("no write-ahead log after writes: %v", err)
	}
	done, err := s.CheckpointWAL(ctx)
	if err != nil || !done {
		t.Fatalf("checkpoint: done %v, %v", done, err)
	}
	if fi, err := os.Stat(path + "-wal"); err != nil || fi.Size() != 0 {
		t.Errorf("write-ahead log not truncated: %v", err)
	}
	if err := s.Optimize(ctx); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'audit_log'").Scan(&n); err != nil || n == 0 {
		t.Errorf("no planner statistics for audit_log after Optimize: %d, %v", n, err)
	}

	if dsn := os.Getenv(storetest.PostgresEnv); dsn != "" {
		pg := storetest.OpenPostgres(t, dsn)
		if done, err := pg.CheckpointWAL(ctx); err != nil || !done {
			t.Errorf("postgres checkpoint: %v, %v", done, err)
		}
		if err := pg.Optimize(ctx); err != nil {
			t.Errorf("postgres optimize: %v", err)
		}
	}
}
