package store

import (
	"cmp"
	"context"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/insights-dev/insights/internal/usage"
)

// Local days from UTC daily rollups. A local day of a zone east or west of
// UTC is never a UTC day, but each UTC day d lies mostly in one local day:
// the one holding d's noon. queryLocalDays credits d's rollup row to that
// day (it is given d's noon as bucket) and reads from the raw points only the
// rows of d that lie outside it, at most twelve hours of each day (one hour
// a day for Europe/Berlin in winter): each such row is added to its own
// local day and taken back out of the day d's rollup row was credited to.
// The sums per local day are exact, DST changes included; the raw rows are
// read with one query per run of days that share the same hours outside (a
// DST change starts a new run).

// isLocalMidnight reports whether t is a midnight in loc.
func isLocalMidnight(t time.Time, loc *time.Location) bool {
	start, _ := localDayOf(t, loc)
	return t.Equal(start)
}

// utcOffsetZero reports whether loc (nil: UTC) has offset 0 at every UTC
// midnight in [start, end], so that its days there are UTC days.
func utcOffsetZero(start, end time.Time, loc *time.Location) bool {
	if loc == nil || loc == time.UTC {
		return true
	}
	for t := start; !t.After(end); t = t.AddDate(0, 0, 1) {
		if _, off := t.In(loc).Zone(); off != 0 {
			return false
		}
	}
	return true
}

// localPeriod is the period of the local days of loc in [start, end), two
// midnights of loc. Zones whose offset is not whole half hours
// (usage.ZoneIsApproximate: Asia/Kathmandu, Pacific/Chatham) have half-hour
// points that straddle a local midnight, which usage.BucketStart assigns to
// the nearer day: those read the raw points.
func localPeriod(start, end time.Time, loc *time.Location) usage.Period {
	return usage.Period{From: usage.DateOf(start.In(loc)), To: usage.DateOf(end.In(loc)).AddDays(-1), Loc: loc}
}

// localDayOf returns the UTC bounds of the local day of loc that holds t.
func localDayOf(t time.Time, loc *time.Location) (start, end time.Time) {
	l := t.In(loc)
	start = time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
	return start.UTC(), start.AddDate(0, 0, 1).UTC()
}

// maxProbes bounds the half-hour buckets one raw-hours query lists.
const maxProbes = 1000

// outsideRuns lists, for the UTC days in [from, to), the hours of each day
// outside the local day of its noon, as raw-point parts over runs of days
// with the same hours (each run at most maxProbes buckets long).
func outsideRuns(from, to time.Time, loc *time.Location) []rangePart {
	var runs []rangePart
	add := func(d time.Time, lo, hi int64) {
		hours := secondsOfDay{lo, hi}
		for i := range runs {
			r := &runs[i]
			days := int(r.end.Sub(r.start) / (24 * time.Hour))
			if r.end.Equal(d) && r.secondsOfDay == hours && (days+1)*hours.halfHoursPerDay() <= maxProbes {
				r.end = d.AddDate(0, 0, 1)
				return
			}
		}
		runs = append(runs, rangePart{src: apiUsage, start: d, end: d.AddDate(0, 0, 1), secondsOfDay: hours})
	}
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		ls, le := localDayOf(d.Add(12*time.Hour), loc)
		if ls.After(d) {
			add(d, 0, int64(ls.Sub(d)/time.Second))
		}
		if end := d.AddDate(0, 0, 1); le.Before(end) {
			add(d, int64(le.Sub(d)/time.Second), 86400)
		}
	}
	return runs
}

// queryLocalDays answers a DailyOK filter whose bounds are midnights of
// f.DayZone, a zone whose days are not UTC days; see the comment above.
// The rollup and the raw hours of each run are read at once.
func (s *Store) queryLocalDays(ctx context.Context, f UsageFilter) ([]usage.Row, error) {
	results, err := readParts(ctx, f, localDayParts(f), s.queryUsage)
	if err != nil {
		return nil, err
	}
	return foldLocalDays(f, results), nil
}

// localDaysOn is queryLocalDays through db, one part after the other (a
// transaction runs one statement at a time).
func localDaysOn(db *gorm.DB, f UsageFilter) ([]usage.Row, error) {
	parts := localDayParts(f)
	results := make([][]usage.Row, len(parts))
	for i, p := range parts {
		var err error
		if results[i], err = queryUsageOn(db, p.src, p.narrow(f)); err != nil {
			return nil, err
		}
	}
	return foldLocalDays(f, results), nil
}

// localDayParts are the reads of the fold: the UTC-day rollup over the UTC
// days the local days touch, then the raw hours outside each day's noon-day.
func localDayParts(f UsageFilter) []rangePart {
	from := utcMidnight(f.Start)
	to := utcMidnight(f.End)
	if to.Before(f.End) {
		to = to.AddDate(0, 0, 1)
	}
	return append([]rangePart{{src: f.rollup(), start: from, end: to}}, outsideRuns(from, to, f.DayZone)...)
}

// foldLocalDays sums the rows of localDayParts into local days.
func foldLocalDays(f UsageFilter, results [][]usage.Row) []usage.Row {
	loc := f.DayZone
	// Sum per local day, key and currency, keeping the order of the SQL
	// queries (bucket, groups, currency). A sum that nets to nothing (all of
	// a UTC day's rows of a key lie in another local day) is left out, as
	// the raw points would have no row there.
	type dayKey struct {
		day int64
		key usage.GroupKey
		cur string
	}
	type sum struct {
		row    usage.Row
		netted bool
	}
	sums := map[dayKey]*sum{}
	var order []dayKey
	days := map[int64]time.Time{} // local day of each bucket seen
	add := func(r usage.Row, sign int64) {
		if r.Bucket.Before(f.Start) || !r.Bucket.Before(f.End) {
			return
		}
		day, ok := days[r.Bucket.Unix()]
		if !ok {
			day, _ = localDayOf(r.Bucket, loc)
			days[r.Bucket.Unix()] = day
		}
		k := dayKey{day.Unix(), r.Key, r.Currency}
		e := sums[k]
		if e == nil {
			e = &sum{row: usage.Row{Bucket: day, Key: r.Key, Currency: r.Currency}}
			sums[k] = e
			order = append(order, k)
		}
		e.row.Volume += sign * r.Volume
		e.row.Units += sign * r.Units
		e.row.CostNanos += sign * r.CostNanos
		e.row.CostMissing += sign * r.CostMissing
		e.row.CostEstimated += sign * r.CostEstimated
		e.netted = e.netted || sign < 0
	}
	for _, r := range results[0] {
		r.Bucket = r.Bucket.Add(12 * time.Hour)
		add(r, 1)
	}
	for _, rows := range results[1:] {
		for _, r := range rows {
			add(r, 1)
			r.Bucket = utcMidnight(r.Bucket).Add(12 * time.Hour)
			add(r, -1)
		}
	}
	groups := normalizeGroups(f.GroupBy, usage.AllGroupFields)
	slices.SortFunc(order, func(a, b dayKey) int {
		if a.day != b.day {
			return cmp.Compare(a.day, b.day)
		}
		return compareGroups(groups, a.key, b.key, a.cur, b.cur)
	})
	out := make([]usage.Row, 0, len(order))
	for _, k := range order {
		e := sums[k]
		if e.netted && e.row.Volume == 0 && e.row.Units == 0 && e.row.CostNanos == 0 && e.row.CostMissing == 0 && e.row.CostEstimated == 0 {
			continue
		}
		out = append(out, e.row)
	}
	return out
}
