package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// RecordRequest logs one Partner API request of a channel in a WABA, for the
// shared rate budget. Prefer ReserveRequest, which checks and records at once.
func (s *Store) RecordRequest(ctx context.Context, channelID, wabaID string, at time.Time) error {
	m := requestModel{ChannelID: channelID, WABAID: wabaID, At: at.Unix()}
	if err := s.w.WithContext(ctx).Create(&m).Error; err != nil {
		return fmt.Errorf("store: record request: %w", err)
	}
	return nil
}

// CountRequests counts the requests logged after since for the channel and
// for its WABA.
func (s *Store) CountRequests(ctx context.Context, channelID, wabaID string, since time.Time) (perChannel, perWABA int, err error) {
	c, wb, err := countRequests(s.r.WithContext(ctx), channelID, wabaID, since.Unix())
	if err != nil {
		return 0, 0, fmt.Errorf("store: count requests: %w", err)
	}
	return int(c), int(wb), nil
}

func countRequests(db *gorm.DB, channelID, wabaID string, since int64) (perChannel, perWABA int64, err error) {
	err = db.Raw(`SELECT
		(SELECT COUNT(*) FROM request_log WHERE channel_id = ? AND at > ?),
		(SELECT COUNT(*) FROM request_log WHERE waba_id = ? AND at > ?)`,
		channelID, since, wabaID, since).Row().Scan(&perChannel, &perWABA)
	return perChannel, perWABA, err
}

// PruneRequests deletes requests logged before before; they no longer count
// against any budget.
func (s *Store) PruneRequests(ctx context.Context, before time.Time) error {
	if err := s.w.WithContext(ctx).Where("at < ?", before.Unix()).Delete(&requestModel{}).Error; err != nil {
		return fmt.Errorf("store: prune requests: %w", err)
	}
	return nil
}

// ReserveRequest takes one request slot for a channel in a WABA at instant
// at, if fewer than channelLimit requests of the channel and fewer than
// wabaLimit of the WABA were logged within the sliding window before at
// (a limit ≤ 0 means no limit). It checks and records in one transaction:
// on PostgreSQL under an advisory lock on the WABA, on SQLite on the single
// writer, so concurrent callers — other goroutines, processes or replicas —
// never get more than the limit. When refused, retryAt is the earliest
// instant at which a slot frees up.
func (s *Store) ReserveRequest(ctx context.Context, channelID, wabaID string, at time.Time,
	channelLimit, wabaLimit int, window time.Duration) (ok bool, retryAt time.Time, err error) {
	if window <= 0 {
		return false, time.Time{}, fmt.Errorf("store: reserve request: window %v must be positive", window)
	}
	now := at.Unix()
	since := at.Add(-window).Unix()
	lockKey := "waba:" + wabaID
	if wabaID == "" {
		lockKey = "channel:" + channelID
	}
	err = s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.dialect.lock(ctx, tx, lockKey); err != nil {
			return err
		}
		perChannel, perWABA, err := countRequests(tx, channelID, wabaID, since)
		if err != nil {
			return fmt.Errorf("count: %w", err)
		}
		var retry int64
		if channelLimit > 0 && perChannel >= int64(channelLimit) {
			t, err := freesAt(tx, "channel_id", channelID, since, perChannel-int64(channelLimit))
			if err != nil {
				return err
			}
			retry = max(retry, t+int64(window/time.Second))
		}
		if wabaLimit > 0 && perWABA >= int64(wabaLimit) {
			t, err := freesAt(tx, "waba_id", wabaID, since, perWABA-int64(wabaLimit))
			if err != nil {
				return err
			}
			retry = max(retry, t+int64(window/time.Second))
		}
		if retry > 0 {
			retryAt = fromUnix(retry)
			return nil
		}
		if err := tx.Create(&requestModel{ChannelID: channelID, WABAID: wabaID, At: now}).Error; err != nil {
			return fmt.Errorf("record: %w", err)
		}
		ok = true
		return nil
	})
	if err != nil {
		return false, time.Time{}, fmt.Errorf("store: reserve request %s/%s: %w", wabaID, channelID, err)
	}
	return ok, retryAt, nil
}

// freesAt returns the instant of the logged request whose expiry brings the
// count under the limit: the (excess+1)-th oldest within the window.
func freesAt(tx *gorm.DB, col, id string, since, excess int64) (int64, error) {
	var at sql.NullInt64
	err := tx.Raw("SELECT at FROM request_log WHERE "+col+" = ? AND at > ? ORDER BY at LIMIT 1 OFFSET ?",
		id, since, excess).Row().Scan(&at)
	if err != nil {
		return 0, fmt.Errorf("find oldest request: %w", err)
	}
	return at.Int64, nil
}
