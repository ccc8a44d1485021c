package server

import (
	"time"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
)

// dailyOK reports whether usage for p, shown in buckets of g, may be read
// from the store's UTC daily rollup: g is a day or a month and p's zone is
// UTC-aligned throughout (offset 0 at the start of every day of p and at its
// end), so each of its local days is one UTC day.
func dailyOK(p usage.Period, g usage.Granularity) bool {
	if g != usage.Day && g != usage.Month {
		return false
	}
	if p.Loc == nil || p.Loc == time.UTC {
		return true
	}
	end := p.End()
	for t := p.Start(); t.Before(end); t = t.AddDate(0, 0, 1) {
		if _, off := t.Zone(); off != 0 {
			return false
		}
	}
	_, off := end.Zone()
	return off == 0
}

// usageFilter is q's store filter over p, allowed to use the daily rollup
// when the rows are shown in buckets of g (see dailyOK).
func (q Query) usageFilter(p usage.Period, g usage.Granularity, groupBy []usage.GroupField) store.UsageFilter {
	f := q.storeFilter(p, groupBy)
	f.DailyOK = dailyOK(p, g)
	return f
}
