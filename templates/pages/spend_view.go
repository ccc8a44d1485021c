package pages

import "github.com/insights-dev/insights/templates/layout"

// SpendPanel is the spend-control section of a client's Insights view:
// the month-end forecast against the budget, balances with runway, the
// budget form for partner admins, and (partner staff only) margins.
type SpendPanel struct {
	// Show is false when the view has no spend section (a channel view of a
	// client without data, or an error reading it).
	Show bool
	// Month names the forecast month ("November 2026"); Zone is the client's zone.
	Month, Zone string
	// KPIs: "Forecast for November", month to date, budget.
	KPIs []KPI
	// Budget is the progress against the budget; nil when none is set.
	Budget *BudgetProgress
	// Chart is the running total with the projected line and its range.
	Chart ChartPanel
	// Categories is the forecast per category (a small table).
	Categories Breakdown
	// Balances lists each channel's balance, threshold and runway.
	Balances []BalanceRow
	// Form is the budget form; nil when the viewer may not set budgets.
	Form *BudgetForm
	// Pricing is the client-price form; nil when the viewer may not set
	// client prices (anyone but partner admins).
	Pricing *PricingForm
	// ShowMargins renders Margins; false for anyone but partner staff (and
	// always for client viewers and share links).
	ShowMargins bool
	// Margins is client price, cost and margin; filled only when
	// ShowMargins is true, so margin figures never reach other viewers.
	Margins *MarginPanel
	// Note explains how the forecast is made.
	Note string
}

// BudgetProgress is a budget's progress bar: spent so far and forecast.
type BudgetProgress struct {
	Amount          string // "€500.00"
	SpentPercent    int    // month to date ÷ budget, 0–100 for the bar
	ForecastPercent int    // forecast ÷ budget, may exceed 100
	Text            string // "€312.00 of €500.00 spent (62 %)"
	ForecastText    string // "Forecast €610.00: 122 % of the budget"
	Over            bool   // the forecast exceeds the budget
}

// BalanceRow is one channel's balance.
type BalanceRow struct {
	ChannelID, Channel string
	Balance, Threshold string
	Runway             string // "12.5 days", "no recent spending"
	DailySpend         string
	ReadAt             string
	Low                bool // under the threshold: warning state
}

// BudgetForm is the admin form that sets a client's monthly budget.
type BudgetForm struct {
	Action    string
	CSRFField string // form field name of the CSRF token ("_csrf")
	CSRFToken string // empty when no CSRF middleware runs
	Amount    string // current budget, "" when none
	Currency  string
	Message   string // confirmation after a change
}

// MarginPanel is the reseller view of a client's month: client price,
// cost and margin per category.
type MarginPanel struct {
	Basis string // "Markup 15 %", "Price list"
	Table Breakdown
}

// PricingForm is the admin form that sets what a client is charged: a
// markup on cost, a price per message for some categories, or both.
type PricingForm struct {
	Action    string
	CSRFField string // form field name of the CSRF token ("_csrf")
	CSRFToken string // empty when no CSRF middleware runs
	Currency  string // the client's currency, of the prices
	Markup    string // current markup in percent, "" when none
	Prices    []PriceField
	Set       bool   // the client has a price now (the clear button shows)
	Message   string // confirmation after a change
}

// PriceField is one category's price per message in the price list.
type PriceField struct {
	Name  string // form field name (price_MARKETING)
	Label string // "Marketing"
	Value string // current price, "" when none
}

// AlertsView is the alerts page: what is firing now and what fired before.
type AlertsView struct {
	Meta    layout.PageMeta
	Current []AlertRow
	Past    []AlertRow
	// Delivery says where alerts are sent ("e-mail and webhook", "nowhere: …").
	Delivery string
}

// AlertRow is one alert.
type AlertRow struct {
	ID         string
	Kind       string // machine name (low_runway)
	KindLabel  string // "Balance running low"
	Client     string // client name
	ClientHref string
	Message    string
	Since      string // when it fired
	Resolved   string // when it resolved; "" while firing
	Duration   string
}
