package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
)

// seedUsage stores a small, hand-countable data set:
//
//	ch1 (c1/w1, EUR): slot 0 MARKETING DE 10 @ 1.00; slot 0 UTILITY DE 4 @ 0.20; slot 2 MARKETING AT 6 @ 0.60
//	ch2 (c1/w1): slot 0 MARKETING DE 3 @ 0.30 in EUR and, after a currency switch, slot 1 MARKETING DE 2 @ 0.25 USD
//	ch3 (c2/w2, USD): slot 0 MARKETING IN 20 @ 0.50 USD; slot 48 (next day) SERVICE IN 9 free
func seedUsage(t *testing.T, s *store.Store) {
	t.Helper()
	ctx := context.Background()
	seed(t, s)
	at := func(p usage.Point, country, cur string) usage.Point { p.Country, p.Currency = country, cur; return p }
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.SaveUsageWindow(ctx, window("ch1", 0, 48,
		hh("ch1", 0, usage.CategoryMarketing, 10, 1_000_000_000),
		hh("ch1", 0, usage.CategoryUtility, 4, 200_000_000),
		at(hh("ch1", 2, usage.CategoryMarketing, 6, 600_000_000), "AT", "EUR"))))
	must(s.SaveUsageWindow(ctx, window("ch2", 0, 48,
		hh("ch2", 0, usage.CategoryMarketing, 3, 300_000_000),
		at(hh("ch2", 1, usage.CategoryMarketing, 2, 250_000_000), "DE", "USD"))))
	free := at(hh("ch3", 48, usage.CategoryService, 9, 0), "IN", "USD")
	free.PricingType, free.Tier = usage.PricingFreeCustomerService, ""
	w := window("ch3", 0, 96, at(hh("ch3", 0, usage.CategoryMarketing, 20, 500_000_000), "IN", "USD"), free)
	w.Calls = []usage.CallPoint{
		{ChannelID: "ch3", Start: day0, Direction: usage.DirectionOutbound, Country: "IN", Count: 2, Seconds: 190,
			Currency: "USD", CostNanos: 91_000_000, CostKnown: true},
		{ChannelID: "ch3", Start: day0, Direction: usage.DirectionInbound, Country: "IN", Count: 5, Seconds: 300,
			Currency: "USD", CostKnown: true},
	}
	must(s.SaveUsageWindow(ctx, w))
	must(s.SaveUsageWindow(ctx, store.UsageWindow{ChannelID: "ch1", Granularity: usage.HalfHour, Start: day0,
		End: day0.Add(time.Hour), Points: []usage.Point{
			hh("ch1", 0, usage.CategoryMarketing, 10, 1_000_000_000),
			hh("ch1", 0, usage.CategoryUtility, 4, 200_000_000)},
		Calls: []usage.CallPoint{{Start: day0.Add(30 * time.Minute), Direction: usage.DirectionOutbound, Country: "DE",
			Count: 1, Seconds: 60, Currency: "EUR", CostNanos: 40_000_000, CostKnown: true}}}))
}

func TestQueryUsage(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		seedUsage(t, s)
		ctx := context.Background()
		dayEnd := day0.Add(24 * time.Hour)
		mk, ut, sv := usage.CategoryMarketing, usage.CategoryUtility, usage.CategoryService
		slot := func(n int) time.Time { return day0.Add(time.Duration(n) * 30 * time.Minute) }
		tests := []struct {
			name string
			f    store.UsageFilter
			want []usage.Row
		}{
			{
				name: "by client keeps currencies apart",
				f:    store.UsageFilter{Start: day0, End: dayEnd, GroupBy: []usage.GroupField{usage.ByClient}},
				want: []usage.Row{
					{Bucket: slot(0), Key: usage.GroupKey{Client: "c1"}, Currency: "EUR", Volume: 17, CostNanos: 1_500_000_000},
					{Bucket: slot(0), Key: usage.GroupKey{Client: "c2"}, Currency: "USD", Volume: 20, CostNanos: 500_000_000},
					{Bucket: slot(1), Key: usage.GroupKey{Client: "c1"}, Currency: "USD", Volume: 2, CostNanos: 250_000_000},
					{Bucket: slot(2), Key: usage.GroupKey{Client: "c1"}, Currency: "EUR", Volume: 6, CostNanos: 600_000_000},
				},
			},
			{
				name: "client filter, by category",
				f: store.UsageFilter{Start: day0, End: dayEnd, ClientIDs: []string{"c1"},
					GroupBy: []usage.GroupField{usage.ByCategory}},
				want: []usage.Row{
					{Bucket: slot(0), Key: usage.GroupKey{Category: mk}, Currency: "EUR", Volume: 13, CostNanos: 1_300_000_000},
					{Bucket: slot(0), Key: usage.GroupKey{Category: ut}, Currency: "EUR", Volume: 4, CostNanos: 200_000_000},
					{Bucket: slot(1), Key: usage.GroupKey{Category: mk}, Currency: "USD", Volume: 2, CostNanos: 250_000_000},
					{Bucket: slot(2), Key: usage.GroupKey{Category: mk}, Currency: "EUR", Volume: 6, CostNanos: 600_000_000},
				},
			},
			{
				name: "waba and country filter, by channel and country",
				f: store.UsageFilter{Start: day0, End: dayEnd, WABAIDs: []string{"w1"}, Countries: []string{"AT"},
					GroupBy: []usage.GroupField{usage.ByCountry, usage.ByChannel}},
				want: []usage.Row{
					{Bucket: slot(2), Key: usage.GroupKey{Country: "AT", Channel: "ch1"}, Currency: "EUR", Volume: 6, CostNanos: 600_000_000},
				},
			},
			{
				name: "channel and category filter, by waba",
				f: store.UsageFilter{Start: day0, End: slot(1), ChannelIDs: []string{"ch1", "ch3"},
					Categories: []string{"MARKETING"}, GroupBy: []usage.GroupField{usage.ByWABA}},
				want: []usage.Row{
					{Bucket: slot(0), Key: usage.GroupKey{WABA: "w1"}, Currency: "EUR", Volume: 10, CostNanos: 1_000_000_000},
					{Bucket: slot(0), Key: usage.GroupKey{WABA: "w2"}, Currency: "USD", Volume: 20, CostNanos: 500_000_000},
				},
			},
			{
				name: "pricing type filter, next day only",
				f: store.UsageFilter{Start: dayEnd, End: dayEnd.Add(24 * time.Hour),
					PricingTypes: []string{"FREE_CUSTOMER_SERVICE"},
					GroupBy:      []usage.GroupField{usage.ByPricingType, usage.ByCategory}},
				want: []usage.Row{
					{Bucket: slot(48), Key: usage.GroupKey{Category: sv, PricingType: usage.PricingFreeCustomerService},
						Currency: "USD", Volume: 9},
				},
			},
			{
				name: "no grouping sums per bucket and currency",
				f:    store.UsageFilter{Start: day0, End: slot(1)},
				want: []usage.Row{
					{Bucket: slot(0), Currency: "EUR", Volume: 17, CostNanos: 1_500_000_000},
					{Bucket: slot(0), Currency: "USD", Volume: 20, CostNanos: 500_000_000},
				},
			},
			{
				name: "another granularity is not mixed in",
				f:    store.UsageFilter{Start: day0, End: dayEnd, Granularity: usage.Day},
				want: nil,
			},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.QueryUsage(ctx, store.AllClients(), tc.f)
				if err != nil {
					t.Fatal(err)
				}
				if !equalRows(got, tc.want) {
					t.Errorf("got\n%+v\nwant\n%+v", got, tc.want)
				}
			})
		}
		if _, err := s.QueryUsage(ctx, store.AllClients(), store.UsageFilter{Start: dayEnd, End: day0}); err == nil {
			t.Error("an inverted range was accepted")
		}
	})
}

func TestQueryCalls(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		seedUsage(t, s)
		ctx := context.Background()
		in, out := usage.DirectionInbound, usage.DirectionOutbound
		tests := []struct {
			name string
			f    store.UsageFilter
			want []usage.CallRow
		}{
			{
				name: "by client",
				f: store.UsageFilter{Start: day0, End: day0.Add(24 * time.Hour),
					GroupBy: []usage.GroupField{usage.ByClient, usage.ByCategory}}, // category does not apply to calls
				want: []usage.CallRow{
					{Bucket: day0, Direction: out, Key: usage.GroupKey{Client: "c2"}, Currency: "USD", Count: 2, Seconds: 190, CostNanos: 91_000_000},
					{Bucket: day0, Direction: in, Key: usage.GroupKey{Client: "c2"}, Currency: "USD", Count: 5, Seconds: 300},
					{Bucket: day0.Add(30 * time.Minute), Direction: out, Key: usage.GroupKey{Client: "c1"}, Currency: "EUR", Count: 1, Seconds: 60, CostNanos: 40_000_000},
				},
			},
			{
				name: "waba filter, by channel and country",
				f: store.UsageFilter{Start: day0, End: day0.Add(24 * time.Hour), WABAIDs: []string{"w1"},
					GroupBy: []usage.GroupField{usage.ByChannel, usage.ByCountry}},
				want: []usage.CallRow{
					{Bucket: day0.Add(30 * time.Minute), Direction: out, Key: usage.GroupKey{Channel: "ch1", Country: "DE"}, Currency: "EUR", Count: 1, Seconds: 60, CostNanos: 40_000_000},
				},
			},
			{
				name: "country filter",
				f:    store.UsageFilter{Start: day0, End: day0.Add(time.Hour), Countries: []string{"IN"}},
				want: []usage.CallRow{
					{Bucket: day0, Direction: out, Currency: "USD", Count: 2, Seconds: 190, CostNanos: 91_000_000},
					{Bucket: day0, Direction: in, Currency: "USD", Count: 5, Seconds: 300},
				},
			},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.QueryCalls(ctx, store.AllClients(), tc.f)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(tc.want) {
					t.Fatalf("got\n%+v\nwant\n%+v", got, tc.want)
				}
				for i := range got {
					g, w := got[i], tc.want[i]
					if !g.Bucket.Equal(w.Bucket) || g.Direction != w.Direction || g.Key != w.Key || g.Currency != w.Currency ||
						g.Count != w.Count || g.Seconds != w.Seconds || g.CostNanos != w.CostNanos {
						t.Errorf("row %d = %+v, want %+v", i, g, w)
					}
				}
			})
		}
	})
}

func TestUsageBounds(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seed(t, s)
		if _, _, ok, err := s.UsageBounds(ctx, store.AllClients(), store.ChannelFilter{}); err != nil || ok {
			t.Fatalf("empty store: ok=%v err=%v", ok, err)
		}
		seedUsage(t, s)
		for _, tc := range []struct {
			f           store.ChannelFilter
			first, last time.Time
		}{
			{store.ChannelFilter{}, day0, day0.Add(24*time.Hour + 30*time.Minute)},
			{store.ChannelFilter{ClientIDs: []string{"c1"}}, day0, day0.Add(90 * time.Minute)},
			{store.ChannelFilter{ChannelIDs: []string{"ch2"}}, day0, day0.Add(time.Hour)},
		} {
			first, last, ok, err := s.UsageBounds(ctx, store.AllClients(), tc.f)
			if err != nil || !ok || !first.Equal(tc.first) || !last.Equal(tc.last) {
				t.Errorf("UsageBounds(%+v) = %v, %v, %v, %v; want %v, %v", tc.f, first, last, ok, err, tc.first, tc.last)
			}
		}
		// A daily bucket starting with the last half hour ends the data.
		d1 := day0.AddDate(0, 0, 1)
		err := s.SaveUsageWindow(ctx, store.UsageWindow{ChannelID: "ch3", Granularity: usage.Day, Start: d1, End: d1.AddDate(0, 0, 1),
			Points: []usage.Point{{Start: d1, Category: usage.CategoryMarketing, PricingType: usage.PricingRegular, Country: "IN",
				Volume: 3, Currency: "USD"}}})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []store.ChannelFilter{{}, {ChannelIDs: []string{"ch3"}}} {
			if _, last, ok, err := s.UsageBounds(ctx, store.AllClients(), f); err != nil || !ok || !last.Equal(d1.AddDate(0, 0, 1)) {
				t.Errorf("UsageBounds(%+v) with a daily bucket: last %v, %v, %v; want %v", f, last, ok, err, d1.AddDate(0, 0, 1))
			}
		}
	})
}

// TestReadsStopAtMaxRows checks a usage or call read that would return more
// than its filter's MaxRows fails with ErrTooManyRows, and one at the limit
// does not.
func TestReadsStopAtMaxRows(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t)
	seedUsage(t, s)
	ctx := context.Background()
	f := store.UsageFilter{Start: day0, End: day0.Add(48 * time.Hour), GroupBy: []usage.GroupField{usage.ByChannel, usage.ByCategory}}
	all, err := s.QueryUsage(ctx, store.AllClients(), f)
	if err != nil || len(all) < 3 {
		t.Fatalf("unbounded read: %d rows, %v", len(all), err)
	}
	f.MaxRows = len(all)
	if _, err := s.QueryUsage(ctx, store.AllClients(), f); err != nil {
		t.Errorf("read at the limit: %v", err)
	}
	f.MaxRows = len(all) - 1
	if _, err := s.QueryUsage(ctx, store.AllClients(), f); !errors.Is(err, store.ErrTooManyRows) {
		t.Errorf("read past the limit: err %v, want ErrTooManyRows", err)
	}
	f.MaxRows = 1
	if _, err := s.QueryCalls(ctx, store.AllClients(), f); !errors.Is(err, store.ErrTooManyRows) {
		t.Errorf("calls read past the limit: err %v, want ErrTooManyRows", err)
	}
}
