package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
)

// hh returns a half-hour point of ch starting at day0 + slot half hours.
func hh(ch string, slot int, cat usage.Category, volume, cost int64) usage.Point {
	start := day0.Add(time.Duration(slot) * 30 * time.Minute)
	return usage.Point{ChannelID: ch, Start: start, End: start.Add(30 * time.Minute), Granularity: usage.HalfHour,
		Category: cat, PricingType: usage.PricingRegular, Country: "DE", Tier: "0:MAX", Volume: volume,
		Currency: "EUR", CostNanos: cost, CostKnown: true}
}

func window(ch string, fromSlot, toSlot int, pts ...usage.Point) store.UsageWindow {
	return store.UsageWindow{ChannelID: ch, Granularity: usage.HalfHour,
		Start: day0.Add(time.Duration(fromSlot) * 30 * time.Minute),
		End:   day0.Add(time.Duration(toSlot) * 30 * time.Minute), Points: pts}
}

// allRows reads every stored half-hour row of ch, grouped by every field.
func allRows(t *testing.T, s *store.Store, g usage.Granularity, ch ...string) []usage.Row {
	t.Helper()
	rows, err := s.QueryUsage(context.Background(), store.AllClients(), store.UsageFilter{
		Start: day0.AddDate(-1, 0, 0), End: day0.AddDate(1, 0, 0), Granularity: g,
		ChannelIDs: ch, GroupBy: usage.AllGroupFields})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestSaveUsageWindow(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seed(t, s)
		mk := usage.CategoryMarketing
		ut := usage.CategoryUtility
		first := window("ch1", 0, 4,
			hh("ch1", 0, mk, 10, 1_100_000_000),
			hh("ch1", 1, mk, 5, 550_000_000),
			hh("ch1", 1, ut, 3, 120_000_000),
			hh("ch1", 3, mk, 1, 110_000_000))

		t.Run("first save writes every point", func(t *testing.T) {
			st, err := s.SaveUsageWindowStats(ctx, first)
			if err != nil {
				t.Fatal(err)
			}
			if st != (store.SaveStats{Written: 4}) {
				t.Errorf("stats = %+v, want 4 written", st)
			}
			if got := allRows(t, s, usage.HalfHour, "ch1"); len(got) != 4 || got[0].Volume != 10 || got[0].CostNanos != 1_100_000_000 {
				t.Errorf("rows = %+v", got)
			}
		})

		t.Run("same window twice changes nothing", func(t *testing.T) {
			before := allRows(t, s, usage.HalfHour, "ch1")
			st, err := s.SaveUsageWindowStats(ctx, first)
			if err != nil {
				t.Fatal(err)
			}
			if st != (store.SaveStats{Unchanged: 4}) {
				t.Errorf("stats = %+v, want 4 unchanged and nothing written", st)
			}
			if after := allRows(t, s, usage.HalfHour, "ch1"); !equalRows(before, after) {
				t.Errorf("rows changed:\n%+v\n%+v", before, after)
			}
		})

		t.Run("revised value replaces, vanished point is deleted", func(t *testing.T) { checkRevisedWindow(t, ctx, s, mk, ut) })

		t.Run("points outside a smaller window are kept", func(t *testing.T) {
			// A window over slot 1 only says nothing about slot 0.
			if err := s.SaveUsageWindow(ctx, window("ch1", 1, 2, hh("ch1", 1, mk, 6, 660_000_000))); err != nil {
				t.Fatal(err)
			}
			got := allRows(t, s, usage.HalfHour, "ch1")
			if len(got) != 2 || got[0].Volume != 12 || got[1].Volume != 6 {
				t.Errorf("rows = %+v; want slot 0 kept, slot 1 utility deleted, marketing revised", got)
			}
		})

		t.Run("refused points write nothing", func(t *testing.T) { checkRefusedWindow(t, ctx, s, mk) })

		t.Run("duplicate keys are summed", func(t *testing.T) { checkDuplicateKeysSummed(t, ctx, s, mk) })
	})
}

// TestSaveUsageWindowCallPoints checks call points are replaced window by
// window like usage points: unchanged ones are not rewritten, revised ones
// replace the stored, vanished ones are deleted.
func TestSaveUsageWindowCallPoints(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seed(t, s)
		call := func(slot int, d usage.Direction, count, seconds int64) usage.CallPoint {
			return usage.CallPoint{Start: day0.Add(time.Duration(slot) * 30 * time.Minute), Direction: d, Country: "DE",
				Count: count, Seconds: seconds, Currency: "EUR", CostNanos: count * 1_000_000, CostKnown: true}
		}
		out, in := usage.DirectionOutbound, usage.DirectionInbound
		save := func(calls ...usage.CallPoint) store.SaveStats {
			t.Helper()
			w := window("ch1", 0, 4)
			w.Calls = calls
			st, err := s.SaveUsageWindowStats(ctx, w)
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
		stored := func() []usage.CallRow {
			t.Helper()
			rows, err := s.QueryCalls(ctx, store.AllClients(), store.UsageFilter{Start: day0, End: day0.Add(2 * time.Hour),
				Granularity: usage.HalfHour, ChannelIDs: []string{"ch1"}})
			if err != nil {
				t.Fatal(err)
			}
			return rows
		}
		if st := save(call(0, out, 2, 120), call(0, in, 1, 30), call(1, out, 4, 200)); st != (store.SaveStats{Written: 3}) {
			t.Errorf("first save: %+v, want 3 written", st)
		}
		if st := save(call(0, out, 2, 120), call(0, in, 1, 30), call(1, out, 4, 200)); st != (store.SaveStats{Unchanged: 3}) {
			t.Errorf("same window again: %+v, want 3 unchanged", st)
		}
		if st := save(call(0, out, 2, 121), call(0, in, 1, 30)); st != (store.SaveStats{Written: 1, Unchanged: 1, Deleted: 1}) {
			t.Errorf("revised and vanished: %+v", st)
		}
		rows := stored()
		if len(rows) != 2 {
			t.Fatalf("rows = %+v, want 2", rows)
		}
		for _, r := range rows {
			if r.Direction == out && (r.Count != 2 || r.Seconds != 121) {
				t.Errorf("outbound = %+v, want the revised 2 calls of 121 s", r)
			}
			if !r.Bucket.Equal(day0) {
				t.Errorf("vanished call point still stored: %+v", r)
			}
		}
	})
}

// checkRevisedWindow checks saving a revised window replaces changed values
// and deletes the points that vanished from it.
func checkRevisedWindow(t *testing.T, ctx context.Context, s *store.Store, mk usage.Category, ut usage.Category) {
	revised := window("ch1", 0, 4,
		hh("ch1", 0, mk, 12, 1_320_000_000), // revised up
		hh("ch1", 1, mk, 5, 550_000_000),
		hh("ch1", 1, ut, 3, 120_000_000))
	// slot 3 vanished
	st, err := s.SaveUsageWindowStats(ctx, revised)
	if err != nil {
		t.Fatal(err)
	}
	if st != (store.SaveStats{Written: 1, Unchanged: 2, Deleted: 1}) {
		t.Errorf("stats = %+v", st)
	}
	got := allRows(t, s, usage.HalfHour, "ch1")
	if len(got) != 3 || got[0].Volume != 12 || got[0].CostNanos != 1_320_000_000 {
		t.Errorf("rows = %+v", got)
	}
	for _, r := range got {
		if r.Bucket.Equal(day0.Add(90 * time.Minute)) {
			t.Errorf("vanished point still stored: %+v", r)
		}
	}
}

// checkRefusedWindow checks windows with a point the store refuses write none
// of their points.
func checkRefusedWindow(t *testing.T, ctx context.Context, s *store.Store, mk usage.Category) {
	before := allRows(t, s, usage.HalfHour, "ch1")
	for name, w := range map[string]store.UsageWindow{
		"bucket after the window":  window("ch1", 0, 4, hh("ch1", 0, mk, 99, 0), hh("ch1", 4, mk, 1, 0)),
		"bucket before the window": window("ch1", 2, 4, hh("ch1", 2, mk, 99, 0), hh("ch1", 0, mk, 1, 0)),
		"other channel":            window("ch1", 0, 4, hh("ch1", 0, mk, 99, 0), hh("ch2", 1, mk, 1, 0)),
		"other granularity": window("ch1", 0, 4, hh("ch1", 0, mk, 99, 0),
			usage.Point{ChannelID: "ch1", Start: day0, Granularity: usage.Day, Category: mk, Volume: 1}),
		"unknown channel": window("nope", 0, 4, hh("nope", 0, mk, 99, 0)),
		"bucket between half hours": window("ch1", 0, 4, hh("ch1", 0, mk, 99, 0),
			usage.Point{ChannelID: "ch1", Start: day0.Add(45 * time.Minute), End: day0.Add(75 * time.Minute), Granularity: usage.HalfHour, Category: mk, Volume: 1}),
	} {
		if err := s.SaveUsageWindow(ctx, w); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if after := allRows(t, s, usage.HalfHour, "ch1"); !equalRows(before, after) {
		t.Errorf("a refused window wrote:\n%+v\n%+v", before, after)
	}
}

// checkDuplicateKeysSummed checks points of one key in one window are stored
// as their sum.
func checkDuplicateKeysSummed(t *testing.T, ctx context.Context, s *store.Store, mk usage.Category) {
	a := hh("ch2", 0, mk, 2, 200)
	b := hh("ch2", 0, mk, 3, 300)
	if err := s.SaveUsageWindow(ctx, window("ch2", 0, 2, a, b)); err != nil {
		t.Fatal(err)
	}
	got := allRows(t, s, usage.HalfHour, "ch2")
	if len(got) != 1 || got[0].Volume != 5 || got[0].CostNanos != 500 {
		t.Errorf("rows = %+v", got)
	}
}

func TestSaveUsageWindowPartialDailyBucket(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seed(t, s)
		daily := func(d int, volume int64) usage.Point {
			start := day0.AddDate(0, 0, d)
			return usage.Point{ChannelID: "ch3", Start: start, End: start.AddDate(0, 0, 1), Granularity: usage.Day,
				Category: usage.CategoryUtility, PricingType: usage.PricingRegular, Country: "IN", Tier: "0:MAX",
				Volume: volume, Currency: "USD", CostNanos: volume * 1_000_000, CostKnown: true}
		}
		// Complete days 0 and 1.
		err := s.SaveUsageWindow(ctx, store.UsageWindow{ChannelID: "ch3", Granularity: usage.Day,
			Start: day0, End: day0.AddDate(0, 0, 2), Points: []usage.Point{daily(0, 100), daily(1, 200)}})
		if err != nil {
			t.Fatal(err)
		}
		// A window from noon of day 0 to noon of day 2: day 0 and day 2 come
		// back partial (labelled with their usual start); day 1 is complete.
		st, err := s.SaveUsageWindowStats(ctx, store.UsageWindow{ChannelID: "ch3", Granularity: usage.Day,
			Start: day0.Add(12 * time.Hour), End: day0.AddDate(0, 0, 2).Add(12 * time.Hour),
			Points: []usage.Point{daily(0, 40), daily(1, 210), daily(2, 70)}})
		if err != nil {
			t.Fatal(err)
		}
		if st != (store.SaveStats{Written: 1, Partial: 2}) {
			t.Errorf("stats = %+v, want day 1 written and 2 partial buckets dropped", st)
		}
		got := allRows(t, s, usage.Day, "ch3")
		if len(got) != 2 || got[0].Volume != 100 || got[1].Volume != 210 {
			t.Fatalf("rows = %+v; want day 0 kept at 100, day 1 revised to 210, no day 2", got)
		}
		// A window covering only part of day 1 with no points at all must not
		// delete the complete day.
		err = s.SaveUsageWindow(ctx, store.UsageWindow{ChannelID: "ch3", Granularity: usage.Day,
			Start: day0.AddDate(0, 0, 1).Add(6 * time.Hour), End: day0.AddDate(0, 0, 1).Add(18 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if got := allRows(t, s, usage.Day, "ch3"); len(got) != 2 || got[1].Volume != 210 {
			t.Errorf("a partial empty window deleted a complete day: %+v", got)
		}
		// Monthly buckets follow the same rule: March is partial in a window from March 10.
		st, err = s.SaveUsageWindowStats(ctx, store.UsageWindow{ChannelID: "ch3", Granularity: usage.Month,
			Start: day0, End: day0.AddDate(0, 1, 0), Points: []usage.Point{{Start: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
				Category: usage.CategoryUtility, Volume: 5}}})
		if err != nil || st != (store.SaveStats{Partial: 1}) {
			t.Errorf("monthly partial: stats %+v, err %v", st, err)
		}
	})
}

func TestUnknownCategoryAndNullCost(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seed(t, s)
		unknown := usage.Category("QUANTUM_UPSELL")
		free := hh("ch1", 0, usage.CategoryService, 7, 0) // known cost of zero
		free.PricingType = usage.PricingFreeCustomerService
		noCost := hh("ch1", 0, unknown, 4, 0)
		noCost.CostKnown = false // the source omitted cost
		err := s.SaveUsageWindow(ctx, window("ch1", 0, 2, free, noCost))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := s.QueryUsage(ctx, store.AllClients(), store.UsageFilter{Start: day0, End: day0.Add(time.Hour),
			GroupBy: []usage.GroupField{usage.ByCategory}})
		if err != nil {
			t.Fatal(err)
		}
		want := []usage.Row{
			{Bucket: day0, Key: usage.GroupKey{Category: unknown}, Currency: "EUR", Volume: 4, CostNanos: 0, CostMissing: 1},
			{Bucket: day0, Key: usage.GroupKey{Category: usage.CategoryService}, Currency: "EUR", Volume: 7, CostNanos: 0, CostMissing: 0},
		}
		if !equalRows(rows, want) {
			t.Errorf("rows =\n%+v\nwant\n%+v", rows, want)
		}
		// Saving again keeps NULL distinct from 0: nothing is rewritten.
		st, err := s.SaveUsageWindowStats(ctx, window("ch1", 0, 2, free, noCost))
		if err != nil || st != (store.SaveStats{Unchanged: 2}) {
			t.Errorf("second save: %+v, %v", st, err)
		}
		// Cost becoming known replaces NULL.
		noCost.CostKnown, noCost.CostNanos = true, 0
		if st, err := s.SaveUsageWindowStats(ctx, window("ch1", 0, 2, free, noCost)); err != nil || st.Written != 1 {
			t.Errorf("cost now known: %+v, %v", st, err)
		}
	})
}

func equalRows(a, b []usage.Row) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Bucket.Equal(b[i].Bucket) || a[i].Key != b[i].Key || a[i].Currency != b[i].Currency ||
			a[i].Volume != b[i].Volume || a[i].CostNanos != b[i].CostNanos || a[i].CostMissing != b[i].CostMissing {
			return false
		}
	}
	return true
}
