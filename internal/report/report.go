// Package report computes what the dashboard, the JSON API, the exports and
// the statements show: usage and call reports with their previous periods,
// monthly statements, reconciliation of the API with webhook counts, and
// the bound on how large one answer may be. It reads the store and knows
// nothing of HTTP.
package report

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
)

// Service answers report queries from the store.
type Service struct {
	Store *store.Store
}

// UsageReport is a query's answer: the period's summary and the equally long
// previous period's, computed the same way for the API, exports and pages.
type UsageReport struct {
	Query    Query
	Current  usage.Summary
	Previous usage.Summary
	PrevSpan usage.Period
	// PrevHidden is set when PrevSpan reaches outside q.Within: Previous
	// was not read and must not be compared with.
	PrevHidden bool
}

// CallReport is the voice counterpart of UsageReport.
type CallReport struct {
	Query      Query
	Current    usage.CallSummary
	Previous   usage.CallSummary
	PrevSpan   usage.Period
	PrevHidden bool // as in UsageReport
	// FilledCalls counts calls after FilledAfter (the end of the Partner
	// API's last reported bucket) that were taken from webhook counters.
	FilledCalls int64
	FilledAfter time.Time
}

// usageRows and callRows read from the source the query names: the Partner
// API's stored points, or the counters kept from webhook events.
func (s Service) usageRows(q Query) func(context.Context, store.UsageFilter) ([]usage.Row, error) {
	read := s.Store.QueryUsage
	if q.Source == SourceWebhooks {
		read = s.Store.QueryWebhookUsage
	}
	return func(ctx context.Context, f store.UsageFilter) ([]usage.Row, error) { return read(ctx, q.Scope, f) }
}

func (s Service) callRows(q Query) func(context.Context, store.UsageFilter) ([]usage.CallRow, error) {
	read := s.Store.QueryCalls
	if q.Source == SourceWebhooks {
		read = s.Store.QueryWebhookCalls
	}
	return func(ctx context.Context, f store.UsageFilter) ([]usage.CallRow, error) { return read(ctx, q.Scope, f) }
}

// Usage reads and aggregates the usage behind q and the totals of its
// previous period, kept apart by prevBy (none: one total per currency); the
// reads run at once. Both summaries carry the units of the token categories
// (usage.Summary.Units): from the main read when it keeps categories apart,
// else from a small read of those categories alone (unless
// q.WithoutUnits). A series too large to answer is a *QueryError.
func (s Service) Usage(ctx context.Context, q Query, prevBy ...usage.GroupField) (UsageReport, error) {
	r := UsageReport{Query: q, PrevSpan: q.Period.Previous()}
	if err := s.checkSeriesSize(ctx, q); err != nil {
		return r, err
	}
	read := s.usageRows(q)
	g, gctx := errgroup.WithContext(ctx)
	// readUnits reads the units of p apart when groupBy does not give them.
	readUnits := func(p usage.Period, groupBy []usage.GroupField) *[]usage.UnitTotal {
		f, ok := q.unitsFilter(p, groupBy)
		if !ok {
			return nil
		}
		out := new([]usage.UnitTotal)
		g.Go(func() error {
			rows, err := read(gctx, f)
			if err != nil {
				return fmt.Errorf("load units: %w", err)
			}
			*out = usage.Aggregate(rows, p, usage.Month).Units
			return nil
		})
		return out
	}
	g.Go(func() error {
		rows, err := read(gctx, q.usageFilter(q.Period, q.Granularity, q.GroupBy))
		if err != nil {
			return seriesReadError(q, "load usage", err)
		}
		r.Current = usage.Aggregate(rows, q.Period, q.Granularity)
		if len(r.Current.Series) > MaxSeriesRows {
			return tooLargeError(q, int64(len(r.Current.Series)))
		}
		return nil
	})
	curUnits := readUnits(q.Period, q.GroupBy)
	var prevUnits *[]usage.UnitTotal
	if r.PrevHidden = !q.Within.Contains(r.PrevSpan); !r.PrevHidden {
		g.Go(func() error {
			prev, err := read(gctx, q.totalsFilter(r.PrevSpan, prevBy))
			if err != nil {
				return fmt.Errorf("load previous usage: %w", err)
			}
			r.Previous = usage.Aggregate(prev, r.PrevSpan, usage.Month)
			return nil
		})
		prevUnits = readUnits(r.PrevSpan, prevBy)
	}
	if err := g.Wait(); err != nil {
		return r, err
	}
	if curUnits != nil {
		r.Current.Units = *curUnits
	}
	if prevUnits != nil {
		r.Previous.Units = *prevUnits
	}
	return r, nil
}

// PeriodTotals reads the usage of q's scope over p summed per groupBy and
// currency: a summary whose series has one entry per group, at p's start.
func (s Service) PeriodTotals(ctx context.Context, q Query, p usage.Period, groupBy []usage.GroupField) (usage.Summary, error) {
	rows, err := s.usageRows(q)(ctx, q.totalsFilter(p, groupBy))
	if err != nil {
		return usage.Summary{}, fmt.Errorf("usage totals: %w", err)
	}
	return usage.Aggregate(rows, p, usage.Month), nil
}

// Calls reads and aggregates the call analytics behind q and its previous
// period. With WithWebhookFill, calls after the API's last reported bucket
// come from the webhook counters, and the report says so.
func (s Service) Calls(ctx context.Context, q Query) (CallReport, error) {
	r := CallReport{Query: q, PrevSpan: q.Period.Previous()}
	if err := s.checkSeriesSize(ctx, q); err != nil {
		return r, err
	}
	read := s.callRows(q)
	rows, err := read(ctx, q.StoreFilter(q.Period, q.GroupBy))
	if err != nil {
		return r, seriesReadError(q, "load calls", err)
	}
	if q.fillFromWebhooks && q.Source != SourceWebhooks {
		extra, after, err := s.webhookCallsAfterAPI(ctx, q)
		if err != nil {
			return r, err
		}
		for _, e := range extra {
			r.FilledCalls += e.Count
		}
		r.FilledAfter = after
		rows = append(rows, extra...)
	}
	r.Current = usage.AggregateCalls(rows, q.Period, q.Granularity)
	if len(r.Current.Series) > MaxSeriesRows {
		return r, tooLargeError(q, int64(len(r.Current.Series)))
	}
	if r.PrevHidden = !q.Within.Contains(r.PrevSpan); r.PrevHidden {
		return r, nil
	}
	prev, err := read(ctx, q.totalsFilter(r.PrevSpan, nil))
	if err != nil {
		return r, fmt.Errorf("load previous calls: %w", err)
	}
	r.Previous = usage.AggregateCalls(prev, r.PrevSpan, usage.Month)
	return r, nil
}

// webhookCallsAfterAPI returns the webhook-counted calls of q's scope that
// lie after the end of the Partner API's newest stored bucket and inside the
// period, with that instant.
func (s Service) webhookCallsAfterAPI(ctx context.Context, q Query) ([]usage.CallRow, time.Time, error) {
	_, last, ok, err := s.Store.UsageBounds(ctx, q.Scope, q.ChannelFilter())
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("load calls: data horizon: %w", err)
	}
	from := q.Period.Start().UTC()
	if ok && last.After(from) {
		from = last
	}
	end := q.Period.End().UTC()
	if !from.Before(end) {
		return nil, last, nil
	}
	f := q.StoreFilter(q.Period, q.GroupBy)
	f.Start = from
	rows, err := s.Store.QueryWebhookCalls(ctx, q.Scope, f)
	if err != nil {
		return nil, last, fmt.Errorf("load calls: webhook fill-in: %w", err)
	}
	return rows, from, nil
}

// seriesReadError wraps a failed read of q's rows; a read that passed
// MaxStoredRows becomes the same answer as a series that is too large.
func seriesReadError(q Query, what string, err error) error {
	if errors.Is(err, store.ErrTooManyRows) {
		return tooLargeError(q, 0)
	}
	return fmt.Errorf("%s: %w", what, err)
}
