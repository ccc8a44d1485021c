package server

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/insights-dev/insights/internal/charts"
	"github.com/insights-dev/insights/internal/report"
	"github.com/insights-dev/insights/internal/spend"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
	"github.com/insights-dev/insights/templates/pages"
)

// csrfField is the form field the CSRF middleware reads.
const csrfField = "_csrf"

// spendRights says what the viewer may do with spend data: partner admins
// set budgets; partner staff (admins and members) see margins. Without a
// principal (no access control in front, as in handler tests) the viewer is
// the operator of a single-user install and may do both.
func spendRights(c echo.Context) (admin, staff bool) {
	p, ok := principalFrom(c)
	if !ok {
		return true, true
	}
	return p.Admin(), p.Staff()
}

// monthToDateWithin reports whether the current month up to today, in loc,
// lies inside b: a forecast and the balances show figures of those days and
// of now, so a share link whose dates do not reach them does not see them.
func (s *Server) monthToDateWithin(b report.DateBounds, loc *time.Location) bool {
	today := usage.DateOf(s.now().In(loc))
	return b.Contains(usage.Period{From: usage.Date{Year: today.Year, Month: today.Month, Day: 1}, To: today, Loc: loc})
}

// spendPanel builds the spend-control section of an Insights view: the
// current month's forecast (of the channel on a channel view) against the
// client's budget, the balances, the budget form and, for partner staff,
// the margins. A failure to read it is logged and leaves the section out,
// so the rest of the view still shows.
func (s *Server) spendPanel(ctx context.Context, c echo.Context, sc insightsScope) pages.SpendPanel {
	svc := s.spendService(requestScope(c))
	var chIDs []string
	filter := store.ChannelFilter{ClientIDs: []string{sc.client.ID}}
	if sc.channel != nil {
		chIDs = []string{sc.channel.ID}
		filter.ChannelIDs = chIDs
	}
	f, err := svc.Forecast(ctx, sc.client, sc.channels, 0, 0, chIDs)
	if err != nil {
		s.log.ErrorContext(ctx, "spend panel: forecast", "client", sc.client.ID, "err", err)
		return pages.SpendPanel{}
	}
	bals, err := svc.Balances(ctx, filter)
	if err != nil {
		s.log.ErrorContext(ctx, "spend panel: balances", "client", sc.client.ID, "err", err)
		return pages.SpendPanel{}
	}
	admin, staff := spendRights(c)
	monthName := f.Month.From.In(f.Zone).Format("January")
	p := pages.SpendPanel{
		Show:  true,
		Month: f.Month.From.In(f.Zone).Format("January 2006"),
		Zone:  f.Zone.String(),
	}
	cur := f.Currency
	p.KPIs = []pages.KPI{
		{TestID: "kpi-forecast", Measure: pages.MeasureForecast, Month: monthName, Value: formatMoney(cur, f.ForecastNanos),
			Sub:   pages.Sub{Kind: pages.SubRange, A: formatMoney(cur, f.LowNanos), B: formatMoney(cur, f.HighNanos)},
			Delta: noBudgetDelta, Estimated: true},
		{TestID: "kpi-month-to-date", Measure: pages.MeasureMonthToDate, Value: formatMoney(cur, f.ToDateNanos),
			Sub: pages.Sub{Kind: pages.SubDaysOf, N: min(f.Month.Days(), max(0, f.Month.From.DaysUntil(usage.DateOf(s.now().In(f.Zone)))+1)),
				M: f.Month.Days()},
			Delta: noBudgetDelta},
	}
	if f.Budget != nil && f.Budget.Currency == cur && sc.channel == nil {
		// Against the budget: how far the forecast and the spend so far are over or under it.
		for i, n := range []int64{f.ForecastNanos, f.ToDateNanos} {
			p.KPIs[i].Delta, p.KPIs[i].Previous, p.KPIs[i].VsBudget = changeOf(n, f.Budget.AmountNanos), formatMoney(cur, f.Budget.AmountNanos), true
		}
	}
	if f.Budget != nil && sc.channel == nil {
		b := f.Budget
		p.KPIs = append(p.KPIs, pages.KPI{TestID: "kpi-budget", Measure: pages.MeasureBudget, Month: monthName, Value: formatMoney(b.Currency, b.AmountNanos),
			Sub: pages.Sub{Kind: pages.SubLeft, A: formatMoney(b.Currency, b.AmountNanos-f.ToDateNanos)}, Delta: noChange(pages.BudgetMonthly)})
		p.Budget = budgetProgress(f)
	}
	var budgetLine *int64
	if f.Budget != nil && sc.channel == nil && f.Budget.Currency == cur {
		budgetLine = &f.Budget.AmountNanos
	}
	var days []charts.ForecastDay
	for _, d := range f.Result.Cumulative() {
		days = append(days, charts.ForecastDay{Day: d.Date.In(f.Zone), Projected: d.Projected, CostNanos: d.CostNanos, LowNanos: d.LowNanos, HighNanos: d.HighNanos})
	}
	p.Chart = pages.ChartPanel{TestID: "chart-forecast", Kind: pages.ChartForecast, Currency: cur, Per: usage.Day, Zone: f.Zone.String(),
		Chart: charts.CostForecast(days, f.Zone, cur, budgetLine)}
	p.Categories = forecastBreakdown(f)
	p.Balances = balanceRows(bals, sc, f.Zone)
	if admin && sc.channel == nil {
		p.Form = budgetForm(c, sc.client.ID, cur, f.Budget)
	}
	if !admin && !staff {
		return p
	}
	// The prices, for the pricing form (admins) and the margins (staff).
	prices, err := s.store.ClientPrices(ctx, requestScope(c), sc.client.ID)
	if err != nil {
		s.log.ErrorContext(ctx, "spend panel: client prices", "client", sc.client.ID, "err", err)
		return p
	}
	if p.Form != nil {
		p.Pricing = pricingForm(c, sc.client.ID, cur, prices)
	}
	if m := marginPanel(prices, f); staff && m != nil {
		p.ShowMargins, p.Margins = true, m
	}
	return p
}

// balanceRows lists the channels' latest balance readings.
func balanceRows(bals []spend.Balance, sc insightsScope, zone *time.Location) []pages.BalanceRow {
	var out []pages.BalanceRow
	for _, b := range bals {
		row := pages.BalanceRow{ChannelID: b.ChannelID, Channel: b.ChannelID, Balance: formatMoney(b.Currency, b.BalanceNanos),
			Threshold: "—", DailySpend: formatMoney(b.Currency, b.DailySpendNanos),
			ReadAt: b.ReadAt.In(zone).Format("2 Jan 15:04"), Low: b.Low()}
		if ch, ok := sc.channelByID(b.ChannelID); ok {
			row.Channel = channelLabel(ch)
		}
		if b.ThresholdNanos != nil {
			row.Threshold = formatMoney(b.Currency, *b.ThresholdNanos)
		}
		if b.RunwayDays != nil {
			row.Runway = strconv.FormatFloat(*b.RunwayDays, 'f', 1, 64)
		}
		out = append(out, row)
	}
	return out
}

// budgetForm is the admin's form to set the client's monthly budget.
func budgetForm(c echo.Context, clientID, currency string, budget *store.Budget) *pages.BudgetForm {
	form := &pages.BudgetForm{Action: clientPath(clientID) + "/budget", CSRFField: csrfField, Currency: currency}
	if tok, ok := c.Get(middleware.DefaultCSRFConfig.ContextKey).(string); ok {
		form.CSRFToken = tok
	}
	if budget != nil {
		form.Amount = usage.FormatDecimal(budget.AmountNanos)
	}
	if r := c.QueryParam("budget"); r == "saved" || r == "removed" {
		form.Result = r
	}
	return form
}

// noBudgetDelta fills the change line of spend KPIs when there is no
// budget to compare with.
var noBudgetDelta = noChange(pages.NoBudget)

// budgetProgress is the bar of a budget: month to date and forecast.
func budgetProgress(f spend.Forecast) *pages.BudgetProgress {
	b := f.Budget
	pct := func(n int64) int {
		if b.AmountNanos <= 0 {
			return 0
		}
		return int(forecastPercent(n, b.AmountNanos))
	}
	bp := &pages.BudgetProgress{Amount: formatMoney(b.Currency, b.AmountNanos),
		Spent: formatMoney(f.Currency, f.ToDateNanos), SpentShare: pct(f.ToDateNanos), SpentPercent: min(100, max(0, pct(f.ToDateNanos))),
		Forecast: formatMoney(f.Currency, f.ForecastNanos), ForecastPercent: pct(f.ForecastNanos), Over: f.OverBudget()}
	if b.Currency != f.Currency {
		bp.BudgetCurrency, bp.CostCurrency = b.Currency, f.Currency
		bp.Over = false
	}
	return bp
}

// forecastPercent is 100 × part ÷ whole, rounded down, in integers.
func forecastPercent(part, whole int64) int64 {
	switch {
	case whole <= 0:
		return 0
	case part > math.MaxInt64/100:
		return part / max(1, whole/100)
	}
	return part * 100 / whole
}

// forecastBreakdown is the small table of the forecast per category.
func forecastBreakdown(f spend.Forecast) pages.Breakdown {
	b := pages.Breakdown{TestID: "forecast-categories", Kind: pages.ForecastByCategory, Currency: f.Currency}
	var vd, vf, cd, cf int64
	for _, c := range f.Result.Categories {
		b.Rows = append(b.Rows, pages.BreakdownRow{Key: string(c.Category), Label: c.Category.Label(), Cells: []string{
			volumeText(c.Category, c.ToDateVolume), volumeText(c.Category, c.ForecastVolume), formatMoney(f.Currency, c.ToDateNanos), formatMoney(f.Currency, c.ForecastNanos)}})
		if c.Category.Unit() == usage.UnitMessage { // tokens are not added to messages
			vd, vf = vd+c.ToDateVolume, vf+c.ForecastVolume
		}
		cd, cf = cd+c.ToDateNanos, cf+c.ForecastNanos
	}
	if len(b.Rows) > 0 {
		b.Foot = []string{formatInt(vd), formatInt(vf), formatMoney(f.Currency, cd), formatMoney(f.Currency, cf)}
	}
	return b
}

// setBudget answers POST /clients/:client/budget (partner admins): sets the
// client's monthly budget in its currency, or removes it for 0 or empty.
func (s *Server) setBudget(c echo.Context) error {
	ctx := c.Request().Context()
	if admin, _ := spendRights(c); !admin {
		return echo.NewHTTPError(http.StatusForbidden, "Only partner admins may set budgets.")
	}
	id := c.Param("client")
	cl, err := s.store.GetClient(ctx, requestScope(c), id)
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("There is no client with id “%s”.", id)).SetInternal(err)
	}
	raw := strings.TrimSpace(c.FormValue("amount"))
	var nanos int64
	if raw != "" {
		if nanos, err = usage.ParsePlainDecimal(withoutThousands(raw)); err != nil || nanos < 0 {
			return &paramError{"amount", fmt.Sprintf("“%s” is not an amount (write it like 500 or 1250.50)", raw)}
		}
	}
	result := "removed"
	b := store.Budget{ClientID: cl.ID}
	if nanos > 0 {
		chs, err := s.store.ListChannels(ctx, requestScope(c), store.ChannelFilter{ClientIDs: []string{cl.ID}})
		if err != nil {
			return fmt.Errorf("set budget: %w", err)
		}
		if b.Currency = spend.ClientCurrency(chs); b.Currency == "" {
			return &paramError{"amount", "the client's currency is not known yet (no channel has been read)"}
		}
		b.AmountNanos, result = nanos, "saved"
	}
	if err := s.store.SetBudget(ctx, b); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return echo.NewHTTPError(http.StatusNotFound, "Not found.").SetInternal(err)
		}
		return fmt.Errorf("set budget: %w", err)
	}
	s.log.InfoContext(c.Request().Context(), "budget set", "client", cl.ID, "amount", usage.FormatDecimal(nanos), "currency", b.Currency)
	return c.Redirect(http.StatusSeeOther, clientPath(cl.ID)+"?budget="+result+"#spend-title")
}

// marginPanel is the reseller view of the client's month to date: client
// price, cost and margin per category; nil when the client has no prices.
// Callers render it for partner staff only (pages.SpendPanel.ShowMargins).
func marginPanel(prices []store.ClientPrice, f spend.Forecast) *pages.MarginPanel {
	cats := make([]spend.CategoryUsage, 0, len(f.Result.Categories))
	for _, cr := range f.Result.Categories {
		cats = append(cats, spend.CategoryUsage{Category: cr.Category, Volume: cr.ToDateVolume, CostNanos: cr.ToDateNanos})
	}
	ms, total, ok := spend.Margins(prices, cats)
	if !ok {
		return nil
	}
	basis := pricingBasis(prices)
	cur := f.Currency
	b := pages.Breakdown{TestID: "margin-table", Kind: pages.Margins, Currency: cur}
	for _, m := range ms {
		b.Rows = append(b.Rows, pages.BreakdownRow{Key: string(m.Category), Label: m.Category.Label(), Cells: []string{
			volumeText(m.Category, m.Volume), formatMoney(cur, m.PriceNanos), formatMoney(cur, m.CostNanos), formatMoney(cur, m.MarginNanos)}})
	}
	b.Foot = []string{formatInt(total.Volume), formatMoney(cur, total.PriceNanos), formatMoney(cur, total.CostNanos), formatMoney(cur, total.MarginNanos)}
	return &pages.MarginPanel{Basis: basis, Table: b}
}

// thousandsGrouped matches an amount written with comma thousands
// separators in their proper places ("1,250.50").
var thousandsGrouped = regexp.MustCompile(`^-?\d{1,3}(,\d{3})+(\.\d+)?$`)

// withoutThousands drops the separators of an amount written with correct
// comma grouping, and leaves anything else for the parser to judge.
func withoutThousands(raw string) string {
	if thousandsGrouped.MatchString(raw) {
		return strings.ReplaceAll(raw, ",", "")
	}
	return raw
}
