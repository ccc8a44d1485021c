package pages

import "strconv"

// The words of the monthly statements: their tables, figures and notes.

// ReportTableKind is which table of a statement a ReportTable is.
type ReportTableKind int

// The statement's tables.
const (
	ReportCompare     ReportTableKind = iota // a dimension compared with the month before (By)
	ReportCalls                              // the voice calls compared with the month before
	ReportMarginTable                        // client price, cost and margin (partner staff only)
)

// ReportDim is the dimension a comparison table is split by.
type ReportDim int

// The dimensions of comparison tables.
const (
	ReportByCategory ReportDim = iota + 1
	ReportByPricing
	ReportByChannel
	ReportByCountry
	ReportByClient
	ReportByCurrency // the partner's totals per currency
)

// reportCostNote is the estimate note every statement carries.
const reportCostNote = "Costs are estimates from the usage the Partner API reports; Meta's invoice is final."

// PDFBusy is what a download refused for a full print queue reads.
const PDFBusy = "Too many statements are being printed right now. Try the download again in a few seconds, or use your browser's Print → Save as PDF: the page is laid out for it."

// PDFUnavailable says why there is no PDF download (reason: the printer's
// error) and what to do instead.
func PDFUnavailable(reason string) string {
	return "PDF download is not available on this server (" + reason + "; set INSIGHTS_CHROMIUM or install the chromium package). Use your browser's Print → Save as PDF instead: the page is laid out for it."
}

// DailyChartTitle is the accessible title of a statement's daily chart.
func DailyChartTitle(month string) string { return "Messages per day, " + month }

// reportScope names what a statement covers: the client, or its clients.
func reportScope(v ReportView) string {
	switch {
	case v.ScopeID != "":
		return v.Scope
	case v.Clients > 0:
		return plural(v.Clients, "client", "clients")
	}
	return "All clients"
}

// reportPrevious names the month compared with, or why there is none.
func reportPrevious(v ReportView) string {
	if v.PrevHidden {
		return "— (" + v.Previous + " lies outside this shared view)"
	}
	return v.Previous
}

func paperLabel(paper string) string {
	if paper == "letter" {
		return "US Letter"
	}
	return "A4"
}

// reportKPILabel words a statement's headline figure.
func reportKPILabel(k ReportKPI) string {
	switch k.Measure {
	case MeasureMessages:
		return "Messages"
	case MeasureCost:
		return "Estimated cost (" + k.Currency + ")"
	case MeasureCalls:
		return "Voice calls"
	}
	return k.Measure.label(k.Currency, "")
}

func reportKPIPrevious(k ReportKPI) string {
	if k.PrevMonth != "" && k.Previous != "" {
		return k.Previous + " in " + k.PrevMonth
	}
	return k.Previous
}

// reportHead is a statement table's title, the heading of its label
// column, its caption and the headings of its figure columns.
func reportHead(t ReportTable) (title, dimension, caption string, columns []string) {
	m := t.Months
	switch t.Kind {
	case ReportCalls:
		return "Voice calls", "Figure", "WhatsApp voice calls, " + m.Cur + " compared with " + m.Prev, []string{m.Cur, m.Prev, "Change"}
	case ReportMarginTable:
		return "Client price, cost and margin", "Category",
			m.Cur + " in " + t.Currency + ": what the client is charged, what Meta bills, and the difference",
			[]string{"Messages", "Client price", "Cost", "Margin"}
	}
	title, dimension = reportDimWords(t.By)
	columns = []string{m.CurShort + " messages", m.PrevShort, "Change", m.CurShort + " cost", m.PrevShort, "Change"}
	if t.VolumesOnly {
		columns = columns[:3]
	}
	return title, dimension, title + ": " + m.Cur + " compared with " + m.Prev, columns
}

func reportDimWords(d ReportDim) (title, dimension string) {
	switch d {
	case ReportByCategory:
		return "By category", "Category"
	case ReportByPricing:
		return "Free and paid", "Pricing type"
	case ReportByChannel:
		return "By channel", "Channel"
	case ReportByCountry:
		return "By country", "Country"
	case ReportByClient:
		return "By client", "Client"
	case ReportByCurrency:
		return "Totals per currency", "Currency"
	}
	return "", ""
}

// reportNote is the small print under a table's title.
func reportNote(t ReportTable) string {
	switch {
	case t.Note != "":
		return t.Note
	case t.Kind == ReportCalls:
		return "Business-initiated calls are billed per 6-second pulse; user-initiated calls are free."
	case t.VolumesOnly:
		return "Messages only: costs are in several currencies, see the totals per currency and per client."
	}
	return ""
}

// reportRowLabel and reportRowSub name a row of t.
func reportRowLabel(t ReportTable, r ReportRow) string {
	switch {
	case t.Kind == ReportCalls:
		return callsRowLabel(r.Key, r.Currency)
	case r.Others > 0:
		return strconv.Itoa(r.Others) + " others"
	}
	return rowLabel(r.Name, r.Key, r.Label)
}

func reportRowSub(r ReportRow) string {
	if r.Name == RowCountry {
		return r.Key
	}
	return r.Sub
}

// callsRowLabel names a row of the calls table by its key.
func callsRowLabel(key, currency string) string {
	switch key {
	case "calls":
		return "Calls"
	case "inbound":
		return "Inbound (user-initiated)"
	case "outbound":
		return "Outbound (business-initiated)"
	case "minutes":
		return "Minutes"
	case "average":
		return "Average duration"
	}
	return "Estimated cost (" + currency + ")"
}
