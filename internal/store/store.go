package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	gormlogger "gorm.io/gorm/logger"
)

// ErrNotFound is returned when a requested record does not exist.
var ErrNotFound = errors.New("store: not found")

// Dialect names returned by Store.Dialect.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// slowQuery is the duration above which a query is logged as slow.
const slowQuery = 500 * time.Millisecond

// Store is the database of Insights. It is safe for concurrent use.
type Store struct {
	dialect dialect
	w       *gorm.DB // the write handle: one connection on SQLite
	r       *gorm.DB // the read pool: the same as w on PostgreSQL
	now     func() time.Time
	log     *slog.Logger
	slow    *slowLogger
	// webhookMu runs this process's webhook folds (group commits and the
	// resolution of pending events) one at a time: on PostgreSQL two of them
	// over the same message would otherwise overwrite each other's reads.
	webhookMu sync.Mutex
}

// Open connects to the database named by dsn: a postgres:// (or
// postgresql://) URL, or else the path of a SQLite file, whose parent
// directory is created when missing. It does not migrate; call Migrate.
func Open(ctx context.Context, dsn string, logger *slog.Logger) (*Store, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	gl := &slowLogger{log: logger.With("component", "store")}
	gl.threshold.Store(int64(slowQuery))
	cfg := &gorm.Config{Logger: gl, SkipDefaultTransaction: true, PrepareStmt: false,
		NowFunc: func() time.Time { return time.Now().UTC() }}

	s := &Store{now: func() time.Time { return time.Now().UTC() }, log: gl.log, slow: gl}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db, err := gorm.Open(postgres.Open(dsn), cfg)
		if err != nil {
			return nil, fmt.Errorf("store: open postgres: %w", err)
		}
		sqlDB, err := db.DB()
		if err != nil {
			return nil, fmt.Errorf("store: open postgres: %w", err)
		}
		// A page reads up to a dozen queries at once; keeping as many
		// connections idle as may be open spares each page the opening of
		// new ones (a new PostgreSQL backend took ~90 ms on the test
		// machine, 10× the page's own work).
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(20)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		s.dialect, s.w, s.r = postgresDialect{}, db, db
	} else {
		if dsn == "" || dsn == ":memory:" || strings.HasPrefix(dsn, "file:") {
			return nil, fmt.Errorf("store: open sqlite: want a file path, got %q", dsn)
		}
		if dir := filepath.Dir(dsn); dir != "" {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("store: create database directory: %w", err)
			}
		}
		const pragmas = "_journal_mode=WAL&_busy_timeout=5000&_foreign_keys=on&_synchronous=NORMAL"
		w, err := gorm.Open(sqlite.Open(dsn+"?"+pragmas+"&_txlock=immediate"), cfg)
		if err != nil {
			return nil, fmt.Errorf("store: open sqlite writer: %w", err)
		}
		wDB, err := w.DB()
		if err != nil {
			return nil, fmt.Errorf("store: open sqlite writer: %w", err)
		}
		wDB.SetMaxOpenConns(1)
		wDB.SetMaxIdleConns(1)
		wDB.SetConnMaxLifetime(0)
		wDB.SetConnMaxIdleTime(0)
		// The writer creates the file and switches it to WAL before any reader opens it.
		if err := wDB.PingContext(ctx); err != nil {
			_ = wDB.Close()
			return nil, fmt.Errorf("store: open sqlite %s: %w", dsn, err)
		}
		r, err := gorm.Open(sqlite.Open(dsn+"?"+pragmas+"&_query_only=true"), cfg)
		if err != nil {
			_ = wDB.Close()
			return nil, fmt.Errorf("store: open sqlite readers: %w", err)
		}
		rDB, err := r.DB()
		if err != nil {
			_ = wDB.Close()
			return nil, fmt.Errorf("store: open sqlite readers: %w", err)
		}
		n := max(4, runtime.NumCPU())
		rDB.SetMaxOpenConns(n)
		rDB.SetMaxIdleConns(n)
		s.dialect, s.w, s.r = sqliteDialect{}, w, r
	}
	if err := s.Ping(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// Dialect reports which database the store runs on: "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect.name() }

// Ping checks that the database answers on both handles.
func (s *Store) Ping(ctx context.Context) error {
	for _, h := range s.handles() {
		sqlDB, err := h.DB()
		if err != nil {
			return fmt.Errorf("store: ping: %w", err)
		}
		if err := sqlDB.PingContext(ctx); err != nil {
			return fmt.Errorf("store: ping: %w", err)
		}
	}
	return nil
}

// Close closes every connection of the store.
func (s *Store) Close() error {
	var errs []error
	for _, h := range s.handles() {
		sqlDB, err := h.DB()
		if err == nil {
			err = sqlDB.Close()
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

func (s *Store) handles() []*gorm.DB {
	if s.r == s.w {
		return []*gorm.DB{s.w}
	}
	return []*gorm.DB{s.w, s.r}
}

// slowLogger reports slow queries through slog and nothing else: errors are
// returned to callers, who decide whether to log them. A slow query under a
// context marked by ExpectSlow is logged at Info, not as a warning.
type slowLogger struct {
	log       *slog.Logger
	threshold atomic.Int64 // nanoseconds
}

func (l *slowLogger) LogMode(gormlogger.LogLevel) gormlogger.Interface { return l }

// ParamsFilter drops the bound values from logged SQL: they can be password
// hashes, token hashes or client data, none of which belongs in a log.
func (l *slowLogger) ParamsFilter(_ context.Context, sql string, _ ...any) (string, []any) {
	return sql, nil
}
func (l *slowLogger) Info(context.Context, string, ...any)  {}
func (l *slowLogger) Warn(context.Context, string, ...any)  {}
func (l *slowLogger) Error(context.Context, string, ...any) {}
func (l *slowLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), _ error) {
	d := time.Since(begin)
	if d < time.Duration(l.threshold.Load()) {
		return
	}
	sql, rows := fc()
	if len(sql) > 300 {
		sql = sql[:300] + "…"
	}
	if e, ok := ctx.Value(expectSlowKey{}).(expectation); ok && (e.during == nil || e.during(begin)) {
		l.log.InfoContext(ctx, "slow query (expected)", "reason", e.reason, "duration", d, "rows", rows, "sql", sql)
		return
	}
	l.log.WarnContext(ctx, "slow query", "duration", d, "rows", rows, "sql", sql)
}

type expectSlowKey struct{}

type expectation struct {
	reason string
	during func(begin time.Time) bool
}

// ExpectSlow marks ctx as work whose queries are expected to be slow (a
// first backfill writes months of points at once), giving the reason: its
// slow queries are logged at Info rather than as warnings, which are kept
// for queries that should have been fast.
func ExpectSlow(ctx context.Context, reason string) context.Context {
	return context.WithValue(ctx, expectSlowKey{}, expectation{reason: reason})
}

// ExpectSlowDuring is ExpectSlow for the slow queries that during reports
// true for, given the time the query began: other work waiting behind a
// backfill's writes is slow only if the backfill ran while it waited.
func ExpectSlowDuring(ctx context.Context, reason string, during func(begin time.Time) bool) context.Context {
	return context.WithValue(ctx, expectSlowKey{}, expectation{reason: reason, during: during})
}

// unix converts t to stored unix seconds.
func unix(t time.Time) int64 { return t.Unix() }

// fromUnix converts stored unix seconds to a UTC time.
func fromUnix(s int64) time.Time { return time.Unix(s, 0).UTC() }

// nullUnix stores the zero time as NULL.
func nullUnix(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	v := t.Unix()
	return &v
}

// fromNullUnix reads a NULL instant as the zero time.
func fromNullUnix(p *int64) time.Time {
	if p == nil {
		return time.Time{}
	}
	return fromUnix(*p)
}
