package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"gorm.io/gorm"
)

// migrationFiles holds the literal SQL of every schema step, one file per
// step and dialect: migrations/sqlite/<file> and migrations/postgres/<file>.
// A released file is frozen (TestReleasedMigrationsUnchanged): its SQL is
// never built from, or shared with, the code that runs at run time, so a
// later change to that code cannot change what an old step did.
//
//go:embed migrations
var migrationFiles embed.FS

// migration is one versioned schema step: the statements of file, then
// backfill when set, in one transaction together with the row that records
// the step.
type migration struct {
	version int64
	name    string
	file    string
	// backfill fills data that SQL alone cannot, after the step's SQL and
	// in its transaction. It may only use the schema as of this step.
	backfill func(ctx context.Context, tx *gorm.DB) error
}

// migrations lists every schema step in order. Append only: a released step
// is never edited, a change is a new step. A new step is a row here (the
// next version, its name, its file) and its SQL written out literally, once
// per dialect, in migrations/sqlite/<file> and migrations/postgres/<file>
// (no helpers: the dialect differences, such as WITHOUT ROWID, auto-increment
// keys and INCLUDE columns, are spelled out in each file); its two sha256
// go into releasedMigrations in migrate_frozen_test.go. Data that SQL cannot
// fill goes in backfill.
var migrations = []migration{
	{version: 1, name: "core tables", file: "0001_core_tables.sql"},
	{version: 2, name: "webhook events and counters", file: "0002_webhook_counters.sql"},
	{version: 3, name: "covering index for partner-wide usage ranges", file: "0003_usage_range_index.sql"},
	{version: 4, name: "users, sessions, API tokens, share links, audit log", file: "0004_access_control.sql"},
	{version: 5, name: "poll leases and daily usage rollup", file: "0005_leases_daily_rollup.sql"},
	{version: 6, name: "spend control: budgets, alerts, deliveries, client prices", file: "0006_spend_control.sql"},
	{version: 7, name: "client daily usage rollup", file: "0007_client_daily_rollup.sql"},
	{version: 8, name: "client daily usage rollup by key", file: "0008_client_key_daily_rollup.sql"},
	{version: 9, name: "usage version per client", file: "0009_usage_version.sql"},
	{version: 10, name: "channel daily usage rollup", file: "0010_channel_daily_rollup.sql"},
	{version: 11, name: "client local-day usage rollup", file: "0011_client_local_daily_rollup.sql"},
	{version: 12, name: "webhook events of channels not yet discovered", file: "0012_webhook_pending.sql"},
	{version: 13, name: "estimated costs on points and rollups", file: "0013_cost_estimated.sql"},
	{version: 14, name: "account events (volume tier updates)", file: "0014_account_events.sql"},
	{version: 15, name: "message volume only in the category-less rollups", file: "0015_message_volume.sql"},
}

// migrationLock is the advisory-lock key that keeps two processes from
// migrating at once on PostgreSQL.
const migrationLock = "insights:migrate"

// Migrate applies every migration not yet recorded in schema_migrations, in
// order, each in its own transaction. Running it again does nothing.
func (s *Store) Migrate(ctx context.Context) error {
	files, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	if err := s.applyMigrations(ctx, files, migrations); err != nil {
		return err
	}
	// The local-day rollups follow the clients' zones (and are first
	// built here after migration 11).
	return s.syncLocalRollups(ctx, nil)
}

// applyMigrations applies the steps not yet recorded, reading their SQL from
// fsys (a directory per dialect, named by dialect.name).
func (s *Store) applyMigrations(ctx context.Context, fsys fs.FS, steps []migration) error {
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.dialect.lock(ctx, tx, migrationLock); err != nil {
			return err
		}
		return tx.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
			version BIGINT NOT NULL PRIMARY KEY,
			name TEXT NOT NULL,
			applied_at BIGINT NOT NULL
		)`).Error
	})
	if err != nil {
		return fmt.Errorf("store: migrate: create schema_migrations: %w", err)
	}
	for _, m := range steps {
		if err := s.applyMigration(ctx, fsys, m); err != nil {
			return fmt.Errorf("store: migrate: version %d (%s): %w", m.version, m.name, err)
		}
	}
	return nil
}

// applyMigration runs one step unless schema_migrations records it.
func (s *Store) applyMigration(ctx context.Context, fsys fs.FS, m migration) error {
	stmts, err := readMigration(fsys, s.dialect.name(), m.file)
	if err != nil {
		return err
	}
	return s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.dialect.lock(ctx, tx, migrationLock); err != nil {
			return err
		}
		var n int64
		if err := tx.Raw("SELECT COUNT(*) FROM schema_migrations WHERE version = ?", m.version).Scan(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		for _, stmt := range stmts {
			if err := tx.Exec(stmt).Error; err != nil {
				return err
			}
		}
		if m.backfill != nil {
			if err := m.backfill(ctx, tx); err != nil {
				return fmt.Errorf("backfill: %w", err)
			}
		}
		return tx.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
			m.version, m.name, s.now().Unix()).Error
	})
}

// readMigration returns the statements of a step's file for a dialect.
func readMigration(fsys fs.FS, dialect, file string) ([]string, error) {
	name := path.Join(dialect, file)
	text, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	stmts, err := splitSQL(string(text))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return stmts, nil
}

// splitSQL splits a migration file into its statements. A statement ends at
// a line ending in ";" (the ";" is not part of it); blank lines and "--"
// comment lines before a statement are dropped. Everything else is kept
// byte for byte, so the schema text SQLite records is the file's.
func splitSQL(text string) ([]string, error) {
	var stmts []string
	var cur strings.Builder
	for line := range strings.Lines(text) {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "--")) {
			continue
		}
		if end, ok := strings.CutSuffix(strings.TrimRight(line, " \t\r\n"), ";"); ok {
			cur.WriteString(end)
			stmts = append(stmts, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteString(line)
	}
	if cur.Len() > 0 {
		return nil, fmt.Errorf("statement not ended by a line ending in %q: %.60q", ";", cur.String())
	}
	if len(stmts) == 0 {
		return nil, fmt.Errorf("no statements")
	}
	return stmts, nil
}

// MigrationsCurrent reports whether every known migration has been applied,
// for readiness checks.
func (s *Store) MigrationsCurrent(ctx context.Context) (bool, error) {
	var applied []int64
	err := s.r.WithContext(ctx).Raw("SELECT version FROM schema_migrations").Scan(&applied).Error
	if err != nil {
		if !s.tableExists(ctx, "schema_migrations") {
			return false, nil
		}
		return false, fmt.Errorf("store: migrations current: %w", err)
	}
	have := make(map[int64]bool, len(applied))
	for _, v := range applied {
		have[v] = true
	}
	for _, m := range migrations {
		if !have[m.version] {
			return false, nil
		}
	}
	return true, nil
}

func (s *Store) tableExists(ctx context.Context, name string) bool {
	return s.r.WithContext(ctx).Migrator().HasTable(name)
}
