// Package storetest gives tests a fresh, migrated store: on a SQLite file in
// the test's temporary directory, and, when INSIGHTS_TEST_POSTGRES names a
// PostgreSQL server, also in a database created for the test and dropped
// after it.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, to create and drop test databases

	"github.com/insights-dev/insights/internal/store"
)

// PostgresEnv names the environment variable holding the DSN of a PostgreSQL
// server for tests, e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
const PostgresEnv = "INSIGHTS_TEST_POSTGRES"

// Open returns a fresh migrated store on a SQLite file in t.TempDir(),
// closed when the test ends.
func Open(t testing.TB) *store.Store {
	t.Helper()
	return open(t, filepath.Join(t.TempDir(), "insights.db"))
}

// OpenPostgres returns a fresh migrated store in a new PostgreSQL database on
// the server named by adminDSN; the database is dropped when the test ends.
func OpenPostgres(t testing.TB, adminDSN string) *store.Store {
	t.Helper()
	return open(t, CreatePostgres(t, adminDSN))
}

// CreatePostgres creates an empty database on the server named by adminDSN,
// drops it when the test ends, and returns its DSN (for tests that open
// several stores on one database).
func CreatePostgres(t testing.TB, adminDSN string) string {
	t.Helper()
	return createPostgres(t, adminDSN, "")
}

// createPostgres is CreatePostgres, copying the database named template
// when it is not empty.
func createPostgres(t testing.TB, adminDSN, template string) string {
	t.Helper()
	u, err := url.Parse(adminDSN)
	if err != nil {
		t.Fatalf("storetest: %s is not a URL: %v", PostgresEnv, err)
	}
	name := "insights_test_" + randomHex(t, 8)
	create := "CREATE DATABASE " + name
	if template != "" {
		create += " TEMPLATE " + template
	}
	if err := execAdmin(adminDSN, create); err != nil {
		t.Fatalf("storetest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := dropDatabase(adminDSN, name); err != nil {
			t.Error(err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// ForEachDB runs fn as a subtest on SQLite and, when INSIGHTS_TEST_POSTGRES
// is set, on PostgreSQL; each gets a fresh migrated store. Without the
// variable it logs, once per test, that PostgreSQL was skipped.
func ForEachDB(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, Open(t)) })
	dsn := os.Getenv(PostgresEnv)
	if dsn == "" {
		t.Logf("storetest: PostgreSQL skipped: %s is not set", PostgresEnv)
		return
	}
	t.Run("postgres", func(t *testing.T) { fn(t, OpenPostgres(t, dsn)) })
}

// open returns the store at dsn, migrated, closed when the test ends.
func open(t testing.TB, dsn string) *store.Store {
	t.Helper()
	s := openOnly(t, dsn)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("storetest: migrate: %v", err)
	}
	return s
}

// openOnly opens the store at dsn as it is, without migrating it, and closes
// it when the test ends.
func openOnly(t testing.TB, dsn string) *store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := store.Open(ctx, dsn, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("storetest: open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("storetest: close: %v", err)
		}
	})
	return s
}

func randomHex(t testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("storetest: random name: %v", err)
	}
	return hex.EncodeToString(b)
}
