package storetest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/insights-dev/insights/internal/store"
)

// ForEachDBShared runs fn as a subtest on SQLite and, when
// INSIGHTS_TEST_POSTGRES is set, on PostgreSQL, each time with n separate,
// migrated store handles on ONE fresh database: what n processes or replicas
// of Insights see. The handles are closed when the subtest ends.
func ForEachDBShared(t *testing.T, n int, fn func(t *testing.T, stores []*store.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "insights.db")
		fn(t, openN(t, path, n))
	})
	dsn := os.Getenv(PostgresEnv)
	if dsn == "" {
		t.Logf("storetest: PostgreSQL skipped: %s is not set", PostgresEnv)
		return
	}
	t.Run("postgres", func(t *testing.T) { fn(t, openN(t, CreatePostgres(t, dsn), n)) })
}

func openN(t *testing.T, dsn string, n int) []*store.Store {
	t.Helper()
	stores := make([]*store.Store, n)
	for i := range stores {
		stores[i] = open(t, dsn)
	}
	return stores
}
