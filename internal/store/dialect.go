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
}

type sqliteDialect struct{}

func (sqliteDialect) name() string { return DialectSQLite }

// lock is a no-op on SQLite: write transactions BEGIN IMMEDIATE on the single
// writer connection, so they already run one at a time, across processes too.
func (sqliteDialect) lock(context.Context, *gorm.DB, string) error { return nil }

type postgresDialect struct{}

func (postgresDialect) name() string { return DialectPostgres }

// lock takes a transaction-level advisory lock, released at commit or rollback.
func (postgresDialect) lock(ctx context.Context, tx *gorm.DB, key string) error {
	if err := tx.WithContext(ctx).Exec("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", key).Error; err != nil {
		return fmt.Errorf("advisory lock %q: %w", key, err)
	}
	return nil
}
