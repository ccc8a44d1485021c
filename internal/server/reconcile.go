package server

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
	"github.com/insights-dev/insights/templates/pages"
)

// Reconciliation tolerance: a difference is flagged when it is larger than
// both reconcileMinDiff messages (or calls) and reconcilePercent of the
// larger of the two counts.
const (
	reconcileMinDiff = 5
	reconcilePercent = 2
)

// reconcileFlag reports whether counts a and b differ beyond the tolerance.
func reconcileFlag(a, b int64) bool {
	d := a - b
	if d < 0 {
		d = -d
	}
	return d > reconcileMinDiff && d*100 > reconcilePercent*max(a, b)
}

// reconcileCell sums one day (or the month) and category of both sources.
type reconcileCell struct {
	apiVol, hookVol   int64
	apiCost, hookCost int64
}

// reconcileData is the comparison of one client's month, before formatting.
type reconcileData struct {
	period          usage.Period
	apiCurrency     string
	hookCurrency    string
	comparable      bool
	days            map[usage.Date]map[usage.Category]*reconcileCell
	calls           map[usage.Date]*[4]int64 // api calls, webhook calls, api seconds, webhook seconds
	apiReportedTill time.Time                // end of the last API bucket; zero when none
}

// loadReconcile reads both sources for the client's month.
func (s *Server) loadReconcile(ctx context.Context, sc store.Scope, client store.Client, p usage.Period) (reconcileData, error) {
	d := reconcileData{period: p, days: map[usage.Date]map[usage.Category]*reconcileCell{}, calls: map[usage.Date]*[4]int64{}}
	f := store.UsageFilter{Start: p.Start().UTC(), End: p.End().UTC(), ClientIDs: []string{client.ID},
		GroupBy: []usage.GroupField{usage.ByCategory}}
	apiRows, err := s.store.QueryUsage(ctx, sc, f)
	if err != nil {
		return d, fmt.Errorf("reconcile: %w", err)
	}
	hookRows, err := s.store.QueryWebhookUsage(ctx, sc, f)
	if err != nil {
		return d, fmt.Errorf("reconcile: %w", err)
	}
	apiCur, hookCur := map[string]bool{}, map[string]bool{}
	cell := func(b time.Time, cat usage.Category) *reconcileCell {
		day := usage.DateOf(usage.BucketStart(b, usage.Day, p.Loc))
		m := d.days[day]
		if m == nil {
			m = map[usage.Category]*reconcileCell{}
			d.days[day] = m
		}
		c := m[cat]
		if c == nil {
			c = &reconcileCell{}
			m[cat] = c
		}
		return c
	}
	for _, e := range usage.Aggregate(apiRows, p, usage.Day).Series {
		c := cell(e.Bucket, e.Key.Category)
		c.apiVol += e.Volume
		c.apiCost += e.CostNanos
		if e.Currency != "" {
			apiCur[e.Currency] = true
		}
	}
	for _, e := range usage.Aggregate(hookRows, p, usage.Day).Series {
		c := cell(e.Bucket, e.Key.Category)
		c.hookVol += e.Volume
		c.hookCost += e.CostNanos
		if e.Currency != "" {
			hookCur[e.Currency] = true
		}
	}
	d.apiCurrency, d.hookCurrency = reconcileCurrency(apiCur), reconcileCurrency(hookCur)
	if d.hookCurrency == "" && s.opts.RateCard != nil {
		d.hookCurrency = s.opts.RateCard.Currency
	}
	d.comparable = len(apiCur) <= 1 && len(hookCur) <= 1 && (len(apiCur) == 0 || len(hookCur) == 0 || d.apiCurrency == d.hookCurrency)

	cf := store.UsageFilter{Start: f.Start, End: f.End, ClientIDs: f.ClientIDs}
	apiCalls, err := s.store.QueryCalls(ctx, sc, cf)
	if err != nil {
		return d, fmt.Errorf("reconcile: %w", err)
	}
	hookCalls, err := s.store.QueryWebhookCalls(ctx, sc, cf)
	if err != nil {
		return d, fmt.Errorf("reconcile: %w", err)
	}
	for i, rows := range [][]usage.CallRow{apiCalls, hookCalls} {
		for _, e := range usage.AggregateCalls(rows, p, usage.Day).Series {
			day := usage.DateOf(e.Bucket)
			c := d.calls[day]
			if c == nil {
				c = &[4]int64{}
				d.calls[day] = c
			}
			c[i] += e.Count
			c[2+i] += e.Seconds
		}
	}
	if _, last, ok, err := s.store.UsageBounds(ctx, sc, store.ChannelFilter{ClientIDs: []string{client.ID}}); err != nil {
		return d, fmt.Errorf("reconcile: %w", err)
	} else if ok {
		d.apiReportedTill = last
	}
	return d, nil
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

// hasWebhooks reports whether any message or call of day was counted from
// webhook events.
func (d reconcileData) hasWebhooks(day usage.Date) bool {
	for _, c := range d.days[day] {
		if c.hookVol > 0 {
			return true
		}
	}
	if c := d.calls[day]; c != nil && c[1] > 0 {
		return true
	}
	return false
}

// pending reports whether the API has not yet reported day in full.
func (d reconcileData) pending(day usage.Date) bool {
	end := day.AddDays(1).In(d.period.Loc)
	return d.apiReportedTill.IsZero() || d.apiReportedTill.Before(end)
}

// showReconcile answers GET /reconcile?client=ID&month=YYYY-MM.
func (s *Server) showReconcile(c echo.Context) error {
	ctx := c.Request().Context()
	id := scopeFrom(c).only(c.QueryParam("client"))
	if id == "" {
		return &paramError{"client", "required: the id of the client to reconcile"}
	}
	client, err := s.store.GetClient(ctx, requestScope(c), id)
	if err != nil {
		return err
	}
	loc, err := usage.LoadZone(client.Timezone)
	if err != nil {
		loc = time.UTC
	}
	now := s.now().In(loc)
	year, month := now.Year(), now.Month()
	if m := c.QueryParam("month"); m != "" {
		y, mo, err := usage.ParseMonth(m)
		if err != nil {
			return &paramError{"month", err.Error()}
		}
		year, month = y, mo
	}
	p, ok := scopeFrom(c).dates().Clip(usage.MonthPeriod(year, month, loc))
	if !ok {
		return &paramError{"month", "outside this shared view (" + scopeFrom(c).dates().String() + ")"}
	}
	d, err := s.loadReconcile(ctx, requestScope(c), client, p)
	if err != nil {
		return err
	}
	v := buildReconcileView(d)
	name := client.Name
	if name == "" {
		name = client.ID
	}
	v.ClientID, v.ClientName = client.ID, name
	v.Meta = s.pageMeta("Reconciliation · "+name, name, loc.String(), "")
	monthURL := func(t time.Time) string {
		q := url.Values{"client": {client.ID}, "month": {t.Format("2006-01")}}
		return "/reconcile?" + q.Encode()
	}
	first := time.Date(year, month, 1, 0, 0, 0, 0, time.UTC)
	v.PrevURL, v.NextURL = monthURL(first.AddDate(0, -1, 0)), monthURL(first.AddDate(0, 1, 0))
	return s.render(c, 200, pages.Reconcile(v))
}

// buildReconcileView formats the comparison.
func buildReconcileView(d reconcileData) pages.ReconcileView {
	v := pages.ReconcileView{
		Month: fmt.Sprintf("%04d-%02d", d.period.From.Year, int(d.period.From.Month)), Zone: d.period.Loc.String(),
		Tolerance:   fmt.Sprintf("%d messages and %d%%", reconcileMinDiff, reconcilePercent),
		APICurrency: reconcileOrDash(d.apiCurrency), WebhookCurrency: reconcileOrDash(d.hookCurrency), CostComparable: d.comparable,
	}
	if !d.comparable {
		v.Notices = append(v.Notices, "Costs are not compared: the rate card's currency ("+v.WebhookCurrency+
			") differs from the currency the Partner API reports ("+v.APICurrency+").")
	}
	if d.apiReportedTill.IsZero() {
		v.Notices = append(v.Notices, "The Partner API has reported nothing for this client yet.")
	}
	row := func(day string, cat usage.Category, c reconcileCell) pages.ReconcileRow {
		r := pages.ReconcileRow{
			Day: day, Category: cat.Label(),
			APIVolume: formatInt(c.apiVol), WebhookVolume: formatInt(c.hookVol),
			VolumeDiff: reconcileSigned(c.hookVol - c.apiVol),
			APICost:    usage.FormatFixed(c.apiCost, 2), WebhookCost: usage.FormatFixed(c.hookCost, 2),
		}
		if cat == "" {
			r.Category = "(none)"
		}
		if d.comparable {
			r.CostDiff = reconcileSignedMoney(c.hookCost - c.apiCost)
		}
		return r
	}
	days := make([]usage.Date, 0, len(d.days))
	for day := range d.days {
		days = append(days, day)
	}
	slices.SortFunc(days, func(a, b usage.Date) int { return a.In(time.UTC).Compare(b.In(time.UTC)) })
	month := map[usage.Category]*reconcileCell{}
	var total reconcileCell
	uncovered := 0
	for _, day := range days {
		pending := d.pending(day)
		covered := d.hasWebhooks(day)
		if !covered {
			uncovered++
		}
		for _, cat := range reconcileCategories(d.days[day]) {
			c := *d.days[day][cat]
			r := row(day.String(), cat, c)
			r.Pending, r.NoWebhooks = pending, !covered
			r.Flagged = !pending && covered && reconcileFlag(c.apiVol, c.hookVol)
			if r.Flagged {
				v.Flagged++
			}
			v.Days = append(v.Days, r)
			if !covered {
				// The month compares only days both sources speak for.
				continue
			}
			m := month[cat]
			if m == nil {
				m = &reconcileCell{}
				month[cat] = m
			}
			m.apiVol += c.apiVol
			m.hookVol += c.hookVol
			m.apiCost += c.apiCost
			m.hookCost += c.hookCost
			total.apiVol += c.apiVol
			total.hookVol += c.hookVol
			total.apiCost += c.apiCost
			total.hookCost += c.hookCost
		}
	}
	if uncovered > 0 {
		v.Notices = append(v.Notices, fmt.Sprintf("No webhook event was counted on %d of the %d days shown: "+
			"those days are listed but not flagged, and the month summary compares only the other %d.",
			uncovered, len(days), len(days)-uncovered))
	}
	for _, cat := range reconcileCategories(month) {
		r := row("", cat, *month[cat])
		r.Flagged = reconcileFlag(month[cat].apiVol, month[cat].hookVol)
		v.Summary = append(v.Summary, r)
	}
	tr := row("", "", total)
	tr.Category, tr.Total = "All categories", true
	v.Summary = append(v.Summary, tr)

	callDays := make([]usage.Date, 0, len(d.calls))
	for day := range d.calls {
		callDays = append(callDays, day)
	}
	slices.SortFunc(callDays, func(a, b usage.Date) int { return a.In(time.UTC).Compare(b.In(time.UTC)) })
	for _, day := range callDays {
		c := d.calls[day]
		pending, covered := d.pending(day), d.hasWebhooks(day)
		v.Calls = append(v.Calls, pages.ReconcileCallRow{
			Day: day.String(), APICalls: formatInt(c[0]), WebhookCalls: formatInt(c[1]),
			CallsDiff: reconcileSigned(c[1] - c[0]), APIMinutes: reconcileMinutes(c[2]), WebhookMinutes: reconcileMinutes(c[3]),
			Pending: pending, NoWebhooks: !covered, Flagged: !pending && covered && reconcileFlag(c[0], c[1]),
		})
	}
	return v
}

func reconcileCategories(m map[usage.Category]*reconcileCell) []usage.Category {
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

func reconcileSigned(n int64) string {
	if n > 0 {
		return "+" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

func reconcileSignedMoney(n int64) string {
	if n > 0 {
		return "+" + usage.FormatFixed(n, 2)
	}
	return usage.FormatFixed(n, 2)
}

func reconcileMinutes(seconds int64) string {
	return strconv.FormatInt(seconds/60, 10) + "." + fmt.Sprintf("%02d", seconds%60*100/60)
}

func reconcileOrDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
