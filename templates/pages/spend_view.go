package pages

import (
	"strconv"

	"github.com/insights-dev/insights/templates/layout"
)

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
}

// BudgetProgress is a budget's progress bar: spent so far and forecast.
type BudgetProgress struct {
	Amount          string // "€500.00"
	Spent           string // month to date, "€312.00"
	SpentShare      int    // month to date ÷ budget in percent (62)
	SpentPercent    int    // the same, 0–100 for the bar
	Forecast        string // "€610.00"
	ForecastPercent int    // forecast ÷ budget, may exceed 100
	Over            bool   // the forecast exceeds the budget
	// BudgetCurrency and CostCurrency are set when they differ: the
	// forecast is then not compared with the budget.
	BudgetCurrency, CostCurrency string
}

// BalanceRow is one channel's balance.
type BalanceRow struct {
	ChannelID, Channel string
	Balance, Threshold string
	Runway             string // days left ("12.5"); "" without recent spending
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
	Result    string // after a change: "saved" or "removed"; "" otherwise
}

// MarginPanel is the reseller view of a client's month: client price,
// cost and margin per category.
type MarginPanel struct {
	Basis PricingBasis
	Table Breakdown
}

// PricingBasis is how a client is priced: a markup on cost, a price list,
// or both.
type PricingBasis struct {
	Markup string // the markup in percent ("15"); "" for none
	List   bool   // a price list besides the markup
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
	Result    string // after a change: "saved" or "cleared"; "" otherwise
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
	// Delivery says where alerts are sent ("e-mail and webhook", "nowhere: …");
	// "" when delivery is not configured, which the page says.
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

// forecastNote explains how the forecast of a client in zone is made.
func forecastNote(zone string) string {
	return "Forecast from month-to-date usage in " + zone + ": each weekday's share of the last 8 weeks × the recent level and trend, " +
		"per category at this month's average price (utility and authentication at the lower tier price reached). The range is likely, not certain. " + costNote
}

// basisText words how a client is priced: "Markup 15 %", "Price list",
// "Markup 15 % and a price list".
func basisText(b PricingBasis) string {
	switch {
	case b.Markup == "":
		return "Price list"
	case b.List:
		return "Markup " + b.Markup + " % and a price list"
	}
	return "Markup " + b.Markup + " %"
}

// budgetText is the budget bar's first line.
func budgetText(b BudgetProgress) string {
	return b.Spent + " of " + b.Amount + " spent (" + strconv.Itoa(b.SpentShare) + " %)"
}

// budgetForecastText compares the forecast with the budget.
func budgetForecastText(b BudgetProgress) string {
	s := "Forecast " + b.Forecast + ": " + strconv.Itoa(b.ForecastPercent) + " % of the budget"
	if b.BudgetCurrency != "" && b.BudgetCurrency != b.CostCurrency {
		s += " (the budget is in " + b.BudgetCurrency + ", costs in " + b.CostCurrency + ": not compared)"
	}
	return s
}

func runwayText(r BalanceRow) string {
	if r.Runway == "" {
		return "no recent spending"
	}
	return r.Runway + " days"
}

// formResult confirms a change made with a form of the spend section.
func formResult(result, saved, removed string) string {
	switch result {
	case "saved":
		return saved
	case "removed", "cleared":
		return removed
	}
	return ""
}

func alertDelivery(v AlertsView) string {
	if v.Delivery == "" {
		return "Alerts are listed here; e-mail and webhook delivery are not configured (INSIGHTS_SMTP_ADDR, INSIGHTS_ALERT_WEBHOOK_URL)."
	}
	return v.Delivery
}
