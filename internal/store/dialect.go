package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// dialect holds every SQL difference between SQLite and PostgreSQL. All other
// SQL in this package is written to run unchanged on both.
type dialect interface {
	name() string
	// serialPK is the column definition of an auto-increment int64 key.
	serialPK() string
	// keyedTable ends CREATE TABLE for tables whose primary key is their
	// natural key (WITHOUT ROWID on SQLite stores them once, in key order).
	keyedTable() string
	// keyIncludes ends a PRIMARY KEY clause with the non-key columns cols,
	// so that PostgreSQL answers range sums from the key's index alone
	// (index-only scans) instead of visiting a heap page per row; SQLite's
	// WITHOUT ROWID tables already hold every column in key order.
	keyIncludes(cols string) string
	// lock serialises transactions on key across processes and replicas.
	lock(ctx context.Context, tx *gorm.DB, key string) error
}

type sqliteDialect struct{}

func (sqliteDialect) name() string       { return DialectSQLite }
func (sqliteDialect) serialPK() string   { return "INTEGER PRIMARY KEY AUTOINCREMENT" }
func (sqliteDialect) keyedTable() string { return " WITHOUT ROWID" }

func (sqliteDialect) keyIncludes(string) string { return "" }

// lock is a no-op on SQLite: write transactions BEGIN IMMEDIATE on the single
// writer connection, so they already run one at a time, across processes too.
func (sqliteDialect) lock(context.Context, *gorm.DB, string) error { return nil }

type postgresDialect struct{}

func (postgresDialect) name() string       { return DialectPostgres }
func (postgresDialect) serialPK() string   { return "BIGSERIAL PRIMARY KEY" }
func (postgresDialect) keyedTable() string { return "" }

func (postgresDialect) keyIncludes(cols string) string { return " INCLUDE (" + cols + ")" }

// lock takes a transaction-level advisory lock, released at commit or rollback.
func (postgresDialect) lock(ctx context.Context, tx *gorm.DB, key string) error {
	if err := tx.WithContext(ctx).Exec("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", key).Error; err != nil {
		return fmt.Errorf("advisory lock %q: %w", key, err)
	}
	return nil
}
