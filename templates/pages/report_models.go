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
	// Title is "Monthly statement"; Scope the client's name or "All clients".
	Title     string
	Scope     string
	ScopeID   string // the client's id; empty for the partner-wide statement
	Month     string // "November 2026"
	MonthKey  string // "2026-11"
	Period    string // "1 – 30 Nov 2026"
	Previous  string // "October 2026"
	Zone      string // IANA zone of the month's boundaries
	Generated string // "20 Nov 2026, 13:00 CET"
	Freshness Freshness
	CostNote  string
	Notices   []string
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
	PaperHrefs          []Option // Value is the href, Label the paper name
	ListHref            string
	PDFUnavailable      string // why the PDF button is missing, when it is
	PrintStylesheetHref string
}

// ReportKPI is one headline figure of the statement.
type ReportKPI struct {
	TestID   string
	Label    string
	Value    string
	Exact    string // machine-readable value ("12345", "1234.567 EUR")
	Sub      string
	Delta    Delta
	Previous string
}

// ReportChart is the daily chart with its time zone.
type ReportChart struct {
	Title, Subtitle string
	Chart           charts.Chart
}

// ReportTable is a table of the statement whose figures are compared with
// the previous month.
type ReportTable struct {
	TestID    string
	Title     string
	Caption   string
	Dimension string
	Columns   []string
	Rows      []ReportRow
	Foot      []ReportCell
	Note      string
}

// ReportRow is one row: a label and its cells.
type ReportRow struct {
	Key   string
	Label string
	Sub   string
	Cells []ReportCell
}

// ReportCell is a cell: plain text, or a change (Class is a delta class).
type ReportCell struct {
	Text  string
	Class string // "" for a figure; delta--up, delta--down, … for a change
	Title string
	Exact string // machine-readable value, optional
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
	Note   string // "No data yet"
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
