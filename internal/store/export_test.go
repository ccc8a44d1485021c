package store

import (
	"context"
	"io/fs"
	"time"

	"gorm.io/gorm"

	"github.com/insights-dev/insights/internal/usage"
)

// SaveStats exposes what SaveUsageWindow did, for the tests.
type SaveStats = saveStats

// SaveUsageWindowStats is SaveUsageWindow returning its counts.
func (s *Store) SaveUsageWindowStats(ctx context.Context, w UsageWindow) (SaveStats, error) {
	return s.saveUsageWindow(ctx, w)
}

// QueryUsageDaily reads f from the per-channel daily rollup, and
// QueryUsageClientDaily from the client daily rollup, whatever f asks.
func (s *Store) QueryUsageDaily(ctx context.Context, f UsageFilter) ([]usage.Row, error) {
	return s.queryUsage(ctx, dailyUsage, f)
}

// QueryUsageClientDaily: see QueryUsageDaily.
func (s *Store) QueryUsageClientDaily(ctx context.Context, f UsageFilter) ([]usage.Row, error) {
	return s.queryUsage(ctx, clientDailyUsage, f)
}

// QueryUsageClientKeyDaily: see QueryUsageDaily.
func (s *Store) QueryUsageClientKeyDaily(ctx context.Context, f UsageFilter) ([]usage.Row, error) {
	return s.queryUsage(ctx, clientKeyDailyUsage, f)
}

// ExecRaw runs q on the writer, for tests that take the schema back to an
// older version.
func (s *Store) ExecRaw(ctx context.Context, q string) error {
	return s.w.WithContext(ctx).Exec(q).Error
}

// RollupZone is the zone client id keeps its local-day rollup in.
func (s *Store) RollupZone(ctx context.Context, id string) (string, error) {
	var zone string
	err := s.r.WithContext(ctx).Raw(`SELECT rollup_zone FROM clients WHERE id = ?`, id).Scan(&zone).Error
	return zone, err
}

// MigrationStep is a schema step for tests of the migration runner.
type MigrationStep struct {
	Version  int64
	Name     string
	File     string
	Backfill func(ctx context.Context, tx *gorm.DB) error
}

// ApplyMigrations applies steps, their SQL read from fsys (a directory per
// dialect), the way Migrate applies the released ones.
func (s *Store) ApplyMigrations(ctx context.Context, fsys fs.FS, steps []MigrationStep) error {
	ms := make([]migration, len(steps))
	for i, st := range steps {
		ms[i] = migration{version: st.Version, name: st.Name, file: st.File, backfill: st.Backfill}
	}
	return s.applyMigrations(ctx, fsys, ms)
}

// QueryInt runs q, which selects one integer, on the writer.
func (s *Store) QueryInt(ctx context.Context, q string) (int64, error) {
	var n int64
	err := s.w.WithContext(ctx).Raw(q).Scan(&n).Error
	return n, err
}

// SetClock makes the store read the time from now, for tests of what it
// stamps (received_at, audit entries).
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// CountRows counts the rows of table.
func (s *Store) CountRows(ctx context.Context, table string) (int64, error) {
	var n int64
	err := s.r.WithContext(ctx).Raw("SELECT COUNT(*) FROM " + table).Scan(&n).Error
	return n, err
}
