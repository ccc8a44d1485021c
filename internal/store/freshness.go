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

// SourcePauses sums up the channels the Partner API has paused: a rate-limit
// answer sets a channel's PausedUntil without counting a failure, so these
// are the channels with PausedUntil after now and no consecutive failures
// (the poller tells them apart the same way). Their data stays behind until
// Until; pages and /healthz show them rather than let them go stale silently.
type SourcePauses struct {
	Channels int       // channels paused by the source now
	Until    time.Time // the latest end of their pauses; zero when Channels is 0
}

// SourcePauses returns the channels of f that the Partner API has paused at
// now. It reads the poll state, one row per channel.
func (s *Store) SourcePauses(ctx context.Context, sc Scope, f ChannelFilter, now time.Time) (SourcePauses, error) {
	f, ok := sc.channels(f)
	if !ok {
		return SourcePauses{}, nil
	}
	q := s.r.WithContext(ctx).Model(&pollStateModel{}).Select("COUNT(*), MAX(paused_until)").
		Where("paused_until > ? AND consecutive_failures = 0", now.Unix())
	if where, args := f.scope("channel_id"); where != "" {
		q = q.Where(where, args...)
	}
	var n int
	var until *int64
	if err := q.Row().Scan(&n, &until); err != nil {
		return SourcePauses{}, fmt.Errorf("store: source pauses: %w", err)
	}
	return SourcePauses{Channels: n, Until: fromNullUnix(until)}, nil
}
