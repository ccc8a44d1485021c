package server

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/insights-dev/insights/internal/report"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
	"github.com/insights-dev/insights/templates/pages"
)

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
	d, err := s.reports.Reconcile(ctx, requestScope(c), client.ID, p)
	if err != nil {
		return err
	}
	if d.HookCurrency == "" && s.opts.RateCard != nil {
		// No webhook cost this month: the currency the book would estimate
		// this client's messages in.
		cur, err := s.clientCurrency(ctx, requestScope(c), client.ID)
		if err != nil {
			return err
		}
		d.HookCurrency = s.opts.RateCard.Currency(cur)
	}
	v := buildReconcileView(d)
	name := client.Name
	if name == "" {
		name = client.ID
	}
	v.ClientID, v.ClientName = client.ID, name
	v.Meta = s.pageMeta(name, loc.String(), "")
	monthURL := func(t time.Time) string {
		q := url.Values{"client": {client.ID}, "month": {t.Format("2006-01")}}
		return "/reconcile?" + q.Encode()
	}
	first := time.Date(year, month, 1, 0, 0, 0, 0, time.UTC)
	v.PrevURL, v.NextURL = monthURL(first.AddDate(0, -1, 0)), monthURL(first.AddDate(0, 1, 0))
	return s.render(c, 200, pages.Reconcile(v))
}

// buildReconcileView formats the comparison.
func buildReconcileView(d report.Reconciliation) pages.ReconcileView {
	v := pages.ReconcileView{
		Month: fmt.Sprintf("%04d-%02d", d.Period.From.Year, int(d.Period.From.Month)), Zone: d.Period.Loc.String(),
		TolMessages: report.ReconcileMinDiff, TolPercent: report.ReconcilePercent,
		APICurrency: reconcileOrDash(d.APICurrency), WebhookCurrency: reconcileOrDash(d.HookCurrency), CostComparable: d.Comparable,
	}
	if !d.Comparable {
		v.Notices = append(v.Notices, pages.Notice{Kind: pages.NoticeCostsNotCompared, Currencies: []string{v.WebhookCurrency, v.APICurrency}})
	}
	if d.APIReportedTill.IsZero() {
		v.Notices = append(v.Notices, pages.Notice{Kind: pages.NoticeNoAPIData})
	}
	days := d.SortedDays()
	month := map[usage.Category]*report.Cell{}
	var total report.Cell
	uncovered := 0
	for _, day := range days {
		pending := d.Pending(day)
		covered := d.HasWebhooks(day)
		if !covered {
			uncovered++
		}
		for _, cat := range report.Categories(d.Days[day]) {
			c := *d.Days[day][cat]
			r := reconcileRow(d, day.String(), cat, c)
			r.Pending, r.NoWebhooks = pending, !covered
			r.Flagged = !pending && covered && c.Flagged()
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
				m = &report.Cell{}
				month[cat] = m
			}
			m.Add(c)
			total.Add(c)
		}
	}
	if uncovered > 0 {
		v.Notices = append(v.Notices, pages.Notice{Kind: pages.NoticeNoWebhookDays, Days: uncovered, Of: len(days)})
	}
	for _, cat := range report.Categories(month) {
		r := reconcileRow(d, "", cat, *month[cat])
		r.Flagged = month[cat].Flagged()
		v.Summary = append(v.Summary, r)
	}
	tr := reconcileRow(d, "", "", total)
	tr.Total = true
	v.Summary = append(v.Summary, tr)
	v.Calls = reconcileCallRows(d)
	return v
}

// reconcileRow formats one day's (or the month's) cell of a category.
func reconcileRow(d report.Reconciliation, day string, cat usage.Category, c report.Cell) pages.ReconcileRow {
	r := pages.ReconcileRow{
		Day: day, Category: cat.Label(),
		APIVolume: formatInt(c.APIVolume), WebhookVolume: formatInt(c.HookVolume),
		VolumeDiff: reconcileSigned(c.HookVolume - c.APIVolume),
		APICost:    usage.FormatFixed(c.APICost, 2), WebhookCost: usage.FormatFixed(c.HookCost, 2),
	}
	if d.Comparable {
		r.CostDiff = reconcileSignedMoney(c.HookCost - c.APICost)
	}
	return r
}

// reconcileCallRows formats the calls of each day.
func reconcileCallRows(d report.Reconciliation) []pages.ReconcileCallRow {
	var out []pages.ReconcileCallRow
	for _, day := range d.SortedCallDays() {
		c := d.Calls[day]
		pending, covered := d.Pending(day), d.HasWebhooks(day)
		out = append(out, pages.ReconcileCallRow{
			Day: day.String(), APICalls: formatInt(c.APICalls), WebhookCalls: formatInt(c.HookCalls),
			CallsDiff: reconcileSigned(c.HookCalls - c.APICalls), APIMinutes: reconcileMinutes(c.APISeconds), WebhookMinutes: reconcileMinutes(c.HookSeconds),
			Pending: pending, NoWebhooks: !covered, Flagged: !pending && covered && c.Flagged(),
		})
	}
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

// clientCurrency is the billing currency of the client's first channel that
// has one ("" when none does): webhook estimates are priced in it.
func (s *Server) clientCurrency(ctx context.Context, sc store.Scope, clientID string) (string, error) {
	chs, err := s.store.ListChannels(ctx, sc, store.ChannelFilter{ClientIDs: []string{clientID}})
	if err != nil {
		return "", fmt.Errorf("channels of %s: %w", clientID, err)
	}
	for _, ch := range chs {
		if ch.Currency != "" {
			return ch.Currency, nil
		}
	}
	return "", nil
}
