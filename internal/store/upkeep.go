package store

import (
	"context"
	"fmt"
	"time"
)

// Upkeep: pruning of the tables that only grow, and care of the SQLite file.
//
// Pruning deletes in batches of at most PruneOptions.Batch rows, each batch
// its own statement, so on SQLite the one writer connection is held for a
// moment per batch and webhooks and polls are written in between. DELETE is
// idempotent: two replicas pruning at once on PostgreSQL delete each row
// once between them.
//
// webhook_events is the natural-key record that makes a re-delivered event a
// duplicate. The counters do not read it: they live in webhook_messages and
// webhook_calls, which are never pruned here. Pruning an event therefore
// changes no count, and should the same event be delivered again after its
// record went, folding it once more into its message or call changes
// nothing either: the fold keeps earliest instants and the best pricing
// seen, and a call's terminate event is the same event again. Meta retries
// a delivery for a few days, far inside any retention config allows.

// PruneOptions says which old rows Prune deletes. A zero time keeps that
// table whole.
type PruneOptions struct {
	// WebhookEventsBefore: webhook events received before it.
	WebhookEventsBefore time.Time
	// PollRunsBefore: poll runs started before it, except the newest run of
	// each channel, kind and outcome, which the freshness and stalled-polling
	// checks read however old it is.
	PollRunsBefore time.Time
	// AuditBefore: audit-log entries written before it.
	AuditBefore time.Time
	// Batch bounds the rows one DELETE removes (DefaultPruneBatch when ≤ 0).
	Batch int
}

// DefaultPruneBatch is the batch size Prune uses by default: a few
// milliseconds of writer time on SQLite.
const DefaultPruneBatch = 2000

// Pruned counts the rows Prune deleted, per table.
type Pruned struct {
	WebhookEvents, PollRuns, Audit int64
}

// Prune deletes the rows o names, in batches, and reports how many went. On
// error or cancellation it returns what it deleted until then.
func (s *Store) Prune(ctx context.Context, o PruneOptions) (Pruned, error) {
	var p Pruned
	steps := []struct {
		name   string
		before time.Time
		table  string
		keys   string
		rows   string
		into   *int64
	}{
		{"webhook events", o.WebhookEventsBefore, "webhook_events", "kind, ref_id, event",
			"SELECT kind, ref_id, event FROM webhook_events WHERE received_at < ?", &p.WebhookEvents},
		{"poll runs", o.PollRunsBefore, "poll_runs", "id",
			`SELECT p.id FROM poll_runs p WHERE p.started_at < ? AND EXISTS (SELECT 1 FROM poll_runs n
				WHERE n.channel_id = p.channel_id AND n.kind = p.kind AND n.outcome = p.outcome
				AND n.started_at >= p.started_at AND (n.started_at > p.started_at OR n.id > p.id))`, &p.PollRuns},
		{"audit log", o.AuditBefore, "audit_log", "id", "SELECT id FROM audit_log WHERE at < ?", &p.Audit},
	}
	batch := o.Batch
	if batch <= 0 {
		batch = DefaultPruneBatch
	}
	for _, st := range steps {
		if st.before.IsZero() {
			continue
		}
		q := "DELETE FROM " + st.table + " WHERE (" + st.keys + ") IN (" + st.rows + " LIMIT ?)"
		for {
			res := s.w.WithContext(ctx).Exec(q, unix(st.before), batch)
			if res.Error != nil {
				return p, fmt.Errorf("store: prune %s: %w", st.name, res.Error)
			}
			*st.into += res.RowsAffected
			if res.RowsAffected < int64(batch) {
				break
			}
			if err := ctx.Err(); err != nil {
				return p, fmt.Errorf("store: prune %s: %w", st.name, err)
			}
		}
	}
	return p, nil
}

// Optimize refreshes the query planner's statistics where the engine leaves
// that to the application: PRAGMA optimize on SQLite (cheap; run it every
// few hours and before closing); nothing on PostgreSQL, whose autovacuum
// analyzes tables itself.
func (s *Store) Optimize(ctx context.Context) error {
	if err := s.dialect.optimize(ctx, s.w); err != nil {
		return fmt.Errorf("store: optimize: %w", err)
	}
	return nil
}

// CheckpointWAL copies SQLite's write-ahead log into the database file and
// truncates the log, which SQLite's own checkpoints reuse but never shrink.
// done is false when readers kept it from finishing; the next call catches
// up. Nothing to do on PostgreSQL (done is true).
func (s *Store) CheckpointWAL(ctx context.Context) (done bool, err error) {
	done, err = s.dialect.checkpoint(ctx, s.w)
	if err != nil {
		return false, fmt.Errorf("store: checkpoint: %w", err)
	}
	return done, nil
}
