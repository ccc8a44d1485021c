package server

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/insights-dev/insights/internal/report"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
	"github.com/insights-dev/insights/templates/pages"
)

// webhookToday is what the webhook counters hold for a scope since local
// midnight.
type webhookToday struct {
	midnight, now time.Time
	messages      []usage.Row     // by category
	calls         []usage.CallRow // completed calls
	uncounted     int             // calls seen today but not counted (open, failed, missed)
}

// loadWebhookToday reads the webhook counters of the scope in q (client,
// WABA and channel; not the page's category or country filters) for
// [local midnight in loc, now).
func (s *Server) loadWebhookToday(ctx context.Context, q report.Query, loc *time.Location) (webhookToday, error) {
	now := s.now().UTC()
	local := now.In(loc)
	d := webhookToday{midnight: time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc).UTC(), now: now}
	f := store.UsageFilter{Start: d.midnight, End: now, ClientIDs: q.ClientIDs, WABAIDs: q.WABAIDs, ChannelIDs: q.ChannelIDs}
	if !f.Start.Before(f.End) {
		return d, nil
	}
	var err error
	f.GroupBy = []usage.GroupField{usage.ByCategory}
	if d.messages, err = s.store.QueryWebhookUsage(ctx, q.Scope, f); err != nil {
		return d, fmt.Errorf("insights: webhook messages today: %w", err)
	}
	f.GroupBy = nil
	if d.calls, err = s.store.QueryWebhookCalls(ctx, q.Scope, f); err != nil {
		return d, fmt.Errorf("insights: webhook calls today: %w", err)
	}
	all, err := s.store.ListWebhookCalls(ctx, q.Scope, f, 0)
	if err != nil {
		return d, fmt.Errorf("insights: webhook call list today: %w", err)
	}
	for _, c := range all {
		if !c.Completed {
			d.uncounted++
		}
	}
	return d, nil
}

// webhookTodayView formats today's webhook counters.
func (s *Server) webhookTodayView(d webhookToday, loc *time.Location) pages.WebhookToday {
	v := pages.WebhookToday{
		Day: d.midnight.In(loc).Format("2 Jan 2006"), Zone: loc.String(), Until: d.now.In(loc).Format("15:04"),
		ByCategory: pages.Breakdown{TestID: "webhook-today-category", Kind: pages.TodayByCategory},
	}
	var msgs, missing int64
	cost := usage.Totals{}
	byCat := map[usage.Category]*report.DimTotals{}
	for _, r := range d.messages {
		msgs += r.Volume
		missing += r.CostMissing
		t := byCat[r.Key.Category]
		if t == nil {
			t = report.NewDimTotals(string(r.Key.Category))
			byCat[r.Key.Category] = t
		}
		t.Volume += r.Volume
		if r.Currency != "" {
			t.Cost.Add(r.Currency, r.CostNanos)
			cost.Add(r.Currency, r.CostNanos)
		}
	}
	var calls, in, out, secs int64
	for _, r := range d.calls {
		calls += r.Count
		secs += r.Seconds
		switch r.Direction {
		case usage.DirectionInbound:
			in += r.Count
		case usage.DirectionOutbound:
			out += r.Count
		}
	}
	if msgs == 0 && calls == 0 && d.uncounted == 0 {
		v.Empty, v.NoSecret = true, s.opts.WebhookSecret == ""
		return v
	}
	v.Stats = append(v.Stats, pages.Stat{TestID: "today-messages", Measure: pages.MeasureMessagesToday, Value: formatInt(msgs)})
	for _, c := range cost.Currencies() {
		st := pages.Stat{TestID: "today-cost-" + strings.ToLower(c), Measure: pages.MeasureEstimatedCost, Currency: c, Value: formatMoney(c, cost[c])}
		if missing > 0 {
			st.Sub = pages.Sub{Kind: pages.SubWithoutRate, A: formatInt(missing)}
		}
		v.Stats = append(v.Stats, st)
	}
	v.Stats = append(v.Stats,
		pages.Stat{TestID: "today-calls", Measure: pages.MeasureCallsToday, Value: formatInt(calls),
			Sub: pages.Sub{Kind: pages.SubInOut, A: formatInt(in), B: formatInt(out)}},
		pages.Stat{TestID: "today-minutes", Measure: pages.MeasureMinutesToday, Value: formatMinutes(secs)},
	)
	cats := make([]usage.Category, 0, len(byCat))
	for c := range byCat {
		cats = append(cats, c)
	}
	rank := func(c usage.Category) int {
		if i := slices.Index(usage.KnownCategories, c); i >= 0 {
			return i
		}
		return len(usage.KnownCategories)
	}
	sort.Slice(cats, func(i, j int) bool {
		if ri, rj := rank(cats[i]), rank(cats[j]); ri != rj {
			return ri < rj
		}
		return cats[i] < cats[j]
	})
	for _, c := range cats {
		t := byCat[c]
		row := pages.BreakdownRow{Key: string(c), Label: c.Label(), Cells: []string{formatInt(t.Volume), moneyCell(t.Cost)}}
		if c == "" {
			row.Name = pages.RowUnreported
		}
		v.ByCategory.Rows = append(v.ByCategory.Rows, row)
	}
	if len(v.ByCategory.Rows) > 0 {
		v.ByCategory.Foot = []string{formatInt(msgs), moneyCell(cost)}
	}
	return v
}

// durationBuckets are the keys (the templates name them) and upper bounds
// (exclusive, in seconds) of the call duration distribution; the last
// bucket is open-ended.
var durationBuckets = []struct {
	key   string
	below int64 // 0: no upper bound
}{
	{"lt30s", 30},
	{"30s-1m", 60},
	{"1-3m", 180},
	{"3-10m", 600},
	{"ge10m", 0},
}

// callDetailView summarises the webhook calls of the selected period:
// outcomes, and the duration distribution of completed calls.
func callDetailView(calls []store.CallDetail, period string) pages.CallDetail {
	v := pages.CallDetail{Empty: len(calls) == 0, Period: period}
	if v.Empty {
		return v
	}
	var completed, failed, missed, open int64
	counts := make([]int64, len(durationBuckets))
	secs := make([]int64, len(durationBuckets))
	for _, c := range calls {
		switch {
		case !c.Terminated:
			open++
		case c.Completed:
			completed++
			i := len(durationBuckets) - 1
			for j, b := range durationBuckets {
				if b.below > 0 && c.DurationSeconds < b.below {
					i = j
					break
				}
			}
			counts[i]++
			secs[i] += c.DurationSeconds
		case strings.EqualFold(c.Status, "FAILED"):
			failed++
		default:
			missed++
		}
	}
	total := int64(len(calls))
	v.Stats = []pages.Stat{
		{TestID: "calls-completed", Measure: pages.MeasureCompleted, Value: formatInt(completed), Sub: shareOfCalls(completed, total)},
		{TestID: "calls-failed", Measure: pages.MeasureFailed, Value: formatInt(failed), Sub: shareOfCalls(failed, total)},
		{TestID: "calls-missed", Measure: pages.MeasureMissed, Value: formatInt(missed), Sub: shareOfCalls(missed, total)},
		{TestID: "calls-open", Measure: pages.MeasureOpen, Value: formatInt(open), Sub: pages.Sub{Kind: pages.SubOpenCall}},
	}
	v.Durations = pages.Breakdown{TestID: "call-durations", Kind: pages.CallDurations}
	var allSecs int64
	for i, b := range durationBuckets {
		allSecs += secs[i]
		v.Durations.Rows = append(v.Durations.Rows, pages.BreakdownRow{Key: b.key, Name: pages.RowDuration,
			Cells: []string{formatInt(counts[i]), formatMinutes(secs[i]), formatShare(counts[i], completed)}})
	}
	v.Durations.Foot = []string{formatInt(completed), formatMinutes(allSecs), formatShare(completed, completed)}
	return v
}

func shareOfCalls(n, total int64) pages.Sub {
	return pages.Sub{Kind: pages.SubShareOfCalls, A: formatShare(n, total)}
}

// reconcileHref links the client's reconciliation page for the current month
// in the client's zone.
func (s *Server) reconcileHref(clientID string, loc *time.Location) string {
	q := url.Values{"client": {clientID}, "month": {s.now().In(loc).Format("2006-01")}}
	return "/reconcile?" + q.Encode()
}
