package server

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/insights-dev/insights/internal/report"
	"github.com/insights-dev/insights/internal/usage"
)

type callTotalsJSON struct {
	From                   string      `json:"from"`
	To                     string      `json:"to"`
	Calls                  int64       `json:"calls"`
	Minutes                float64     `json:"minutes"`
	AverageDurationSeconds int64       `json:"average_duration_seconds"`
	Inbound                int64       `json:"inbound"`
	Outbound               int64       `json:"outbound"`
	Cost                   []moneyJSON `json:"cost"`
	// CostEstimated is true when Cost includes estimates from the rate
	// card, CostEstimatedPoints how many call points have one.
	CostEstimated       bool  `json:"cost_estimated"`
	CostEstimatedPoints int64 `json:"cost_estimated_points"`
	// Hidden: see periodTotalsJSON.
	Hidden string `json:"hidden,omitempty"`
}

type callEntryJSON struct {
	Bucket    string `json:"bucket"`
	Direction string `json:"direction"`
	Channel   string `json:"channel,omitempty"`
	Calls     int64  `json:"calls"`
	Seconds   int64  `json:"seconds"`
}

type callsResponse struct {
	From        string `json:"from"`
	To          string `json:"to"`
	TZ          string `json:"tz"`
	Granularity string `json:"granularity"`
	Source      string `json:"source"`
	// Estimated is true when costs are Insights' own estimates from its
	// rate card (source=webhooks) rather than the Partner API's figures.
	Estimated bool            `json:"estimated"`
	Totals    callTotalsJSON  `json:"totals"`
	Previous  callTotalsJSON  `json:"previous"`
	Series    []callEntryJSON `json:"series"`
	// FilledFromWebhooks says which calls after the Partner API's last
	// reported bucket were counted from webhook events instead; absent when
	// none were.
	FilledFromWebhooks *webhookFillJSON `json:"filled_from_webhooks,omitempty"`
}

type webhookFillJSON struct {
	After string `json:"after"`
	Calls int64  `json:"calls"`
	Note  string `json:"note"`
}

// filledJSON describes the webhook fill-in of a calls report, if any.
func filledJSON(r report.CallReport) *webhookFillJSON {
	if r.FilledCalls == 0 {
		return nil
	}
	return &webhookFillJSON{After: r.FilledAfter.UTC().Format(time.RFC3339), Calls: r.FilledCalls,
		Note: "calls after the Partner API's last reported bucket are counted from webhook events until the API reports them"}
}

func moneyList(t usage.Totals) []moneyJSON {
	out := []moneyJSON{}
	for _, m := range t.List() {
		out = append(out, moneyJSON{Currency: m.Currency, Amount: usage.FormatDecimal(m.Nanos)})
	}
	return out
}

func callTotals(p usage.Period, s usage.CallSummary) callTotalsJSON {
	return callTotalsJSON{
		From: p.From.String(), To: p.To.String(),
		Calls: s.Calls, Minutes: s.Minutes(), AverageDurationSeconds: s.AverageSeconds(),
		Inbound: s.Inbound, Outbound: s.Outbound, Cost: moneyList(s.Cost),
		CostEstimated: s.CostEstimated > 0, CostEstimatedPoints: s.CostEstimated,
	}
}

// previousCallsJSON is the previous period's block of a calls answer.
func previousCallsJSON(r report.CallReport) callTotalsJSON {
	out := callTotals(r.PrevSpan, r.Previous)
	if r.PrevHidden {
		out.Hidden = "outside this shared view"
	}
	return out
}

// getCalls answers GET /api/v1/calls with the voice KPIs.
func (s *Server) getCalls(c echo.Context) error {
	q, err := s.apiQuery(c)
	if err != nil {
		return err
	}
	r, err := s.reports.Calls(c.Request().Context(), q.WithWebhookFill())
	if err != nil {
		return err
	}
	series := make([]callEntryJSON, 0, len(r.Current.Series))
	for _, e := range r.Current.Series {
		series = append(series, callEntryJSON{Bucket: bucketJSON(e.Bucket), Direction: string(e.Direction), Channel: e.Key.Channel, Calls: e.Count, Seconds: e.Seconds})
	}
	return c.JSON(http.StatusOK, callsResponse{
		From: q.Period.From.String(), To: q.Period.To.String(), TZ: q.Period.Loc.String(),
		Granularity: string(q.Granularity), Source: q.Source, Estimated: q.Source == report.SourceWebhooks,
		Totals: callTotals(q.Period, r.Current), Previous: previousCallsJSON(r), Series: series,
		FilledFromWebhooks: filledJSON(r),
	})
}
