package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/simulator"
	"github.com/insights-dev/insights/internal/store"
)

// Seeding a simulator's months of half-hour data is the slow part of many
// tests, and several tests of one binary seed the same data. OpenSeeded
// seeds each (configuration, from, to) once per test binary into a template
// (a SQLite file, a PostgreSQL template database) and gives every test its
// own copy of it.
//
// templates holds the templates of this test binary; Main removes them.
var templates = struct {
	sync.Mutex
	main   bool // Main is running the tests
	dir    string
	byKey  map[string]*template
	pgCopy sync.Mutex // CREATE DATABASE … TEMPLATE refuses a template in use by another copy
}{byKey: map[string]*template{}}

// template is the seeded data of one key, on SQLite and, once asked for, on
// PostgreSQL.
type template struct {
	cfg      simulator.Config
	from, to time.Time

	sqliteOnce sync.Once
	sqlitePath string
	sqliteErr  error

	pgOnce  sync.Once
	pgAdmin string // the admin DSN the template database lives on
	pgName  string
	pgErr   error
}

// Main runs a test binary's tests (call it from TestMain) and then removes
// the templates OpenSeeded made: the SQLite files and the PostgreSQL
// template databases.
func Main(m *testing.M) int {
	templates.Lock()
	templates.main = true
	templates.Unlock()
	code := m.Run()
	if err := removeTemplates(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

func removeTemplates() error {
	templates.Lock()
	defer templates.Unlock()
	var errs []error
	for _, tp := range templates.byKey {
		if tp.pgName != "" {
			errs = append(errs, dropDatabase(tp.pgAdmin, tp.pgName))
		}
	}
	if templates.dir != "" {
		errs = append(errs, os.RemoveAll(templates.dir))
	}
	return errors.Join(errs...)
}

// OpenSeeded returns a store on a SQLite file of its own holding what
// SeedFromSimulator stores for simulator.New(cfg) over [from, to). cfg.Now
// must be a fixed clock (the data depends on it). The package's TestMain
// must call Main.
func OpenSeeded(t testing.TB, cfg simulator.Config, from, to time.Time) *store.Store {
	t.Helper()
	tp := templateFor(t, cfg, from, to)
	tp.sqliteOnce.Do(tp.seedSQLite)
	if tp.sqliteErr != nil {
		t.Fatalf("storetest: seed template: %v", tp.sqliteErr)
	}
	path := filepath.Join(t.TempDir(), "insights.db")
	if err := copyFile(tp.sqlitePath, path); err != nil {
		t.Fatalf("storetest: copy template: %v", err)
	}
	return openOnly(t, path)
}

// OpenSeededPostgres is OpenSeeded on a new PostgreSQL database on the
// server named by adminDSN, created from the template database and dropped
// when the test ends.
func OpenSeededPostgres(t testing.TB, adminDSN string, cfg simulator.Config, from, to time.Time) *store.Store {
	t.Helper()
	tp := templateFor(t, cfg, from, to)
	tp.pgOnce.Do(func() { tp.seedPostgres(adminDSN) })
	if tp.pgErr != nil {
		t.Fatalf("storetest: seed template: %v", tp.pgErr)
	}
	if tp.pgAdmin != adminDSN {
		t.Fatalf("storetest: the template of this data lives on another server than %s", PostgresEnv)
	}
	templates.pgCopy.Lock()
	dsn := createPostgres(t, adminDSN, tp.pgName)
	templates.pgCopy.Unlock()
	return openOnly(t, dsn)
}

// ForEachSeededDB is ForEachDB with stores from OpenSeeded and
// OpenSeededPostgres.
func ForEachSeededDB(t *testing.T, cfg simulator.Config, from, to time.Time, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, OpenSeeded(t, cfg, from, to)) })
	dsn := os.Getenv(PostgresEnv)
	if dsn == "" {
		t.Logf("storetest: PostgreSQL skipped: %s is not set", PostgresEnv)
		return
	}
	t.Run("postgres", func(t *testing.T) { fn(t, OpenSeededPostgres(t, dsn, cfg, from, to)) })
}

// templateFor returns the template of (cfg, from, to), registering it on
// first use.
func templateFor(t testing.TB, cfg simulator.Config, from, to time.Time) *template {
	t.Helper()
	if cfg.Now == nil {
		t.Fatal("storetest: OpenSeeded needs a fixed clock in cfg.Now")
	}
	templates.Lock()
	defer templates.Unlock()
	if !templates.main {
		t.Fatal("storetest: OpenSeeded needs the package's TestMain to call storetest.Main")
	}
	key := fmt.Sprintf("%q %q seed=%d clients=%d history=%s perWABA=%d nolimits=%t now=%s from=%s to=%s",
		cfg.PartnerID, cfg.APIKey, cfg.Seed, cfg.Clients, cfg.History, cfg.ChannelsPerWABA, cfg.DisableRateLimits,
		cfg.Now().UTC().Format(time.RFC3339Nano), from.UTC().Format(time.RFC3339Nano), to.UTC().Format(time.RFC3339Nano))
	tp, ok := templates.byKey[key]
	if !ok {
		tp = &template{cfg: cfg, from: from, to: to}
		templates.byKey[key] = tp
	}
	return tp
}

// seedSQLite seeds the template file, then checkpoints and closes it so a
// plain file copy is a complete database.
func (tp *template) seedSQLite() {
	templates.Lock()
	if templates.dir == "" {
		templates.dir, tp.sqliteErr = os.MkdirTemp("", "insights-storetest-")
	}
	dir := templates.dir
	templates.Unlock()
	if tp.sqliteErr != nil {
		return
	}
	path := filepath.Join(dir, "template-"+randomSuffix()+".db")
	if err := tp.seed(path); err != nil {
		tp.sqliteErr = err
		return
	}
	if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > 0 {
		tp.sqliteErr = fmt.Errorf("template %s: write-ahead log left after close", path)
		return
	}
	tp.sqlitePath = path
}

// seedPostgres creates and seeds the template database on adminDSN's
// server; its store is closed, as CREATE DATABASE … TEMPLATE requires.
func (tp *template) seedPostgres(adminDSN string) {
	u, err := url.Parse(adminDSN)
	if err != nil {
		tp.pgErr = fmt.Errorf("%s is not a URL: %w", PostgresEnv, err)
		return
	}
	name := "insights_tmpl_" + randomSuffix()
	if err := execAdmin(adminDSN, "CREATE DATABASE "+name); err != nil {
		tp.pgErr = fmt.Errorf("create template database: %w", err)
		return
	}
	// Registered before seeding, so Main drops it even when seeding fails.
	templates.Lock()
	tp.pgAdmin, tp.pgName = adminDSN, name
	templates.Unlock()
	u.Path = "/" + name
	tp.pgErr = tp.seed(u.String())
}

// seed migrates the database at dsn, stores the simulator's data in it and
// closes it.
func (tp *template) seed(dsn string) (err error) {
	ctx := context.Background()
	s, err := store.Open(ctx, dsn, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, s.Close()) }()
	if err := s.Migrate(ctx); err != nil {
		return err
	}
	if err := seedSimulator(ctx, s, simulator.New(tp.cfg), tp.from, tp.to); err != nil {
		return err
	}
	if done, err := s.CheckpointWAL(ctx); err != nil || !done {
		return errors.Join(errors.New("checkpoint of the template did not finish"), err)
	}
	return nil
}

func copyFile(from, to string) (err error) {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, dst.Close()) }()
	_, err = io.Copy(dst, src)
	return err
}

// execAdmin runs one statement on the server's admin database.
func execAdmin(adminDSN, stmt string) error {
	admin, err := sql.Open("pgx", adminDSN)
	if err != nil {
		return err
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = admin.ExecContext(ctx, stmt)
	return err
}

func dropDatabase(adminDSN, name string) error {
	if err := execAdmin(adminDSN, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("storetest: drop database %s: %w", name, err)
	}
	return nil
}

// randomSuffix names a template uniquely (test binaries run side by side).
func randomSuffix() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}
