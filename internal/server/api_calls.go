package server

import (
	"context"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

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
	}
}

// getCalls answers GET /api/v1/calls with the voice KPIs.
func (s *Server) getCalls(c echo.Context) error {
	q, err := s.apiQuery(c)
	if err != nil {
		return err
	}
	r, err := s.loadCallsFrom(c.Request().Context(), q)
	if err != nil {
		return err
	}
	series := make([]callEntryJSON, 0, len(r.Current.Series))
	for _, e := range r.Current.Series {
		series = append(series, callEntryJSON{Bucket: bucketJSON(e.Bucket), Direction: string(e.Direction), Channel: e.Key.Channel, Calls: e.Count, Seconds: e.Seconds})
	}
	return c.JSON(http.StatusOK, callsResponse{
		From: q.Period.From.String(), To: q.Period.To.String(), TZ: q.Period.Loc.String(),
		Granularity: string(q.Granularity), Source: q.Source, Estimated: q.Source == sourceWebhooks,
		Totals: callTotals(q.Period, r.Current), Previous: callTotals(r.PrevSpan, r.Previous), Series: series,
	})
}

// sourceWebhooks is the Query.Source of numbers counted from webhook events.
const sourceWebhooks = "webhooks"

// loadUsageFrom picks the source of a usage query: the Partner API's stored
// points, or the messages counted from webhook events (estimated costs).
func (s *Server) loadUsageFrom(ctx context.Context, q Query) (usageReport, error) {
	if q.Source == sourceWebhooks {
		return s.loadWebhookUsage(ctx, q)
	}
	return s.loadUsage(ctx, q)
}

// loadCallsFrom picks the source of a calls query.
func (s *Server) loadCallsFrom(ctx context.Context, q Query) (callReport, error) {
	if q.Source == sourceWebhooks {
		return s.loadWebhookCalls(ctx, q)
	}
	return s.loadCalls(ctx, q)
}

// loadWebhookUsage is loadUsage over the webhook counters.
func (s *Server) loadWebhookUsage(ctx context.Context, q Query) (usageReport, error) {
	r := usageReport{Query: q, PrevSpan: q.Period.Previous()}
	rows, err := s.store.QueryWebhookUsage(ctx, q.storeFilter(q.Period, q.GroupBy))
	if err != nil {
		return r, fmt.Errorf("load webhook usage: %w", err)
	}
	r.Current = usage.Aggregate(rows, q.Period, q.Granularity)
	prev, err := s.store.QueryWebhookUsage(ctx, q.storeFilter(r.PrevSpan, nil))
	if err != nil {
		return r, fmt.Errorf("load previous webhook usage: %w", err)
	}
	r.Previous = usage.Aggregate(prev, r.PrevSpan, usage.Month)
	return r, nil
}

// loadWebhookCalls is loadCalls over the webhook counters.
func (s *Server) loadWebhookCalls(ctx context.Context, q Query) (callReport, error) {
	r := callReport{Query: q, PrevSpan: q.Period.Previous()}
	rows, err := s.store.QueryWebhookCalls(ctx, q.storeFilter(q.Period, q.GroupBy))
	if err != nil {
		return r, fmt.Errorf("load webhook calls: %w", err)
	}
	r.Current = usage.AggregateCalls(rows, q.Period, q.Granularity)
	prev, err := s.store.QueryWebhookCalls(ctx, q.storeFilter(r.PrevSpan, nil))
	if err != nil {
		return r, fmt.Errorf("load previous webhook calls: %w", err)
	}
	r.Previous = usage.AggregateCalls(prev, r.PrevSpan, usage.Month)
	return r, nil
}
