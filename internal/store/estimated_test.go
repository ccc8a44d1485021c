package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
)

// estimateSums is what every read of c1's usage on day0 says about its
// costs.
type estimateSums struct{ cost, missing, estimated int64 }

// readEstimates reads c1's usage of day0 and day0+1 from every source that
// answers a page: the raw points, the daily, client and client-by-key
// rollups, the local-day rollup (Berlin), totals and the channel totals;
// each must agree.
func readEstimates(t *testing.T, s *store.Store, stage string) estimateSums {
	t.Helper()
	ctx := context.Background()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	p := usage.Period{From: usage.DateOf(day0), To: usage.DateOf(day0).AddDays(1), Loc: berlin}
	sum := func(rows []usage.Row) estimateSums {
		var e estimateSums
		for _, r := range rows {
			e.cost += r.CostNanos
			e.missing += r.CostMissing
			e.estimated += r.CostEstimated
		}
		return e
	}
	utc := store.UsageFilter{Start: day0, End: day0.AddDate(0, 0, 2), ClientIDs: []string{"c1"}}
	local := store.UsageFilter{Start: p.Start().UTC(), End: p.End().UTC(), ClientIDs: []string{"c1"}, DayZone: berlin}
	reads := []struct {
		name string
		f    store.UsageFilter
	}{
		{"raw", utc},
		{"client rollup", func() store.UsageFilter { f := utc; f.DailyOK = true; return f }()},
		{"client rollup by key", func() store.UsageFilter {
			f := utc
			f.DailyOK, f.GroupBy = true, []usage.GroupField{usage.ByCategory}
			return f
		}()},
		{"daily rollup", func() store.UsageFilter {
			f := utc
			f.DailyOK, f.GroupBy = true, []usage.GroupField{usage.ByChannel}
			return f
		}()},
		{"totals", func() store.UsageFilter { f := utc; f.Totals = true; return f }()},
		{"local-day rollup", func() store.UsageFilter {
			f := local
			f.DailyOK, f.GroupBy = true, []usage.GroupField{usage.ByCategory}
			return f
		}()},
	}
	var first estimateSums
	for i, r := range reads {
		rows, err := s.QueryUsage(ctx, store.AllClients(), r.f)
		if err != nil {
			t.Fatalf("%s: %s: %v", stage, r.name, err)
		}
		got := sum(rows)
		if i == 0 {
			first = got
		} else if got != first {
			t.Errorf("%s: %s reads %+v, the raw points %+v", stage, r.name, got, first)
		}
	}
	if zone, err := s.RollupZone(ctx, "c1"); err != nil || zone != "Europe/Berlin" {
		t.Fatalf("c1 keeps no Berlin days (%q, %v): the local-day rollup is not read", zone, err)
	}
	cts, err := s.ChannelTotals(ctx, store.AllClients(), utc)
	if err != nil {
		t.Fatal(err)
	}
	var ct estimateSums
	for _, c := range cts {
		ct.cost += c.CostNanos
		ct.missing += c.CostMissing
		ct.estimated += c.CostEstimated
	}
	if ct != first {
		t.Errorf("%s: channel totals %+v, the raw points %+v", stage, ct, first)
	}
	return first
}

// TestEstimatedCosts follows points whose cost is an estimate through every
// rollup: counted once however often the window is saved, and replaced
// when the source later reports the cost.
func TestEstimatedCosts(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seed(t, s)
		mk, ut := usage.CategoryMarketing, usage.CategoryUtility
		est := hh("ch1", 20, ut, 4, 160_000_000)
		est.CostEstimated = true
		est2 := hh("ch2", 47, mk, 3, 330_000_000)
		est2.CostEstimated = true
		missing := hh("ch1", 21, ut, 2, 0)
		missing.CostKnown = false
		known := hh("ch1", 22, mk, 5, 550_000_000)
		ch1 := window("ch1", 0, 96, est, missing, known)
		ch2 := window("ch2", 0, 96, est2)
		ch1.Calls = []usage.CallPoint{
			{ChannelID: "ch1", Start: day0, Direction: usage.DirectionOutbound, Country: "DE", Count: 2, Seconds: 100,
				Currency: "EUR", CostNanos: 54_000_000, CostKnown: true, CostEstimated: true},
			{ChannelID: "ch1", Start: day0, Direction: usage.DirectionInbound, Country: "DE", Count: 1, Seconds: 30, Currency: "EUR"},
		}
		for _, w := range []store.UsageWindow{ch1, ch2} {
			if err := s.SaveUsageWindow(ctx, w); err != nil {
				t.Fatal(err)
			}
		}
		want := estimateSums{cost: 160_000_000 + 330_000_000 + 550_000_000, missing: 1, estimated: 2}
		if got := readEstimates(t, s, "first save"); got != want {
			t.Errorf("first save: %+v, want %+v", got, want)
		}
		calls := func(stage string, want usage.CallRow) {
			t.Helper()
			rows, err := s.QueryCalls(ctx, store.AllClients(), store.UsageFilter{Start: day0, End: day0.AddDate(0, 0, 1), Totals: true})
			if err != nil {
				t.Fatal(err)
			}
			var got usage.CallRow
			for _, r := range rows {
				got.CostNanos += r.CostNanos
				got.CostMissing += r.CostMissing
				got.CostEstimated += r.CostEstimated
			}
			if got.CostNanos != want.CostNanos || got.CostMissing != want.CostMissing || got.CostEstimated != want.CostEstimated {
				t.Errorf("%s: calls %d nanos, %d missing, %d estimated; want %d, %d, %d", stage, got.CostNanos, got.CostMissing,
					got.CostEstimated, want.CostNanos, want.CostMissing, want.CostEstimated)
			}
		}
		calls("first save", usage.CallRow{CostNanos: 54_000_000, CostMissing: 1, CostEstimated: 1})

		// Polling the same window again counts nothing twice.
		for i := range 2 {
			st, err := s.SaveUsageWindowStats(ctx, ch1)
			if err != nil {
				t.Fatal(err)
			}
			if st != (store.SaveStats{Unchanged: 5}) {
				t.Errorf("save %d again: %+v, want 5 unchanged", i+2, st)
			}
		}
		if got := readEstimates(t, s, "repeated saves"); got != want {
			t.Errorf("repeated saves: %+v, want %+v", got, want)
		}
		calls("repeated saves", usage.CallRow{CostNanos: 54_000_000, CostMissing: 1, CostEstimated: 1})

		// The source reports the cost: it replaces the estimate, even when
		// it comes to the same amount.
		for i, cost := range []int64{160_000_000, 171_000_000} {
			real := est
			real.CostNanos, real.CostEstimated = cost, false
			w := window("ch1", 0, 96, real, missing, known)
			w.Calls = append([]usage.CallPoint(nil), ch1.Calls...)
			w.Calls[0].CostEstimated, w.Calls[0].CostNanos = false, 60_000_000
			st, err := s.SaveUsageWindowStats(ctx, w)
			if err != nil {
				t.Fatal(err)
			}
			wantWritten := 2
			if i > 0 {
				wantWritten = 1 // the call is as the first report left it
			}
			if st.Written != wantWritten {
				t.Errorf("real cost %d: %+v, want %d written", cost, st, wantWritten)
			}
			w2 := estimateSums{cost: cost + 330_000_000 + 550_000_000, missing: 1, estimated: 1}
			if got := readEstimates(t, s, fmt.Sprintf("real cost %d", cost)); got != w2 {
				t.Errorf("real cost %d: %+v, want %+v", cost, got, w2)
			}
			calls("real call cost", usage.CallRow{CostNanos: 60_000_000, CostMissing: 1})
		}

		// A rebuild from the raw points agrees with what the saves kept.
		before := readEstimates(t, s, "before the rebuild")
		if err := s.RebuildRollups(ctx); err != nil {
			t.Fatal(err)
		}
		if got := readEstimates(t, s, "after the rebuild"); got != before {
			t.Errorf("after RebuildRollups %+v, before %+v", got, before)
		}
	})
}
