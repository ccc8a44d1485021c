package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/config"
	"github.com/insights-dev/insights/internal/store"
)

// TestUpkeepPrunesUntilCancelled runs the upkeep loop on a SQLite file: it
// prunes audit entries past their retention on its first pass and again on
// later ones, returns promptly when cancelled, and finish leaves an empty
// write-ahead log.
func TestUpkeepPrunesUntilCancelled(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "insights.db")
	st, err := store.Open(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	audit := func(at time.Time) {
		t.Helper()
		if err := st.AddAudit(ctx, store.AuditEntry{At: at, Action: "login"}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5 {
		audit(now.AddDate(0, 0, -40-i))
	}
	audit(now.AddDate(0, 0, -1))
	entries := func() int {
		t.Helper()
		list, err := st.ListAudit(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	waitFor := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); entries() != n; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("audit entries = %d, want %d", entries(), n)
			}
		}
	}

	u := newUpkeep(st, slog.New(slog.DiscardHandler), config.Retention{Audit: 30 * config.Day})
	u.every = 20 * time.Millisecond
	runCtx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() { defer close(stopped); u.run(runCtx) }()
	waitFor(1)
	audit(now.AddDate(0, 0, -31)) // a later pass prunes this one too
	waitFor(1)

	cancel()
	select {
	case <-stopped:
	case <-time.After(2 * time.Second):
		t.Fatal("upkeep did not stop when cancelled")
	}
	for i := range 500 {
		audit(now.Add(time.Duration(i) * time.Second))
	}
	u.finish()
	if fi, err := os.Stat(db + "-wal"); err != nil || fi.Size() != 0 {
		t.Errorf("write-ahead log not empty after finish: %v", err)
	}
}

func TestPruneOptions(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	got := pruneOptions(config.Retention{WebhookEvents: 400 * config.Day, Audit: 30 * config.Day}, now)
	want := store.PruneOptions{WebhookEventsBefore: now.AddDate(0, 0, -400), AuditBefore: now.AddDate(0, 0, -30)}
	if got != want {
		t.Errorf("pruneOptions = %+v, want %+v (zero retention keeps poll runs)", got, want)
	}
}
