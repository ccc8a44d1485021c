package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Poll kinds: what a poll run fetched.
const (
	PollBackfill = "backfill" // the channel's history, once
	PollRecent   = "recent"   // from the start of yesterday to now
	PollWeek     = "week"     // the daily re-fetch of the last 7 days
	PollDiscover = "discover" // the client and channel lists (no channel)
	PollBalance  = "balance"  // a channel's balance
)

// Poll outcomes.
const (
	OutcomeOK          = "ok"
	OutcomeError       = "error"
	OutcomeRateLimited = "rate_limited"
)

// usagePollKinds are the kinds whose success makes usage data fresh.
var usagePollKinds = []string{PollBackfill, PollRecent, PollWeek}

// PollRun records one request the poller made.
type PollRun struct {
	ChannelID              string // "" for partner-wide runs such as discover
	Kind                   string
	WindowStart, WindowEnd time.Time // zero when the run had no window
	StartedAt              time.Time
	Duration               time.Duration // stored in milliseconds
	Outcome                string
	Error                  string
	Points                 int
}

// maxPollErrors caps RecentPollErrors.
const maxPollErrors = 1000

// RecordPollRun stores one poll run.
func (s *Store) RecordPollRun(ctx context.Context, r PollRun) error {
	m, err := pollRunRow(r)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err := s.w.WithContext(ctx).Create(&m).Error; err != nil {
		return fmt.Errorf("store: record poll run: %w", err)
	}
	return nil
}

// pollRunRow validates a run and turns it into its row.
func pollRunRow(r PollRun) (pollRunModel, error) {
	if r.Kind == "" || r.Outcome == "" || r.StartedAt.IsZero() {
		return pollRunModel{}, fmt.Errorf("record poll run: kind, outcome and start are required (got %q, %q, %v)", r.Kind, r.Outcome, r.StartedAt)
	}
	return pollRunModel{
		ChannelID: r.ChannelID, Kind: r.Kind, WindowStart: nullUnix(r.WindowStart), WindowEnd: nullUnix(r.WindowEnd),
		StartedAt: r.StartedAt.Unix(), DurationMS: r.Duration.Milliseconds(), Outcome: r.Outcome, Error: r.Error,
		Points: int64(r.Points),
	}, nil
}

// LastPollRuns returns the latest run per channel and kind (latest by start,
// then by recording order), ordered by channel and kind. Partner-wide runs
// (no channel) are included only when f is empty.
func (s *Store) LastPollRuns(ctx context.Context, f ChannelFilter) ([]PollRun, error) {
	where, args := f.scope("channel_id")
	if where == "" {
		where = "1 = 1"
	}
	q := `SELECT id, channel_id, kind, window_start, window_end, started_at, duration_ms, outcome, error, points FROM (
		SELECT p.*, ROW_NUMBER() OVER (PARTITION BY channel_id, kind ORDER BY started_at DESC, id DESC) AS rn
		FROM poll_runs p WHERE ` + where + `) t WHERE rn = 1 ORDER BY channel_id, kind`
	var rows []pollRunModel
	if err := s.r.WithContext(ctx).Raw(q, args...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: last poll runs: %w", err)
	}
	return pollRuns(rows), nil
}

// LastSuccessfulPoll returns the start of the latest successful usage poll
// (backfill, recent or week) of the channels in f: the moment their data was
// last read from the source. ok is false when there was none.
func (s *Store) LastSuccessfulPoll(ctx context.Context, sc Scope, f ChannelFilter) (time.Time, bool, error) {
	f, ok := sc.channels(f)
	if !ok {
		return time.Time{}, false, nil
	}
	q := s.r.WithContext(ctx).Model(&pollRunModel{}).Select("MAX(started_at)").
		Where("outcome = ? AND kind IN ?", OutcomeOK, usagePollKinds)
	if where, args := f.scope("channel_id"); where != "" {
		q = q.Where(where, args...)
	}
	var at sql.NullInt64
	if err := q.Row().Scan(&at); err != nil {
		return time.Time{}, false, fmt.Errorf("store: last successful poll: %w", err)
	}
	if !at.Valid {
		return time.Time{}, false, nil
	}
	return fromUnix(at.Int64), true, nil
}

// RecentPollErrors returns runs that did not succeed (errors and rate limits)
// and started at or after since, newest first, at most 1000.
func (s *Store) RecentPollErrors(ctx context.Context, sc Scope, f ChannelFilter, since time.Time) ([]PollRun, error) {
	f, ok := sc.channels(f)
	if !ok {
		return nil, nil
	}
	q := s.r.WithContext(ctx).Where("outcome <> ? AND started_at >= ?", OutcomeOK, since.Unix())
	if where, args := f.scope("channel_id"); where != "" {
		q = q.Where(where, args...)
	}
	var rows []pollRunModel
	if err := q.Order("started_at DESC, id DESC").Limit(maxPollErrors).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: recent poll errors: %w", err)
	}
	return pollRuns(rows), nil
}

func pollRuns(rows []pollRunModel) []PollRun {
	out := make([]PollRun, len(rows))
	for i, m := range rows {
		out[i] = PollRun{
			ChannelID: m.ChannelID, Kind: m.Kind, WindowStart: fromNullUnix(m.WindowStart),
			WindowEnd: fromNullUnix(m.WindowEnd), StartedAt: fromUnix(m.StartedAt),
			Duration: time.Duration(m.DurationMS) * time.Millisecond, Outcome: m.Outcome, Error: m.Error,
			Points: int(m.Points),
		}
	}
	return out
}

// PollState is what the poller remembers per channel between runs. Zero
// times mean "never".
type PollState struct {
	ChannelID           string
	BackfilledFrom      time.Time // start of the history fetched so far
	BackfilledUntil     time.Time // end of the history fetched so far
	LastRecentAt        time.Time // last successful "recent" poll
	LastWeekAt          time.Time // last successful "week" poll
	PausedUntil         time.Time // no requests before this (after a 429)
	ConsecutiveFailures int
	UpdatedAt           time.Time // when the state was last saved
}

// GetPollState returns the poll state of a channel; a channel never saved
// has the zero state (with its ChannelID) and no error.
func (s *Store) GetPollState(ctx context.Context, channelID string) (PollState, error) {
	var m pollStateModel
	err := s.r.WithContext(ctx).Where("channel_id = ?", channelID).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return PollState{ChannelID: channelID}, nil
	}
	if err != nil {
		return PollState{}, fmt.Errorf("store: get poll state %q: %w", channelID, err)
	}
	return PollState{
		ChannelID: m.ChannelID, BackfilledFrom: fromNullUnix(m.BackfilledFrom),
		BackfilledUntil: fromNullUnix(m.BackfilledUntil), LastRecentAt: fromNullUnix(m.LastRecentAt),
		LastWeekAt: fromNullUnix(m.LastWeekAt), PausedUntil: fromNullUnix(m.PausedUntil),
		ConsecutiveFailures: int(m.ConsecutiveFailures), UpdatedAt: fromUnix(m.UpdatedAt),
	}, nil
}

// SavePollState stores the whole poll state of a channel, replacing the old one.
func (s *Store) SavePollState(ctx context.Context, st PollState) error {
	if st.ChannelID == "" {
		return fmt.Errorf("store: save poll state: no channel id")
	}
	m := pollStateModel{
		ChannelID: st.ChannelID, BackfilledFrom: nullUnix(st.BackfilledFrom), BackfilledUntil: nullUnix(st.BackfilledUntil),
		LastRecentAt: nullUnix(st.LastRecentAt), LastWeekAt: nullUnix(st.LastWeekAt), PausedUntil: nullUnix(st.PausedUntil),
		ConsecutiveFailures: int64(st.ConsecutiveFailures), UpdatedAt: s.now().Unix(),
	}
	err := s.w.WithContext(ctx).Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "channel_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"backfilled_from", "backfilled_until", "last_recent_at",
			"last_week_at", "paused_until", "consecutive_failures", "updated_at"}),
	}).Create(&m).Error
	if err != nil {
		return fmt.Errorf("store: save poll state %q: %w", st.ChannelID, err)
	}
	return nil
}
