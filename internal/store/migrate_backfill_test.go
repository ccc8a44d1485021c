package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
)

// TestMigrationsBackfillRollups takes a database holding usage back to
// before its rollups (undoing migrations 5 and 7–11; 6 is unrelated) and
// migrates it again: 5, 7, 8 and 10 must fill their rollups from the stored
// points exactly as SaveUsageWindow kept them, 9 must add the usage version,
// and 11 the local-day rollups in the clients' zones.
func TestMigrationsBackfillRollups(t *testing.T) {
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seedRollupMix(t, s)
		f := store.UsageFilter{Start: day0.AddDate(0, 0, -1), End: day0.AddDate(0, 0, 3), GroupBy: usage.AllGroupFields}
		read := func() [][]usage.Row {
			t.Helper()
			var out [][]usage.Row
			for _, q := range []func(context.Context, store.UsageFilter) ([]usage.Row, error){
				s.QueryUsageDaily, s.QueryUsageClientDaily, s.QueryUsageClientKeyDaily,
			} {
				g := f
				if len(out) > 0 {
					g.GroupBy = []usage.GroupField{usage.ByClient, usage.ByCategory, usage.ByPricingType, usage.ByCountry}
				}
				if len(out) == 1 {
					g.GroupBy = []usage.GroupField{usage.ByClient}
				}
				rows, err := q(ctx, g)
				if err != nil {
					t.Fatal(err)
				}
				if len(rows) == 0 {
					t.Fatalf("rollup %d is empty", len(out))
				}
				out = append(out, rows)
			}
			return out
		}
		channels := func() []store.ChannelTotal {
			t.Helper()
			ct, err := s.ChannelTotals(ctx, store.AllClients(), store.UsageFilter{Start: day0, End: day0.AddDate(0, 0, 2)})
			if err != nil {
				t.Fatal(err)
			}
			return ct
		}
		berlin, err := time.LoadLocation("Europe/Berlin")
		if err != nil {
			t.Fatal(err)
		}
		localDays := func() []usage.Row {
			t.Helper()
			p := usage.Period{From: usage.DateOf(day0.In(berlin)).AddDays(-1), To: usage.DateOf(day0.In(berlin)).AddDays(3), Loc: berlin}
			rows, err := s.QueryUsage(ctx, store.AllClients(), store.UsageFilter{Start: p.Start(), End: p.End(), ClientIDs: []string{"c1"},
				GroupBy: []usage.GroupField{usage.ByCategory, usage.ByCountry}, DailyOK: true, DayZone: berlin})
			if err != nil || len(rows) == 0 {
				t.Fatalf("c1's Berlin days: %d rows, %v", len(rows), err)
			}
			return rows
		}
		before, beforeChannels, beforeLocal := read(), channels(), localDays()

		for _, q := range []string{
			`DROP TABLE usage_client_local_daily`, `ALTER TABLE clients DROP COLUMN rollup_zone`,
			`DROP TABLE usage_channel_daily`, `ALTER TABLE clients DROP COLUMN usage_version`,
			`DROP TABLE usage_client_key_daily`, `DROP TABLE usage_client_daily`,
			`DROP TABLE usage_daily`, `DROP TABLE channel_leases`,
			`DELETE FROM schema_migrations WHERE version IN (5, 7, 8, 9, 10, 11)`,
		} {
			if err := s.ExecRaw(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if ok, err := s.MigrationsCurrent(ctx); err != nil || ok {
			t.Fatalf("at version 4: MigrationsCurrent = %v, %v", ok, err)
		}
		start := time.Now()
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		t.Logf("migrations 5 and 7–11 on a database with usage: %s", time.Since(start).Round(time.Millisecond))
		if after := read(); !reflect.DeepEqual(after, before) {
			t.Errorf("rollups after the migrations:\n%v\nwant as kept by SaveUsageWindow:\n%v", after, before)
		}
		if after := channels(); !reflect.DeepEqual(after, beforeChannels) {
			t.Errorf("channel totals after the migrations:\n%v\nwant\n%v", after, beforeChannels)
		}
		if zone, err := s.RollupZone(ctx, "c1"); err != nil || zone != "Europe/Berlin" {
			t.Errorf("c1 keeps local days of %q after migration 11 (%v), want Europe/Berlin", zone, err)
		}
		if after := localDays(); !reflect.DeepEqual(after, beforeLocal) {
			t.Errorf("c1's Berlin days after migration 11:\n%v\nwant\n%v", after, beforeLocal)
		}
		c, err := s.GetClient(ctx, store.AllClients(), "c1")
		if err != nil || c.UsageVersion != 0 {
			t.Errorf("usage version after migration 9: %d, %v", c.UsageVersion, err)
		}
		// And the rollups stay current from then on.
		if err := s.SaveUsageWindow(ctx, window("ch1", 0, 96, rollupPoints("ch1", "EUR", 5)...)); err != nil {
			t.Fatal(err)
		}
		if c, _ := s.GetClient(ctx, store.AllClients(), "c1"); c.UsageVersion == 0 {
			t.Error("usage version did not move after a save")
		}
		checkClientRollup(t, s, "after migrating a populated database", 2)
	})
}
