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

type dayKey struct {
	day      int64
	key      usage.GroupKey
	currency string
}

type dayVal struct{ volume, cost, missing, estimated int64 }

// byUTCDay sums rows per UTC day, group key and currency.
func byUTCDay(rows []usage.Row) map[dayKey]dayVal {
	out := map[dayKey]dayVal{}
	for _, r := range rows {
		d := r.Bucket.UTC().Truncate(24 * time.Hour)
		k := dayKey{d.Unix(), r.Key, r.Currency}
		v := out[k]
		v.volume += r.Volume
		v.cost += r.CostNanos
		v.missing += r.CostMissing
		v.estimated += r.CostEstimated
		out[k] = v
	}
	return out
}

// seedRollupMix seeds the clients and channels and saves rollupPoints over
// two days for ch1 and ch2 (EUR, scales 1 and 2) and ch3 (USD, scale 3).
func seedRollupMix(t *testing.T, s *store.Store) {
	t.Helper()
	seed(t, s)
	for _, w := range []struct {
		ch, cur string
		scale   int64
	}{{"ch1", "EUR", 1}, {"ch2", "EUR", 2}, {"ch3", "USD", 3}} {
		saveRollupPoints(t, s, w.ch, w.cur, w.scale)
	}
}

// saveRollupPoints saves ch's rollupPoints over two days from day0.
func saveRollupPoints(t *testing.T, s *store.Store, ch, cur string, scale int64) {
	t.Helper()
	if err := s.SaveUsageWindow(context.Background(), window(ch, 0, 96, rollupPoints(ch, cur, scale)...)); err != nil {
		t.Fatal(err)
	}
}

// rollupPoints is a mix over two UTC days for ch1/ch2 (EUR) and ch3 (USD):
// two tiers of one key (summed in the rollup), a point of unknown cost, two
// of a cost estimated from the rate card, and points on both sides of
// midnight.
func rollupPoints(ch, cur string, scale int64) []usage.Point {
	var pts []usage.Point
	for _, slot := range []int{0, 1, 20, 47, 48, 60, 95} {
		p := hh(ch, slot, usage.CategoryMarketing, scale*int64(slot+1), scale*int64(slot+1)*100_000_000)
		p.Currency = cur
		pts = append(pts, p)
		t := p
		t.Tier = "1:250K"
		t.Volume, t.CostNanos = scale, scale*90_000_000
		pts = append(pts, t)
	}
	u := hh(ch, 30, usage.CategoryUtility, 7*scale, 0)
	u.Currency, u.CostKnown, u.Country = cur, false, "AT"
	pts = append(pts, u)
	for _, slot := range []int{40, 41, 70} {
		e := hh(ch, slot, usage.CategoryUtility, 2*scale, scale*80_000_000)
		e.Currency, e.Country, e.CostEstimated = cur, "FR", slot != 41
		pts = append(pts, e)
	}
	return pts
}

func TestDailyRollup(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seed(t, s)
		save := func(ch, cur string, scale int64) { t.Helper(); saveRollupPoints(t, s, ch, cur, scale) }
		save("ch1", "EUR", 1)
		save("ch2", "EUR", 2)
		save("ch3", "USD", 3)

		groupings := [][]usage.GroupField{
			nil,
			{usage.ByCategory, usage.ByPricingType, usage.ByCountry},
			{usage.ByClient},
			{usage.ByWABA, usage.ByChannel},
		}
		filters := []store.UsageFilter{
			{},
			{ClientIDs: []string{"c1"}},
			{ChannelIDs: []string{"ch2", "ch3"}, Countries: []string{"DE"}},
			{Categories: []string{"UTILITY"}},
		}
		check := func(label string) {
			t.Helper()
			for gi, g := range groupings {
				for fi, f := range filters {
					f.Start, f.End, f.GroupBy = day0.AddDate(0, 0, -1), day0.AddDate(0, 0, 3), g
					raw, err := s.QueryUsage(ctx, store.AllClients(), f)
					if err != nil {
						t.Fatal(err)
					}
					f.DailyOK = true
					daily, err := s.QueryUsage(ctx, store.AllClients(), f)
					if err != nil {
						t.Fatal(err)
					}
					for _, r := range daily {
						if !r.Bucket.Equal(r.Bucket.UTC().Truncate(24 * time.Hour)) {
							t.Fatalf("%s: rollup row bucket %s is not a UTC day", label, r.Bucket)
						}
					}
					want, got := byUTCDay(raw), byUTCDay(daily)
					if len(want) == 0 && fi != 3 || len(daily) != len(got) {
						t.Fatalf("%s grouping %d filter %d: %d raw sums, %d rollup rows for %d days", label, gi, fi, len(want), len(daily), len(got))
					}
					if !maps.Equal(got, want) {
						t.Errorf("%s grouping %d filter %d:\nrollup %v\nraw    %v", label, gi, fi, got, want)
					}
				}
			}
		}
		check("first save")

		// A revision: one point changes, one key of a half hour vanishes;
		// the rollup follows.
		pts := rollupPoints("ch1", "EUR", 1)
		pts[0].Volume, pts[0].CostNanos = 1000, 5_000_000_000
		pts = append(pts[:2], pts[4:]...) // slot 1 gone (both tiers)
		if err := s.SaveUsageWindow(ctx, window("ch1", 0, 96, pts...)); err != nil {
			t.Fatal(err)
		}
		check("after a revision")
		// Saving the same window again changes nothing.
		if err := s.SaveUsageWindow(ctx, window("ch1", 0, 96, pts...)); err != nil {
			t.Fatal(err)
		}
		check("after a repeated save")

		// Bounds that are not UTC midnights read the raw points.
		f := store.UsageFilter{Start: day0.Add(time.Hour), End: day0.AddDate(0, 0, 2), DailyOK: true, ChannelIDs: []string{"ch1"}}
		rows, err := s.QueryUsage(ctx, store.AllClients(), f)
		if err != nil {
			t.Fatal(err)
		}
		halfHours := 0
		for _, r := range rows {
			if r.Bucket.Minute() != 0 || r.Bucket.Hour() != 0 {
				halfHours++
			}
		}
		if halfHours == 0 {
			t.Errorf("unaligned bounds: rows %v look like the rollup, want raw half hours", fmt.Sprint(rows))
		}
	})
}
