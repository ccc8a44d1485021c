package server

import (
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
)

// dailyOK reports whether usage shown in buckets of g may be read from the
// store's daily rollups: g is a day or a month (the store folds UTC days
// into the days of any zone, see store.UsageFilter.DayZone).
func dailyOK(g usage.Granularity) bool {
	return g == usage.Day || g == usage.Month
}

// usageFilter is q's store filter over p, allowed to use the daily rollup
// when the rows are shown in buckets of g (see dailyOK).
func (q Query) usageFilter(p usage.Period, g usage.Granularity, groupBy []usage.GroupField) store.UsageFilter {
	f := q.storeFilter(p, groupBy)
	f.DailyOK, f.DayZone = dailyOK(g), p.Loc
	return f
}

// totalsFilter is q's store filter for the sums over p per groupBy and
// currency (store.UsageFilter.Totals).
func (q Query) totalsFilter(p usage.Period, groupBy []usage.GroupField) store.UsageFilter {
	f := q.storeFilter(p, groupBy)
	f.Totals, f.DayZone = true, p.Loc
	return f
}
