package server

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/insights-dev/insights/internal/report"
	"github.com/insights-dev/insights/internal/spend"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
	"github.com/insights-dev/insights/templates/pages"
)

// Reseller pricing: a partner admin sets what a client is charged (a markup
// on cost, a price per message for some categories, or both: a category's
// price overrides the markup for it). Partner staff then see client price,
// cost and margin on the client view and in its monthly statement; client
// viewers and share links never do.

// maxMarkupPercent bounds the markup a form may set.
const maxMarkupPercent = 1000

// pricingFieldPrefix names a category's price field: price_MARKETING.
const pricingFieldPrefix = "price_"

// pricingCategories are the categories the price list form offers.
func pricingCategories() []usage.Category { return usage.KnownCategories }

// pricingForm builds the admin form that sets a client's price, filled with
// the prices stored now.
func pricingForm(c echo.Context, clientID, currency string, prices []store.ClientPrice) *pages.PricingForm {
	f := &pages.PricingForm{Action: clientPath(clientID) + "/pricing", CSRFField: csrfField, Currency: currency}
	if tok, ok := c.Get(middleware.DefaultCSRFConfig.ContextKey).(string); ok {
		f.CSRFToken = tok
	}
	list := map[usage.Category]string{}
	for _, p := range prices {
		switch {
		case p.Category == "" && p.MarkupBasisPoints != nil:
			f.Markup = formatBasisPoints(*p.MarkupBasisPoints)
		case p.PriceNanos != nil:
			list[p.Category] = usage.FormatDecimal(*p.PriceNanos)
		}
	}
	for _, cat := range pricingCategories() {
		f.Prices = append(f.Prices, pages.PriceField{Name: pricingFieldPrefix + string(cat), Label: cat.Label(), Value: list[cat]})
		delete(list, cat)
	}
	// A stored price of a category the form does not list still shows.
	for _, p := range prices {
		if v, ok := list[p.Category]; ok {
			f.Prices = append(f.Prices, pages.PriceField{Name: pricingFieldPrefix + string(p.Category), Label: p.Category.Label(), Value: v})
		}
	}
	f.Set = len(prices) > 0
	if r := c.QueryParam("pricing"); r == "saved" || r == "cleared" {
		f.Result = r
	}
	return f
}

// formatBasisPoints writes basis points as a percentage without trailing
// zeros: 1500 → "15", 1250 → "12.5", 1730 → "17.3".
func formatBasisPoints(bp int64) string {
	s := usage.FormatDecimal(bp * 10_000_000)
	if strings.Contains(s, ".") {
		s = strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// parseMarkup reads a markup percentage ("15", "12.5") into basis points;
// nil for an empty field.
func parseMarkup(raw string) (*int64, error) {
	raw = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(raw), "%"))
	if raw == "" {
		return nil, nil
	}
	bad := &paramError{"markup", fmt.Sprintf("“%s” is not a markup percentage (write it like 15 or 12.5, between 0 and %d, at most two decimals)", raw, maxMarkupPercent)}
	if strings.Contains(raw, ",") {
		return nil, bad
	}
	nanos, err := usage.ParsePlainDecimal(raw)
	if err != nil || nanos < 0 || nanos > maxMarkupPercent*usage.NanosPerUnit || nanos%10_000_000 != 0 {
		return nil, bad
	}
	bp := nanos / 10_000_000
	return &bp, nil
}

// parsePrice reads a price per message in the client's currency; nil for
// an empty field.
func parsePrice(field string, cat usage.Category, raw string) (*int64, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, nil
	}
	bad := &paramError{field, fmt.Sprintf("“%s” is not a price per %s message (write it like 0.0456, with a decimal point, not negative)", raw, cat.Label())}
	if strings.Contains(raw, ",") {
		return nil, bad
	}
	nanos, err := usage.ParsePlainDecimal(raw)
	if err != nil || nanos < 0 {
		return nil, bad
	}
	return &nanos, nil
}

// setPricing answers POST /clients/:client/pricing (partner admins): with
// action=clear it removes the client's price; otherwise it replaces it with
// the form's markup and price list (all fields empty removes it too).
func (s *Server) setPricing(c echo.Context) error {
	ctx := c.Request().Context()
	if admin, _ := spendRights(c); !admin {
		return echo.NewHTTPError(http.StatusForbidden, "Only partner admins may set client prices.")
	}
	id := c.Param("client")
	cl, err := s.store.GetClient(ctx, requestScope(c), id)
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("There is no client with id “%s”.", id)).SetInternal(err)
	}
	var want []store.ClientPrice
	switch action := c.FormValue("action"); action {
	case "", "save":
		hasPrice := false
		markup, err := parseMarkup(c.FormValue("markup"))
		if err != nil {
			return err
		}
		if markup != nil {
			want = append(want, store.ClientPrice{ClientID: cl.ID, MarkupBasisPoints: markup})
		}
		form, err := c.FormParams()
		if err != nil {
			return &paramError{"form", "the form could not be read"}
		}
		known := map[string]usage.Category{}
		for _, cat := range pricingCategories() {
			known[pricingFieldPrefix+string(cat)] = cat
		}
		for name := range form {
			if _, ok := known[name]; !ok && strings.HasPrefix(name, pricingFieldPrefix) {
				return &paramError{name, "there is no such message category"}
			}
		}
		for _, cat := range pricingCategories() {
			name := pricingFieldPrefix + string(cat)
			price, err := parsePrice(name, cat, form.Get(name))
			if err != nil {
				return err
			}
			if price != nil {
				want = append(want, store.ClientPrice{ClientID: cl.ID, Category: cat, PriceNanos: price})
				hasPrice = true
			}
		}
		if hasPrice {
			chs, err := s.store.ListChannels(ctx, requestScope(c), store.ChannelFilter{ClientIDs: []string{cl.ID}})
			if err != nil {
				return fmt.Errorf("set pricing: %w", err)
			}
			if spend.ClientCurrency(chs) == "" {
				return &paramError{"price", "the client's currency is not known yet (no channel has been read): set a markup instead"}
			}
		}
	case "clear":
	default:
		return &paramError{"action", fmt.Sprintf("unknown action “%s” (want save or clear)", action)}
	}
	// The form is the whole price list: replace it in one transaction.
	if err := s.store.ReplaceClientPrices(ctx, cl.ID, want); err != nil {
		return fmt.Errorf("set pricing: %w", err)
	}
	result := "saved"
	if len(want) == 0 {
		result = "cleared"
	}
	s.log.InfoContext(c.Request().Context(), "client price set", "client", cl.ID, "result", result, "entries", len(want))
	return c.Redirect(http.StatusSeeOther, clientPath(cl.ID)+"?pricing="+result+"#pricing-title")
}

// statementMargins is the margin table of a client's statement: client
// price, cost and margin per category and in total, in the client's
// currency; nil when the client has no price. Callers put it in a
// statement for partner staff only (pages.ReportView.ShowMargins).
func (s *Server) statementMargins(c echo.Context, clientID, currency string, r report.MonthReport) (*pages.ReportMargins, error) {
	prices, err := s.store.ClientPrices(c.Request().Context(), requestScope(c), clientID)
	if err != nil {
		return nil, fmt.Errorf("statement margins: %w", err)
	}
	if len(prices) == 0 {
		return nil, nil
	}
	out := &pages.ReportMargins{Basis: pricingBasis(prices)}
	currencies := report.UnionCurrencies(r.Cur.Cost)
	if currency == "" || len(currencies) > 1 || (len(currencies) == 1 && currencies[0] != currency) {
		out.NotComputed, out.Currency = true, currency
		return out, nil
	}
	by := report.SumBy(r.Cur, func(k usage.GroupKey) string { return string(k.Category) })
	var cats []spend.CategoryUsage
	for _, k := range categoryOrder() {
		if d, ok := by[k]; ok {
			cats = append(cats, spend.CategoryUsage{Category: usage.Category(k), Volume: d.Volume + d.Units, CostNanos: d.Cost[currency]})
			delete(by, k)
		}
	}
	for _, d := range report.SortDims(by) {
		cats = append(cats, spend.CategoryUsage{Category: usage.Category(d.Key), Volume: d.Volume + d.Units, CostNanos: d.Cost[currency]})
	}
	ms, total, _ := spend.Margins(prices, cats)
	money := func(n int64) pages.ReportCell {
		return pages.ReportCell{Text: formatMoney(currency, n), Exact: usage.FormatDecimal(n) + " " + currency}
	}
	cells := func(m spend.Margin) []pages.ReportCell {
		return []pages.ReportCell{{Text: volumeText(m.Category, m.Volume), Exact: fmt.Sprint(m.Volume)}, money(m.PriceNanos), money(m.CostNanos), money(m.MarginNanos)}
	}
	t := pages.ReportTable{TestID: "report-margins", Kind: pages.ReportMarginTable, Months: reportMonths(r), Currency: currency}
	for _, m := range ms {
		row := categoryRow(string(m.Category))
		row.Key, row.Cells = string(m.Category), cells(m)
		t.Rows = append(t.Rows, row)
	}
	if len(ms) > 0 {
		t.Foot = cells(total)
	}
	out.Table = t
	return out, nil
}

// pricingBasis says how a client is priced: a markup, a price list or both.
func pricingBasis(prices []store.ClientPrice) pages.PricingBasis {
	var basis pages.PricingBasis
	for _, p := range prices {
		if p.Category == "" && p.MarkupBasisPoints != nil {
			basis = pages.PricingBasis{Markup: formatBasisPoints(*p.MarkupBasisPoints), List: len(prices) > 1}
		}
	}
	return basis
}
