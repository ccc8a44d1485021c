// Package pages holds the full-page templ components of Insights and the
// view models they display. Handlers in internal/server build a view model
// shaped like the screen: every number, amount and date already formatted,
// and kinds (a Measure, a ChartKind, a NoticeKind, …) where the screen has
// words. The words themselves live here, in the components and the small
// helpers beside them (figures.go, tables.go, notices.go, words.go,
// report_words.go), so that user-facing text is in one place. The
// components never touch the store.
package pages

import (
	"github.com/insights-dev/insights/internal/charts"
	"github.com/insights-dev/insights/internal/usage"
	"github.com/insights-dev/insights/templates/layout"
)

// Option is one choice of a select. Label words it; the filter bar words
// an option without a Label itself: the "all" choice (Value ""), a
// granularity, a time zone (Default marks the scope's own) and a country.
type Option struct {
	Value    string
	Label    string
	Selected bool
	Default  bool // the scope's own time zone
}

// PresetButton is one date-range preset of the filter bar (its Key words
// it). From and To are the dates it stands for today, so the script can
// fill the date fields.
type PresetButton struct {
	Key      string
	From, To string
	Active   bool
}

// Filters is the state of a page's filter form (a GET form, so every view
// can be bookmarked and shared).
type Filters struct {
	Action        string // the form's action URL (the page's path)
	Preset        string // the active preset key, or "custom"
	Presets       []PresetButton
	From, To      string // YYYY-MM-DD, the effective range
	Granularities []Option
	Zones         []Option
	WABAs         []Option // nil hides the field
	Channels      []Option // nil hides the field
	Categories    []Option // nil hides the field
	Countries     []Option // nil hides the field
	ResetHref     string   // the page without any filter
}

// Delta is a KPI's change against the previous period, formatted; the
// sentence behind it (Title) and, without a change, its words (Label) come
// from the templates.
type Delta struct {
	Text  string // "+12.3%", "−4.0%", "0.0%" or "n/a"
	Class string // delta--up, delta--down, delta--flat or delta--na
	// Why says, for a delta--na, why there is no change to show.
	Why NoChange
}

// NoChange is why a figure shows no change.
type NoChange int

// The reasons a figure shows no change.
const (
	NoPrevious        NoChange = iota // the previous value is zero: no percentage
	PrevOutsideShare                  // the previous period lies outside a share link's dates
	MonthOutsideShare                 // the month before lies outside a share link's dates (statements)
	NoCallCosts                       // no call costs were reported
	NoBudget                          // no monthly budget to compare with
	BudgetMonthly                     // the budget itself: set per month, nothing to compare
)

// KPI is one headline figure with its comparison. Measure says what the
// figure is; the card words its label from it (see figures.go).
type KPI struct {
	TestID   string // data-testid of the card ("kpi-messages")
	Measure  Measure
	Currency string // the currency of a cost, in its label; "" for none
	Month    string // the month of a forecast or budget, in its label ("November")
	Value    string
	Sub      Sub // a second line under the value, optional
	Delta    Delta
	// Previous is the value compared with ("€10.00"), PrevPeriod its period
	// ("2 – 31 Oct 2026"); VsBudget says Previous is the month's budget.
	// An empty Previous shows no comparison line.
	Previous   string
	PrevPeriod string
	VsBudget   bool
	// Estimated marks an estimate (costs): the card carries a badge.
	Estimated bool
}

// Crumb is one step of the breadcrumb trail: a named page (Label), or
// the overview (Home).
type Crumb struct {
	Label, Href string
	Home        bool
}

// Freshness says how current the data behind a page is.
type Freshness struct {
	DataUntil string // "3 Mar 2026, 14:00 CET"; "" when there is no data yet
	LastPoll  string // "3 Mar 2026, 14:05 CET"; "" when never polled
	State     string // "fresh", "stale", "failed" or "unknown"
	// PausedChannels is how many channels the Partner API has paused, until
	// PausedUntil; 0 when none is.
	PausedChannels int
	PausedUntil    string
	ErrorCount     int // poll errors in the last 24 hours for this scope
	ErrorSample    []string
}

// BreakdownRow is one row of a breakdown table.
type BreakdownRow struct {
	Key string // the dimension's value (channel id, country code, pricing type)
	// Name says how the row is named: by Label (the default), or by Key
	// (a country, a duration bucket), or as a value the source did not report.
	Name  RowName
	Label string
	Sub   string // a second, muted line (the channel's id)
	WABA  string // the WABA of a channel's row, on that line
	Href  string // optional link (a channel's own view)
	Cells []string
}

// Breakdown is a table of totals split by one dimension. Kind says which
// table it is; the templates word its title, caption and column headings.
type Breakdown struct {
	TestID   string
	Kind     BreakdownKind
	Period   string // the period the table covers, for its caption ("1 – 30 Nov 2026")
	Currency string // the currency of its amounts, for its caption
	Rows     []BreakdownRow
	Foot     []string // totals, aligned with the columns; nil for none
}

// ChartPanel is a chart with what the page says around it. Kind says which
// chart it is; the templates word its title, subtitle and empty state.
type ChartPanel struct {
	TestID   string
	Kind     ChartKind
	Currency string            // the currency of a cost chart ("" when none is known)
	Per      usage.Granularity // the bucket size
	Zone     string            // the time zone of the buckets
	Period   string            // the period shown, for the empty state
	Chart    charts.Chart
}

// CallsSection is the Voice Calls part of the Insights view.
type CallsSection struct {
	Empty    bool // no calls in this scope and period, nor in the previous one
	KPIs     []KPI
	ByDir    ChartPanel
	Duration ChartPanel
}

// Stat is a plain figure without a comparison (webhook counters).
type Stat struct {
	TestID   string
	Measure  Measure
	Currency string // the currency of a cost, in its label
	Value    string
	Sub      Sub // optional second line
}

// WebhookToday is the "today so far" section of the Insights view: real-time
// estimates counted from webhook events since local midnight, ahead of the
// Partner API's numbers.
type WebhookToday struct {
	Hidden bool // today lies outside a share link's dates: the section is left out
	// Day, Zone and Until say what "today" is: since 00:00 on Day ("11 Mar
	// 2026") in Zone, up to Until ("13:05").
	Day, Zone, Until string
	Empty            bool // no webhook events counted today for the scope
	// NoSecret says the server has no webhook secret: webhooks are not
	// configured at all, which the empty state says.
	NoSecret   bool
	Stats      []Stat    // messages, cost per currency, calls, minutes
	ByCategory Breakdown // today's messages by category
}

// CallDetail is the per-call detail the Partner API does not give, from
// webhook call events over the selected period.
type CallDetail struct {
	Empty     bool      // no webhook calls in the period
	Period    string    // the period, for the empty state
	Stats     []Stat    // completed, failed, missed, still open
	Durations Breakdown // completed calls by duration bucket
}

// InsightsView is the Insights page of a client, one of its WABAs or one
// channel.
type InsightsView struct {
	Meta     layout.PageMeta
	Crumbs   []Crumb
	Title    string    // the client's or the channel's name
	Scope    ScopeLine // what the view covers, for its subtitle
	Period   string    // "1 – 30 Nov 2026"
	Previous string    // the comparison period
	// PrevHidden says the comparison period lies outside a share link's dates.
	PrevHidden bool
	Zone       string
	// ApproxZone says Zone is not a whole number of half hours from UTC:
	// buckets are to the nearest half hour.
	ApproxZone  bool
	Filters     Filters
	Notices     []Notice // honest remarks (unknown costs, mixed currencies)
	KPIs        []KPI
	Messages    ChartPanel
	Costs       []ChartPanel // one per currency
	Calls       CallsSection
	ByChannel   Breakdown
	ByCountry   Breakdown
	ByPricing   Breakdown
	Freshness   Freshness
	APIHref     string // the JSON API call behind the page's figures
	NoDataAtAll bool   // the scope has never had any usage
	// Today is the real-time section fed by webhook events.
	Today WebhookToday
	// CallDetail is the webhook call detail of the Voice calls section.
	CallDetail CallDetail
	// ReconcileHref is the client's reconciliation page for the current month.
	ReconcileHref string
	// Spend is the spend-control section (forecast, budget, balances); see spend_view.go.
	Spend SpendPanel
	// Tiers is the volume-tier progress of the month; see tiers_view.go.
	Tiers TiersPanel
	// CostEstimate: costs estimated from the rate card; see estimate_view.go.
	CostEstimate CostEstimate
	// Units are the cards of the categories not counted in messages (Meta
	// Business Agent's tokens), beside the messaging KPIs.
	Units []UnitUsage
	// UnknownCategories names the categories of the period Insights does
	// not know ("New Thing (NEW_THING)"): kept and counted as messages.
	UnknownCategories []string
}

// UnitUsage is a category whose volume is not counted in messages (Meta
// Business Agent: tokens) over the period: its own small card, never added
// to the message figures; its cost is in the cost figures.
type UnitUsage struct {
	TestID   string // "units-meta_business_agent"
	Category string // its label ("Meta Business Agent")
	Volume   string // "12,345"
	Exact    string // "12345"
	Unit     string // the unit's noun for Volume ("tokens")
	Cost     string // "$1.23" ("—" when none), currencies side by side
	Delta    Delta
	// PrevVolume and PrevUnit are the previous period's; PrevVolume is
	// empty when that period is not shown.
	PrevVolume, PrevUnit string
}

// ScopeLine says what an Insights view covers, for its subtitle: a
// channel, the WABAs or channels filtered on, or the whole client.
type ScopeLine struct {
	Channel  string   // the channel's id, on a channel's view
	WABA     string   // that channel's WABA
	WABAs    []string // the WABAs filtered on
	Channels []string // the names of the channels filtered on
}

// CostCell is a client's cost in one currency on the overview.
type CostCell struct {
	Currency string
	Cost     string
	Share    string // share of the total in this currency
	ShareBar int    // the share in whole percent, for the bar
	Delta    Delta
}

// OverviewRow is one client on the partner overview.
type OverviewRow struct {
	ClientID  string
	Name      string
	Href      string
	Channels  int
	Messages  string
	MsgDelta  Delta
	Costs     []CostCell // one per currency, usually one
	Sparkline charts.Chart
	Quiet     bool // no usage in the period
}

// CurrencyTotal is the partner's total in one currency.
type CurrencyTotal struct {
	Currency string
	Cost     string
	Delta    Delta
	Previous string
	Clients  int
}

// OverviewView is the partner overview: every client in one table.
type OverviewView struct {
	Meta      layout.PageMeta
	Title     string // the partner's name; the default name shows as "All clients"
	Period    string
	Previous  string
	Zone      string
	Filters   Filters
	KPIs      []KPI
	Totals    []CurrencyTotal
	Rows      []OverviewRow
	Freshness Freshness
	Notices   []Notice
	APIHref   string
	// CostEstimate: costs estimated from the rate card; see estimate_view.go.
	CostEstimate CostEstimate
}

// ErrorView is the page shown for a failed request.
type ErrorView struct {
	Meta    layout.PageMeta
	Status  int // the HTTP status; the page words its title from it
	Message string
	Field   string // the filter at fault, for a 400
	Back    string // where to go from here
}
