package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/errgroup"

	"github.com/insights-dev/insights/internal/charts"
	"github.com/insights-dev/insights/internal/report"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
	"github.com/insights-dev/insights/templates/pages"
)

// showClient answers GET /clients/:client[?waba=ID]: the Insights view of a
// client or one of its WABAs.
func (s *Server) showClient(c echo.Context) error {
	return s.showInsights(c, c.Param("client"), "")
}

// showChannel answers GET /clients/:client/channels/:channel: the Insights
// view of one phone number.
func (s *Server) showChannel(c echo.Context) error {
	return s.showInsights(c, c.Param("client"), c.Param("channel"))
}

// insightsScope is what an Insights request is about.
type insightsScope struct {
	client   store.Client
	channels []store.Channel // every channel of the client
	channel  *store.Channel  // the channel of a channel view
	currency string          // the client's currency (its channels')
}

func (sc insightsScope) channelByID(id string) (store.Channel, bool) {
	for _, ch := range sc.channels {
		if ch.ID == id {
			return ch, true
		}
	}
	return store.Channel{}, false
}

func (sc insightsScope) wabaIDs() []string {
	var out []string
	for _, ch := range sc.channels {
		if ch.WABAID != "" && !slices.Contains(out, ch.WABAID) {
			out = append(out, ch.WABAID)
		}
	}
	sort.Strings(out)
	return out
}

func channelLabel(ch store.Channel) string {
	switch {
	case ch.PhoneName != "" && ch.PhoneNumber != "":
		return ch.PhoneName + " (" + ch.PhoneNumber + ")"
	case ch.PhoneName != "":
		return ch.PhoneName
	case ch.PhoneNumber != "":
		return ch.PhoneNumber
	}
	return ch.ID
}

func (s *Server) loadScope(c echo.Context, clientID, channelID string) (insightsScope, error) {
	ctx := c.Request().Context()
	var sc insightsScope
	cl, err := s.store.GetClient(ctx, requestScope(c), clientID)
	if err != nil {
		return sc, echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("There is no client with id “%s”.", clientID)).SetInternal(err)
	}
	sc.client = cl
	chs, err := s.store.ListChannels(ctx, requestScope(c), store.ChannelFilter{ClientIDs: []string{clientID}})
	if err != nil {
		return sc, fmt.Errorf("insights: %w", err)
	}
	sc.channels = chs
	if channelID != "" {
		ch, ok := sc.channelByID(channelID)
		if !ok {
			return sc, echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("Client “%s” has no channel with id “%s”.", cl.Name, channelID))
		}
		sc.channel = &ch
	}
	for _, ch := range chs {
		if ch.Currency != "" && (sc.channel == nil || sc.channel.ID == ch.ID) {
			sc.currency = usage.NormalizeCurrency(ch.Currency)
			break
		}
	}
	return sc, nil
}

// insightsData is everything read for one Insights view.
type insightsData struct {
	main      report.UsageReport   // by category, in the view's buckets: KPIs and charts; previous period by pricing type
	breakdown usage.Summary        // totals by pricing type and country over the period
	channels  []store.ChannelTotal // totals per channel over the period
	calls     report.CallReport
}

func (s *Server) showInsights(c echo.Context, clientID, channelID string) error {
	sc, err := s.loadScope(c, clientID, channelID)
	if err != nil {
		return err
	}
	zone := zoneOf(sc.client.Timezone, firstChannelZone(sc.channels))
	q, preset, err := s.insightsQuery(c, sc, zone)
	if err != nil {
		return err
	}
	r, err := s.readInsights(c, sc, q, zone)
	if err != nil {
		return err
	}
	v := s.insightsView(c.Request().URL.Path, sc, q, preset, r.data)
	v.Freshness = r.freshness
	v.Today = s.webhookTodayView(r.today, zone)
	v.Today.Hidden = !r.todayShown
	v.CallDetail = callDetailView(r.webhookCalls, v.Period)
	v.ReconcileHref = s.reconcileHref(sc.client.ID, zoneOf(sc.client.Timezone))
	v.Spend = r.spend
	v.Tiers = r.tiers
	return s.render(c, http.StatusOK, pages.Insights(v))
}

// insightsQuery parses the filters of an Insights request for the client
// (or channel) of sc and refuses WABAs and channels that are not its.
func (s *Server) insightsQuery(c echo.Context, sc insightsScope, zone *time.Location) (report.Query, string, error) {
	q, preset, err := s.pageQuery(c, zone)
	if err != nil {
		return q, preset, err
	}
	q.ClientIDs = []string{sc.client.ID}
	q.Source = "api"
	if sc.channel != nil {
		q.ChannelIDs = []string{sc.channel.ID}
		q.WABAIDs = nil
	}
	for _, w := range q.WABAIDs {
		if !slices.Contains(sc.wabaIDs(), w) {
			return q, preset, &paramError{"waba", fmt.Sprintf("“%s” is not a WABA of %s", w, sc.client.Name)}
		}
	}
	for _, id := range q.ChannelIDs {
		if _, ok := sc.channelByID(id); !ok {
			return q, preset, &paramError{"channel", fmt.Sprintf("“%s” is not a channel of %s", id, sc.client.Name)}
		}
	}
	return q, preset, nil
}

// insightsReads is everything an Insights view reads besides its own
// figures: freshness, the webhook sections, spend and tiers.
type insightsReads struct {
	data         insightsData
	freshness    pages.Freshness
	todayShown   bool // today lies within the requester's dates
	today        webhookToday
	webhookCalls []store.CallDetail
	spend        pages.SpendPanel
	tiers        pages.TiersPanel
}

// readInsights runs the reads of an Insights view. They are independent:
// they run at once, each on its own connection, and the view waits for
// the slowest.
func (s *Server) readInsights(c echo.Context, sc insightsScope, q report.Query, zone *time.Location) (insightsReads, error) {
	var r insightsReads
	g, gctx := errgroup.WithContext(c.Request().Context())
	s.readInsightsData(gctx, g, q, &r.data)
	g.Go(func() (err error) {
		r.freshness, err = s.freshness(gctx, q.Scope, store.ChannelFilter{ClientIDs: q.ClientIDs, WABAIDs: q.WABAIDs, ChannelIDs: q.ChannelIDs}, q.Period.Loc)
		return err
	})
	r.todayShown = q.Within.ContainsDay(usage.DateOf(s.now().In(zone)))
	g.Go(func() (err error) {
		if !r.todayShown {
			return nil
		}
		r.today, err = s.loadWebhookToday(gctx, q, zone)
		return err
	})
	g.Go(func() (err error) {
		if r.webhookCalls, err = s.store.ListWebhookCalls(gctx, q.Scope, q.StoreFilter(q.Period, nil), 0); err != nil {
			return fmt.Errorf("insights: webhook calls: %w", err)
		}
		return nil
	})
	monthShown := s.monthToDateWithin(q.Within, zone)
	g.Go(func() error {
		if monthShown {
			r.spend = s.spendPanel(gctx, c, sc)
		}
		return nil
	})
	g.Go(func() error {
		month := s.tierMonthOf(q.Period, zone)
		if sc.channel == nil && q.Within.Contains(monthSoFar(month, usage.DateOf(s.now().In(zone)))) {
			r.tiers = s.tiersPanel(gctx, c, sc, zone, month)
		}
		return nil
	})
	return r, g.Wait()
}

// readInsightsData starts the reads of the view's own figures in g.
func (s *Server) readInsightsData(ctx context.Context, g *errgroup.Group, q report.Query, d *insightsData) {
	g.Go(func() (err error) {
		mq := q
		mq.GroupBy = []usage.GroupField{usage.ByCategory}
		d.main, err = s.reports.Usage(ctx, mq, usage.ByPricingType)
		return err
	})
	g.Go(func() (err error) {
		d.breakdown, err = s.reports.PeriodTotals(ctx, q, q.Period, []usage.GroupField{usage.ByPricingType, usage.ByCountry})
		return err
	})
	g.Go(func() (err error) {
		if d.channels, err = s.store.ChannelTotals(ctx, q.Scope, q.StoreFilter(q.Period, nil)); err != nil {
			return fmt.Errorf("insights: channel totals: %w", err)
		}
		return nil
	})
	g.Go(func() (err error) {
		cq := q
		cq.GroupBy = nil
		d.calls, err = s.reports.Calls(ctx, cq)
		return err
	})
}

func firstChannelZone(chs []store.Channel) string {
	for _, ch := range chs {
		if ch.Timezone != "" {
			return ch.Timezone
		}
	}
	return ""
}

// pagePath is the path of the client view, or of one channel's view.
func clientPath(clientID string) string { return "/clients/" + url.PathEscape(clientID) }

func channelPath(clientID, channelID string) string {
	return clientPath(clientID) + "/channels/" + url.PathEscape(channelID)
}

// viewValues are the URL parameters that reproduce a page's filters, for
// links that keep them (the channel rows of the breakdown).
func viewValues(q report.Query, preset string) url.Values {
	v := url.Values{}
	if preset != "" && preset != presetCustom {
		v.Set("preset", preset)
	} else {
		v.Set("from", q.Period.From.String())
		v.Set("to", q.Period.To.String())
	}
	v.Set("granularity", string(q.Granularity))
	v.Set("tz", q.Period.Loc.String())
	if len(q.Categories) > 0 {
		v.Set("category", strings.Join(q.Categories, ","))
	}
	if len(q.Countries) > 0 {
		v.Set("country", strings.Join(q.Countries, ","))
	}
	return v
}

func (s *Server) insightsView(path string, sc insightsScope, q report.Query, preset string, d insightsData) pages.InsightsView {
	loc := q.Period.Loc
	cur, prev := d.main.Current, d.main.Previous
	prevLabel := formatPeriod(d.main.PrevSpan)

	title, scope, crumbs := insightsHeading(sc, q, preset)

	v := pages.InsightsView{
		Meta:       s.pageMeta(sc.client.Name, loc.String(), ""),
		Crumbs:     crumbs,
		Title:      title,
		Scope:      scope,
		Period:     formatPeriod(q.Period),
		Previous:   prevLabel,
		Zone:       loc.String(),
		ApproxZone: usage.ZoneIsApproximate(loc, q.Period),
	}
	apiVals := q.Values()
	apiVals.Set("group_by", "category")
	v.APIHref = "/api/v1/usage?" + apiVals.Encode()

	var currencies []string
	v.KPIs, v.Notices, currencies = insightsKPIs(sc, d, prevLabel)

	// Charts.
	buckets := usage.Buckets(q.Period, q.Granularity)
	panel := func(testID string, kind pages.ChartKind, currency string, chart charts.Chart) pages.ChartPanel {
		return pages.ChartPanel{TestID: testID, Kind: kind, Currency: currency, Per: q.Granularity, Zone: loc.String(),
			Period: v.Period, Chart: chart}
	}
	v.Messages = panel("chart-messages", pages.ChartMessages, "", charts.MessagesByCategory(cur.Series, buckets, loc, q.Granularity))
	costCurrencies := charts.Currencies(cur.Series)
	if len(costCurrencies) == 0 {
		costCurrencies = currencies
	}
	if len(costCurrencies) == 0 {
		costCurrencies = []string{""}
	}
	for _, c := range costCurrencies {
		v.Costs = append(v.Costs, panel("chart-costs-"+strings.ToLower(c), pages.ChartCosts, c,
			charts.MessagingCosts(cur.Series, buckets, loc, q.Granularity, c)))
	}

	v.Calls = callsSection(d.calls, prevLabel)
	v.Calls.ByDir = panel("chart-calls", pages.ChartCalls, "", charts.CallsByDirection(d.calls.Current.Series, buckets, loc, q.Granularity))
	v.Calls.Duration = panel("chart-call-duration", pages.ChartCallDuration, "", charts.CallDuration(d.calls.Current.Series, buckets, loc, q.Granularity))
	v.CostEstimate = s.costEstimate(q.Period, cur, d.calls.Current)
	if d.main.PrevHidden {
		v.PrevHidden = true
		hideComparisons(v.KPIs)
	}
	if d.calls.PrevHidden {
		hideComparisons(v.Calls.KPIs)
	}
	v.ByChannel = channelBreakdown(sc, q, preset, d.channels)
	v.ByCountry = countryBreakdown(d.breakdown)
	v.ByPricing = pricingBreakdown(d.breakdown)
	v.Filters = insightsFilters(path, sc, q, preset, d.breakdown, s.now())
	v.Units = unitCards(cur, prev, d.main.PrevHidden)
	v.UnknownCategories = unknownCategoryLabels(cur)
	v.NoDataAtAll = cur.Volume == 0 && prev.Volume == 0 && d.calls.Current.Calls == 0 && len(cur.Units) == 0 && len(prev.Units) == 0
	return v
}

// insightsHeading is the view's title, what it covers and its
// breadcrumbs: the client, or the channel, WABA or channels filtered on.
func insightsHeading(sc insightsScope, q report.Query, preset string) (title string, scope pages.ScopeLine, crumbs []pages.Crumb) {
	title = sc.client.Name
	crumbs = []pages.Crumb{{Home: true, Href: "/"}}
	if sc.channel != nil {
		crumbs = append(crumbs, pages.Crumb{Label: sc.client.Name, Href: clientPath(sc.client.ID) + "?" + viewValues(q, preset).Encode()})
		title = channelLabel(*sc.channel)
		scope.Channel, scope.WABA = sc.channel.ID, sc.channel.WABAID
		return title, scope, crumbs
	}
	scope.WABAs = q.WABAIDs
	for _, id := range q.ChannelIDs {
		ch, _ := sc.channelByID(id)
		scope.Channels = append(scope.Channels, channelLabel(ch))
	}
	return title, scope, crumbs
}

// insightsKPIs are the KPI cards (messages, cost per currency, paid and
// free) with the notices about costs, and the currencies shown.
func insightsKPIs(sc insightsScope, d insightsData, prevLabel string) (kpis []pages.KPI, notices []pages.Notice, currencies []string) {
	cur, prev := d.main.Current, d.main.Previous
	paid, free := paidFree(d.breakdown)
	prevPaid, prevFree := paidFree(d.main.Previous)
	kpis = append(kpis, pages.KPI{
		TestID: "kpi-messages", Measure: pages.MeasureMessages, Value: formatInt(cur.Volume),
		Delta: changeOf(cur.Volume, prev.Volume), Previous: formatInt(prev.Volume), PrevPeriod: prevLabel,
	})
	currencies = report.Currencies(cur.Cost, prev.Cost)
	if len(currencies) == 0 && sc.currency != "" {
		currencies = []string{sc.currency}
	}
	for i, c := range currencies {
		id := "kpi-cost"
		if i > 0 {
			id += "-" + strings.ToLower(c)
		}
		kpis = append(kpis, pages.KPI{
			TestID: id, Measure: pages.MeasureCost, Currency: c, Value: formatMoney(c, cur.Cost[c]),
			Delta: changeOf(cur.Cost[c], prev.Cost[c]), Previous: formatMoney(c, prev.Cost[c]), PrevPeriod: prevLabel,
			Estimated: true,
		})
	}
	kpis = append(kpis,
		pages.KPI{
			TestID: "kpi-paid", Measure: pages.MeasurePaid, Value: formatInt(paid),
			Sub:   pages.Sub{Kind: pages.SubShareOfMessages, A: formatShare(paid, paid+free)},
			Delta: changeOf(paid, prevPaid), Previous: formatInt(prevPaid), PrevPeriod: prevLabel,
		},
		pages.KPI{
			TestID: "kpi-free", Measure: pages.MeasureFree, Value: formatInt(free),
			Sub:   pages.Sub{Kind: pages.SubShareOfMessages, A: formatShare(free, paid+free)},
			Delta: changeOf(free, prevFree), Previous: formatInt(prevFree), PrevPeriod: prevLabel,
		},
	)
	if len(currencies) > 1 {
		notices = append(notices, pages.Notice{Kind: pages.NoticeCurrencies, Currencies: currencies})
	}
	if cur.CostMissing > 0 {
		notices = append(notices, costMissingNotice(cur.CostMissing))
	}

	return kpis, notices, currencies
}

// costMissingNotice says the source reported n data points without a cost.
func costMissingNotice(n int64) pages.Notice {
	return pages.Notice{Kind: pages.NoticeCostMissing, Count: formatInt(n)}
}

// paidFree splits a summary's volume into paid and free messages.
func paidFree(s usage.Summary) (paid, free int64) {
	for _, e := range s.Series {
		if e.Key.PricingType.Free() {
			free += e.Volume
		} else {
			paid += e.Volume
		}
	}
	return paid, free
}

// callsSection is the voice calls' KPIs; the caller adds the charts.
func callsSection(r report.CallReport, prevLabel string) pages.CallsSection {
	cur, prev := r.Current, r.Previous
	sec := pages.CallsSection{Empty: cur.Calls == 0 && prev.Calls == 0}
	sec.KPIs = []pages.KPI{
		{TestID: "kpi-calls", Measure: pages.MeasureCalls, Value: formatInt(cur.Calls),
			Sub:   pages.Sub{Kind: pages.SubInOut, A: formatInt(cur.Inbound), B: formatInt(cur.Outbound)},
			Delta: changeOf(cur.Calls, prev.Calls), Previous: formatInt(prev.Calls), PrevPeriod: prevLabel},
		{TestID: "kpi-minutes", Measure: pages.MeasureMinutes, Value: formatMinutes(cur.Seconds),
			Delta: changeOf(cur.Seconds, prev.Seconds), Previous: formatMinutes(prev.Seconds), PrevPeriod: prevLabel},
		{TestID: "kpi-avg-duration", Measure: pages.MeasureAvgDuration, Value: formatDuration(cur.AverageSeconds()),
			Delta: changeOf(cur.AverageSeconds(), prev.AverageSeconds()), Previous: formatDuration(prev.AverageSeconds()), PrevPeriod: prevLabel},
	}
	currencies := cur.Cost.Currencies()
	for _, c := range prev.Cost.Currencies() {
		if !slices.Contains(currencies, c) {
			currencies = append(currencies, c)
		}
	}
	if len(currencies) == 0 {
		sec.KPIs = append(sec.KPIs, pages.KPI{TestID: "kpi-call-cost", Measure: pages.MeasureCost, Value: "—",
			Delta: noChange(pages.NoCallCosts), Estimated: true})
	}
	for i, c := range currencies {
		id := "kpi-call-cost"
		if i > 0 {
			id += "-" + strings.ToLower(c)
		}
		sec.KPIs = append(sec.KPIs, pages.KPI{TestID: id, Measure: pages.MeasureCost, Currency: c, Value: formatMoney(c, cur.Cost[c]),
			Delta: changeOf(cur.Cost[c], prev.Cost[c]), Previous: formatMoney(c, prev.Cost[c]), PrevPeriod: prevLabel, Estimated: true})
	}
	return sec
}

// moneyCell writes per-currency totals side by side ("€1.00 · $2.00").
func moneyCell(t usage.Totals) string {
	if len(t) == 0 {
		return "—"
	}
	var parts []string
	for _, m := range t.List() {
		parts = append(parts, formatMoney(m.Currency, m.Nanos))
	}
	return strings.Join(parts, " · ")
}

func channelBreakdown(sc insightsScope, q report.Query, preset string, totals []store.ChannelTotal) pages.Breakdown {
	b := pages.Breakdown{TestID: "breakdown-channel", Kind: pages.ByChannel, Period: formatPeriod(q.Period)}
	sums := map[string]*report.DimTotals{}
	for _, ct := range totals {
		t := sums[ct.ChannelID]
		if t == nil {
			t = report.NewDimTotals(ct.ChannelID)
			sums[ct.ChannelID] = t
		}
		t.Volume += ct.Volume
		t.Paid += ct.PaidVolume
		if ct.Currency != "" {
			t.Cost.Add(ct.Currency, ct.CostNanos)
		}
	}
	// Every channel in scope appears, even without usage.
	for _, ch := range sc.channels {
		if len(q.WABAIDs) > 0 && !slices.Contains(q.WABAIDs, ch.WABAID) {
			continue
		}
		if len(q.ChannelIDs) > 0 && !slices.Contains(q.ChannelIDs, ch.ID) {
			continue
		}
		if _, ok := sums[ch.ID]; !ok {
			sums[ch.ID] = report.NewDimTotals(ch.ID)
		}
	}
	var total int64
	totalCost, totalPaid := usage.Totals{}, int64(0)
	for _, t := range sums {
		total += t.Volume
		totalPaid += t.Paid
		for c, n := range t.Cost {
			totalCost.Add(c, n)
		}
	}
	link := viewValues(q, preset).Encode()
	for _, t := range report.SortDims(sums) {
		row := pages.BreakdownRow{Key: t.Key, Label: t.Key, Cells: []string{
			formatInt(t.Volume), formatInt(t.Paid), formatInt(t.Volume - t.Paid), moneyCell(t.Cost), formatShare(t.Volume, total)}}
		if ch, ok := sc.channelByID(t.Key); ok {
			row.Label = channelLabel(ch)
			row.Sub, row.WABA = ch.ID, ch.WABAID
			if sc.channel == nil || sc.channel.ID != ch.ID {
				row.Href = channelPath(sc.client.ID, ch.ID) + "?" + link
			}
		}
		b.Rows = append(b.Rows, row)
	}
	b.Foot = []string{formatInt(total), formatInt(totalPaid), formatInt(total - totalPaid), moneyCell(totalCost), formatShare(total, total)}
	return b
}

func countryBreakdown(s usage.Summary) pages.Breakdown {
	b := pages.Breakdown{TestID: "breakdown-country", Kind: pages.ByCountry}
	sums := report.SumBy(s, func(k usage.GroupKey) string { return k.Country })
	var total, paid int64
	cost := usage.Totals{}
	for _, t := range sums {
		total += t.Volume
		paid += t.Paid
		for c, n := range t.Cost {
			cost.Add(c, n)
		}
	}
	for _, t := range report.SortDims(sums) {
		name := pages.RowCountry
		if t.Key == "" {
			name = pages.RowUnreported
		}
		b.Rows = append(b.Rows, pages.BreakdownRow{Key: t.Key, Name: name, Cells: []string{
			formatInt(t.Volume), formatInt(t.Paid), moneyCell(t.Cost), formatShare(t.Volume, total)}})
	}
	if len(b.Rows) > 0 {
		b.Foot = []string{formatInt(total), formatInt(paid), moneyCell(cost), formatShare(total, total)}
	}
	return b
}

func pricingBreakdown(s usage.Summary) pages.Breakdown {
	b := pages.Breakdown{TestID: "breakdown-pricing", Kind: pages.ByPricing}
	sums := report.SumBy(s, func(k usage.GroupKey) string { return string(k.PricingType) })
	for _, p := range usage.KnownPricingTypes {
		if _, ok := sums[string(p)]; !ok {
			sums[string(p)] = report.NewDimTotals(string(p))
		}
	}
	var total int64
	cost := usage.Totals{}
	for _, t := range sums {
		total += t.Volume
		for c, n := range t.Cost {
			cost.Add(c, n)
		}
	}
	keys := make([]string, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	rank := func(k string) int {
		if i := slices.Index(usage.KnownPricingTypes, usage.PricingType(k)); i >= 0 {
			return i
		}
		return len(usage.KnownPricingTypes)
	}
	sort.Slice(keys, func(i, j int) bool {
		if ri, rj := rank(keys[i]), rank(keys[j]); ri != rj {
			return ri < rj
		}
		return keys[i] < keys[j]
	})
	for _, k := range keys {
		t := sums[k]
		row := pages.BreakdownRow{Key: k, Label: usage.PricingType(k).Label()}
		if k == "" {
			row.Name = pages.RowUnreported
		}
		row.Cells = []string{
			formatInt(t.Volume), moneyCell(t.Cost), formatShare(t.Volume, total)}
		b.Rows = append(b.Rows, row)
	}
	b.Foot = []string{formatInt(total), moneyCell(cost), formatShare(total, total)}
	return b
}

func insightsFilters(path string, sc insightsScope, q report.Query, preset string, breakdown usage.Summary, now time.Time) pages.Filters {
	loc := q.Period.Loc
	f := pages.Filters{
		Action:        path,
		Preset:        preset,
		Presets:       presetButtons(preset, loc, now),
		From:          q.Period.From.String(),
		To:            q.Period.To.String(),
		Granularities: granularityOptions(q.Granularity),
		Zones:         zoneOptions(zoneOf(sc.client.Timezone, firstChannelZone(sc.channels)).String(), loc.String()),
		ResetHref:     path,
	}
	if sc.channel == nil {
		f.WABAs = []pages.Option{{Value: "", Selected: len(q.WABAIDs) == 0}}
		for _, w := range sc.wabaIDs() {
			label := w
			for _, ch := range sc.channels {
				if ch.WABAID == w && ch.WABAExternalID != "" {
					label = w + " (" + ch.WABAExternalID + ")"
					break
				}
			}
			f.WABAs = append(f.WABAs, pages.Option{Value: w, Label: label, Selected: slices.Contains(q.WABAIDs, w)})
		}
		f.Channels = []pages.Option{{Value: "", Selected: len(q.ChannelIDs) == 0}}
		for _, ch := range sc.channels {
			if len(q.WABAIDs) > 0 && !slices.Contains(q.WABAIDs, ch.WABAID) {
				continue
			}
			f.Channels = append(f.Channels, pages.Option{Value: ch.ID, Label: channelLabel(ch), Selected: slices.Contains(q.ChannelIDs, ch.ID)})
		}
	}
	f.Categories = []pages.Option{{Value: "", Selected: len(q.Categories) == 0}}
	cats := slices.Clone(usage.KnownCategories)
	for _, c := range q.Categories {
		if !slices.Contains(cats, usage.Category(c)) {
			cats = append(cats, usage.Category(c))
		}
	}
	for _, c := range cats {
		f.Categories = append(f.Categories, pages.Option{Value: string(c), Label: c.Label(), Selected: slices.Contains(q.Categories, string(c))})
	}
	f.Countries = []pages.Option{{Value: "", Selected: len(q.Countries) == 0}}
	var countries []string
	for _, e := range breakdown.Series {
		if e.Key.Country != "" && !slices.Contains(countries, e.Key.Country) {
			countries = append(countries, e.Key.Country)
		}
	}
	for _, c := range q.Countries {
		if !slices.Contains(countries, c) {
			countries = append(countries, c)
		}
	}
	sort.Strings(countries)
	for _, c := range countries {
		f.Countries = append(f.Countries, pages.Option{Value: c, Selected: slices.Contains(q.Countries, c)})
	}
	return f
}
