package storetest

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
)

// TestSeedBulkMatchesSeed checks that a bulk seed stores the same points
// and rollups as the per-channel Seed, on both databases.
func TestSeedBulkMatchesSeed(t *testing.T) {
	sc := Scale{Clients: 3, Channels: 7, Days: 4, End: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)}
	bulk := sc
	bulk.Bulk = true
	ctx := context.Background()
	compare := func(t *testing.T, want, got *store.Store) {
		t.Helper()
		for _, f := range []store.UsageFilter{
			{GroupBy: usage.AllGroupFields},
			{GroupBy: usage.AllGroupFields, DailyOK: true},
			{GroupBy: []usage.GroupField{usage.ByClient}, DailyOK: true},
		} {
			f.Start, f.End = sc.End.AddDate(0, 0, -sc.Days-1), sc.End
			w, err := want.QueryUsage(ctx, store.AllClients(), f)
			if err != nil {
				t.Fatal(err)
			}
			g, err := got.QueryUsage(ctx, store.AllClients(), f)
			if err != nil {
				t.Fatal(err)
			}
			if len(w) != 7*4*6 && len(f.GroupBy) > 1 || len(w) == 0 {
				t.Fatalf("seed: %d rows", len(w))
			}
			if !reflect.DeepEqual(g, w) {
				t.Errorf("daily %v groups %v: bulk seed\n%v\nwant\n%v", f.DailyOK, f.GroupBy, g, w)
			}
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		want := Open(t)
		if err := sc.Seed(ctx, want); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "bulk.db")
		got := open(t, path)
		if err := bulk.seed(t, ctx, got, path); err != nil {
			t.Fatal(err)
		}
		compare(t, want, got)
	})
	dsn := os.Getenv(PostgresEnv)
	if dsn == "" {
		t.Logf("storetest: PostgreSQL skipped: %s is not set", PostgresEnv)
		return
	}
	t.Run("postgres", func(t *testing.T) {
		want := OpenPostgres(t, dsn)
		if err := sc.Seed(ctx, want); err != nil {
			t.Fatal(err)
		}
		got := OpenScalePostgres(t, dsn, bulk)
		compare(t, want, got)
	})
}
