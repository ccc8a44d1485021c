package storetest

import (
	"context"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/simulator"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// TestOpenSeededIsACopyOfTheSeed checks that OpenSeeded gives each test the
// data SeedFromSimulator stores, in a database of its own: what one test
// writes, another does not see. On both databases.
func TestOpenSeededIsACopyOfTheSeed(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	cfg := simulator.Config{Seed: 7, Clients: 2, Now: func() time.Time { return now }}
	from, to := now.AddDate(0, 0, -2), now
	ctx := context.Background()
	usageOf := func(t *testing.T, s *store.Store) []usage.Row {
		t.Helper()
		rows, err := s.QueryUsage(ctx, store.AllClients(), store.UsageFilter{Start: from, End: to, GroupBy: usage.AllGroupFields})
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	clientsOf := func(t *testing.T, s *store.Store) int {
		t.Helper()
		cl, err := s.ListClients(ctx, store.AllClients())
		if err != nil {
			t.Fatal(err)
		}
		return len(cl)
	}
	check := func(t *testing.T, want, first, second *store.Store) {
		t.Helper()
		w := usageOf(t, want)
		if len(w) == 0 {
			t.Fatal("the seed stored no usage")
		}
		for i, s := range []*store.Store{first, second} {
			if got := usageOf(t, s); !reflect.DeepEqual(got, w) {
				t.Errorf("copy %d: usage\n%v\nwant\n%v", i+1, got, w)
			}
		}
		n := clientsOf(t, second)
		if err := first.UpsertClients(ctx, []store.Client{{ID: "only-in-first", Name: "Only in first", Timezone: "UTC", Status: "active"}}); err != nil {
			t.Fatal(err)
		}
		if got := clientsOf(t, second); got != n {
			t.Errorf("the second copy has %d clients after a write to the first, want %d", got, n)
		}
		if got := clientsOf(t, first); got != n+1 {
			t.Errorf("the first copy has %d clients after its write, want %d", got, n+1)
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		want := Open(t)
		SeedFromSimulator(t, want, simulator.New(cfg), from, to)
		check(t, want, OpenSeeded(t, cfg, from, to), OpenSeeded(t, cfg, from, to))
	})
	dsn := os.Getenv(PostgresEnv)
	if dsn == "" {
		t.Logf("storetest: PostgreSQL skipped: %s is not set", PostgresEnv)
		return
	}
	t.Run("postgres", func(t *testing.T) {
		want := OpenPostgres(t, dsn)
		SeedFromSimulator(t, want, simulator.New(cfg), from, to)
		check(t, want, OpenSeededPostgres(t, dsn, cfg, from, to), OpenSeededPostgres(t, dsn, cfg, from, to))
	})
}
