package server

import (
	"context"
	"fmt"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
)

// usageReport is a query's answer: the period's summary and the equally long
// previous period's, computed the same way for the API, exports and pages.
type usageReport struct {
	Query    Query
	Current  usage.Summary
	Previous usage.Summary
	PrevSpan usage.Period
}

// callReport is the voice counterpart of usageReport.
type callReport struct {
	Query    Query
	Current  usage.CallSummary
	Previous usage.CallSummary
	PrevSpan usage.Period
}

func (q Query) storeFilter(p usage.Period, groupBy []usage.GroupField) store.UsageFilter {
	return store.UsageFilter{
		Start: p.Start().UTC(), End: p.End().UTC(),
		ClientIDs: q.ClientIDs, WABAIDs: q.WABAIDs, ChannelIDs: q.ChannelIDs,
		Categories: q.Categories, Countries: q.Countries, GroupBy: groupBy,
	}
}

// loadUsage reads and aggregates the usage behind q and its previous period.
func (s *Server) loadUsage(ctx context.Context, q Query) (usageReport, error) {
	r := usageReport{Query: q, PrevSpan: q.Period.Previous()}
	rows, err := s.store.QueryUsage(ctx, q.storeFilter(q.Period, q.GroupBy))
	if err != nil {
		return r, fmt.Errorf("load usage: %w", err)
	}
	r.Current = usage.Aggregate(rows, q.Period, q.Granularity)
	prev, err := s.store.QueryUsage(ctx, q.storeFilter(r.PrevSpan, nil))
	if err != nil {
		return r, fmt.Errorf("load previous usage: %w", err)
	}
	r.Previous = usage.Aggregate(prev, r.PrevSpan, usage.Month)
	return r, nil
}

// loadCalls reads and aggregates the call analytics behind q and its previous period.
func (s *Server) loadCalls(ctx context.Context, q Query) (callReport, error) {
	r := callReport{Query: q, PrevSpan: q.Period.Previous()}
	rows, err := s.store.QueryCalls(ctx, q.storeFilter(q.Period, q.GroupBy))
	if err != nil {
		return r, fmt.Errorf("load calls: %w", err)
	}
	r.Current = usage.AggregateCalls(rows, q.Period, q.Granularity)
	prev, err := s.store.QueryCalls(ctx, q.storeFilter(r.PrevSpan, nil))
	if err != nil {
		return r, fmt.Errorf("load previous calls: %w", err)
	}
	r.Previous = usage.AggregateCalls(prev, r.PrevSpan, usage.Month)
	return r, nil
}
