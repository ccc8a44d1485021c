package store

import (
	"context"
	"fmt"
	"time"
)

// LastFetches returns, for every channel the poller has fetched usage for,
// the instant of its latest successful usage fetch (the later of the poll
// state's last recent and last week fetch): the data of the channel is
// complete up to then. It reads one row per channel, so it is cheap enough
// for every metrics scrape.
func (s *Store) LastFetches(ctx context.Context) (map[string]time.Time, error) {
	var rows []struct {
		ChannelID    string
		LastRecentAt *int64
		LastWeekAt   *int64
	}
	err := s.r.WithContext(ctx).Raw(`SELECT channel_id, last_recent_at, last_week_at FROM poll_state
		WHERE last_recent_at IS NOT NULL OR last_week_at IS NOT NULL`).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: last fetches: %w", err)
	}
	out := make(map[string]time.Time, len(rows))
	for _, r := range rows {
		a, b := fromNullUnix(r.LastRecentAt), fromNullUnix(r.LastWeekAt)
		if b.After(a) {
			a = b
		}
		out[r.ChannelID] = a
	}
	return out, nil
}
