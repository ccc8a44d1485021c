package server

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/insights-dev/insights/internal/report"
	"github.com/insights-dev/insights/internal/usage"
)

type moneyJSON struct {
	Currency string `json:"currency"`
	Amount   string `json:"amount"`
}

type usageTotalJSON struct {
	Currency string `json:"currency"`
	Volume   int64  `json:"volume"`
	Cost     string `json:"cost"`
	// CostEstimated is true when Cost includes estimates from the rate
	// card: points the source reported without a cost (or, with
	// source=webhooks, every priced message).
	CostEstimated bool `json:"cost_estimated"`
}

// unitTotalJSON is the volume of a category not counted in messages (Meta
// Business Agent: tokens) in one currency; its cost is also in the totals'.
type unitTotalJSON struct {
	Category string `json:"category"`
	Label    string `json:"label"`
	Unit     string `json:"unit"`
	Currency string `json:"currency"`
	Volume   int64  `json:"volume"`
	Cost     string `json:"cost"`
}

// unitsJSON lists a summary's units (an empty list when it has none).
func unitsJSON(s usage.Summary) []unitTotalJSON {
	out := []unitTotalJSON{}
	for _, u := range s.Units {
		out = append(out, unitTotalJSON{Category: string(u.Category), Label: u.Category.Label(), Unit: string(u.Unit),
			Currency: u.Currency, Volume: u.Volume, Cost: usage.FormatDecimal(u.CostNanos)})
	}
	return out
}

type periodTotalsJSON struct {
	From   string           `json:"from"`
	To     string           `json:"to"`
	Totals []usageTotalJSON `json:"totals"`
	Units  []unitTotalJSON  `json:"units"`
	// Hidden is set (and Totals empty) when the previous period reaches
	// outside a share link's dates.
	Hidden string `json:"hidden,omitempty"`
}

// previousJSON is the previous period's block of an answer.
func previousJSON(p usage.Period, hidden bool, totals []usageTotalJSON, units []unitTotalJSON) periodTotalsJSON {
	out := periodTotalsJSON{From: p.From.String(), To: p.To.String(), Totals: totals, Units: units}
	if hidden {
		out.Totals, out.Units, out.Hidden = []usageTotalJSON{}, []unitTotalJSON{}, "outside this shared view"
	}
	return out
}

type usageResponse struct {
	From        string `json:"from"`
	To          string `json:"to"`
	TZ          string `json:"tz"`
	Granularity string `json:"granularity"`
	Source      string `json:"source"`
	// Estimated is true when costs are Insights' own estimates from its
	// rate card (source=webhooks) rather than the Partner API's figures.
	Estimated bool             `json:"estimated"`
	Totals    []usageTotalJSON `json:"totals"`
	// Units are the period's tokens of the token categories: never in the
	// totals' volume (messages), their cost in the totals' cost.
	Units       []unitTotalJSON `json:"units"`
	CostMissing int64           `json:"cost_unknown_points,omitempty"`
	// CostEstimatedPoints counts the points of the period whose cost is
	// an estimate from the rate card (see usageTotalJSON.CostEstimated).
	CostEstimatedPoints int64            `json:"cost_estimated_points"`
	Previous            periodTotalsJSON `json:"previous"`
	Series              []map[string]any `json:"series"`
}

// totalsByCurrency sums volume and cost per currency from a summary's series.
func totalsByCurrency(s usage.Summary) []usageTotalJSON {
	vol, estimated := map[string]int64{}, map[string]int64{}
	for _, e := range s.Series {
		vol[e.Currency] += e.Volume
		estimated[e.Currency] += e.CostEstimated
	}
	out := []usageTotalJSON{}
	for _, m := range s.Cost.List() {
		out = append(out, usageTotalJSON{Currency: m.Currency, Volume: vol[m.Currency], Cost: usage.FormatDecimal(m.Nanos),
			CostEstimated: estimated[m.Currency] > 0})
	}
	return out
}

func bucketJSON(t time.Time) string { return t.Format(time.RFC3339) }

// seriesJSON writes one object per series entry, with only the grouped
// fields; an entry of a token category has volume 0 (no messages) and its
// tokens as units, with their unit.
func seriesJSON(q report.Query, s usage.Summary) []map[string]any {
	out := make([]map[string]any, 0, len(s.Series))
	for _, e := range s.Series {
		m := map[string]any{"bucket": bucketJSON(e.Bucket), "currency": e.Currency, "volume": e.Volume, "cost": usage.FormatDecimal(e.CostNanos),
			"cost_estimated": e.CostEstimated > 0}
		for _, f := range q.GroupBy {
			m[string(f)] = e.Key.Get(f)
		}
		if unit, ok := entryUnit(q, e); ok {
			m["unit"], m["units"] = string(unit), e.Units
		}
		out = append(out, m)
	}
	return out
}

// apiQuery parses the shared parameters of the JSON API and exports: from and
// to are required, the zone defaults to UTC.
func (s *Server) apiQuery(c echo.Context) (report.Query, error) {
	q, err := parseQuery(c.QueryParams(), queryDefaults{Zone: time.UTC, RequireDate: true})
	q.Within, q.Scope = scopeFrom(c).dates(), requestScope(c)
	return q, err
}

// getUsage answers GET /api/v1/usage.
func (s *Server) getUsage(c echo.Context) error {
	q, err := s.apiQuery(c)
	if err != nil {
		return err
	}
	r, err := s.reports.Usage(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, usageResponse{
		From: q.Period.From.String(), To: q.Period.To.String(), TZ: q.Period.Loc.String(),
		Granularity: string(q.Granularity), Source: q.Source, Estimated: q.Source == report.SourceWebhooks,
		Totals: totalsByCurrency(r.Current), Units: unitsJSON(r.Current), CostMissing: r.Current.CostMissing,
		CostEstimatedPoints: r.Current.CostEstimated,
		Previous:            previousJSON(r.PrevSpan, r.PrevHidden, totalsByCurrency(r.Previous), unitsJSON(r.Previous)),
		Series:              seriesJSON(q, r.Current),
	})
}

// entryUnit is the unit of a series entry's units: that of its category when
// the series keeps categories apart and the category is not counted in
// messages; ok is false otherwise (the entry has no units).
func entryUnit(q report.Query, e usage.Entry) (usage.Unit, bool) {
	if !slices.Contains(q.GroupBy, usage.ByCategory) || e.Key.Category.Unit() == usage.UnitMessage {
		return "", false
	}
	return e.Key.Category.Unit(), true
}

// getUsageCSV answers GET /export/usage.csv: the series of /api/v1/usage for
// the same parameters, one row per entry after a header row, costs as exact
// decimals with their currency, and cost_estimated "true" where the cost
// includes estimates from the rate card. The last two columns, unit and
// units, hold the tokens of a token category's row ("token" and their
// number; empty on other rows), whose volume is 0 as on the API.
func (s *Server) getUsageCSV(c echo.Context) error {
	q, err := s.apiQuery(c)
	if err != nil {
		return err
	}
	r, err := s.reports.Usage(c.Request().Context(), q)
	if err != nil {
		return err
	}
	header := []string{"bucket"}
	for _, f := range q.GroupBy {
		header = append(header, string(f))
	}
	header = append(header, "currency", "volume", "cost", "cost_estimated", "unit", "units")
	rows := make([][]string, 0, len(r.Current.Series)+1)
	rows = append(rows, header)
	for _, e := range r.Current.Series {
		row := []string{bucketJSON(e.Bucket)}
		for _, f := range q.GroupBy {
			row = append(row, e.Key.Get(f))
		}
		unit, units := "", ""
		if u, ok := entryUnit(q, e); ok {
			unit, units = string(u), strconv.FormatInt(e.Units, 10)
		}
		rows = append(rows, append(row, e.Currency, strconv.FormatInt(e.Volume, 10), usage.FormatDecimal(e.CostNanos),
			strconv.FormatBool(e.CostEstimated > 0), unit, units))
	}
	return writeCSV(c, fmt.Sprintf("usage-%s-%s.csv", q.Period.From, q.Period.To), rows)
}
