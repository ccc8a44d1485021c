package report

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
)

// Reconciliation tolerance: a difference is flagged when it is larger than
// both ReconcileMinDiff messages (or calls) and ReconcilePercent of the
// larger of the two counts.
const (
	ReconcileMinDiff = 5
	ReconcilePercent = 2
)

// ReconcileFlag reports whether counts a and b differ beyond the tolerance.
func ReconcileFlag(a, b int64) bool {
	d := a - b
	if d < 0 {
		d = -d
	}
	return d > ReconcileMinDiff && d*100 > ReconcilePercent*max(a, b)
}

// Cell sums one day (or the month) and category of both sources: the
// Partner API's and the webhook counters'.
type Cell struct {
	APIVolume, HookVolume int64
	APICost, HookCost     int64 // nanos
}

// Add adds o's counts to c.
func (c *Cell) Add(o Cell) {
	c.APIVolume += o.APIVolume
	c.HookVolume += o.HookVolume
	c.APICost += o.APICost
	c.HookCost += o.HookCost
}

// Flagged reports whether the two sources' volumes differ beyond the
// tolerance.
func (c Cell) Flagged() bool { return ReconcileFlag(c.APIVolume, c.HookVolume) }

// CallCell sums one day's calls of both sources.
type CallCell struct {
	APICalls, HookCalls     int64
	APISeconds, HookSeconds int64
}

// Flagged reports whether the two sources' call counts differ beyond the
// tolerance.
func (c CallCell) Flagged() bool { return ReconcileFlag(c.APICalls, c.HookCalls) }

// Reconciliation compares what the Partner API reported for one client's
// month with what the webhook counters counted, per day and category.
type Reconciliation struct {
	Period       usage.Period
	APICurrency  string // "" when none; "[A B]" when several
	HookCurrency string
	// Comparable: each source has at most one currency and they agree, so
	// costs may be compared.
	Comparable      bool
	Days            map[usage.Date]map[usage.Category]*Cell
	Calls           map[usage.Date]*CallCell
	APIReportedTill time.Time // end of the last API bucket; zero when none
}

// Reconcile reads both sources for a client's month p.
func (s Service) Reconcile(ctx context.Context, sc store.Scope, clientID string, p usage.Period) (Reconciliation, error) {
	d := Reconciliation{Period: p, Days: map[usage.Date]map[usage.Category]*Cell{}, Calls: map[usage.Date]*CallCell{}}
	f := store.UsageFilter{Start: p.Start().UTC(), End: p.End().UTC(), ClientIDs: []string{clientID},
		GroupBy: []usage.GroupField{usage.ByCategory}}
	if err := s.reconcileMessages(ctx, sc, f, &d); err != nil {
		return d, fmt.Errorf("reconcile: %w", err)
	}
	cf := store.UsageFilter{Start: f.Start, End: f.End, ClientIDs: f.ClientIDs}
	if err := s.reconcileCalls(ctx, sc, cf, &d); err != nil {
		return d, fmt.Errorf("reconcile: %w", err)
	}
	if _, last, ok, err := s.Store.UsageBounds(ctx, sc, store.ChannelFilter{ClientIDs: []string{clientID}}); err != nil {
		return d, fmt.Errorf("reconcile: %w", err)
	} else if ok {
		d.APIReportedTill = last
	}
	return d, nil
}

// reconcileMessages fills d's message cells and currencies from both
// sources.
func (s Service) reconcileMessages(ctx context.Context, sc store.Scope, f store.UsageFilter, d *Reconciliation) error {
	apiRows, err := s.Store.QueryUsage(ctx, sc, f)
	if err != nil {
		return err
	}
	hookRows, err := s.Store.QueryWebhookUsage(ctx, sc, f)
	if err != nil {
		return err
	}
	apiCur, hookCur := map[string]bool{}, map[string]bool{}
	for _, e := range usage.Aggregate(apiRows, d.Period, usage.Day).Series {
		c := d.cell(e.Bucket, e.Key.Category)
		c.APIVolume += e.Volume
		c.APICost += e.CostNanos
		if e.Currency != "" {
			apiCur[e.Currency] = true
		}
	}
	for _, e := range usage.Aggregate(hookRows, d.Period, usage.Day).Series {
		c := d.cell(e.Bucket, e.Key.Category)
		c.HookVolume += e.Volume
		c.HookCost += e.CostNanos
		if e.Currency != "" {
			hookCur[e.Currency] = true
		}
	}
	d.APICurrency, d.HookCurrency = reconcileCurrency(apiCur), reconcileCurrency(hookCur)
	d.Comparable = len(apiCur) <= 1 && len(hookCur) <= 1 && (len(apiCur) == 0 || len(hookCur) == 0 || d.APICurrency == d.HookCurrency)
	return nil
}

// reconcileCalls fills d's call cells from both sources.
func (s Service) reconcileCalls(ctx context.Context, sc store.Scope, f store.UsageFilter, d *Reconciliation) error {
	apiCalls, err := s.Store.QueryCalls(ctx, sc, f)
	if err != nil {
		return err
	}
	hookCalls, err := s.Store.QueryWebhookCalls(ctx, sc, f)
	if err != nil {
		return err
	}
	for i, rows := range [][]usage.CallRow{apiCalls, hookCalls} {
		for _, e := range usage.AggregateCalls(rows, d.Period, usage.Day).Series {
			day := usage.DateOf(e.Bucket)
			c := d.Calls[day]
			if c == nil {
				c = &CallCell{}
				d.Calls[day] = c
			}
			if i == 0 {
				c.APICalls += e.Count
				c.APISeconds += e.Seconds
			} else {
				c.HookCalls += e.Count
				c.HookSeconds += e.Seconds
			}
		}
	}
	return nil
}

// cell is the cell of the day holding bucket b, in category cat.
func (d *Reconciliation) cell(b time.Time, cat usage.Category) *Cell {
	day := usage.DateOf(usage.BucketStart(b, usage.Day, d.Period.Loc))
	m := d.Days[day]
	if m == nil {
		m = map[usage.Category]*Cell{}
		d.Days[day] = m
	}
	c := m[cat]
	if c == nil {
		c = &Cell{}
		m[cat] = c
	}
	return c
}

func reconcileCurrency(set map[string]bool) string {
	var list []string
	for c := range set {
		list = append(list, c)
	}
	slices.Sort(list)
	switch len(list) {
	case 0:
		return ""
	case 1:
		return list[0]
	}
	return fmt.Sprint(list)
}

// HasWebhooks reports whether any message or call of day was counted from
// webhook events.
func (d Reconciliation) HasWebhooks(day usage.Date) bool {
	for _, c := range d.Days[day] {
		if c.HookVolume > 0 {
			return true
		}
	}
	if c := d.Calls[day]; c != nil && c.HookCalls > 0 {
		return true
	}
	return false
}

// Pending reports whether the API has not yet reported day in full.
func (d Reconciliation) Pending(day usage.Date) bool {
	end := day.AddDays(1).In(d.Period.Loc)
	return d.APIReportedTill.IsZero() || d.APIReportedTill.Before(end)
}

// SortedDays lists the days with messages, oldest first.
func (d Reconciliation) SortedDays() []usage.Date { return sortedDates(d.Days) }

// SortedCallDays lists the days with calls, oldest first.
func (d Reconciliation) SortedCallDays() []usage.Date { return sortedDates(d.Calls) }

func sortedDates[V any](m map[usage.Date]V) []usage.Date {
	days := make([]usage.Date, 0, len(m))
	for day := range m {
		days = append(days, day)
	}
	slices.SortFunc(days, func(a, b usage.Date) int { return a.In(time.UTC).Compare(b.In(time.UTC)) })
	return days
}

// Categories lists the categories of m in their display order.
func Categories(m map[usage.Category]*Cell) []usage.Category {
	out := make([]usage.Category, 0, len(m))
	for c := range m {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b usage.Category) int {
		if ra, rb := a.Rank(), b.Rank(); ra != rb {
			return ra - rb
		}
		if a < b {
			return -1
		} else if a > b {
			return 1
		}
		return 0
	})
	return out
}
