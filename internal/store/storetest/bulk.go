package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3" // the "sqlite3" database/sql driver, for bulk seeding

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
)

// bulkIndexes are the secondary indexes of the usage tables, dropped while a
// bulk seed loads rows and rebuilt after (building an index once is much
// faster than maintaining it row by row).
var bulkIndexes = []string{"usage_points_range_idx", "usage_daily_range_idx", "usage_client_daily_range_idx"}

// seedBulk writes the same data as Seed for the daily profile (HalfHours
// ≤ 1), but generates the usage points inside the database with a few
// INSERT … SELECT statements over a raw connection to dsn, then rebuilds the
// rollups once with RebuildRollups: minutes instead of hours for 10,000
// channels × a year.
func (sc Scale) seedBulk(tb testing.TB, ctx context.Context, s *store.Store, dsn string) error {
	if sc.HalfHours > 1 {
		return fmt.Errorf("storetest: bulk seed supports the daily profile only, not %d half hours a day", sc.HalfHours)
	}
	if err := sc.upsertClientsAndChannels(ctx, s); err != nil {
		return err
	}
	postgres := s.Dialect() == store.DialectPostgres
	db, err := openBulk(ctx, dsn, postgres)
	if err != nil {
		return err
	}
	defer db.Close()
	defs, err := dropBulkIndexes(ctx, db, postgres)
	if err != nil {
		return err
	}
	if err := sc.insertBulkPoints(tb, ctx, db); err != nil {
		return err
	}
	t0 := time.Now()
	if err := s.RebuildRollups(ctx); err != nil {
		return err
	}
	tb.Logf("storetest: bulk seed: rollups rebuilt in %s", time.Since(t0).Round(time.Millisecond))
	t0 = time.Now()
	for _, name := range bulkIndexes {
		if _, err := db.ExecContext(ctx, defs[name]); err != nil {
			return fmt.Errorf("storetest: bulk seed: recreate index %s: %w", name, err)
		}
	}
	// PostgreSQL's autovacuum would soon gather statistics and mark the
	// loaded pages all-visible (which index-only scans need); the benchmark
	// runs right away, so it does both now. SQLite keeps no statistics
	// unless asked (as in production).
	if postgres {
		if _, err := db.ExecContext(ctx, "VACUUM (ANALYZE)"); err != nil {
			return fmt.Errorf("storetest: bulk seed: analyze: %w", err)
		}
	}
	tb.Logf("storetest: bulk seed: indexes rebuilt in %s", time.Since(t0).Round(time.Millisecond))
	return nil
}

// upsertClientsAndChannels stores the synthetic partner's clients and
// channels through the store, as Seed does.
func (sc Scale) upsertClientsAndChannels(ctx context.Context, s *store.Store) error {
	var clients []store.Client
	for i := range sc.Clients {
		z := scaleZones[i%len(scaleZones)]
		clients = append(clients, store.Client{ID: sc.ClientID(i), Name: fmt.Sprintf("Client %d", i), Timezone: z.zone, Status: "active"})
	}
	if err := s.UpsertClients(ctx, clients); err != nil {
		return err
	}
	chs := make([]store.Channel, 0, sc.Channels)
	for c := range sc.Channels {
		ci := c % sc.Clients
		z := scaleZones[ci%len(scaleZones)]
		chs = append(chs, store.Channel{ID: sc.ChannelID(c), ClientID: sc.ClientID(ci), WABAID: fmt.Sprintf("waba%04d", c/4),
			Currency: z.currency, Timezone: z.zone, PhoneNumber: fmt.Sprintf("49301%06d", c), Status: "ready"})
	}
	return s.UpsertChannels(ctx, chs)
}

// openBulk opens one raw connection to dsn, on SQLite without the safety a
// bulk load does not need.
func openBulk(ctx context.Context, dsn string, postgres bool) (*sql.DB, error) {
	driver, conn := "sqlite3", dsn+"?_busy_timeout=60000&_foreign_keys=off&_journal_mode=WAL&_synchronous=OFF"
	if postgres {
		driver, conn = "pgx", dsn
	}
	db, err := sql.Open(driver, conn)
	if err != nil {
		return nil, fmt.Errorf("storetest: bulk seed: open: %w", err)
	}
	db.SetMaxOpenConns(1)
	if !postgres {
		if _, err := db.ExecContext(ctx, "PRAGMA cache_size = -1000000"); err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("storetest: bulk seed: %w", err)
		}
	}
	return db, nil
}

// dropBulkIndexes drops bulkIndexes and returns their definitions, to
// recreate them after the load.
func dropBulkIndexes(ctx context.Context, db *sql.DB, postgres bool) (map[string]string, error) {
	defs := map[string]string{}
	for _, name := range bulkIndexes {
		q := "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = $1"
		if postgres {
			q = "SELECT indexdef FROM pg_indexes WHERE indexname = $1"
		}
		var def string
		if err := db.QueryRowContext(ctx, q, name).Scan(&def); err != nil {
			return nil, fmt.Errorf("storetest: bulk seed: index %s: %w", name, err)
		}
		if _, err := db.ExecContext(ctx, "DROP INDEX "+name); err != nil {
			return nil, fmt.Errorf("storetest: bulk seed: drop index %s: %w", name, err)
		}
		defs[name] = def
	}
	return defs, nil
}

// insertBulkPoints generates the usage points in the database, 500
// channels a statement: one bucket a day per key at 12:00 UTC, volumes as
// in appendKeys with base 1 + (c*7 + d*3) % 40.
func (sc Scale) insertBulkPoints(tb testing.TB, ctx context.Context, db *sql.DB) error {
	var keys []string
	for k, key := range scaleKeys {
		tier := "0:MAX"
		if key.pt.Free() {
			tier = ""
		}
		keys = append(keys, fmt.Sprintf("(CAST(%d AS BIGINT), '%s', '%s', '%s', '%s', CAST(%d AS BIGINT))",
			k, key.cat, key.pt, key.country, tier, key.rate))
	}
	start := sc.End.AddDate(0, 0, -sc.Days)
	first := start.Add(12 * time.Hour).Unix()
	vol := "(1 + ((CAST(SUBSTR(c.id, 3) AS BIGINT) * 7 + days.d * 3) % 40 + keys.k * 11) % 40)"
	insert := `WITH RECURSIVE days(d) AS (SELECT CAST(0 AS BIGINT) UNION ALL SELECT d + 1 FROM days WHERE d < ` + fmt.Sprint(sc.Days-1) + `),
		keys(k, category, pricing_type, country, tier, rate) AS (VALUES ` + strings.Join(keys, ", ") + `)
		INSERT INTO usage_points (channel_id, granularity, bucket_start, category, pricing_type, country, tier, bucket_end, volume, currency, cost_nanos)
		SELECT c.id, '` + string(usage.HalfHour) + `', ` + fmt.Sprint(first) + ` + days.d * 86400, keys.category, keys.pricing_type, keys.country, keys.tier,
			` + fmt.Sprint(first+1800) + ` + days.d * 86400, ` + vol + `, c.currency, ` + vol + ` * keys.rate
		FROM channels c CROSS JOIN days CROSS JOIN keys
		WHERE c.id >= $1 AND c.id < $2
		ORDER BY c.id, days.d, keys.category, keys.pricing_type, keys.country`
	const chunk = 500
	for lo := 0; lo < sc.Channels; lo += chunk {
		t0 := time.Now()
		if _, err := db.ExecContext(ctx, insert, sc.ChannelID(lo), sc.ChannelID(lo+chunk)); err != nil {
			return fmt.Errorf("storetest: bulk seed: channels %d+: %w", lo, err)
		}
		tb.Logf("storetest: bulk seed: channels %d–%d in %s", lo, min(lo+chunk, sc.Channels)-1, time.Since(t0).Round(time.Millisecond))
	}
	return nil
}
