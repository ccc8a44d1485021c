package store

import (
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/insights-dev/insights/internal/usage"
)

// The daily rollup: per channel, UTC day, category, pricing type, country
// and currency, the sums of the half-hour usage points of that day (tiers
// summed together). SaveUsageWindow recomputes the days a window touches, in
// its transaction, from the raw points; QueryUsage reads it instead of the
// raw points when the caller only needs whole UTC days (UsageFilter.DailyOK).
// Its day column is named bucket_start (the day's UTC midnight, unix
// seconds) so the shared filter code applies unchanged.

// rollupStmts create and fill the rollup table (part of migration 5).
func rollupStmts(d dialect) []string {
	return []string{
		`CREATE TABLE usage_daily (
			channel_id TEXT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
			bucket_start BIGINT NOT NULL,
			category TEXT NOT NULL,
			pricing_type TEXT NOT NULL,
			country TEXT NOT NULL,
			currency TEXT NOT NULL,
			volume BIGINT NOT NULL,
			cost_nanos BIGINT NOT NULL,
			cost_missing BIGINT NOT NULL,
			PRIMARY KEY (channel_id, bucket_start, category, pricing_type, country, currency)
		)` + d.keyedTable(),
		// Partner-wide ranges read only the index (on SQLite it also holds
		// the key columns).
		`CREATE INDEX usage_daily_range_idx ON usage_daily (bucket_start, currency, volume, cost_nanos, cost_missing)`,
		`INSERT INTO usage_daily (channel_id, bucket_start, category, pricing_type, country, currency, volume, cost_nanos, cost_missing) ` +
			rollupSelect + ` WHERE granularity = 'half_hour'` + rollupGroup,
	}
}

// rollupSelect and rollupGroup sum half-hour points into UTC days.
const (
	rollupSelect = `SELECT channel_id, bucket_start - bucket_start % 86400, category, pricing_type, country, currency,
		SUM(volume), COALESCE(SUM(cost_nanos), 0), SUM(CASE WHEN cost_nanos IS NULL THEN 1 ELSE 0 END)
		FROM usage_points`
	rollupGroup = ` GROUP BY channel_id, bucket_start - bucket_start % 86400, category, pricing_type, country, currency`
)

// dailyUsage reads the rollup; see UsageFilter.DailyOK.
var dailyUsage = usageSource{op: "query usage (daily rollup)", table: "usage_daily", volume: "SUM(u.volume)",
	missing: "SUM(u.cost_missing)"}

// refreshDaily recomputes the rollup of a channel for every UTC day that
// [from, to) touches, from the half-hour points stored now. It runs inside
// the caller's transaction, so it is idempotent and never half-done.
func refreshDaily(tx *gorm.DB, channelID string, from, to time.Time) error {
	lo := utcMidnight(from)
	hi := utcMidnight(to)
	if hi.Before(to) {
		hi = hi.AddDate(0, 0, 1)
	}
	if err := tx.Exec(`DELETE FROM usage_daily WHERE channel_id = ? AND bucket_start >= ? AND bucket_start < ?`,
		channelID, lo.Unix(), hi.Unix()).Error; err != nil {
		return fmt.Errorf("clear daily rollup: %w", err)
	}
	err := tx.Exec(`INSERT INTO usage_daily (channel_id, bucket_start, category, pricing_type, country, currency, volume, cost_nanos, cost_missing) `+
		rollupSelect+` WHERE channel_id = ? AND granularity = ? AND bucket_start >= ? AND bucket_start < ?`+rollupGroup,
		channelID, string(usage.HalfHour), lo.Unix(), hi.Unix()).Error
	if err != nil {
		return fmt.Errorf("recompute daily rollup: %w", err)
	}
	return nil
}

func utcMidnight(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// isUTCMidnight reports whether t is a UTC day boundary.
func isUTCMidnight(t time.Time) bool { return t.Equal(utcMidnight(t)) }
