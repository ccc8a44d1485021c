package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/insights-dev/insights/internal/config"
	"github.com/insights-dev/insights/internal/store"
)

// Upkeep cadence: pruning and the WAL checkpoint hourly, PRAGMA optimize
// every few hours (and at start and shutdown), each pass bounded.
const (
	upkeepEvery    = time.Hour
	optimizeEvery  = 6 * time.Hour
	upkeepTimeout  = 10 * time.Minute
	shutdownTidyIn = 10 * time.Second
)

// upkeep prunes rows past their retention and tends the SQLite file while
// serve runs. Every replica may run it: the deletes are idempotent.
type upkeep struct {
	st            *store.Store
	log           *slog.Logger
	retention     config.Retention
	every         time.Duration
	optimizeEvery time.Duration
	now           func() time.Time
}

func newUpkeep(st *store.Store, log *slog.Logger, r config.Retention) *upkeep {
	return &upkeep{st: st, log: log.With("component", "upkeep"), retention: r, every: upkeepEvery,
		optimizeEvery: optimizeEvery, now: time.Now}
}

// run makes a pass at once and then every u.every until ctx is done.
func (u *upkeep) run(ctx context.Context) {
	t := time.NewTicker(u.every)
	defer t.Stop()
	var optimized time.Time
	for {
		optimize := optimized.IsZero() || u.now().Sub(optimized) >= u.optimizeEvery
		if u.pass(ctx, optimize) && optimize {
			optimized = u.now()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// pass prunes, optionally optimizes, and checkpoints; ok is false when a
// step failed (or panicked), which is logged and retried next pass.
func (u *upkeep) pass(ctx context.Context, optimize bool) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			u.log.ErrorContext(ctx, "upkeep pass panicked", "panic", fmt.Sprint(r))
			ok = false
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, upkeepTimeout)
	defer cancel()
	ok = true
	began := u.now()
	p, err := u.st.Prune(ctx, pruneOptions(u.retention, began))
	if p != (store.Pruned{}) {
		u.log.InfoContext(ctx, "pruned rows past their retention", "webhook_events", p.WebhookEvents,
			"poll_runs", p.PollRuns, "audit", p.Audit, "duration", u.now().Sub(began))
	}
	if err != nil {
		u.failed(ctx, "pruning", err)
		ok = false
	}
	if optimize {
		if err := u.st.Optimize(ctx); err != nil {
			u.failed(ctx, "optimizing the database", err)
			ok = false
		}
	}
	if !u.checkpoint(ctx) {
		ok = false
	}
	return ok
}

// finish optimizes and checkpoints once more at shutdown, after the last
// writes and before the database closes.
func (u *upkeep) finish() {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTidyIn)
	defer cancel()
	if err := u.st.Optimize(ctx); err != nil {
		u.failed(ctx, "optimizing the database", err)
	}
	u.checkpoint(ctx)
}

func (u *upkeep) checkpoint(ctx context.Context) bool {
	done, err := u.st.CheckpointWAL(ctx)
	if err != nil {
		u.failed(ctx, "checkpointing the write-ahead log", err)
		return false
	}
	if !done {
		u.log.DebugContext(ctx, "write-ahead log checkpoint left for the next pass: readers were active")
	}
	return true
}

// failed logs a step's error unless serve is stopping.
func (u *upkeep) failed(ctx context.Context, what string, err error) {
	if errors.Is(ctx.Err(), context.Canceled) {
		return
	}
	u.log.WarnContext(ctx, what+" failed", "err", err)
}

// pruneOptions turns retentions into the instants before which rows go;
// a zero retention keeps its rows.
func pruneOptions(r config.Retention, now time.Time) store.PruneOptions {
	before := func(d time.Duration) time.Time {
		if d <= 0 {
			return time.Time{}
		}
		return now.Add(-d)
	}
	return store.PruneOptions{WebhookEventsBefore: before(r.WebhookEvents), PollRunsBefore: before(r.PollRuns),
		AuditBefore: before(r.Audit)}
}
