package store_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
)

// TestClientLocalRollup: each client keeps a local-day rollup in its own zone
// (none for UTC and :45 zones); day, month and total sums read from it (or
// folded, for a zone or a set of clients it does not answer) equal the raw
// points' after saves, a revised window, a zone change, a channel moving
// between clients and a rebuild, on both databases.
func TestClientLocalRollup(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seed(t, s) // c1 Europe/Berlin (ch1, ch2), c2 Asia/Kolkata (ch3)
		if err := s.UpsertClients(ctx, []store.Client{{ID: "c3", Timezone: "America/New_York"},
			{ID: "c4", Timezone: "Asia/Kathmandu"}, {ID: "c5"}}); err != nil {
			t.Fatal(err)
		}
		if err := s.UpsertChannels(ctx, []store.Channel{{ID: "ch4", ClientID: "c3", Currency: "USD"},
			{ID: "ch5", ClientID: "c4", Currency: "USD"}, {ID: "ch6", ClientID: "c5", Currency: "USD", Timezone: "UTC"},
			{ID: "ch7", ClientID: "c5", Currency: "USD", Timezone: "Europe/London"}}); err != nil {
			t.Fatal(err)
		}
		// 2026-03-05 to 2026-04-07: New York changes on 03-08, Berlin and
		// London on 03-29.
		from, to := time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 7, 0, 0, 0, 0, time.UTC)
		for i, ch := range []string{"ch1", "ch2", "ch3", "ch4", "ch5", "ch6"} {
			saveHalfHours(t, s, ch, "EUR", i, from, to, 1)
		}
		wantZones := func(want map[string]string) {
			t.Helper()
			for id, zone := range want {
				if got, err := s.RollupZone(ctx, id); err != nil || got != zone {
					t.Errorf("client %s keeps %q (%v), want %q", id, got, err, zone)
				}
			}
		}
		// c5: no zone of its own; its first channel's (UTC) has nothing to add.
		wantZones(map[string]string{"c1": "Europe/Berlin", "c2": "Asia/Kolkata", "c3": "America/New_York", "c4": "", "c5": ""})

		check := func(stage string, clientZones map[string]string) {
			t.Helper()
			checkLocalRollup(t, ctx, s, stage, clientZones)
		}
		zones := map[string]string{"c1": "Europe/Berlin", "c2": "Asia/Kolkata", "c3": "America/New_York"}
		check("saved", zones)
		// Several clients read the rollup only when all keep the zone.
		check("two clients", map[string]string{"c1,c2": "Europe/Berlin", "c2,c3": "Asia/Kolkata"})

		// The client's days are read from the rollup: a row changed behind
		// the store's back shows, and a rebuild puts it right.
		if err := s.ExecRaw(ctx, `UPDATE usage_client_local_daily SET volume = volume + 1000 WHERE client_id = 'c1'`); err != nil {
			t.Fatal(err)
		}
		berlin, _ := time.LoadLocation("Europe/Berlin")
		p := usage.Period{From: usage.Date{Year: 2026, Month: 3, Day: 6}, To: usage.Date{Year: 2026, Month: 3, Day: 6}, Loc: berlin}
		rows, err := s.QueryUsage(ctx, store.AllClients(), store.UsageFilter{Start: p.Start(), End: p.End(), ClientIDs: []string{"c1"}, DailyOK: true, DayZone: berlin})
		if err != nil || len(rows) == 0 || rows[0].Volume < 1000 {
			t.Fatalf("c1's Berlin days do not come from the local-day rollup: %+v, %v", rows, err)
		}
		if err := s.RebuildRollups(ctx); err != nil {
			t.Fatal(err)
		}
		check("rebuilt", zones)

		// A revised window (some points gone, others changed) refills its days.
		saveHalfHours(t, s, "ch2", "EUR", 5, time.Date(2026, 3, 28, 21, 0, 0, 0, time.UTC), time.Date(2026, 3, 30, 3, 0, 0, 0, time.UTC), 3)
		check("revised", zones)

		// A point of no messages and no cost still makes its day and key
		// exist, as in the raw points; when it vanishes, so does the row.
		zb := time.Date(2026, 3, 20, 22, 30, 0, 0, time.UTC) // 23:30 in Berlin
		zero := usage.Point{ChannelID: "ch1", Start: zb, End: zb.Add(30 * time.Minute), Granularity: usage.HalfHour,
			Category: usage.CategoryService, PricingType: usage.PricingFreeCustomerService, Country: "FR", Tier: "0:MAX",
			Currency: "EUR", CostKnown: true}
		for _, pts := range [][]usage.Point{{zero}, nil} {
			if err := s.SaveUsageWindow(ctx, store.UsageWindow{ChannelID: "ch1", Granularity: usage.HalfHour,
				Start: zb, End: zb.Add(30 * time.Minute), Points: pts}); err != nil {
				t.Fatal(err)
			}
			check(fmt.Sprintf("zero point (%d)", len(pts)), map[string]string{"c1": "Europe/Berlin"})
		}

		// A new zone for c3: rebuilt there; the old zone is folded from UTC days.
		if err := s.UpsertClients(ctx, []store.Client{{ID: "c3", Timezone: "Asia/Tokyo"}}); err != nil {
			t.Fatal(err)
		}
		wantZones(map[string]string{"c3": "Asia/Tokyo"})
		check("new zone", map[string]string{"c3": "Asia/Tokyo"})
		check("old zone", map[string]string{"c3": "America/New_York"})

		// ch4 moves from c3 to c1; c5 gets a zone through its channels.
		if err := s.UpsertChannels(ctx, []store.Channel{{ID: "ch4", ClientID: "c1", Currency: "USD"},
			{ID: "ch6", ClientID: "c5", Currency: "USD", Timezone: "Europe/Lisbon"}}); err != nil {
			t.Fatal(err)
		}
		wantZones(map[string]string{"c1": "Europe/Berlin", "c3": "Asia/Tokyo", "c5": "Europe/Lisbon"})
		check("moved", map[string]string{"c1": "Europe/Berlin", "c3": "Asia/Tokyo", "c5": "Europe/Lisbon"})
	})
}

// checkLocalRollup checks, for each client (or comma-separated clients) in
// its zone, that usage read from the local-day rollup equals usage
// aggregated from the raw points, by day and by month, totals included.
func checkLocalRollup(t *testing.T, ctx context.Context, s *store.Store, stage string, clientZones map[string]string) {
	t.Helper()
	for client, zone := range clientZones {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []usage.Period{
			{From: usage.Date{Year: 2026, Month: 3, Day: 6}, To: usage.Date{Year: 2026, Month: 4, Day: 5}, Loc: loc},
			{From: usage.Date{Year: 2026, Month: 3, Day: 29}, To: usage.Date{Year: 2026, Month: 3, Day: 29}, Loc: loc},
			{From: usage.Date{Year: 2026, Month: 3, Day: 8}, To: usage.Date{Year: 2026, Month: 3, Day: 9}, Loc: loc},
		} {
			name := fmt.Sprintf("%s: %s in %s, %s", stage, client, zone, p)
			f := store.UsageFilter{Start: p.Start().UTC(), End: p.End().UTC(), ClientIDs: strings.Split(client, ","),
				GroupBy: []usage.GroupField{usage.ByCategory, usage.ByCountry}}
			raw, err := s.QueryUsage(ctx, store.AllClients(), f)
			if err != nil {
				t.Fatal(err)
			}
			f.DailyOK, f.DayZone = true, loc
			days, err := s.QueryUsage(ctx, store.AllClients(), f)
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range []usage.Granularity{usage.Day, usage.Month} {
				if want, got := usage.Aggregate(raw, p, g), usage.Aggregate(days, p, g); !reflect.DeepEqual(got, want) {
					t.Errorf("%s by %s:\nfrom rollups %+v\nfrom raw     %+v", name, g, got, want)
				}
			}
			tf := store.UsageFilter{Start: f.Start, End: f.End, ClientIDs: f.ClientIDs, Totals: true,
				GroupBy: []usage.GroupField{usage.ByPricingType, usage.ByCountry}}
			wantTotals, err := s.QueryUsage(ctx, store.AllClients(), tf)
			if err != nil {
				t.Fatal(err)
			}
			tf.DayZone = loc
			gotTotals, err := s.QueryUsage(ctx, store.AllClients(), tf)
			if err != nil {
				t.Fatal(err)
			}
			if (len(gotTotals) > 0 || len(wantTotals) > 0) && !reflect.DeepEqual(gotTotals, wantTotals) {
				t.Errorf("%s totals:\nin zone %+v\nUTC parts %+v", name, gotTotals, wantTotals)
			}
		}
	}
}
