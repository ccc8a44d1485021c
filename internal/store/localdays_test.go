package store_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
)

// TestLocalDaysFromRollups checks that DailyOK with a DayZone gives, in
// zones east and west of UTC, at :30 and :45 offsets, across DST changes,
// the same sums per local day and month as the raw points, for client,
// channel and partner-wide filters.
func TestLocalDaysFromRollups(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seed(t, s)
		// Every half hour from 2026-03-05 to 2026-04-07 (New York changes
		// on 03-08, Berlin and London on 03-29, Chatham on 04-05), with
		// volumes varying by slot, channel and category.
		from, to := time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 7, 0, 0, 0, 0, time.UTC)
		for ci, ch := range []struct{ id, cur string }{{"ch1", "EUR"}, {"ch2", "EUR"}, {"ch3", "USD"}} {
			saveHalfHours(t, s, ch.id, ch.cur, ci, from, to, 1)
		}
		zones := []string{"Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Chatham", "Pacific/Kiritimati",
			"America/St_Johns", "Europe/London", "UTC"}
		filters := []store.UsageFilter{
			{ClientIDs: []string{"c1"}, GroupBy: []usage.GroupField{usage.ByCategory}},
			{ClientIDs: []string{"c1"}, Countries: []string{"AT"}, GroupBy: []usage.GroupField{usage.ByPricingType}},
			{ChannelIDs: []string{"ch2"}, GroupBy: []usage.GroupField{usage.ByCategory, usage.ByCountry}},
			{GroupBy: []usage.GroupField{usage.ByClient}},
			{},
		}
		for _, zone := range zones {
			loc, err := time.LoadLocation(zone)
			if err != nil {
				t.Fatal(err)
			}
			periods := []usage.Period{
				{From: usage.Date{Year: 2026, Month: 3, Day: 6}, To: usage.Date{Year: 2026, Month: 4, Day: 5}, Loc: loc},
				{From: usage.Date{Year: 2026, Month: 3, Day: 29}, To: usage.Date{Year: 2026, Month: 3, Day: 29}, Loc: loc},
				{From: usage.Date{Year: 2026, Month: 3, Day: 8}, To: usage.Date{Year: 2026, Month: 3, Day: 9}, Loc: loc},
			}
			for pi, p := range periods {
				for fi, f := range filters {
					name := fmt.Sprintf("%s period %d filter %d", zone, pi, fi)
					f.Start, f.End = p.Start().UTC(), p.End().UTC()
					raw, err := s.QueryUsage(ctx, store.AllClients(), f)
					if err != nil {
						t.Fatalf("%s: raw: %v", name, err)
					}
					f.DailyOK, f.DayZone = true, loc
					folded, err := s.QueryUsage(ctx, store.AllClients(), f)
					if err != nil {
						t.Fatalf("%s: folded: %v", name, err)
					}
					if len(raw) == 0 {
						t.Fatalf("%s: no raw rows: the test data miss the period", name)
					}
					for _, g := range []usage.Granularity{usage.Day, usage.Month} {
						want, got := usage.Aggregate(raw, p, g), usage.Aggregate(folded, p, g)
						if !reflect.DeepEqual(got, want) {
							t.Errorf("%s by %s:\nfrom rollups %+v\nfrom raw     %+v", name, g, got, want)
						}
					}
					// The month-long period reads per day, not per half hour,
					// except where the zone has :45 offsets (raw points).
					if pi == 0 && zone != "Pacific/Chatham" && len(folded)*4 > len(raw) {
						t.Errorf("%s: %d rows for %d raw rows: the rollups were not read", name, len(folded), len(raw))
					}
				}
			}
		}
	})
}

// saveHalfHours saves a window of ch's half-hour points over [from, to):
// two of every three slots (shifted by seed), categories and countries
// varying by slot, volumes by slot, seed and scale, some costs unknown and
// some estimated from the rate card.
func saveHalfHours(t *testing.T, s *store.Store, ch, cur string, seed int, from, to time.Time, scale int64) {
	t.Helper()
	cats := []usage.Category{usage.CategoryMarketing, usage.CategoryUtility, usage.CategoryAuthentication}
	var pts []usage.Point
	slot := 0
	for b := from; b.Before(to); b = b.Add(30 * time.Minute) {
		if (slot+seed)%3 != 0 { // leave gaps, so that some keys have no row on some days
			cat := cats[(slot/5+seed)%len(cats)]
			vol := scale * int64(1+(slot*7+seed*13)%23)
			pts = append(pts, usage.Point{ChannelID: ch, Start: b, End: b.Add(30 * time.Minute), Granularity: usage.HalfHour,
				Category: cat, PricingType: usage.PricingRegular, Country: []string{"DE", "AT"}[slot%2], Tier: "0:MAX",
				Volume: vol, Currency: cur, CostNanos: vol * 12_345_000, CostKnown: slot%17 != 0, CostEstimated: slot%11 == 0})
		}
		slot++
	}
	if err := s.SaveUsageWindow(context.Background(), store.UsageWindow{ChannelID: ch, Granularity: usage.HalfHour, Start: from, End: to, Points: pts}); err != nil {
		t.Fatal(err)
	}
}
