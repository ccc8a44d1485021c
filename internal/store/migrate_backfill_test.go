package store_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"gorm.io/gorm"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
)

// TestMigrationsBackfillRollups takes a database holding usage back to
// before its rollups (undoing migrations 5, 7–11 and 13; 6 and 12 are
// unrelated) and migrates it again: 5, 7, 8 and 10 must fill their rollups
// from the stored points exactly as SaveUsageWindow kept them, 9 must add
// the usage version, 11 the local-day rollups in the clients' zones, and 13
// the estimate counts (none: no stored cost was estimated before it).
func TestMigrationsBackfillRollups(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seedRollupMix(t, s)
		read := func() [][]usage.Row { return readRollups(t, s) }
		channels := func() []store.ChannelTotal { return readChannelTotals(t, s) }
		localDays := func() []usage.Row { return readBerlinDays(t, s) }
		before, beforeChannels, beforeLocal := read(), channels(), localDays()
		// Undoing 13 drops the raw points' flags: the counts it then starts
		// are 0, whatever SaveUsageWindow counted before.
		estimated := int64(0)
		for _, rows := range append(before, beforeLocal) {
			for i := range rows {
				estimated += rows[i].CostEstimated
				rows[i].CostEstimated = 0
			}
		}
		for i := range beforeChannels {
			estimated += beforeChannels[i].CostEstimated
			beforeChannels[i].CostEstimated = 0
		}
		if estimated == 0 {
			t.Fatal("the seeded usage has no estimated cost")
		}

		undoRollupMigrations(t, s)
		if ok, err := s.MigrationsCurrent(ctx); err != nil || ok {
			t.Fatalf("at version 4: MigrationsCurrent = %v, %v", ok, err)
		}
		start := time.Now()
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		t.Logf("migrations 5, 7–11 and 13 on a database with usage: %s", time.Since(start).Round(time.Millisecond))
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

// readRollups reads the daily, client and client-by-key rollups of the
// seeded mix, none of them empty.
func readRollups(t *testing.T, s *store.Store) [][]usage.Row {
	t.Helper()
	ctx := context.Background()
	f := store.UsageFilter{Start: day0.AddDate(0, 0, -1), End: day0.AddDate(0, 0, 3), GroupBy: usage.AllGroupFields}
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

// readChannelTotals reads the channel totals of the seeded mix's two days.
func readChannelTotals(t *testing.T, s *store.Store) []store.ChannelTotal {
	t.Helper()
	ct, err := s.ChannelTotals(context.Background(), store.AllClients(), store.UsageFilter{Start: day0, End: day0.AddDate(0, 0, 2)})
	if err != nil {
		t.Fatal(err)
	}
	return ct
}

// readBerlinDays reads client c1's days in Berlin (its local-day rollup).
func readBerlinDays(t *testing.T, s *store.Store) []usage.Row {
	t.Helper()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	p := usage.Period{From: usage.DateOf(day0.In(berlin)).AddDays(-1), To: usage.DateOf(day0.In(berlin)).AddDays(3), Loc: berlin}
	rows, err := s.QueryUsage(context.Background(), store.AllClients(), store.UsageFilter{Start: p.Start(), End: p.End(), ClientIDs: []string{"c1"},
		GroupBy: []usage.GroupField{usage.ByCategory, usage.ByCountry}, DailyOK: true, DayZone: berlin})
	if err != nil || len(rows) == 0 {
		t.Fatalf("c1's Berlin days: %d rows, %v", len(rows), err)
	}
	return rows
}

// undoRollupMigrations takes the database back to before its rollups:
// migrations 5, 7–11 and 13 undone.
func undoRollupMigrations(t *testing.T, s *store.Store) {
	t.Helper()
	ctx := context.Background()
	for _, q := range []string{
		`DROP TABLE usage_client_local_daily`, `ALTER TABLE clients DROP COLUMN rollup_zone`,
		`DROP TABLE usage_channel_daily`, `ALTER TABLE clients DROP COLUMN usage_version`,
		`DROP TABLE usage_client_key_daily`, `DROP TABLE usage_client_daily`,
		`DROP TABLE usage_daily`, `DROP TABLE channel_leases`,
		`DROP INDEX usage_points_range_idx`, `ALTER TABLE usage_points DROP COLUMN cost_estimated`,
		`CREATE INDEX usage_points_range_idx ON usage_points (bucket_start, granularity, currency, volume, cost_nanos)`,
		`ALTER TABLE call_points DROP COLUMN cost_estimated`,
		`DELETE FROM schema_migrations WHERE version IN (5, 7, 8, 9, 10, 11, 13)`,
	} {
		if err := s.ExecRaw(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// TestMigrationStepSQLAndBackfillInOneTransaction applies two steps, the
// second with SQL and a Go backfill: when the backfill fails, the second
// step's SQL is rolled back with it and the step is not recorded (the first
// stays applied); the next run applies it whole, the backfill seeing the
// step's own SQL, and a run after that does nothing.
func TestMigrationStepSQLAndBackfillInOneTransaction(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		files := fstest.MapFS{}
		for _, d := range []string{store.DialectSQLite, store.DialectPostgres} {
			files[d+"/0101_one.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE test_one (id BIGINT NOT NULL PRIMARY KEY);\n")}
			files[d+"/0102_two.sql"] = &fstest.MapFile{Data: []byte("-- A table and its first row.\n" +
				"CREATE TABLE test_two (\n\tid BIGINT NOT NULL PRIMARY KEY\n);\n\nINSERT INTO test_two (id) VALUES (1);\n")}
		}
		failed := errors.New("backfill failed")
		calls, seen := 0, int64(0)
		backfill := func(ctx context.Context, tx *gorm.DB) error {
			calls++
			if err := tx.Raw(`SELECT COUNT(*) FROM test_two`).Scan(&seen).Error; err != nil {
				return err
			}
			if err := tx.Exec(`INSERT INTO test_two (id) VALUES (2)`).Error; err != nil {
				return err
			}
			if calls == 1 {
				return failed
			}
			return nil
		}
		steps := []store.MigrationStep{
			{Version: 101, Name: "test one", File: "0101_one.sql"},
			{Version: 102, Name: "test two", File: "0102_two.sql", Backfill: backfill},
		}
		applied := func() int64 {
			t.Helper()
			n, err := s.QueryInt(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version IN (101, 102)`)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}

		err := s.ApplyMigrations(ctx, files, steps)
		if !errors.Is(err, failed) || !strings.Contains(err.Error(), "version 102 (test two)") {
			t.Fatalf("first run: %v, want the backfill's error for version 102", err)
		}
		if n := applied(); n != 1 {
			t.Fatalf("after a failed backfill %d of the two steps are recorded, want 1", n)
		}
		if _, err := s.QueryInt(ctx, `SELECT COUNT(*) FROM test_two`); err == nil {
			t.Fatal("test_two exists after its step's backfill failed")
		}

		if err := s.ApplyMigrations(ctx, files, steps); err != nil {
			t.Fatalf("second run: %v", err)
		}
		if n, err := s.QueryInt(ctx, `SELECT COUNT(*) FROM test_two`); err != nil || n != 2 || seen != 1 || applied() != 2 {
			t.Fatalf("second run: test_two has %d rows (%v), backfill saw %d, want 2 rows with the SQL's row seen", n, err, seen)
		}
		if err := s.ApplyMigrations(ctx, files, steps); err != nil || calls != 2 {
			t.Fatalf("third run: %v, backfill ran %d times, want twice in all", err, calls)
		}
		if ok, err := s.MigrationsCurrent(ctx); err != nil || !ok {
			t.Fatalf("MigrationsCurrent = %v, %v", ok, err)
		}
	})
}
