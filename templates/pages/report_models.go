package pages

import (
	"github.com/insights-dev/insights/internal/charts"
	"github.com/insights-dev/insights/templates/layout"
)

// ReportView is a monthly statement: one client's month, or the whole
// partner's. Every figure is formatted; Value attributes carry the exact
// machine-readable number beside some of them (for tests and scripts).
type ReportView struct {
	Meta layout.PageMeta
	// Partner heads the statement; Logo is a data: URI or empty.
	Partner string
	Logo    string
	// Scope is the client's name, ScopeID its id; both are empty for the
	// partner-wide statement, which covers Clients clients (0: all of them).
	Scope    string
	ScopeID  string
	Clients  int
	Month    string // "November 2026"
	MonthKey string // "2026-11"
	Period   string // "1 – 30 Nov 2026"
	Previous string // "October 2026"
	// PrevHidden says the month before lies outside a share link's dates.
	PrevHidden bool
	Zone       string // IANA zone of the month's boundaries
	Generated  string // "20 Nov 2026, 13:00 CET"
	Freshness  Freshness
	Notices    []Notice
	// CostEstimate: costs estimated from the rate card; see estimate_view.go.
	CostEstimate CostEstimate
	// Paper is "a4" or "letter": the @page size the page prints on.
	Paper string

	KPIs     []ReportKPI
	Chart    ReportChart
	Tables   []ReportTable
	Calls    ReportTable
	HasCalls bool
	Empty    bool // no messages and no calls in either month

	// ShowMargins renders Margins: true for partner staff only, never for a
	// client viewer or a share link.
	ShowMargins bool
	// Margins is client price, cost and margin per category; filled only
	// when ShowMargins is true, so margin figures never reach other viewers.
	Margins *ReportMargins

	// Links of the screen toolbar (hidden in print).
	PrevHref, NextHref  string
	PDFHref, CSVHref    string
	PaperHrefs          []PaperLink
	ListHref            string
	PDFUnavailable      string // why the PDF button is missing (the printer's error), when it is
	PrintStylesheetHref string
	// Units and UnknownCategories: as in InsightsView.
	Units             []UnitUsage
	UnknownCategories []string
}

// PaperLink is the statement on one paper size.
type PaperLink struct {
	Paper    string // "a4" or "letter"
	Href     string
	Selected bool
}

// ReportKPI is one headline figure of the statement.
type ReportKPI struct {
	TestID   string
	Measure  Measure // MeasureMessages, MeasureCost, MeasurePaid, MeasureFree or MeasureCalls
	Currency string  // of a cost
	Value    string
	Exact    string // machine-readable value ("12345", "1234.567 EUR")
	Sub      Sub
	Delta    Delta
	// Previous is the month before's value, PrevMonth that month ("" to
	// leave it out); an empty Previous shows none.
	Previous  string
	PrevMonth string
}

// ReportChart is the daily chart with its time zone.
type ReportChart struct {
	Zone  string
	Chart charts.Chart
}

// ReportTable is a table of the statement whose figures are compared with
// the previous month. Kind and By say which; the templates word its title,
// caption, headings and note.
type ReportTable struct {
	TestID   string
	Kind     ReportTableKind
	By       ReportDim // the dimension of a comparison table
	Months   Months
	Currency string // the currency of a margin table
	// VolumesOnly leaves out a comparison table's cost columns: its rows
	// would mix currencies.
	VolumesOnly bool
	Rows        []ReportRow
	Foot        []ReportCell
	Note        string // set by the templates (see marginsTable)
}

// Months names a statement's month and the month before.
type Months struct {
	Cur, Prev           string // "November 2026", "October 2026"
	CurShort, PrevShort string // "Nov", "Oct"
}

// ReportRow is one row: a label and its cells. Name says how it is named
// (by Label, a country, an unreported value); Others, when positive, makes
// it the row of that many other keys summed.
type ReportRow struct {
	Key      string
	Name     RowName
	Label    string
	Sub      string
	Others   int
	Currency string // the currency of a cost row of the calls table
	Cells    []ReportCell
}

// ReportCell is a cell: a figure, or a change.
type ReportCell struct {
	Text   string
	Exact  string // machine-readable value, optional
	Change *Delta // a change instead of a figure
	// PerCurrency marks a change of costs in several currencies: they are
	// never added, so there is none.
	PerCurrency bool
}

// ReportListView lists the months that have data, per client.
type ReportListView struct {
	Meta    layout.PageMeta
	Partner ReportListEntry
	Clients []ReportListEntry
}

// ReportListEntry is one client's (or the partner's) available months.
type ReportListEntry struct {
	ID     string
	Name   string
	Zone   string
	Months []ReportMonth
}

// ReportMonth is one month's links.
type ReportMonth struct {
	Key, Label         string
	Href, PDFHref, CSV string
	Partial            bool // the month is still running
}

// ReportMargins is the reseller part of a client's statement.
type ReportMargins struct {
	Basis PricingBasis
	Table ReportTable
	// NotComputed says there is no table: the month's costs are not all in
	// the client's currency (Currency; "" when it is not known).
	NotComputed bool
	Currency    string
}
