package store_test

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"sync"
	"testing"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
)

// rollupReader reads a filter from one rollup, whatever the filter asks.
type rollupReader func(context.Context, store.UsageFilter) ([]usage.Row, error)

// checkRollupAnswers checks, for every grouping and filter over the test
// days, that the rollup read by read has one row per UTC day, key and
// currency, with the raw points' sums, and that QueryUsage with DailyOK
// answers from it.
func checkRollupAnswers(t *testing.T, s *store.Store, label, rollup string, read rollupReader,
	groupings [][]usage.GroupField, filters []store.UsageFilter) {
	t.Helper()
	ctx := context.Background()
	for gi, g := range groupings {
		for fi, f := range filters {
			name := fmt.Sprintf("%s, grouping %d, filter %d", label, gi, fi)
			f.Start, f.End, f.GroupBy = day0.AddDate(0, 0, -1), day0.AddDate(0, 0, 3), g
			raw, err := s.QueryUsage(ctx, store.AllClients(), f)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := read(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			f.DailyOK = true
			chosen, err := s.QueryUsage(ctx, store.AllClients(), f)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) == 0 {
				t.Fatalf("%s: the %s is empty", name, rollup)
			}
			if !reflect.DeepEqual(chosen, rows) {
				t.Errorf("%s: QueryUsage with DailyOK\n%v\nwant the %s's\n%v", name, chosen, rollup, rows)
			}
			want, got := byUTCDay(raw), byUTCDay(rows)
			if len(got) != len(rows) {
				t.Errorf("%s: %d %s rows for %d day keys", name, len(rows), rollup, len(got))
			}
			if !maps.Equal(got, want) {
				t.Errorf("%s:\n%s %v\nraw %v", name, rollup, got, want)
			}
		}
	}
}

// checkClientRollup checks the client rollup and the client rollup by key
// against the raw points (checkRollupAnswers), and that narrower filters
// read the per-channel rollup.
func checkClientRollup(t *testing.T, s *store.Store, label string, wantClients int) {
	t.Helper()
	ctx := context.Background()
	checkRollupAnswers(t, s, label, "client rollup", s.QueryUsageClientDaily,
		[][]usage.GroupField{nil, {usage.ByClient}},
		[]store.UsageFilter{{}, {ClientIDs: []string{"c1"}}, {ClientIDs: []string{"c2"}}, {ClientIDs: []string{"c1", "c2"}}})
	checkRollupAnswers(t, s, label, "client rollup by key", s.QueryUsageClientKeyDaily,
		[][]usage.GroupField{{usage.ByCategory}, {usage.ByPricingType, usage.ByCountry},
			{usage.ByClient, usage.ByCategory, usage.ByPricingType, usage.ByCountry}},
		[]store.UsageFilter{{}, {ClientIDs: []string{"c1"}}, {ClientIDs: []string{"c2"}},
			{ClientIDs: []string{"c1"}, Countries: []string{"AT"}}, {Categories: []string{string(usage.CategoryMarketing)}}})
	// Channel and WABA filters and groupings read the per-channel rollup.
	f := store.UsageFilter{Start: day0.AddDate(0, 0, -1), End: day0.AddDate(0, 0, 3), DailyOK: true,
		GroupBy: []usage.GroupField{usage.ByClient, usage.ByCategory, usage.ByChannel}}
	narrow, err := s.QueryUsage(ctx, store.AllClients(), f)
	if err != nil {
		t.Fatal(err)
	}
	viaDaily, err := s.QueryUsageDaily(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(narrow, viaDaily) {
		t.Errorf("%s: grouped by category:\n%v\nwant the daily rollup's\n%v", label, narrow, viaDaily)
	}
	clients := map[string]bool{}
	for _, r := range narrow {
		clients[r.Key.Client] = true
	}
	if len(clients) != wantClients {
		t.Errorf("%s: usage of %d clients, want %d", label, len(clients), wantClients)
	}
}

func TestClientDailyRollup(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seed(t, s)
		save := func(ch, cur string, scale int64) { t.Helper(); saveRollupPoints(t, s, ch, cur, scale) }
		save("ch1", "EUR", 1)
		save("ch3", "USD", 3)
		checkClientRollup(t, s, "one channel per client", 2)
		save("ch2", "EUR", 2)
		checkClientRollup(t, s, "a second channel of c1", 2)

		pts := rollupPoints("ch1", "EUR", 1)
		pts[0].Volume, pts[0].CostNanos = 1000, 5_000_000_000
		pts = append(pts[:2], pts[4:]...)
		if err := s.SaveUsageWindow(ctx, window("ch1", 0, 96, pts...)); err != nil {
			t.Fatal(err)
		}
		checkClientRollup(t, s, "after a revision", 2)
		if err := s.SaveUsageWindow(ctx, window("ch1", 0, 96, pts...)); err != nil {
			t.Fatal(err)
		}
		checkClientRollup(t, s, "after a repeated save", 2)

		// ch2 moves to c2: its usage moves with it, and both clients'
		// usage versions move on.
		version := func(id string) int64 {
			t.Helper()
			c, err := s.GetClient(ctx, store.AllClients(), id)
			if err != nil {
				t.Fatal(err)
			}
			return c.UsageVersion
		}
		v1, v2 := version("c1"), version("c2")
		if v1 == 0 || v2 == 0 {
			t.Errorf("usage versions %d and %d after saving usage, want both above 0", v1, v2)
		}
		if err := s.UpsertChannels(ctx, []store.Channel{{ID: "ch2", ClientID: "c2", WABAID: "w2", Currency: "EUR"}}); err != nil {
			t.Fatal(err)
		}
		if version("c1") <= v1 || version("c2") <= v2 {
			t.Errorf("usage versions after the move: c1 %d (was %d), c2 %d (was %d)", version("c1"), v1, version("c2"), v2)
		}
		checkClientRollup(t, s, "after ch2 moved to c2", 2)
		c2, err := s.QueryUsage(ctx, store.AllClients(), store.UsageFilter{Start: day0, End: day0.AddDate(0, 0, 2), DailyOK: true,
			ClientIDs: []string{"c2"}, GroupBy: []usage.GroupField{usage.ByClient}})
		if err != nil {
			t.Fatal(err)
		}
		curs := map[string]bool{}
		for _, r := range c2 {
			curs[r.Currency] = true
		}
		if !curs["EUR"] || !curs["USD"] {
			t.Errorf("c2 after the move: currencies %v, want EUR (ch2) and USD (ch3)", curs)
		}

		// A rebuild from scratch gives the same rows.
		f := store.UsageFilter{Start: day0.AddDate(0, 0, -1), End: day0.AddDate(0, 0, 3), DailyOK: true,
			GroupBy: []usage.GroupField{usage.ByClient}}
		before, err := s.QueryUsage(ctx, store.AllClients(), f)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RebuildRollups(ctx); err != nil {
			t.Fatal(err)
		}
		after, err := s.QueryUsage(ctx, store.AllClients(), f)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(before, after) {
			t.Errorf("after RebuildRollups:\n%v\nwant\n%v", after, before)
		}
		checkClientRollup(t, s, "after a rebuild", 2)
	})
}

// TestClientDailyRollupConcurrentSaves saves two channels of one client at
// once, round after round; the client's sums must equal the raw points'.
// On PostgreSQL the client lock is what keeps a save from writing a sum
// that misses the other channel's committed days.
func TestClientDailyRollupConcurrentSaves(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seed(t, s)
		for round := range 12 {
			var wg sync.WaitGroup
			errs := make(chan error, 2)
			for i, ch := range []string{"ch1", "ch2"} {
				wg.Go(func() {
					errs <- s.SaveUsageWindow(ctx, window(ch, 0, 96, rollupPoints(ch, "EUR", int64(round*2+i+1))...))
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			f := store.UsageFilter{Start: day0, End: day0.AddDate(0, 0, 2), ClientIDs: []string{"c1"},
				GroupBy: []usage.GroupField{usage.ByClient}}
			raw, err := s.QueryUsage(ctx, store.AllClients(), f)
			if err != nil {
				t.Fatal(err)
			}
			f.DailyOK = true
			client, err := s.QueryUsage(ctx, store.AllClients(), f)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := byUTCDay(client), byUTCDay(raw); len(want) == 0 || !maps.Equal(got, want) {
				t.Fatalf("round %d: client rollup %v, raw %v", round, got, want)
			}
		}
	})
}
