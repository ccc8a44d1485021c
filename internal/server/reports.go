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

// pdfUnavailableText says why there is no PDF download and what to do.
func pdfUnavailableText(err error) string {
	return "PDF download is not available on this server (" + err.Error() + "; set INSIGHTS_CHROMIUM or install the chromium package). Use your browser's Print → Save as PDF instead: the page is laid out for it."
}

// pdfBusyText is what a download refused for a full print queue reads.
const pdfBusyText = "Too many statements are being printed right now. Try the download again in a few seconds, or use your browser's Print → Save as PDF: the page is laid out for it."

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
		return s.render(c, http.StatusServiceUnavailable, s.errorPage(c, http.StatusServiceUnavailable, pdfUnavailableText(err)))
	case errors.Is(err, pdf.ErrBusy):
		s.log.WarnContext(ctx, "pdf download refused", "path", c.Request().URL.Path, "err", err)
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(pdfRetryAfter.Seconds())))
		return s.render(c, http.StatusServiceUnavailable, s.errorPage(c, http.StatusServiceUnavailable, pdfBusyText))
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
			return s.render(c, http.StatusServiceUnavailable, s.errorPage(c, http.StatusServiceUnavailable, pdfUnavailableText(err)))
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
		v.PDFUnavailable = pdfUnavailableText(err)
	} else {
		v.PDFHref = link(key, func(q url.Values) { q.Set("format", "pdf"); withPaper(q) })
	}
	v.PaperHrefs = []pages.Option{
		{Value: link(key, nil), Label: "A4", Selected: paper != pdf.Letter},
		{Value: link(key, func(q url.Values) { q.Set("paper", string(pdf.Letter)) }), Label: "US Letter", Selected: paper == pdf.Letter},
	}
	v.ListHref = "/reports"
	v.Paper = string(paper)
}

func monthKey(p usage.Period) string { return fmt.Sprintf("%04d-%02d", p.From.Year, int(p.From.Month)) }

func monthLabel(p usage.Period) string { return p.From.In(time.UTC).Format("January 2006") }

// reportBase fills what both statements share.
func (s *Server) reportBase(scope, scopeID string, r report.MonthReport, fr pages.Freshness) pages.ReportView {
	loc := r.Month.Loc
	v := pages.ReportView{
		Meta:      s.pageMeta(scope, loc.String(), "reports"),
		Partner:   s.opts.PartnerName,
		Logo:      s.opts.Logo,
		Title:     "Monthly statement",
		Scope:     scope,
		ScopeID:   scopeID,
		Month:     monthLabel(r.Month),
		MonthKey:  monthKey(r.Month),
		Period:    formatPeriod(r.Month),
		Previous:  monthLabel(r.Prev),
		Zone:      loc.String(),
		Generated: formatInstant(s.now(), loc),
		Freshness: fr,
		CostNote:  "Costs are estimates from the usage the Partner API reports; Meta's invoice is final.",
	}
	if a := s.assets(); a != nil {
		v.PrintStylesheetHref = a.URL(printStylesheet)
	} else {
		v.PrintStylesheetHref = plainURLs{}.URL(printStylesheet)
	}
	now := s.now()
	if r.Month.Contains(now) || now.Before(r.Month.Start()) {
		v.Notices = append(v.Notices, v.Month+" is not over yet: the figures cover it up to "+formatInstant(now, loc)+".")
	}
	if usage.ZoneIsApproximate(loc, r.Month) {
		v.Notices = append(v.Notices, loc.String()+" is not a whole number of half hours from UTC: the source reports half hours, so day boundaries are to the nearest half hour.")
	}
	currencies := report.UnionCurrencies(r.Cur.Cost, r.Before.Cost)
	if len(currencies) > 1 {
		v.Notices = append(v.Notices, "Billed in more than one currency ("+strings.Join(currencies, ", ")+"): costs are shown per currency and never added together.")
	}
	if r.Cur.CostMissing > 0 {
		v.Notices = append(v.Notices, fmt.Sprintf("The source reported %s data points without a cost; the costs shown leave them out.", formatInt(r.Cur.CostMissing)))
	}
	v.KPIs = reportKPIs(r, currencies)
	buckets := usage.Buckets(r.Month, usage.Day)
	v.Chart = pages.ReportChart{
		Title:    "Messages per day",
		Subtitle: "by category · days in " + loc.String(),
		Chart: charts.MessagesByCategory(r.Cur.Series, buckets, loc, usage.Day,
			charts.Static(), charts.WithID("report_messages"), charts.WithHeight("175px"),
			charts.WithTitle("Messages per day, "+v.Month)),
	}
	v.Calls = callsTable(r)
	v.HasCalls = r.Calls.Calls > 0 || r.PrevCalls.Calls > 0
	v.Empty = r.Cur.Volume == 0 && r.Before.Volume == 0 && !v.HasCalls
	if r.PrevHidden {
		v.Previous = "— (" + monthLabel(r.Prev) + " lies outside this shared view)"
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
	dash := pages.ReportCell{Text: "—", Title: "outside this shared view"}
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
		TestID: "report-kpi-messages", Label: "Messages", Value: formatInt(r.Cur.Volume), Exact: fmt.Sprint(r.Cur.Volume),
		Delta: changeOf(r.Cur.Volume, r.Before.Volume), Previous: formatInt(r.Before.Volume) + " in " + prevLabel,
	}}
	for _, c := range currencies {
		out = append(out, pages.ReportKPI{
			TestID: "report-kpi-cost-" + strings.ToLower(c), Label: "Estimated cost (" + c + ")",
			Value: formatMoney(c, r.Cur.Cost[c]), Exact: usage.FormatDecimal(r.Cur.Cost[c]) + " " + c,
			Delta: changeOf(r.Cur.Cost[c], r.Before.Cost[c]), Previous: formatMoney(c, r.Before.Cost[c]) + " in " + prevLabel,
		})
	}
	out = append(out,
		pages.ReportKPI{TestID: "report-kpi-paid", Label: "Paid messages", Value: formatInt(paid), Exact: fmt.Sprint(paid),
			Sub: formatShare(paid, paid+free) + " of messages", Delta: changeOf(paid, ppaid), Previous: formatInt(ppaid)},
		pages.ReportKPI{TestID: "report-kpi-free", Label: "Free messages", Value: formatInt(free), Exact: fmt.Sprint(free),
			Sub: formatShare(free, paid+free) + " of messages", Delta: changeOf(free, pfree), Previous: formatInt(pfree)},
	)
	if r.Calls.Calls > 0 || r.PrevCalls.Calls > 0 {
		out = append(out, pages.ReportKPI{TestID: "report-kpi-calls", Label: "Voice calls", Value: formatInt(r.Calls.Calls), Exact: fmt.Sprint(r.Calls.Calls),
			Sub: formatMinutes(r.Calls.Seconds) + " minutes", Delta: changeOf(r.Calls.Calls, r.PrevCalls.Calls), Previous: formatInt(r.PrevCalls.Calls)})
	}
	return out
}

// compareColumns are the columns of every comparison table.
func compareColumns(r report.MonthReport) []string {
	m, p := r.Month.From.In(time.UTC).Format("Jan"), r.Prev.From.In(time.UTC).Format("Jan")
	return []string{m + " messages", p, "Change", m + " cost", p, "Change"}
}

// moneyChange compares per-currency totals: a change when one currency is
// involved, "—" when several are (they are never added).
func moneyChange(cur, prev usage.Totals) pages.ReportCell {
	cs := report.UnionCurrencies(cur, prev)
	switch len(cs) {
	case 0:
		return pages.ReportCell{Text: "—"}
	case 1:
		d := changeOf(cur[cs[0]], prev[cs[0]])
		return pages.ReportCell{Text: d.Text, Class: d.Class, Title: d.Title()}
	}
	return pages.ReportCell{Text: "per currency", Title: "several currencies are never added together"}
}

func countChange(cur, prev int64) pages.ReportCell {
	d := changeOf(cur, prev)
	return pages.ReportCell{Text: d.Text, Class: d.Class, Title: d.Title()}
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
// rest are summed in one row). label names a key.
func compareTable(r report.MonthReport, testID, title, dimension string, key func(usage.GroupKey) string,
	order []string, label func(string) (string, string), limit int) pages.ReportTable {
	cur, prev := report.SumBy(r.Cur, key), report.SumBy(r.Before, key)
	t := pages.ReportTable{TestID: testID, Title: title, Dimension: dimension,
		Caption: title + ": " + monthLabel(r.Month) + " compared with " + monthLabel(r.Prev),
		Columns: compareColumns(r)}
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
		l, sub := label(k)
		t.Rows = append(t.Rows, pages.ReportRow{Key: k, Label: l, Sub: sub, Cells: compareCells(cur[k], prev[k])})
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
		t.Rows = append(t.Rows, pages.ReportRow{Key: "other", Label: fmt.Sprintf("%d others", len(otherCur)),
			Cells: compareCells(report.TotalOf(oc), report.TotalOf(op))})
	}
	t.Foot = compareCells(report.TotalOf(cur), report.TotalOf(prev))
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

func categoryLabel(k string) (string, string) {
	if k == "" {
		return "Not reported", ""
	}
	return usage.Category(k).Label(), ""
}

func pricingLabel(k string) (string, string) {
	if k == "" {
		return "Not reported", ""
	}
	return usage.PricingType(k).Label(), ""
}

func countryLabel(k string) (string, string) {
	if k == "" {
		return "Not reported", ""
	}
	return pages.CountryName(k), k
}

// callsTable compares the voice KPIs with the previous month.
func callsTable(r report.MonthReport) pages.ReportTable {
	cur, prev := r.Calls, r.PrevCalls
	m, p := monthLabel(r.Month), monthLabel(r.Prev)
	t := pages.ReportTable{TestID: "report-calls", Title: "Voice calls", Dimension: "Figure",
		Caption: "WhatsApp voice calls, " + m + " compared with " + p, Columns: []string{m, p, "Change"},
		Note: "Business-initiated calls are billed per 6-second pulse; user-initiated calls are free."}
	row := func(key, label, a, b string, exact string, d pages.ReportCell) {
		t.Rows = append(t.Rows, pages.ReportRow{Key: key, Label: label, Cells: []pages.ReportCell{{Text: a, Exact: exact}, {Text: b}, d}})
	}
	row("calls", "Calls", formatInt(cur.Calls), formatInt(prev.Calls), fmt.Sprint(cur.Calls), countChange(cur.Calls, prev.Calls))
	row("inbound", "Inbound (user-initiated)", formatInt(cur.Inbound), formatInt(prev.Inbound), fmt.Sprint(cur.Inbound), countChange(cur.Inbound, prev.Inbound))
	row("outbound", "Outbound (business-initiated)", formatInt(cur.Outbound), formatInt(prev.Outbound), fmt.Sprint(cur.Outbound), countChange(cur.Outbound, prev.Outbound))
	row("minutes", "Minutes", formatMinutes(cur.Seconds), formatMinutes(prev.Seconds), fmt.Sprint(cur.Seconds), countChange(cur.Seconds, prev.Seconds))
	row("average", "Average duration", formatDuration(cur.AverageSeconds()), formatDuration(prev.AverageSeconds()), fmt.Sprint(cur.AverageSeconds()),
		countChange(cur.AverageSeconds(), prev.AverageSeconds()))
	for _, c := range report.UnionCurrencies(cur.Cost, prev.Cost) {
		row("cost-"+strings.ToLower(c), "Estimated cost ("+c+")", formatMoney(c, cur.Cost[c]), formatMoney(c, prev.Cost[c]),
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
		compareTable(r, "report-by-category", "By category", "Category", func(k usage.GroupKey) string { return string(k.Category) },
			categoryOrder(), categoryLabel, 0),
		compareTable(r, "report-by-pricing", "Free and paid", "Pricing type", func(k usage.GroupKey) string { return string(k.PricingType) },
			pricingOrder(), pricingLabel, 0),
	}
	var chOrder []string
	for _, ch := range sc.channels {
		chOrder = append(chOrder, ch.ID)
	}
	chTable := compareTable(r, "report-by-channel", "By channel", "Channel", func(k usage.GroupKey) string { return k.Channel },
		nil, func(id string) (string, string) {
			if ch, ok := sc.channelByID(id); ok {
				return channelRowLabel(ch)
			}
			return id, ""
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
		compareTable(r, "report-by-country", "By country", "Country", func(k usage.GroupKey) string { return k.Country },
			nil, countryLabel, 12))
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
	scopeName := "All clients"
	if len(q.ClientIDs) > 0 {
		scopeName = fmt.Sprintf("%d clients", len(q.ClientIDs))
	}
	v := s.reportBase(scopeName, "", r, fr)
	v.Tables = []pages.ReportTable{
		currencyTable(r),
		compareTable(r, "report-by-client", "By client", "Client", func(k usage.GroupKey) string { return k.Client },
			nil, func(id string) (string, string) {
				if n, ok := names[id]; ok && n != "" {
					return n, id
				}
				return id, ""
			}, 0),
		compareTable(r, "report-by-category", "By category", "Category", func(k usage.GroupKey) string { return string(k.Category) },
			categoryOrder(), categoryLabel, 0),
		compareTable(r, "report-by-pricing", "Free and paid", "Pricing type", func(k usage.GroupKey) string { return string(k.PricingType) },
			pricingOrder(), pricingLabel, 0),
		compareTable(r, "report-by-country", "By country", "Country", func(k usage.GroupKey) string { return k.Country },
			nil, countryLabel, 12),
	}
	if len(report.UnionCurrencies(r.Cur.Cost, r.Before.Cost)) > 1 {
		// Several currencies: costs are read per currency (first table) and
		// per client; the other tables compare volumes only.
		for i := range v.Tables {
			switch v.Tables[i].TestID {
			case "report-by-currency":
			case "report-by-client":
				for j := 3; j < len(v.Tables[i].Foot); j++ {
					v.Tables[i].Foot[j] = pages.ReportCell{Text: "—", Title: "costs are never added across currencies: see the totals per currency"}
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
	t.Columns = t.Columns[:3]
	for i := range t.Rows {
		t.Rows[i].Cells = t.Rows[i].Cells[:3]
	}
	if len(t.Foot) > 3 {
		t.Foot = t.Foot[:3]
	}
	t.Note = "Messages only: costs are in several currencies, see the totals per currency and per client."
}

// currencyTable sums the partner's month per currency: currencies are never
// added together, so each has its own row.
func currencyTable(r report.MonthReport) pages.ReportTable {
	t := compareTable(r, "report-by-currency", "Totals per currency", "Currency",
		func(usage.GroupKey) string { return "" }, nil, func(string) (string, string) { return "", "" }, 0)
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
