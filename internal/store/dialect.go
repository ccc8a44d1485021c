package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// dialect holds every difference between SQLite and PostgreSQL at run time.
// All other SQL in this package is written to run unchanged on both; the
// schema's differences are spelled out in the migration files of each
// dialect (migrations/<name>/).
type dialect interface {
	// name is the dialect's name and the directory of its migration files.
	name() string
	// lock serialises transactions on key across processes and replicas.
	lock(ctx context.Context, tx *gorm.DB, key string) error
	// optimize refreshes planner statistics the engine does not keep itself.
	optimize(ctx context.Context, w *gorm.DB) error
	// checkpoint moves a write-ahead log into the database file and
	// truncates it; done is false when readers kept it from finishing.
	checkpoint(ctx context.Context, w *gorm.DB) (done bool, err error)
}

type sqliteDialect struct{}

func (sqliteDialect) name() string { return DialectSQLite }

// lock is a no-op on SQLite: write transactions BEGIN IMMEDIATE on the single
// writer connection, so they already run one at a time, across processes too.
func (sqliteDialect) lock(context.Context, *gorm.DB, string) error { return nil }

// optimize checks every table (0x10000), not only those the writer
// connection queried, and analyzes those whose statistics are missing or
// stale; SQLite bounds the work itself.
func (sqliteDialect) optimize(ctx context.Context, w *gorm.DB) error {
	return w.WithContext(ctx).Exec("PRAGMA optimize=0x10002").Error
}

// checkpoint runs a TRUNCATE checkpoint: it waits up to busy_timeout for
// readers to leave the log, then empties the -wal file.
func (sqliteDialect) checkpoint(ctx context.Context, w *gorm.DB) (bool, error) {
	var busy, logPages, done int64
	if err := w.WithContext(ctx).Raw("PRAGMA wal_checkpoint(TRUNCATE)").Row().Scan(&busy, &logPages, &done); err != nil {
		return false, err
	}
	return busy == 0, nil
}

type postgresDialect struct{}

func (postgresDialect) name() string { return DialectPostgres }

// optimize is a no-op: autovacuum analyzes PostgreSQL tables as they change.
func (postgresDialect) optimize(context.Context, *gorm.DB) error { return nil }

// checkpoint is a no-op: PostgreSQL recycles its WAL itself.
func (postgresDialect) checkpoint(context.Context, *gorm.DB) (bool, error) { return true, nil }

// lock takes a transaction-level advisory lock, released at commit or rollback.
func (postgresDialect) lock(ctx context.Context, tx *gorm.DB, key string) error {
	if err := tx.WithContext(ctx).Exec("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", key).Error; err != nil {
		return fmt.Errorf("advisory lock %q: %w", key, err)
	}
	return nil
}
