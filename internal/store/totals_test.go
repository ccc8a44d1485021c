package store_test

import (
	"context"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
)

// totalsOf sums rows per group key and currency, whatever their bucket.
func totalsOf(rows []usage.Row) map[dayKey]dayVal {
	out := map[dayKey]dayVal{}
	for _, r := range rows {
		k := dayKey{key: r.Key, currency: r.Currency}
		v := out[k]
		v.volume += r.Volume
		v.cost += r.CostNanos
		v.missing += r.CostMissing
		v.estimated += r.CostEstimated
		out[k] = v
	}
	return out
}

// TestQueryTotals checks that Totals gives, for ranges aligned to UTC days
// or not (rollup, raw edges, or raw only), every filter and grouping, the
// sums of the raw points: one row per group and currency, bucketed at Start.
func TestQueryTotals(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seedRollupMix(t, s)
		// Points before day0, in the start edge of the ranges that are not
		// aligned to UTC days.
		if err := s.SaveUsageWindow(ctx, window("ch1", -12, 0, hh("ch1", -2, usage.CategoryUtility, 5, 250_000_000),
			hh("ch1", -11, usage.CategoryMarketing, 4, 400_000_000))); err != nil {
			t.Fatal(err)
		}
		ranges := []struct {
			name       string
			start, end time.Time
		}{
			{"whole UTC days", day0, day0.AddDate(0, 0, 2)},
			{"raw edges around a UTC day", day0.Add(-2 * time.Hour), day0.Add(34 * time.Hour)},
			{"inside one day", day0.Add(30 * time.Minute), day0.Add(11 * time.Hour)},
			{"offset zone (+05:30)", day0.Add(-5*time.Hour - 30*time.Minute), day0.Add(42*time.Hour + 30*time.Minute)},
		}
		filters := []store.UsageFilter{{}, {ClientIDs: []string{"c1"}}, {ChannelIDs: []string{"ch2"}}, {WABAIDs: []string{"w1"}},
			{Categories: []string{string(usage.CategoryMarketing)}}, {ClientIDs: []string{"c1"}, Countries: []string{"AT"}}}
		groupings := [][]usage.GroupField{nil, {usage.ByCategory}, {usage.ByPricingType, usage.ByCountry, usage.ByChannel},
			{usage.ByClient}, {usage.ByClient, usage.ByCategory}, {usage.ByWABA}}
		nonEmpty := 0
		for _, r := range ranges {
			for fi, f := range filters {
				for gi, g := range groupings {
					name := fmt.Sprintf("%s, filter %d, grouping %d", r.name, fi, gi)
					f.Start, f.End, f.GroupBy, f.Totals = r.start, r.end, g, false
					raw, err := s.QueryUsage(ctx, store.AllClients(), f)
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					f.Totals = true
					got, err := s.QueryUsage(ctx, store.AllClients(), f)
					if err != nil {
						t.Fatalf("%s: totals: %v", name, err)
					}
					if want := totalsOf(raw); !maps.Equal(totalsOf(got), want) || len(got) != len(want) {
						t.Errorf("%s:\ntotals %v\nwant   %v", name, got, want)
					}
					for _, row := range got {
						if !row.Bucket.Equal(r.start) {
							t.Errorf("%s: row bucket %s, want the range's start %s", name, row.Bucket, r.start)
						}
					}
					if len(got) > 0 {
						nonEmpty++
					}
				}
			}
		}
		if nonEmpty < 100 {
			t.Errorf("only %d of the compared totals have rows: the test data does not reach the filters", nonEmpty)
		}

		// Calls: one row per direction, group and currency.
		cf := store.UsageFilter{Start: day0.Add(-time.Hour), End: day0.Add(49 * time.Hour), GroupBy: []usage.GroupField{usage.ByClient}}
		w := window("ch3", 0, 96, rollupPoints("ch3", "USD", 3)...)
		for slot := range 4 {
			w.Calls = append(w.Calls, usage.CallPoint{ChannelID: "ch3", Start: day0.Add(time.Duration(slot*20) * 30 * time.Minute),
				Direction: usage.DirectionInbound, Country: "IN", Count: int64(slot + 1), Seconds: int64(60 * (slot + 1)),
				Currency: "USD", CostNanos: int64(slot) * 1_000_000, CostKnown: true})
		}
		if err := s.SaveUsageWindow(ctx, w); err != nil {
			t.Fatal(err)
		}
		rawCalls, err := s.QueryCalls(ctx, store.AllClients(), cf)
		if err != nil {
			t.Fatal(err)
		}
		cf.Totals = true
		calls, err := s.QueryCalls(ctx, store.AllClients(), cf)
		if err != nil {
			t.Fatal(err)
		}
		if len(rawCalls) != 4 || len(calls) != 1 {
			t.Fatalf("calls: %d rows per bucket and %d totals, want 4 and 1: %v", len(rawCalls), len(calls), calls)
		}
		if c := calls[0]; c.Count != 10 || c.Seconds != 600 || c.CostNanos != 6_000_000 || !c.Bucket.Equal(cf.Start) || c.Key.Client != "c2" {
			t.Errorf("call totals %+v, want 10 calls, 600 s, 6,000,000 nanos of c2 at %s", c, cf.Start)
		}
	})
}
