package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
)

// Scale describes a synthetic partner for benchmarks: Channels spread over
// Clients (in four currencies and zones), each with one year of data.
type Scale struct {
	Clients  int
	Channels int
	Days     int
	// End is the first day after the data (UTC midnight).
	End time.Time
	// HalfHours is how many consecutive half-hour buckets of each key a
	// channel has per day (centred on 12:00 UTC); 0 means 1, daily data's
	// row count. Real traffic fills most half hours of a day.
	HalfHours int
	// Bulk seeds the usage points with bulk SQL generated in the database
	// and rebuilds the rollups once, instead of one SaveUsageWindow per
	// channel (daily profile only; see seedBulk).
	Bulk bool
}

var scaleZones = []struct{ zone, currency string }{
	{"Europe/Berlin", "EUR"}, {"America/New_York", "USD"}, {"Asia/Kolkata", "INR"}, {"America/Sao_Paulo", "BRL"},
}

var scaleKeys = []struct {
	cat     usage.Category
	pt      usage.PricingType
	country string
	rate    int64
}{
	{usage.CategoryMarketing, usage.PricingRegular, "DE", 136_500_000},
	{usage.CategoryMarketing, usage.PricingRegular, "AT", 125_000_000},
	{usage.CategoryUtility, usage.PricingRegular, "DE", 45_600_000},
	{usage.CategoryAuthentication, usage.PricingRegular, "DE", 40_000_000},
	{usage.CategoryService, usage.PricingFreeCustomerService, "DE", 0},
	{usage.CategoryMarketingLite, usage.PricingRegular, "AT", 120_000_000},
}

// ClientZone is the time zone of client i.
func (sc Scale) ClientZone(i int) string { return scaleZones[i%len(scaleZones)].zone }

// ClientID and ChannelID name the synthetic partner's ids.
func (sc Scale) ClientID(i int) string  { return fmt.Sprintf("cl%04d", i) }
func (sc Scale) ChannelID(i int) string { return fmt.Sprintf("ch%05d", i) }

// Seed writes the synthetic partner: per channel and day HalfHours
// half-hour buckets (one, at 12:00 UTC, by default) for each of six
// category/type/country keys: Channels × Days × 6 × HalfHours rows.
func (sc Scale) Seed(ctx context.Context, s *store.Store) error {
	var clients []store.Client
	for i := range sc.Clients {
		clients = append(clients, store.Client{ID: sc.ClientID(i), Name: fmt.Sprintf("Client %d", i), Timezone: sc.ClientZone(i), Status: "active"})
	}
	if err := s.UpsertClients(ctx, clients); err != nil {
		return err
	}
	start := sc.End.AddDate(0, 0, -sc.Days)
	slots := max(sc.HalfHours, 1)
	first := 12*time.Hour - time.Duration(slots/2)*30*time.Minute
	for c := range sc.Channels {
		ci := c % sc.Clients
		z := scaleZones[ci%len(scaleZones)]
		ch := store.Channel{ID: sc.ChannelID(c), ClientID: sc.ClientID(ci), WABAID: fmt.Sprintf("waba%04d", c/4),
			Currency: z.currency, Timezone: z.zone, PhoneNumber: fmt.Sprintf("49301%06d", c), Status: "ready"}
		if err := s.UpsertChannels(ctx, []store.Channel{ch}); err != nil {
			return err
		}
		pts := make([]usage.Point, 0, sc.Days*len(scaleKeys)*slots)
		for d := range sc.Days {
			for h := range slots {
				b := start.AddDate(0, 0, d).Add(first + time.Duration(h)*30*time.Minute)
				pts = sc.appendKeys(pts, ch.ID, z.currency, b, int64(1+(c*7+d*3+h*5)%40))
			}
		}
		w := store.UsageWindow{ChannelID: ch.ID, Start: start, End: sc.End, Granularity: usage.HalfHour, Points: pts}
		if err := s.SaveUsageWindow(ctx, w); err != nil {
			return fmt.Errorf("seed channel %s: %w", ch.ID, err)
		}
	}
	return nil
}

// appendKeys adds one bucket of every key, with volumes derived from base.
func (sc Scale) appendKeys(pts []usage.Point, channelID, currency string, b time.Time, base int64) []usage.Point {
	for k, key := range scaleKeys {
		vol := 1 + (base-1+int64(k*11))%40
		tier := "0:MAX"
		if key.pt.Free() {
			tier = ""
		}
		pts = append(pts, usage.Point{ChannelID: channelID, Start: b, End: b.Add(30 * time.Minute), Granularity: usage.HalfHour,
			Category: key.cat, PricingType: key.pt, Country: key.country, Tier: tier, Volume: vol,
			Currency: currency, CostNanos: vol * key.rate, CostKnown: true})
	}
	return pts
}

// OpenScale returns a store holding sc on SQLite. The seeded file is kept in
// the system temp directory and reused by later runs (seeding a year for a
// thousand channels takes a while); delete it to force a fresh seed.
func OpenScale(tb testing.TB, sc Scale) *store.Store {
	tb.Helper()
	ctx := context.Background()
	hh := ""
	if sc.HalfHours > 1 {
		hh = fmt.Sprintf("-%dhh", sc.HalfHours)
	}
	name := fmt.Sprintf("insights-bench-%dcl-%dch-%dd%s-%s-v2.db", sc.Clients, sc.Channels, sc.Days, hh, sc.End.Format("20060102"))
	if sc.Bulk {
		name = fmt.Sprintf("insights-bench-%dcl-%dch-%dd%s-%s-bulk-v3.db", sc.Clients, sc.Channels, sc.Days, hh, sc.End.Format("20060102"))
	}
	path := filepath.Join(os.TempDir(), name)
	_, statErr := os.Stat(path + ".done")
	s, err := store.Open(ctx, path, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatalf("storetest: open %s: %v", path, err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(ctx); err != nil {
		tb.Fatalf("storetest: migrate: %v", err)
	}
	if statErr == nil {
		return s
	}
	tb.Logf("storetest: seeding %d channels × %d days into %s (once)", sc.Channels, sc.Days, path)
	if err := sc.seed(tb, ctx, s, path); err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	if err := os.WriteFile(path+".done", nil, 0o644); err != nil {
		tb.Fatal(err)
	}
	return s
}

// OpenScalePostgres seeds sc into a fresh PostgreSQL database (dropped after).
func OpenScalePostgres(tb testing.TB, adminDSN string, sc Scale) *store.Store {
	tb.Helper()
	if os.Getenv(KeepPostgresEnv) == "1" {
		return openKeptScalePostgres(tb, adminDSN, sc)
	}
	dsn := CreatePostgres(tb, adminDSN)
	s := open(tb, dsn)
	if sc.Bulk {
		tb.Logf("storetest: seeding %d channels × %d days into PostgreSQL", sc.Channels, sc.Days)
	}
	if err := sc.seed(tb, context.Background(), s, dsn); err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	return s
}

// seed writes sc into s, with seedBulk over dsn when sc.Bulk.
func (sc Scale) seed(tb testing.TB, ctx context.Context, s *store.Store, dsn string) error {
	if sc.Bulk {
		return sc.seedBulk(tb, ctx, s, dsn)
	}
	return sc.Seed(ctx, s)
}

// KeepPostgresEnv, set to 1, makes OpenScalePostgres keep the seeded
// database (named after the scale) for later runs instead of dropping it,
// as OpenScale keeps its SQLite file: seeding 10,000 channels takes a
// quarter of an hour. Drop it with DROP DATABASE when done.
const KeepPostgresEnv = "INSIGHTS_BENCH_KEEP_PG"

// openKeptScalePostgres opens the kept database of sc, creating and
// seeding it first when it does not exist or was not seeded to the end.
func openKeptScalePostgres(tb testing.TB, adminDSN string, sc Scale) *store.Store {
	tb.Helper()
	ctx := context.Background()
	name := fmt.Sprintf("insights_bench_%dcl_%dch_%dd_%dhh_%s", sc.Clients, sc.Channels, sc.Days, sc.HalfHours, sc.End.Format("20060102"))
	if sc.Bulk {
		name += "_bulk"
	}
	admin, err := sql.Open("pgx", adminDSN)
	if err != nil {
		tb.Fatalf("storetest: connect to postgres: %v", err)
	}
	defer admin.Close()
	u, err := url.Parse(adminDSN)
	if err != nil {
		tb.Fatalf("storetest: %s is not a URL: %v", PostgresEnv, err)
	}
	u.Path = "/" + name
	dsn := u.String()
	var exists bool
	if err := admin.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		tb.Fatalf("storetest: connect to %s: %v", name, err)
	}
	defer db.Close()
	if exists {
		var seeded bool
		if err := db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_name = 'storetest_seeded')").Scan(&seeded); err != nil {
			tb.Fatalf("storetest: %v", err)
		}
		if seeded {
			tb.Logf("storetest: reusing the seeded PostgreSQL database %s", name)
			return open(tb, dsn)
		}
		if _, err := admin.ExecContext(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			tb.Fatalf("storetest: drop the half-seeded %s: %v", name, err)
		}
	}
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("storetest: create database %s: %v", name, err)
	}
	s := open(tb, dsn)
	tb.Logf("storetest: seeding %d channels × %d days into PostgreSQL %s (kept)", sc.Channels, sc.Days, name)
	if err := sc.seed(tb, ctx, s, dsn); err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	if _, err := db.ExecContext(ctx, "CREATE TABLE storetest_seeded (at TIMESTAMP DEFAULT now())"); err != nil {
		tb.Fatalf("storetest: mark %s seeded: %v", name, err)
	}
	return s
}
