package store

import (
	"context"
	"crypto/rand"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrBackupUnsupported is returned by Backup on PostgreSQL, whose databases
// are backed up with pg_dump.
var ErrBackupUnsupported = errors.New("store: backup: a PostgreSQL database is backed up with pg_dump " +
	"(e.g. pg_dump --format=custom --file=insights.dump \"$INSIGHTS_DB\"), not with insights backup")

// Backup writes a consistent copy of a SQLite database to path, which must
// not exist yet, while the database stays in use: VACUUM INTO reads one
// snapshot on a reader connection (writers go on, in WAL mode) into a
// temporary file next to path, which is then renamed to path, so path never
// holds a half-written copy. The copy is a complete, compacted SQLite file:
// restore it by stopping Insights, putting it in place of the database file
// (removing any -wal and -shm files beside it) and starting Insights again.
// On PostgreSQL it returns ErrBackupUnsupported.
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.Dialect() != DialectSQLite {
		return ErrBackupUnsupported
	}
	if path == "" {
		return errors.New("store: backup: no target file given")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	if _, err := os.Lstat(abs); err == nil {
		return fmt.Errorf("store: backup: %s already exists; choose a new file", abs)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("store: backup: %w", err)
	}
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	tmp := abs + ".partial-" + hex.EncodeToString(rnd[:])
	defer os.Remove(tmp) // gone after the rename; cleans up after a failure
	if err := s.vacuumInto(ctx, tmp); err != nil {
		return fmt.Errorf("store: backup to %s: %w", abs, err)
	}
	if err := syncFile(tmp); err != nil {
		return fmt.Errorf("store: backup to %s: %w", abs, err)
	}
	// os.Link fails when abs appeared meanwhile, where a rename would replace it.
	if err := os.Link(tmp, abs); err != nil {
		return fmt.Errorf("store: backup to %s: %w", abs, err)
	}
	return nil
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// vacuumInto runs VACUUM INTO on one reader connection. Readers are opened
// query-only, which VACUUM INTO (it writes the target) does not pass, so the
// connection is allowed to write for the statement and made query-only again
// after it; if that fails the connection is discarded.
func (s *Store) vacuumInto(ctx context.Context, target string) (err error) {
	db, err := s.r.DB()
	if err != nil {
		return err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer func() {
		_, rerr := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA query_only = true")
		if rerr != nil {
			// Do not return a writable connection to the read pool.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		_ = conn.Close()
	}()
	if _, err := conn.ExecContext(ctx, "PRAGMA query_only = false"); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "VACUUM INTO ?", target)
	return err
}
