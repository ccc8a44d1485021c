package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3" // the "sqlite3" database/sql driver for the plain baseline

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
)

// benchDays × 48 half hours × benchKeys points make one benchmark window,
// about what a two-day "recent" poll of a busy channel returns.
const (
	benchDays = 2
	benchKeys = 10
)

// benchPoints returns the points of window i: fresh buckets each time, so
// every iteration inserts new rows.
func benchPoints(ch string, i int) (start, end time.Time, pts []usage.Point) {
	cats := []usage.Category{usage.CategoryMarketing, usage.CategoryUtility, usage.CategoryAuthentication,
		usage.CategoryService, usage.CategoryMarketingLite}
	countries := []string{"DE", "AT"}
	start = day0.AddDate(0, 0, -benchDays*(i+1))
	end = start.AddDate(0, 0, benchDays)
	for t := start; t.Before(end); t = t.Add(30 * time.Minute) {
		for k := range benchKeys {
			pts = append(pts, usage.Point{ChannelID: ch, Start: t, End: t.Add(30 * time.Minute),
				Granularity: usage.HalfHour, Category: cats[k%len(cats)], PricingType: usage.PricingRegular,
				Country: countries[k/len(cats)%len(countries)], Tier: "0:MAX", Volume: int64(k + 1),
				Currency: "EUR", CostNanos: int64(k+1) * 110_000_000, CostKnown: true})
		}
	}
	return start, end, pts
}

func BenchmarkSaveUsageWindow(b *testing.B) {
	run := func(b *testing.B, s *store.Store) {
		ctx := context.Background()
		seedB(b, s)
		windows := make([]store.UsageWindow, b.N)
		for i := range windows {
			start, end, pts := benchPoints("ch1", i)
			windows[i] = store.UsageWindow{ChannelID: "ch1", Start: start, End: end, Granularity: usage.HalfHour, Points: pts}
		}
		b.ResetTimer()
		for i := range b.N {
			if err := s.SaveUsageWindow(ctx, windows[i]); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*len(windows[0].Points))/b.Elapsed().Seconds(), "points/s")
	}
	b.Run("sqlite", func(b *testing.B) { run(b, storetest.Open(b)) })
	if dsn := os.Getenv(storetest.PostgresEnv); dsn != "" {
		b.Run("postgres", func(b *testing.B) { run(b, storetest.OpenPostgres(b, dsn)) })
	}
}

// BenchmarkPlainInsert writes the same rows as BenchmarkSaveUsageWindow on
// SQLite through one prepared INSERT per row in a transaction on
// database/sql, as the baseline that GORM's batched upsert is measured against.
func BenchmarkPlainInsert(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "plain.db")
	s, err := store.Open(ctx, path, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	seedB(b, s)
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	db, err := sql.Open("sqlite3", path+"?_journal_mode=WAL&_busy_timeout=5000&_foreign_keys=on&_synchronous=NORMAL")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)

	windows := make([][]usage.Point, b.N)
	for i := range windows {
		_, _, windows[i] = benchPoints("ch1", i)
	}
	b.ResetTimer()
	for i := range b.N {
		if err := plainInsert(ctx, db, windows[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(windows[0]))/b.Elapsed().Seconds(), "points/s")
}

func plainInsert(ctx context.Context, db *sql.DB, pts []usage.Point) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO usage_points (channel_id, granularity, bucket_start, category,
		pricing_type, country, tier, bucket_end, volume, currency, cost_nanos) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, p := range pts {
		if _, err := stmt.ExecContext(ctx, p.ChannelID, string(p.Granularity), p.Start.Unix(), string(p.Category),
			string(p.PricingType), p.Country, p.Tier, p.End.Unix(), p.Volume, p.Currency, p.CostNanos); err != nil {
			return fmt.Errorf("insert: %w", err)
		}
	}
	return tx.Commit()
}

// seedB is seed for benchmarks.
func seedB(b *testing.B, s *store.Store) {
	b.Helper()
	ctx := context.Background()
	if err := s.UpsertClients(ctx, []store.Client{{ID: "c1", Name: "Acme", Timezone: "Europe/Berlin"}}); err != nil {
		b.Fatal(err)
	}
	if err := s.UpsertChannels(ctx, []store.Channel{{ID: "ch1", ClientID: "c1", WABAID: "w1", Currency: "EUR"}}); err != nil {
		b.Fatal(err)
	}
}

// denseScale has a point for every half hour of the day (the scale
// databases have one a day, at noon): 50 channels of 5 clients, 100 days,
// 1.44 million raw rows.
var denseScale = storetest.Scale{Clients: 5, Channels: 50, Days: 100, HalfHours: 48, End: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)}

// BenchmarkDenseClientDays reads a client's 90 days by day on denseScale:
// from the raw points, from the client's local-day rollup (its own zone),
// and folded from UTC days with the raw hours around local midnight (a zone
// the client does not keep, and any channel's view).
func BenchmarkDenseClientDays(b *testing.B) {
	st := storetest.OpenScale(b, denseScale)
	ctx := context.Background()
	berlin, err := time.LoadLocation(denseScale.ClientZone(0))
	if err != nil {
		b.Fatal(err)
	}
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		loc   *time.Location
		daily bool
	}{{"raw", berlin, false}, {"own-zone", berlin, true}, {"other-zone-folded", tokyo, true}} {
		f := store.UsageFilter{Start: time.Date(2026, 8, 22, 0, 0, 0, 0, c.loc), End: time.Date(2026, 11, 20, 0, 0, 0, 0, c.loc),
			ClientIDs: []string{denseScale.ClientID(0)}, GroupBy: []usage.GroupField{usage.ByCategory}, DailyOK: c.daily, DayZone: c.loc}
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if rows, err := st.QueryUsage(ctx, store.AllClients(), f); err != nil || len(rows) == 0 {
					b.Fatalf("%d rows, %v", len(rows), err)
				}
			}
		})
	}
}
