package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"
)

// BalanceReading is a channel's balance as read from the Partner API.
type BalanceReading struct {
	ChannelID      string
	ReadAt         time.Time
	Currency       string
	BalanceNanos   int64
	ThresholdNanos *int64 // nil when the source reported no threshold
}

// SaveBalance stores a reading; a second reading of the channel at the same
// second replaces the first.
func (s *Store) SaveBalance(ctx context.Context, b BalanceReading) error {
	if b.ChannelID == "" || b.ReadAt.IsZero() {
		return fmt.Errorf("store: save balance: channel and read time are required")
	}
	m := balanceModel{ChannelID: b.ChannelID, ReadAt: b.ReadAt.Unix(), Currency: b.Currency,
		BalanceNanos: b.BalanceNanos, ThresholdNanos: b.ThresholdNanos}
	err := s.w.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "channel_id"}, {Name: "read_at"}},
		DoUpdates: clause.AssignmentColumns([]string{"currency", "balance_nanos", "threshold_nanos"}),
	}).Create(&m).Error
	if err != nil {
		return fmt.Errorf("store: save balance %q: %w", b.ChannelID, err)
	}
	return nil
}

// LatestBalances returns the latest reading of each channel in f, ordered by channel.
func (s *Store) LatestBalances(ctx context.Context, sc Scope, f ChannelFilter) ([]BalanceReading, error) {
	f, ok := sc.channels(f)
	if !ok {
		return nil, nil
	}
	where, args := f.scope("channel_id")
	if where == "" {
		where = "1 = 1"
	}
	q := `SELECT channel_id, read_at, currency, balance_nanos, threshold_nanos FROM (
		SELECT b.*, ROW_NUMBER() OVER (PARTITION BY channel_id ORDER BY read_at DESC) AS rn
		FROM balances b WHERE ` + where + `) t WHERE rn = 1 ORDER BY channel_id`
	var rows []balanceModel
	if err := s.r.WithContext(ctx).Raw(q, args...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: latest balances: %w", err)
	}
	out := make([]BalanceReading, len(rows))
	for i, m := range rows {
		out[i] = BalanceReading{ChannelID: m.ChannelID, ReadAt: fromUnix(m.ReadAt), Currency: m.Currency,
			BalanceNanos: m.BalanceNanos, ThresholdNanos: m.ThresholdNanos}
	}
	return out, nil
}
