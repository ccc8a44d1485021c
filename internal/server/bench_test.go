package server_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/server"
	"github.com/insights-dev/insights/internal/spend"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
)

// benchScale is the database of the recorded benchmarks: 1,000 channels of
// 50 clients with one year of daily data.
var benchScale = storetest.Scale{Clients: 50, Channels: 1000, Days: 365, End: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)}

// measure runs fn b.N times and reports the median and 95th percentile.
func measure(b *testing.B, fn func()) {
	b.Helper()
	d := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t := time.Now()
		fn()
		d = append(d, time.Since(t))
	}
	b.StopTimer()
	p50, p95 := percentiles(d)
	b.ReportMetric(p50, "p50-ms")
	b.ReportMetric(p95, "p95-ms")
}

// percentiles returns the median and the 95th percentile of d in ms.
func percentiles(d []time.Duration) (p50, p95 float64) {
	d = slices.Clone(d)
	slices.Sort(d)
	ms := func(x time.Duration) float64 { return float64(x.Microseconds()) / 1000 }
	return ms(d[len(d)/2]), ms(d[(len(d)*95)/100])
}

// forEachBenchDB runs fn on the scale database in SQLite and, when
// INSIGHTS_TEST_POSTGRES is set, in PostgreSQL.
func forEachBenchDB(b *testing.B, fn func(b *testing.B, st *store.Store)) {
	forEachScaleDB(b, benchScale, fn)
}

// forEachScaleDB is forEachBenchDB on the scale database sc.
func forEachScaleDB(b *testing.B, sc storetest.Scale, fn func(b *testing.B, st *store.Store)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, storetest.OpenScale(b, sc)) })
	if dsn := os.Getenv(storetest.PostgresEnv); dsn != "" {
		b.Run("postgres", func(b *testing.B) { fn(b, storetest.OpenScalePostgres(b, dsn, sc)) })
	}
}

// BenchmarkUsageAPI30Days times GET /api/v1/usage for 30 days over all
// clients beside the store query behind it.
func BenchmarkUsageAPI30Days(b *testing.B) {
	forEachBenchDB(b, func(b *testing.B, st *store.Store) {
		h := server.New(server.Options{Store: st, AllowAnonymous: true, Logger: slog.New(slog.DiscardHandler)}).Handler()
		from, to := time.Date(2026, 10, 21, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
		b.Run("query", func(b *testing.B) {
			measure(b, func() {
				rows, err := st.QueryUsage(context.Background(), store.AllClients(), store.UsageFilter{Start: from, End: to})
				if err != nil || len(rows) == 0 {
					b.Fatalf("query: %d rows, %v", len(rows), err)
				}
			})
		})
		b.Run("api", func(b *testing.B) {
			measure(b, func() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/usage?from=2026-10-21&to=2026-11-19", nil))
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
				}
			})
		})
	})
}

// BenchmarkPages times the server-side render of a client's Insights view
// for 90 days at day granularity and of the partner overview for 30 days,
// each beside the store aggregate behind it, on the scale database.
func BenchmarkPages(b *testing.B) {
	forEachBenchDB(b, func(b *testing.B, st *store.Store) { benchPages(b, st, benchScale) })
}

// benchPages times the two pages and their aggregates on st, seeded with sc
// (data up to 2026-11-20, at least 90 days).
func benchPages(b *testing.B, st *store.Store, sc storetest.Scale) {
	forecasts := spend.NewForecastCache(spend.ForecastCacheSize)
	h := server.New(server.Options{Store: st, AllowAnonymous: true, Logger: slog.New(slog.DiscardHandler), Forecasts: forecasts,
		Now: func() time.Time { return sc.End.Add(-time.Hour) }}).Handler()
	client := sc.ClientID(0)
	berlin, err := time.LoadLocation(sc.ClientZone(0))
	if err != nil {
		b.Fatal(err)
	}
	pages := []struct {
		name, path string
		filter     store.UsageFilter
	}{
		{"client-90d", "/clients/" + client + "?from=2026-08-22&to=2026-11-19&granularity=day&tz=UTC",
			store.UsageFilter{Start: time.Date(2026, 8, 22, 0, 0, 0, 0, time.UTC), End: sc.End, ClientIDs: []string{client}, GroupBy: []usage.GroupField{usage.ByCategory}}},
		// The same view in the client's own zone (the default; Europe/Berlin).
		{"client-90d-own-zone", "/clients/" + client + "?from=2026-08-22&to=2026-11-19&granularity=day",
			store.UsageFilter{Start: time.Date(2026, 8, 22, 0, 0, 0, 0, berlin), End: time.Date(2026, 11, 20, 0, 0, 0, 0, berlin),
				ClientIDs: []string{client}, GroupBy: []usage.GroupField{usage.ByCategory}, DayZone: berlin}},
		{"overview-30d", "/?from=2026-10-21&to=2026-11-19&tz=UTC",
			store.UsageFilter{Start: time.Date(2026, 10, 21, 0, 0, 0, 0, time.UTC), End: sc.End, GroupBy: []usage.GroupField{usage.ByClient}}},
	}
	for _, p := range pages {
		// Each iteration times, one right after the other, the raw
		// aggregate (QueryUsage over the raw points), the same aggregate as
		// the page reads it from the rollups, the page, and the page with
		// its forecast computed again (cold: as after new usage arrived):
		// the ratios compare measurements taken under the same load of
		// this shared machine.
		b.Run(p.name, func(b *testing.B) {
			rollup := p.filter
			rollup.DailyOK = true
			var raw, roll, page, cold []time.Duration
			timed := func(out *[]time.Duration, fn func()) {
				t := time.Now()
				fn()
				*out = append(*out, time.Since(t))
			}
			get := func(h http.Handler) {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p.path, nil))
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %.500s", rec.Code, rec.Body.String())
				}
			}
			query := func(f store.UsageFilter) func() {
				return func() {
					if rows, err := st.QueryUsage(context.Background(), store.AllClients(), f); err != nil || len(rows) == 0 {
						b.Fatalf("query: %d rows, %v", len(rows), err)
					}
				}
			}
			b.ResetTimer()
			for range b.N {
				timed(&raw, query(p.filter))
				timed(&roll, query(rollup))
				timed(&page, func() { get(h) })
				forecasts.Clear()
				timed(&cold, func() { get(h) })
			}
			b.StopTimer()
			q50, _ := percentiles(raw)
			r50, _ := percentiles(roll)
			p50, p95 := percentiles(page)
			c50, _ := percentiles(cold)
			b.ReportMetric(q50, "raw-ms")
			b.ReportMetric(r50, "rollup-ms")
			b.ReportMetric(p50, "page-ms")
			b.ReportMetric(p95, "page-p95-ms")
			b.ReportMetric(c50, "cold-page-ms")
			b.ReportMetric(p50/q50, "page/raw")
			b.ReportMetric(c50/q50, "cold/raw")
		})
	}
}

// scale10k is a large partner: 10,000 channels of 500 clients with one year
// of daily data (21.9 million usage rows), seeded in bulk.
var scale10k = storetest.Scale{Clients: 500, Channels: 10000, Days: 365, Bulk: true,
	End: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)}

// BenchmarkScale10k is BenchmarkPages on scale10k. It is opt-in: seeding
// takes minutes per database (the SQLite file is cached in the temp
// directory, PostgreSQL is seeded each run). Run it with make bench-scale.
func BenchmarkScale10k(b *testing.B) {
	if os.Getenv("INSIGHTS_BENCH_10K") != "1" {
		b.Skip("10,000-channel benchmark skipped: set INSIGHTS_BENCH_10K=1 (make bench-scale); seeding takes minutes")
	}
	forEachScaleDB(b, scale10k, func(b *testing.B, st *store.Store) { benchPages(b, st, scale10k) })
}
