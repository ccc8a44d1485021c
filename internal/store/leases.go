package store

import (
	"context"
	"fmt"
	"time"
)

// ClaimChannel takes or renews the poll lease of a channel for holder until
// until, and reports whether holder now holds it. The lease is granted when
// nobody holds it, when its holder's lease expired at or before now, or when
// holder already holds it (a renewal). One statement does the check and the
// write (INSERT … ON CONFLICT DO UPDATE … WHERE), so of two replicas claiming
// at once exactly one wins, on SQLite and on PostgreSQL. now is the caller's
// clock, like ReserveRequest's at; until must be after it.
func (s *Store) ClaimChannel(ctx context.Context, channelID, holder string, now, until time.Time) (bool, error) {
	if channelID == "" || holder == "" {
		return false, fmt.Errorf("store: claim channel: channel (%q) and holder (%q) are required", channelID, holder)
	}
	if !until.After(now) {
		return false, fmt.Errorf("store: claim channel %s: lease end %v is not after now %v", channelID, until, now)
	}
	res := s.w.WithContext(ctx).Exec(`INSERT INTO channel_leases (channel_id, holder, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (channel_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE channel_leases.expires_at <= ? OR channel_leases.holder = excluded.holder`,
		channelID, holder, unix(until), unix(now))
	if res.Error != nil {
		return false, fmt.Errorf("store: claim channel %s: %w", channelID, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ReleaseChannel gives up holder's lease on a channel, so another poller may
// claim it at once. Releasing a lease one does not hold (it expired and was
// taken over) does nothing.
func (s *Store) ReleaseChannel(ctx context.Context, channelID, holder string) error {
	err := s.w.WithContext(ctx).Exec(`DELETE FROM channel_leases WHERE channel_id = ? AND holder = ?`,
		channelID, holder).Error
	if err != nil {
		return fmt.Errorf("store: release channel %s: %w", channelID, err)
	}
	return nil
}

// ChannelLease is who holds a channel's poll lease, and until when.
type ChannelLease struct {
	ChannelID string
	Holder    string
	Until     time.Time
}

// ChannelLeases lists the leases on record, expired ones included, ordered
// by channel; for status pages and tests.
func (s *Store) ChannelLeases(ctx context.Context) ([]ChannelLease, error) {
	var rows []struct {
		ChannelID string
		Holder    string
		ExpiresAt int64
	}
	err := s.r.WithContext(ctx).Raw(`SELECT channel_id, holder, expires_at FROM channel_leases ORDER BY channel_id`).
		Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: channel leases: %w", err)
	}
	out := make([]ChannelLease, len(rows))
	for i, r := range rows {
		out[i] = ChannelLease{ChannelID: r.ChannelID, Holder: r.Holder, Until: fromUnix(r.ExpiresAt)}
	}
	return out, nil
}
