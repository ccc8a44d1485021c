package server

import (
	"fmt"
	"net/http"
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

type periodTotalsJSON struct {
	From   string           `json:"from"`
	To     string           `json:"to"`
	Totals []usageTotalJSON `json:"totals"`
	// Hidden is set (and Totals empty) when the previous period reaches
	// outside a share link's dates.
	Hidden string `json:"hidden,omitempty"`
}

// previousJSON is the previous period's block of an answer.
func previousJSON(p usage.Period, hidden bool, totals []usageTotalJSON) periodTotalsJSON {
	out := periodTotalsJSON{From: p.From.String(), To: p.To.String(), Totals: totals}
	if hidden {
		out.Totals, out.Hidden = []usageTotalJSON{}, "outside this shared view"
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
	Estimated   bool             `json:"estimated"`
	Totals      []usageTotalJSON `json:"totals"`
	CostMissing int64            `json:"cost_unknown_points,omitempty"`
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

// seriesJSON writes one object per series entry, with only the grouped fields.
func seriesJSON(q report.Query, s usage.Summary) []map[string]any {
	out := make([]map[string]any, 0, len(s.Series))
	for _, e := range s.Series {
		m := map[string]any{"bucket": bucketJSON(e.Bucket), "currency": e.Currency, "volume": e.Volume, "cost": usage.FormatDecimal(e.CostNanos),
			"cost_estimated": e.CostEstimated > 0}
		for _, f := range q.GroupBy {
			m[string(f)] = e.Key.Get(f)
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
		Totals: totalsByCurrency(r.Current), CostMissing: r.Current.CostMissing, CostEstimatedPoints: r.Current.CostEstimated,
		Previous: previousJSON(r.PrevSpan, r.PrevHidden, totalsByCurrency(r.Previous)),
		Series:   seriesJSON(q, r.Current),
	})
}

// getUsageCSV answers GET /export/usage.csv: the series of /api/v1/usage for
// the same parameters, one row per entry after a header row, costs as exact
// decimals with their currency, and cost_estimated "true" where the cost
// includes estimates from the rate card.
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
	header = append(header, "currency", "volume", "cost", "cost_estimated")
	rows := make([][]string, 0, len(r.Current.Series)+1)
	rows = append(rows, header)
	for _, e := range r.Current.Series {
		row := []string{bucketJSON(e.Bucket)}
		for _, f := range q.GroupBy {
			row = append(row, e.Key.Get(f))
		}
		rows = append(rows, append(row, e.Currency, strconv.FormatInt(e.Volume, 10), usage.FormatDecimal(e.CostNanos),
			strconv.FormatBool(e.CostEstimated > 0)))
	}
	return writeCSV(c, fmt.Sprintf("usage-%s-%s.csv", q.Period.From, q.Period.To), rows)
}
