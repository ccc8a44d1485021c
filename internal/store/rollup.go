package store

import (
	"context"
	"fmt"
	"slices"
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

// rollupSelect and rollupGroup sum half-hour points into UTC days.
const (
	rollupSelect = `SELECT channel_id, bucket_start - bucket_start % 86400, category, pricing_type, country, currency,
		SUM(volume), COALESCE(SUM(cost_nanos), 0), SUM(CASE WHEN cost_nanos IS NULL THEN 1 ELSE 0 END), SUM(cost_estimated)
		FROM usage_points`
	rollupGroup = ` GROUP BY channel_id, bucket_start - bucket_start % 86400, category, pricing_type, country, currency`
)

// The channel daily rollup, usage_channel_daily: per channel, UTC day,
// pricing type and currency, the sums of usage_daily. The per-channel
// breakdown of a view reads it (ChannelTotals): a third of the rows of
// usage_daily when a channel sends three categories to a country.

// channelRollupInsert and channelRollupGroup sum usage_daily per channel,
// day, pricing type and currency, volume in messages only (units.go);
// callers add their conditions in between (after WHERE 1 = 1).
var (
	channelRollupInsert = `INSERT INTO usage_channel_daily (channel_id, bucket_start, pricing_type, currency, volume, cost_nanos, cost_missing, cost_estimated)
		SELECT channel_id, bucket_start, pricing_type, currency, SUM(` + messagesOf("category", "volume") + `), SUM(cost_nanos), SUM(cost_missing), SUM(cost_estimated)
		FROM usage_daily WHERE 1 = 1`
	channelRollupGroup = ` GROUP BY channel_id, bucket_start, pricing_type, currency`
)

// channelDailyUsage reads the channel rollup (ChannelTotals).
var channelDailyUsage = usageSource{op: "query usage (channel daily rollup)", table: "usage_channel_daily",
	volume: "u.volume", missing: "SUM(u.cost_missing)", estimated: "SUM(u.cost_estimated)", categoryless: true}

// dailyUsage reads the rollup; see UsageFilter.DailyOK.
var dailyUsage = usageSource{op: "query usage (daily rollup)", table: "usage_daily", volume: "u.volume",
	missing: "SUM(u.cost_missing)", estimated: "SUM(u.cost_estimated)"}

// refreshDaily recomputes the daily and the channel daily rollups of a
// channel for every UTC day that [from, to) touches, from the half-hour
// points stored now. It runs inside
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
	err := tx.Exec(`INSERT INTO usage_daily (channel_id, bucket_start, category, pricing_type, country, currency, volume, cost_nanos, cost_missing, cost_estimated) `+
		rollupSelect+` WHERE channel_id = ? AND granularity = ? AND bucket_start >= ? AND bucket_start < ?`+rollupGroup,
		channelID, string(usage.HalfHour), lo.Unix(), hi.Unix()).Error
	if err != nil {
		return fmt.Errorf("recompute daily rollup: %w", err)
	}
	if err := tx.Exec(`DELETE FROM usage_channel_daily WHERE channel_id = ? AND bucket_start >= ? AND bucket_start < ?`,
		channelID, lo.Unix(), hi.Unix()).Error; err != nil {
		return fmt.Errorf("clear channel daily rollup: %w", err)
	}
	if err := tx.Exec(channelRollupInsert+` AND channel_id = ? AND bucket_start >= ? AND bucket_start < ?`+channelRollupGroup,
		channelID, lo.Unix(), hi.Unix()).Error; err != nil {
		return fmt.Errorf("recompute channel daily rollup: %w", err)
	}
	return nil
}

func utcMidnight(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// isUTCMidnight reports whether t is a UTC day boundary.
func isUTCMidnight(t time.Time) bool { return t.Equal(utcMidnight(t)) }

// The client daily rollup: per client, UTC day and currency, the sums of
// usage_daily over the client's channels. Partner-wide pages that only keep
// clients apart (the overview) read it: one row per client and day instead
// of one per channel, day and key. SaveUsageWindow recomputes the touched
// days of the window's client right after usage_daily; UpsertChannels
// recomputes both clients of a channel that moves. Like usage_daily, its day
// column is named bucket_start so the shared filter code applies.

// clientRollupInsert and clientRollupGroup sum usage_daily per client, day
// and currency, volume in messages only (units.go); callers add their
// conditions in between (after WHERE 1 = 1).
var (
	clientRollupInsert = `INSERT INTO usage_client_daily (client_id, bucket_start, currency, volume, cost_nanos, cost_missing, cost_estimated)
		SELECT c.client_id, u.bucket_start, u.currency, SUM(` + messagesOf("u.category", "u.volume") + `), SUM(u.cost_nanos), SUM(u.cost_missing), SUM(u.cost_estimated)
		FROM usage_daily u JOIN channels c ON c.id = u.channel_id WHERE 1 = 1`
	clientRollupGroup = ` GROUP BY c.client_id, u.bucket_start, u.currency`
)

// The client daily rollup by key, usage_client_key_daily, is filled from
// usage_daily. A client's own view (no channel or WABA picked) reads it: one
// row per client, day and key instead of one per channel, day and key.

// clientKeyRollupInsert and clientKeyRollupGroup sum usage_daily per client,
// day, category, pricing type, country and currency; callers add their
// conditions in between (after WHERE 1 = 1).
const (
	clientKeyRollupInsert = `INSERT INTO usage_client_key_daily (client_id, bucket_start, category, pricing_type, country, currency, volume, cost_nanos, cost_missing, cost_estimated)
		SELECT c.client_id, u.bucket_start, u.category, u.pricing_type, u.country, u.currency, SUM(u.volume), SUM(u.cost_nanos), SUM(u.cost_missing), SUM(u.cost_estimated)
		FROM usage_daily u JOIN channels c ON c.id = u.channel_id WHERE 1 = 1`
	clientKeyRollupGroup = ` GROUP BY c.client_id, u.bucket_start, u.category, u.pricing_type, u.country, u.currency`
)

// clientKeyDailyUsage reads the client rollup by key; see
// UsageFilter.clientKeyLevel.
var clientKeyDailyUsage = usageSource{op: "query usage (client daily rollup by key)", table: "usage_client_key_daily",
	volume: "u.volume", missing: "SUM(u.cost_missing)", estimated: "SUM(u.cost_estimated)", byClient: true}

// clientDailyUsage reads the client rollup; see UsageFilter.clientLevel.
var clientDailyUsage = usageSource{op: "query usage (client daily rollup)", table: "usage_client_daily",
	volume: "u.volume", missing: "SUM(u.cost_missing)", estimated: "SUM(u.cost_estimated)", byClient: true, categoryless: true}

// clientLevel reports whether the client rollup answers f: nothing narrower
// than a client is filtered on or kept apart.
func (f UsageFilter) clientLevel() bool {
	if len(f.ChannelIDs) > 0 || len(f.WABAIDs) > 0 || len(f.Categories) > 0 || len(f.Countries) > 0 || len(f.PricingTypes) > 0 {
		return false
	}
	for _, g := range f.GroupBy {
		if g != usage.ByClient {
			return false
		}
	}
	return true
}

// clientKeyLevel reports whether the client rollup by key answers f: no
// channel or WABA is filtered on or kept apart.
func (f UsageFilter) clientKeyLevel() bool {
	if len(f.ChannelIDs) > 0 || len(f.WABAIDs) > 0 {
		return false
	}
	for _, g := range f.GroupBy {
		if g == usage.ByChannel || g == usage.ByWABA {
			return false
		}
	}
	return true
}

// refreshClientDaily recomputes the client rollups of channelID's client for
// every UTC day that [from, to) touches, from usage_daily, and applies the
// window's delta to its local days (refreshClientLocal), inside the caller's
// transaction. On
// PostgreSQL it first takes the client's lock, so two channels of one client
// saved at once recompute one after the other, the second seeing the first's
// committed days.
func (s *Store) refreshClientDaily(ctx context.Context, tx *gorm.DB, channelID string, from, to time.Time, delta localDelta) error {
	var clientID string
	if err := tx.Raw(`SELECT client_id FROM channels WHERE id = ?`, channelID).Scan(&clientID).Error; err != nil {
		return fmt.Errorf("client daily rollup: channel's client: %w", err)
	}
	if clientID == "" {
		return fmt.Errorf("client daily rollup: channel %q not found", channelID)
	}
	lo := utcMidnight(from)
	hi := utcMidnight(to)
	if hi.Before(to) {
		hi = hi.AddDate(0, 0, 1)
	}
	if err := s.recomputeClientDaily(ctx, tx, clientID, lo.Unix(), hi.Unix()); err != nil {
		return err
	}
	if err := refreshClientLocal(tx, clientID, delta); err != nil {
		return fmt.Errorf("client local-day rollup: %w", err)
	}
	return nil
}

// recomputeClientDaily replaces the rows of clientID in both client rollups
// for the days in [lo, hi) (unix seconds) and moves the client's usage
// version on, under the client's lock.
func (s *Store) recomputeClientDaily(ctx context.Context, tx *gorm.DB, clientID string, lo, hi int64) error {
	if err := s.dialect.lock(ctx, tx, "client:"+clientID); err != nil {
		return fmt.Errorf("client daily rollup: %w", err)
	}
	if err := tx.Exec(`UPDATE clients SET usage_version = usage_version + 1 WHERE id = ?`, clientID).Error; err != nil {
		return fmt.Errorf("client usage version: %w", err)
	}
	for _, t := range []struct{ table, insert, group string }{
		{"usage_client_daily", clientRollupInsert, clientRollupGroup},
		{"usage_client_key_daily", clientKeyRollupInsert, clientKeyRollupGroup},
	} {
		if err := tx.Exec(`DELETE FROM `+t.table+` WHERE client_id = ? AND bucket_start >= ? AND bucket_start < ?`,
			clientID, lo, hi).Error; err != nil {
			return fmt.Errorf("clear %s: %w", t.table, err)
		}
		if err := tx.Exec(t.insert+` AND c.client_id = ? AND u.bucket_start >= ? AND u.bucket_start < ?`+t.group,
			clientID, lo, hi).Error; err != nil {
			return fmt.Errorf("recompute %s: %w", t.table, err)
		}
	}
	return nil
}

// movedClients returns, sorted, the old and new clients of the channels in
// rows that exist under another client, read before the upsert.
func movedClients(tx *gorm.DB, rows []channelModel) ([]string, error) {
	ids := make([]string, 0, len(rows))
	next := make(map[string]string, len(rows))
	for _, r := range rows {
		ids = append(ids, r.ID)
		next[r.ID] = r.ClientID
	}
	var old []struct{ ID, ClientID string }
	for chunk := range slices.Chunk(ids, batchSize) {
		var part []struct{ ID, ClientID string }
		if err := tx.Raw(`SELECT id, client_id FROM channels WHERE id IN ?`, chunk).Scan(&part).Error; err != nil {
			return nil, fmt.Errorf("read channels' clients: %w", err)
		}
		old = append(old, part...)
	}
	var moved []string
	for _, o := range old {
		if n := next[o.ID]; n != o.ClientID {
			moved = append(moved, o.ClientID, n)
		}
	}
	return uniqueSorted(moved), nil
}

// RebuildRollups recomputes the usage rollups (usage_daily,
// usage_channel_daily, usage_client_daily and usage_client_key_daily) from
// the stored half-hour points, in one transaction, then the clients'
// local-day rollups.
// SaveUsageWindow keeps them current; this is for rows written around it,
// such as a bulk load.
func (s *Store) RebuildRollups(ctx context.Context) error {
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		stmts := []string{
			`DELETE FROM usage_daily`,
			`INSERT INTO usage_daily (channel_id, bucket_start, category, pricing_type, country, currency, volume, cost_nanos, cost_missing, cost_estimated) ` +
				rollupSelect + ` WHERE granularity = 'half_hour'` + rollupGroup,
			`DELETE FROM usage_client_daily`,
			clientRollupInsert + clientRollupGroup,
			`DELETE FROM usage_client_key_daily`,
			clientKeyRollupInsert + clientKeyRollupGroup,
			`DELETE FROM usage_channel_daily`,
			channelRollupInsert + channelRollupGroup,
			// Rebuilt from the new rollups by syncLocalRollups below.
			`DELETE FROM usage_client_local_daily`,
			`UPDATE clients SET rollup_zone = ''`,
		}
		for _, q := range stmts {
			if err := tx.Exec(q).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: rebuild rollups: %w", err)
	}
	return s.syncLocalRollups(ctx, nil)
}
