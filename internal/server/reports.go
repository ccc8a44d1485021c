package server

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/insights-dev/insights/internal/charts"
	"github.com/insights-dev/insights/internal/pdf"
	"github.com/insights-dev/insights/internal/report"
	"github.com/insights-dev/insights/internal/spend"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
	"github.com/insights-dev/insights/templates/pages"
)

// Monthly statements: GET /reports/monthly?client=ID&month=YYYY-MM
// [&format=pdf|csv][&paper=a4|letter], and without client the whole
// partner's. A client's month is the calendar month in the client's time
// zone; the partner-wide month is in tz (UTC by default). Every figure is
// compared with the previous calendar month, read the same way.

// printStylesheet is the statement's own stylesheet (sheet layout on screen
// and the print rules), linked after the shared app.css.
const printStylesheet = "css/print.css"

// maxListedMonths bounds the months listed per client on /reports.
const maxListedMonths = 25

// reportGroups are the dimensions a client statement is read by: one query
// per month gives every table.
var reportGroups = []usage.GroupField{usage.ByCategory, usage.ByPricingType, usage.ByCountry, usage.ByChannel}

// partnerGroups are the dimensions of the partner-wide statement.
var partnerGroups = []usage.GroupField{usage.ByCategory, usage.ByPricingType, usage.ByCountry, usage.ByClient}

// parseMonth reads YYYY-MM; empty means the last complete month in loc.
func parseMonth(s string, loc *time.Location, now time.Time) (int, time.Month, error) {
	if s == "" {
		t := now.In(loc)
		prev := time.Date(t.Year(), t.Month()-1, 1, 0, 0, 0, 0, time.UTC)
		return prev.Year(), prev.Month(), nil
	}
	y, m, err := usage.ParseMonth(s)
	if err != nil {
		return 0, 0, &paramError{"month", err.Error()}
	}
	return y, m, nil
}

// reportRequest is a parsed statement request.
type reportRequest struct {
	clientID string
	// clientIDs, when several clients are named (a viewer of several
	// clients: the access guard names them all), makes a partner-wide
	// statement of just those clients.
	clientIDs []string
	format    string // "", "pdf" or "csv"
	paper     pdf.Paper
	month     string
	tz        string
}

func parseReportRequest(c echo.Context) (reportRequest, error) {
	v := c.QueryParams()
	r := reportRequest{month: v.Get("month"), tz: v.Get("tz")}
	ids := multi(v, "client")
	if one := scopeFrom(c).only(""); len(ids) == 0 && one != "" {
		ids = []string{one}
	}
	switch len(ids) {
	case 0:
	case 1:
		r.clientID = ids[0]
	default:
		r.clientIDs = ids
	}
	switch f := v.Get("format"); f {
	case "", "html", "pdf", "csv":
		r.format = strings.TrimPrefix(f, "html")
	default:
		return r, &paramError{"format", fmt.Sprintf("unknown format %q (want pdf or csv)", f)}
	}
	p, err := pdf.ParsePaper(v.Get("paper"))
	if err != nil {
		return r, &paramError{"paper", err.Error()}
	}
	r.paper = p
	return r, nil
}

// pdfRetryAfter is the Retry-After of a refused download: a statement
// prints in a second or two, so a slot is likely free by then.
const pdfRetryAfter = 5 * time.Second

// printReport prints a statement page to PDF and sends it as name.pdf; a
// missing browser or a full print queue is a 503 page that says what to do.
func (s *Server) printReport(c echo.Context, v pages.ReportView, paper pdf.Paper, name string) error {
	ctx := c.Request().Context()
	var buf bytes.Buffer
	if err := pages.Report(v).Render(ctx, &buf); err != nil {
		return fmt.Errorf("report: render for pdf: %w", err)
	}
	doc := pdf.Document{HTML: buf.Bytes(), Paper: paper, ReadyJS: reportReadyJS}
	if a := s.assets(); a != nil {
		doc.Assets = a
	}
	out, err := s.pdf.Render(ctx, doc)
	switch {
	case errors.Is(err, pdf.ErrUnavailable):
		return s.render(c, http.StatusServiceUnavailable, s.errorPage(c, http.StatusServiceUnavailable, pages.PDFUnavailable(err.Error())))
	case errors.Is(err, pdf.ErrBusy):
		s.log.WarnContext(ctx, "pdf download refused", "path", c.Request().URL.Path, "err", err)
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(pdfRetryAfter.Seconds())))
		return s.render(c, http.StatusServiceUnavailable, s.errorPage(c, http.StatusServiceUnavailable, pages.PDFBusy))
	case err != nil:
		return fmt.Errorf("report: %w", err)
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`.pdf"`)
	return c.Blob(http.StatusOK, "application/pdf", out)
}

// showMonthlyReport answers GET /reports/monthly.
func (s *Server) showMonthlyReport(c echo.Context) error {
	req, err := parseReportRequest(c)
	if err != nil {
		return err
	}
	if req.format == "pdf" {
		if err := s.pdf.Available(); err != nil {
			s.log.WarnContext(c.Request().Context(), "pdf download unavailable", "err", err)
			return s.render(c, http.StatusServiceUnavailable, s.errorPage(c, http.StatusServiceUnavailable, pages.PDFUnavailable(err.Error())))
		}
	}
	var v pages.ReportView
	var csvRows [][]string
	if req.clientID != "" {
		v, csvRows, err = s.clientReport(c, req)
	} else {
		v, csvRows, err = s.partnerReport(c, req)
	}
	if err != nil {
		return err
	}
	name := "statement-" + fileSafe(firstNonEmpty(req.clientID, "all-clients")) + "-" + v.MonthKey
	switch req.format {
	case "csv":
		return writeCSV(c, name+".csv", csvRows)
	case "pdf":
		return s.printReport(c, v, req.paper, name)
	}
	return s.render(c, http.StatusOK, pages.Report(v))
}

// reportReadyJS is true once every chart of a statement has drawn its SVG.
const reportReadyJS = `[...document.querySelectorAll('[data-chart-id]')].every(el => { const s = el.querySelector('svg'); return s && s.querySelectorAll('path,text').length > 3; })`

// reportLinks fills the toolbar's links of a statement.
func (s *Server) reportLinks(v *pages.ReportView, base url.Values, p usage.Period, paper pdf.Paper, zoneNow time.Time) {
	link := func(month string, set func(url.Values)) string {
		q := url.Values{}
		for k, vals := range base {
			q[k] = vals
		}
		q.Set("month", month)
		if set != nil {
			set(q)
		}
		return "/reports/monthly?" + q.Encode()
	}
	key := monthKey(p)
	prev := report.PreviousMonth(p)
	v.PrevHref = link(monthKey(prev), nil)
	next := time.Date(p.From.Year, p.From.Month+1, 1, 0, 0, 0, 0, time.UTC)
	if !next.After(time.Date(zoneNow.Year(), zoneNow.Month(), 1, 0, 0, 0, 0, time.UTC)) {
		v.NextHref = link(next.Format("2006-01"), nil)
	}
	withPaper := func(q url.Values) {
		if paper == pdf.Letter {
			q.Set("paper", string(pdf.Letter))
		}
	}
	v.CSVHref = link(key, func(q url.Values) { q.Set("format", "csv") })
	if err := s.pdf.Available(); err != nil {
		v.PDFUnavailable = err.Error()
	} else {
		v.PDFHref = link(key, func(q url.Values) { q.Set("format", "pdf"); withPaper(q) })
	}
	v.PaperHrefs = []pages.PaperLink{
		{Paper: string(pdf.A4), Href: link(key, nil), Selected: paper != pdf.Letter},
		{Paper: string(pdf.Letter), Href: link(key, func(q url.Values) { q.Set("paper", string(pdf.Letter)) }), Selected: paper == pdf.Letter},
	}
	v.ListHref = "/reports"
	v.Paper = string(paper)
}

func monthKey(p usage.Period) string { return fmt.Sprintf("%04d-%02d", p.From.Year, int(p.From.Month)) }

func monthLabel(p usage.Period) string { return p.From.In(time.UTC).Format("January 2006") }

// reportMonths names the statement's month and the month before.
func reportMonths(r report.MonthReport) pages.Months {
	return pages.Months{Cur: monthLabel(r.Month), Prev: monthLabel(r.Prev),
		CurShort: r.Month.From.In(time.UTC).Format("Jan"), PrevShort: r.Prev.From.In(time.UTC).Format("Jan")}
}

// reportBase fills what both statements share: scope and scopeID name the
// client of a client's statement, and are empty for the partner's.
func (s *Server) reportBase(scope, scopeID string, r report.MonthReport, fr pages.Freshness) pages.ReportView {
	loc := r.Month.Loc
	v := pages.ReportView{
		Meta:      s.pageMeta(scope, loc.String(), "reports"),
		Partner:   s.opts.PartnerName,
		Logo:      s.opts.Logo,
		Scope:     scope,
		ScopeID:   scopeID,
		Month:     monthLabel(r.Month),
		MonthKey:  monthKey(r.Month),
		Period:    formatPeriod(r.Month),
		Previous:  monthLabel(r.Prev),
		Zone:      loc.String(),
		Generated: formatInstant(s.now(), loc),
		Freshness: fr,
	}
	if a := s.assets(); a != nil {
		v.PrintStylesheetHref = a.URL(printStylesheet)
	} else {
		v.PrintStylesheetHref = plainURLs{}.URL(printStylesheet)
	}
	now := s.now()
	if r.Month.Contains(now) || now.Before(r.Month.Start()) {
		v.Notices = append(v.Notices, pages.Notice{Kind: pages.NoticeMonthRunning, Until: formatInstant(now, loc)})
	}
	if usage.ZoneIsApproximate(loc, r.Month) {
		v.Notices = append(v.Notices, pages.Notice{Kind: pages.NoticeApproxZone, Zone: loc.String()})
	}
	currencies := report.UnionCurrencies(r.Cur.Cost, r.Before.Cost)
	if len(currencies) > 1 {
		v.Notices = append(v.Notices, pages.Notice{Kind: pages.NoticeCurrencies, Currencies: currencies})
	}
	if r.Cur.CostMissing > 0 {
		v.Notices = append(v.Notices, costMissingNotice(r.Cur.CostMissing))
	}
	v.CostEstimate = s.costEstimate(r.Month, r.Cur, r.Calls)
	v.KPIs = reportKPIs(r, currencies)
	buckets := usage.Buckets(r.Month, usage.Day)
	v.Chart = pages.ReportChart{
		Zone: loc.String(),
		Chart: charts.MessagesByCategory(r.Cur.Series, buckets, loc, usage.Day,
			charts.Static(), charts.WithID("report_messages"), charts.WithHeight("175px"),
			charts.WithTitle(pages.DailyChartTitle(v.Month))),
	}
	v.Calls = callsTable(r)
	v.HasCalls = r.Calls.Calls > 0 || r.PrevCalls.Calls > 0
	v.Units = unitCards(r.Cur, r.Before, r.PrevHidden)
	v.UnknownCategories = unknownCategoryLabels(r.Cur)
	v.Empty = r.Cur.Volume == 0 && r.Before.Volume == 0 && !v.HasCalls && len(r.Cur.Units) == 0 && len(r.Before.Units) == 0
	if r.PrevHidden {
		v.PrevHidden = true
		for i := range v.KPIs {
			v.KPIs[i].Previous = ""
			v.KPIs[i].Delta = noChange(pages.MonthOutsideShare)
		}
		blankPrevious(&v.Calls)
	}
	return v
}

// hideReportComparisons blanks the previous-month columns of a statement's
// tables when that month was not read.
func hideReportComparisons(v *pages.ReportView, r report.MonthReport) {
	if !r.PrevHidden {
		return
	}
	for i := range v.Tables {
		blankPrevious(&v.Tables[i])
	}
}

// blankPrevious replaces a comparison table's previous-month and change
// cells with a dash, for a month before that may not be shown.
func blankPrevious(t *pages.ReportTable) {
	dash := pages.ReportCell{Text: "—"}
	blank := func(cells []pages.ReportCell) {
		for i := range cells {
			if i%3 != 0 {
				cells[i] = dash
			}
		}
	}
	for i := range t.Rows {
		blank(t.Rows[i].Cells)
	}
	blank(t.Foot)
}

// reportKPIs are the statement's headline figures.
func reportKPIs(r report.MonthReport, currencies []string) []pages.ReportKPI {
	prevLabel := monthLabel(r.Prev)
	paid, free := paidFree(r.Cur)
	ppaid, pfree := paidFree(r.Before)
	out := []pages.ReportKPI{{
		TestID: "report-kpi-messages", Measure: pages.MeasureMessages, Value: formatInt(r.Cur.Volume), Exact: fmt.Sprint(r.Cur.Volume),
		Delta: changeOf(r.Cur.Volume, r.Before.Volume), Previous: formatInt(r.Before.Volume), PrevMonth: prevLabel,
	}}
	for _, c := range currencies {
		out = append(out, pages.ReportKPI{
			TestID: "report-kpi-cost-" + strings.ToLower(c), Measure: pages.MeasureCost, Currency: c,
			Value: formatMoney(c, r.Cur.Cost[c]), Exact: usage.FormatDecimal(r.Cur.Cost[c]) + " " + c,
			Delta: changeOf(r.Cur.Cost[c], r.Before.Cost[c]), Previous: formatMoney(c, r.Before.Cost[c]), PrevMonth: prevLabel,
		})
	}
	share := func(n int64) pages.Sub {
		return pages.Sub{Kind: pages.SubShareOfMessages, A: formatShare(n, paid+free)}
	}
	out = append(out,
		pages.ReportKPI{TestID: "report-kpi-paid", Measure: pages.MeasurePaid, Value: formatInt(paid), Exact: fmt.Sprint(paid),
			Sub: share(paid), Delta: changeOf(paid, ppaid), Previous: formatInt(ppaid)},
		pages.ReportKPI{TestID: "report-kpi-free", Measure: pages.MeasureFree, Value: formatInt(free), Exact: fmt.Sprint(free),
			Sub: share(free), Delta: changeOf(free, pfree), Previous: formatInt(pfree)},
	)
	if r.Calls.Calls > 0 || r.PrevCalls.Calls > 0 {
		out = append(out, pages.ReportKPI{TestID: "report-kpi-calls", Measure: pages.MeasureCalls, Value: formatInt(r.Calls.Calls), Exact: fmt.Sprint(r.Calls.Calls),
			Sub: pages.Sub{Kind: pages.SubMinutes, A: formatMinutes(r.Calls.Seconds)}, Delta: changeOf(r.Calls.Calls, r.PrevCalls.Calls), Previous: formatInt(r.PrevCalls.Calls)})
	}
	return out
}

// moneyChange compares per-currency totals: a change when one currency is
// involved, "—" when several are (they are never added).
func moneyChange(cur, prev usage.Totals) pages.ReportCell {
	cs := report.UnionCurrencies(cur, prev)
	switch len(cs) {
	case 0:
		return pages.ReportCell{Text: "—"}
	case 1:
		return countChange(cur[cs[0]], prev[cs[0]])
	}
	return pages.ReportCell{PerCurrency: true}
}

func countChange(cur, prev int64) pages.ReportCell {
	d := changeOf(cur, prev)
	return pages.ReportCell{Change: &d}
}

func exactMoney(t usage.Totals) string {
	var parts []string
	for _, m := range t.List() {
		parts = append(parts, usage.FormatDecimal(m.Nanos)+" "+m.Currency)
	}
	return strings.Join(parts, "; ")
}

// compareCells are the six cells of one comparison row.
func compareCells(cur, prev *report.DimTotals) []pages.ReportCell {
	if cur == nil {
		cur = report.NewDimTotals("")
	}
	if prev == nil {
		prev = report.NewDimTotals("")
	}
	return []pages.ReportCell{
		{Text: formatInt(cur.Volume), Exact: fmt.Sprint(cur.Volume)},
		{Text: formatInt(prev.Volume)},
		countChange(cur.Volume, prev.Volume),
		{Text: moneyCell(cur.Cost), Exact: exactMoney(cur.Cost)},
		{Text: moneyCell(prev.Cost)},
		moneyChange(cur.Cost, prev.Cost),
	}
}

// compareTable builds a comparison table by one dimension, with a row per
// key that has data in either month: the keys of order first, in that
// order, then the others, largest first (beyond limit, when positive, the
// rest are summed in one row). name names a key's row.
func compareTable(r report.MonthReport, testID string, by pages.ReportDim, key func(usage.GroupKey) string,
	order []string, name func(string) pages.ReportRow, limit int) pages.ReportTable {
	cur, prev := report.SumBy(r.Cur, key), report.SumBy(r.Before, key)
	t := pages.ReportTable{TestID: testID, Kind: pages.ReportCompare, By: by, Months: reportMonths(r)}
	all := map[string]*report.DimTotals{}
	for k, d := range cur {
		all[k] = d
	}
	for k := range prev {
		if _, ok := all[k]; !ok {
			all[k] = report.NewDimTotals(k)
		}
	}
	// Keys with data in either month: those named in order first, in that
	// order, then the others, largest first.
	var keys []string
	for _, k := range order {
		if _, ok := all[k]; ok {
			keys = append(keys, k)
		}
	}
	for _, d := range report.SortDims(all) {
		if !slices.Contains(keys, d.Key) {
			keys = append(keys, d.Key)
		}
	}
	var otherCur []string
	for i, k := range keys {
		if limit > 0 && i >= limit {
			otherCur = append(otherCur, k)
			continue
		}
		row := name(k)
		row.Key, row.Cells = k, compareCells(cur[k], prev[k])
		t.Rows = append(t.Rows, row)
	}
	if len(otherCur) > 0 {
		oc, op := map[string]*report.DimTotals{}, map[string]*report.DimTotals{}
		for _, k := range otherCur {
			if d := cur[k]; d != nil {
				oc[k] = d
			}
			if d := prev[k]; d != nil {
				op[k] = d
			}
		}
		t.Rows = append(t.Rows, pages.ReportRow{Key: "other", Others: len(otherCur),
			Cells: compareCells(report.TotalOf(oc), report.TotalOf(op))})
	}
	t.Foot = compareCells(report.TotalOf(cur), report.TotalOf(prev))
	return t
}

// categoryTable compares the months by category; the rows of token
// categories show their tokens where messages would be.
func categoryTable(r report.MonthReport) pages.ReportTable {
	t := compareTable(r, "report-by-category", pages.ReportByCategory, func(k usage.GroupKey) string { return string(k.Category) },
		categoryOrder(), categoryRow, 0)
	tokenCells(&t, r)
	return t
}

func categoryOrder() []string {
	out := make([]string, 0, len(usage.KnownCategories))
	for _, c := range usage.KnownCategories {
		out = append(out, string(c))
	}
	return out
}

func pricingOrder() []string {
	out := make([]string, 0, len(usage.KnownPricingTypes))
	for _, p := range usage.KnownPricingTypes {
		out = append(out, string(p))
	}
	return out
}

// categoryRow, pricingRow and countryRow name the rows of a category, a
// pricing type and a country; a value the source did not report is named
// so.
func categoryRow(k string) pages.ReportRow {
	if k == "" {
		return pages.ReportRow{Name: pages.RowUnreported}
	}
	return pages.ReportRow{Label: usage.Category(k).Label()}
}

func pricingRow(k string) pages.ReportRow {
	if k == "" {
		return pages.ReportRow{Name: pages.RowUnreported}
	}
	return pages.ReportRow{Label: usage.PricingType(k).Label()}
}

func countryRow(k string) pages.ReportRow {
	if k == "" {
		return pages.ReportRow{Name: pages.RowUnreported}
	}
	return pages.ReportRow{Name: pages.RowCountry}
}

// callsTable compares the voice KPIs with the previous month.
func callsTable(r report.MonthReport) pages.ReportTable {
	cur, prev := r.Calls, r.PrevCalls
	t := pages.ReportTable{TestID: "report-calls", Kind: pages.ReportCalls, Months: reportMonths(r)}
	row := func(key, currency, a, b string, exact string, d pages.ReportCell) {
		t.Rows = append(t.Rows, pages.ReportRow{Key: key, Currency: currency, Cells: []pages.ReportCell{{Text: a, Exact: exact}, {Text: b}, d}})
	}
	row("calls", "", formatInt(cur.Calls), formatInt(prev.Calls), fmt.Sprint(cur.Calls), countChange(cur.Calls, prev.Calls))
	row("inbound", "", formatInt(cur.Inbound), formatInt(prev.Inbound), fmt.Sprint(cur.Inbound), countChange(cur.Inbound, prev.Inbound))
	row("outbound", "", formatInt(cur.Outbound), formatInt(prev.Outbound), fmt.Sprint(cur.Outbound), countChange(cur.Outbound, prev.Outbound))
	row("minutes", "", formatMinutes(cur.Seconds), formatMinutes(prev.Seconds), fmt.Sprint(cur.Seconds), countChange(cur.Seconds, prev.Seconds))
	row("average", "", formatDuration(cur.AverageSeconds()), formatDuration(prev.AverageSeconds()), fmt.Sprint(cur.AverageSeconds()),
		countChange(cur.AverageSeconds(), prev.AverageSeconds()))
	for _, c := range report.UnionCurrencies(cur.Cost, prev.Cost) {
		row("cost-"+strings.ToLower(c), c, formatMoney(c, cur.Cost[c]), formatMoney(c, prev.Cost[c]),
			usage.FormatDecimal(cur.Cost[c])+" "+c, countChange(cur.Cost[c], prev.Cost[c]))
	}
	return t
}

// clientReport builds a client's statement.
func (s *Server) clientReport(c echo.Context, req reportRequest) (pages.ReportView, [][]string, error) {
	ctx := c.Request().Context()
	sc, err := s.loadScope(c, req.clientID, "")
	if err != nil {
		return pages.ReportView{}, nil, err
	}
	loc := zoneOf(sc.client.Timezone, firstChannelZone(sc.channels))
	y, m, err := parseMonth(req.month, loc, s.now())
	if err != nil {
		return pages.ReportView{}, nil, err
	}
	q := report.Query{Period: usage.MonthPeriod(y, m, loc), Granularity: usage.Day, ClientIDs: []string{sc.client.ID},
		GroupBy: reportGroups, Source: "api", Scope: requestScope(c), Within: scopeFrom(c).dates()}
	r, err := s.reports.Month(ctx, q)
	if err != nil {
		return pages.ReportView{}, nil, err
	}
	fr, err := s.freshness(ctx, q.Scope, store.ChannelFilter{ClientIDs: q.ClientIDs}, loc)
	if err != nil {
		return pages.ReportView{}, nil, err
	}
	v := s.reportBase(sc.client.Name, sc.client.ID, r, fr)
	v.Tables = []pages.ReportTable{
		categoryTable(r),
		compareTable(r, "report-by-pricing", pages.ReportByPricing, func(k usage.GroupKey) string { return string(k.PricingType) },
			pricingOrder(), pricingRow, 0),
	}
	var chOrder []string
	for _, ch := range sc.channels {
		chOrder = append(chOrder, ch.ID)
	}
	chTable := compareTable(r, "report-by-channel", pages.ReportByChannel, func(k usage.GroupKey) string { return k.Channel },
		nil, func(id string) pages.ReportRow {
			if ch, ok := sc.channelByID(id); ok {
				label, sub := channelRowLabel(ch)
				return pages.ReportRow{Label: label, Sub: sub}
			}
			return pages.ReportRow{Label: id}
		}, 0)
	// Every channel of the client appears, even one without traffic.
	for _, id := range chOrder {
		if !slices.ContainsFunc(chTable.Rows, func(row pages.ReportRow) bool { return row.Key == id }) {
			ch, _ := sc.channelByID(id)
			label, sub := channelRowLabel(ch)
			chTable.Rows = append(chTable.Rows, pages.ReportRow{Key: id, Label: label, Sub: sub, Cells: compareCells(nil, nil)})
		}
	}
	v.Tables = append(v.Tables, chTable,
		compareTable(r, "report-by-country", pages.ReportByCountry, func(k usage.GroupKey) string { return k.Country },
			nil, countryRow, 12))
	if _, staff := spendRights(c); staff {
		// Reseller margins: partner staff only, never a client viewer or a share link.
		m, err := s.statementMargins(c, sc.client.ID, spend.ClientCurrency(sc.channels), r)
		if err != nil {
			return pages.ReportView{}, nil, err
		}
		v.ShowMargins, v.Margins = m != nil, m
	}
	hideReportComparisons(&v, r)
	s.reportLinks(&v, url.Values{"client": {sc.client.ID}}, r.Month, req.paper, s.now().In(loc))
	return v, reportCSV(r, sc.client.ID, func(k usage.GroupKey) string { return sc.client.ID }), nil
}

// partnerReport builds the partner-wide statement: one row per client,
// totals per currency.
func (s *Server) partnerReport(c echo.Context, req reportRequest) (pages.ReportView, [][]string, error) {
	ctx := c.Request().Context()
	loc := time.UTC
	if req.tz != "" {
		l, err := usage.LoadZone(req.tz)
		if err != nil {
			return pages.ReportView{}, nil, &paramError{"tz", err.Error()}
		}
		loc = l
	}
	y, m, err := parseMonth(req.month, loc, s.now())
	if err != nil {
		return pages.ReportView{}, nil, err
	}
	sc := scopeFrom(c)
	q := report.Query{Period: usage.MonthPeriod(y, m, loc), Granularity: usage.Day, GroupBy: partnerGroups, Source: "api",
		ClientIDs: sc.Filter(req.clientIDs), Scope: requestScope(c), Within: sc.dates()}
	if !sc.All && len(q.ClientIDs) == 0 {
		return pages.ReportView{}, nil, notFound()
	}
	r, err := s.reports.Month(ctx, q)
	if err != nil {
		return pages.ReportView{}, nil, err
	}
	fr, err := s.freshness(ctx, q.Scope, store.ChannelFilter{ClientIDs: q.ClientIDs}, loc)
	if err != nil {
		return pages.ReportView{}, nil, err
	}
	clients, err := s.store.ListClients(ctx, requestScope(c))
	if err != nil {
		return pages.ReportView{}, nil, fmt.Errorf("report: %w", err)
	}
	names := map[string]string{}
	for _, cl := range clients {
		names[cl.ID] = cl.Name
	}
	v := s.reportBase("", "", r, fr)
	v.Clients = len(q.ClientIDs)
	v.Tables = []pages.ReportTable{
		currencyTable(r),
		compareTable(r, "report-by-client", pages.ReportByClient, func(k usage.GroupKey) string { return k.Client },
			nil, func(id string) pages.ReportRow {
				if n, ok := names[id]; ok && n != "" {
					return pages.ReportRow{Label: n, Sub: id}
				}
				return pages.ReportRow{Label: id}
			}, 0),
		categoryTable(r),
		compareTable(r, "report-by-pricing", pages.ReportByPricing, func(k usage.GroupKey) string { return string(k.PricingType) },
			pricingOrder(), pricingRow, 0),
		compareTable(r, "report-by-country", pages.ReportByCountry, func(k usage.GroupKey) string { return k.Country },
			nil, countryRow, 12),
	}
	if len(report.UnionCurrencies(r.Cur.Cost, r.Before.Cost)) > 1 {
		// Several currencies: costs are read per currency (first table) and
		// per client; the other tables compare volumes only.
		for i := range v.Tables {
			switch v.Tables[i].TestID {
			case "report-by-currency":
			case "report-by-client":
				for j := 3; j < len(v.Tables[i].Foot); j++ {
					v.Tables[i].Foot[j] = pages.ReportCell{Text: "—"} // costs are never added across currencies
				}
			default:
				volumesOnly(&v.Tables[i])
			}
		}
		kpis := v.KPIs[:0]
		for _, k := range v.KPIs {
			if !strings.HasPrefix(k.TestID, "report-kpi-cost-") {
				kpis = append(kpis, k)
			}
		}
		v.KPIs = kpis
	}
	base := url.Values{}
	if loc != time.UTC {
		base.Set("tz", loc.String())
	}
	if len(req.clientIDs) > 0 {
		base.Set("client", strings.Join(q.ClientIDs, ","))
	}
	hideReportComparisons(&v, r)
	s.reportLinks(&v, base, r.Month, req.paper, s.now().In(loc))
	return v, reportCSV(r, "", func(k usage.GroupKey) string { return k.Client }), nil
}

// volumesOnly drops a comparison table's cost columns, for tables whose rows
// would mix currencies.
func volumesOnly(t *pages.ReportTable) {
	t.VolumesOnly = true
	for i := range t.Rows {
		t.Rows[i].Cells = t.Rows[i].Cells[:3]
	}
	if len(t.Foot) > 3 {
		t.Foot = t.Foot[:3]
	}
}

// currencyTable sums the partner's month per currency: currencies are never
// added together, so each has its own row.
func currencyTable(r report.MonthReport) pages.ReportTable {
	t := compareTable(r, "report-by-currency", pages.ReportByCurrency,
		func(usage.GroupKey) string { return "" }, nil, func(string) pages.ReportRow { return pages.ReportRow{} }, 0)
	t.Rows, t.Foot = nil, nil
	cur, prev := report.PerCurrency(r.Cur), report.PerCurrency(r.Before)
	for _, c := range report.UnionCurrencies(r.Cur.Cost, r.Before.Cost) {
		t.Rows = append(t.Rows, pages.ReportRow{Key: c, Label: c, Cells: compareCells(cur[c], prev[c])})
	}
	return t
}

// channelRowLabel names a channel in a statement row: its display name,
// and its number and id on a second line.
func channelRowLabel(ch store.Channel) (string, string) {
	label := firstNonEmpty(ch.PhoneName, ch.PhoneNumber, ch.ID)
	sub := ch.ID
	if ch.PhoneNumber != "" && label != ch.PhoneNumber {
		sub = ch.PhoneNumber + " · " + ch.ID
	}
	return label, sub
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// fileSafe keeps letters, digits, '-' and '_' of s for a file name.
func fileSafe(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}
