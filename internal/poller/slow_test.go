package poller

import (
	"testing"
	"time"
)

// TestBackfillDuring checks when a slow query counts as expected: while a
// backfill runs, and for a query that began before the last backfill ended
// (it may have waited behind its writes), but not for one that began after.
func TestBackfillDuring(t *testing.T) {
	t.Parallel()
	var p Poller
	begin := time.Now()
	if p.backfillDuring(begin) {
		t.Error("no backfill has run: a slow query is not expected")
	}
	p.backfills.Add(1)
	if !p.backfillDuring(begin) {
		t.Error("a backfill is running: a slow query is expected")
	}
	p.backfillEnded.Store(begin.Add(time.Second).UnixNano())
	p.backfills.Add(-1)
	if !p.backfillDuring(begin) {
		t.Error("the query began before the backfill ended: it is expected")
	}
	if p.backfillDuring(begin.Add(2 * time.Second)) {
		t.Error("the query began after the last backfill ended: it is not expected")
	}
}
