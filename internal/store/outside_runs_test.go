package store

import (
	"testing"
	"time"
)

// TestOutsideRunsListEveryBucketOnce: over a year in zones east and west of
// UTC, the raw-hours parts of the local-day fold list each half-hour bucket
// outside its UTC day's noon-day exactly once, in parts of at most maxProbes
// buckets.
func TestOutsideRunsListEveryBucketOnce(t *testing.T) {
	t.Parallel()
	from, to := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for _, zone := range []string{"Europe/Berlin", "Pacific/Kiritimati", "America/St_Johns", "Pacific/Auckland", "America/Los_Angeles"} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		want := map[int64]bool{}
		for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
			ls, le := localDayOf(d.Add(12*time.Hour), loc)
			for b := d; b.Before(d.AddDate(0, 0, 1)); b = b.Add(30 * time.Minute) {
				if b.Before(ls) || !b.Before(le) {
					want[b.Unix()] = true
				}
			}
		}
		got := map[int64]bool{}
		for _, r := range outsideRuns(from, to, loc) {
			starts := r.secondsOfDay.bucketStarts(r.start, r.end)
			if len(starts) > maxProbes {
				t.Errorf("%s: a part lists %d buckets, more than %d", zone, len(starts), maxProbes)
			}
			for _, b := range starts {
				if got[b] || !want[b] {
					t.Fatalf("%s: bucket %s listed twice or not outside its noon-day", zone, time.Unix(b, 0).UTC())
				}
				got[b] = true
			}
		}
		if len(got) != len(want) || len(want) == 0 {
			t.Errorf("%s: %d buckets listed, want %d (> 0)", zone, len(got), len(want))
		}
	}
}
