package store_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
)

func TestReserveRequest(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		const window = time.Hour
		t0 := day0.Add(10 * time.Hour)

		t.Run("channel limit and retry time", func(t *testing.T) { checkChannelLimit(t, ctx, s, window, t0) })

		t.Run("waba limit spans channels", func(t *testing.T) { checkWABALimit(t, ctx, s, window, t0) })

		t.Run("record, count, prune", func(t *testing.T) { checkRecordCountPrune(t, ctx, s, t0) })

		t.Run("concurrent reservations never exceed the limit", func(t *testing.T) { checkConcurrentReservations(t, ctx, s, window, t0) })
	})
}

// checkChannelLimit checks a channel's limit refuses the next reservation in
// the window and says when to retry.
func checkChannelLimit(t *testing.T, ctx context.Context, s *store.Store, window time.Duration, t0 time.Time) {
	for i := range 3 {
		ok, _, err := s.ReserveRequest(ctx, "chA", "wA", t0.Add(time.Duration(i)*time.Minute), 3, 100, window)
		if err != nil || !ok {
			t.Fatalf("reservation %d: ok=%v err=%v", i, ok, err)
		}
	}
	ok, retry, err := s.ReserveRequest(ctx, "chA", "wA", t0.Add(10*time.Minute), 3, 100, window)
	if err != nil || ok {
		t.Fatalf("4th reservation: ok=%v err=%v; want refused", ok, err)
	}
	if want := t0.Add(window); !retry.Equal(want) {
		t.Errorf("retryAt = %v, want %v (the oldest request leaves the window)", retry, want)
	}
	// At retryAt the first request has left the window.
	if ok, _, err := s.ReserveRequest(ctx, "chA", "wA", retry, 3, 100, window); err != nil || !ok {
		t.Errorf("at retryAt: ok=%v err=%v", ok, err)
	}
	perCh, perWABA, err := s.CountRequests(ctx, "chA", "wA", retry.Add(-window))
	if err != nil || perCh != 3 || perWABA != 3 {
		t.Errorf("CountRequests = %d, %d, %v; want 3, 3", perCh, perWABA, err)
	}
}

// checkWABALimit checks a WABA's limit counts the reservations of all its
// channels.
func checkWABALimit(t *testing.T, ctx context.Context, s *store.Store, window time.Duration, t0 time.Time) {
	granted := 0
	for i := range 6 {
		ch := []string{"b1", "b2", "b3"}[i%3]
		ok, retry, err := s.ReserveRequest(ctx, ch, "wB", t0.Add(time.Duration(i)*time.Second), 10, 4, window)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			granted++
		} else if want := t0.Add(window); !retry.Equal(want) {
			t.Errorf("retryAt = %v, want %v", retry, want)
		}
	}
	if granted != 4 {
		t.Errorf("granted %d, want the WABA limit 4", granted)
	}
}

// checkRecordCountPrune checks recorded requests are counted in their window
// and pruned after it.
func checkRecordCountPrune(t *testing.T, ctx context.Context, s *store.Store, t0 time.Time) {
	for i := range 5 {
		if err := s.RecordRequest(ctx, "chC", "wC", t0.Add(time.Duration(i)*20*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	perCh, perWABA, err := s.CountRequests(ctx, "chC", "wC", t0.Add(30*time.Minute))
	if err != nil || perCh != 3 || perWABA != 3 {
		t.Errorf("CountRequests = %d, %d, %v; want 3, 3", perCh, perWABA, err)
	}
	if err := s.PruneRequests(ctx, t0.Add(60*time.Minute)); err != nil {
		t.Fatal(err)
	}
	perCh, _, err = s.CountRequests(ctx, "chC", "wC", t0.Add(-time.Hour))
	if err != nil || perCh != 2 {
		t.Errorf("after prune: %d, %v; want 2", perCh, err)
	}
}

// checkConcurrentReservations checks reservations racing for the last places
// never exceed the limit.
func checkConcurrentReservations(t *testing.T, ctx context.Context, s *store.Store, window time.Duration, t0 time.Time) {
	const workers, chLimit, wabaLimit = 40, 10, 15
	var granted, grantedD1 atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ch := []string{"d1", "d2"}[i%2]
			ok, _, err := s.ReserveRequest(ctx, ch, "wD", t0, chLimit, wabaLimit, window)
			if err != nil {
				errs <- err
				return
			}
			if ok {
				granted.Add(1)
				if ch == "d1" {
					grantedD1.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if granted.Load() != wabaLimit {
		t.Errorf("granted %d, want exactly the WABA limit %d", granted.Load(), wabaLimit)
	}
	if grantedD1.Load() > chLimit {
		t.Errorf("channel d1 granted %d, over its limit %d", grantedD1.Load(), chLimit)
	}
}

func TestPollRuns(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seed(t, s)
		t0 := day0.Add(8 * time.Hour)
		runs := []store.PollRun{
			{ChannelID: "ch1", Kind: store.PollBackfill, WindowStart: day0.AddDate(0, 0, -90), WindowEnd: t0,
				StartedAt: t0, Duration: 1500 * time.Millisecond, Outcome: store.OutcomeOK, Points: 4000},
			{ChannelID: "ch1", Kind: store.PollRecent, WindowStart: day0.AddDate(0, 0, -1), WindowEnd: t0.Add(time.Hour),
				StartedAt: t0.Add(time.Hour), Duration: 200 * time.Millisecond, Outcome: store.OutcomeOK, Points: 40},
			{ChannelID: "ch1", Kind: store.PollRecent, StartedAt: t0.Add(2 * time.Hour), Duration: 100 * time.Millisecond,
				Outcome: store.OutcomeRateLimited, Error: "429 Too Many Requests"},
			{ChannelID: "ch3", Kind: store.PollRecent, StartedAt: t0.Add(90 * time.Minute), Outcome: store.OutcomeError,
				Error: "decode usage: field cost"},
			{ChannelID: "ch3", Kind: store.PollBalance, StartedAt: t0.Add(3 * time.Hour), Outcome: store.OutcomeOK},
			{Kind: store.PollDiscover, StartedAt: t0, Outcome: store.OutcomeOK, Points: 3},
		}
		for _, r := range runs {
			if err := s.RecordPollRun(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.RecordPollRun(ctx, store.PollRun{ChannelID: "ch1"}); err == nil {
			t.Error("a run without kind was accepted")
		}

		last, err := s.LastPollRuns(ctx, store.ChannelFilter{})
		if err != nil {
			t.Fatal(err)
		}
		want := []store.PollRun{runs[5], runs[0], runs[2], runs[4], runs[3]}
		if len(last) != len(want) {
			t.Fatalf("LastPollRuns = %+v", last)
		}
		for i := range want {
			if last[i] != want[i] {
				t.Errorf("LastPollRuns[%d] = %+v\nwant %+v", i, last[i], want[i])
			}
		}
		last, err = s.LastPollRuns(ctx, store.ChannelFilter{ClientIDs: []string{"c2"}})
		if err != nil || len(last) != 2 || last[0].Kind != store.PollBalance || last[1].Kind != store.PollRecent {
			t.Errorf("LastPollRuns(c2) = %+v, %v", last, err)
		}

		at, ok, err := s.LastSuccessfulPoll(ctx, store.AllClients(), store.ChannelFilter{})
		if err != nil || !ok || !at.Equal(t0.Add(time.Hour)) {
			t.Errorf("LastSuccessfulPoll = %v, %v, %v; want %v (balance runs do not count)", at, ok, err, t0.Add(time.Hour))
		}
		if _, ok, err := s.LastSuccessfulPoll(ctx, store.AllClients(), store.ChannelFilter{ChannelIDs: []string{"ch3"}}); err != nil || ok {
			t.Errorf("LastSuccessfulPoll(ch3) ok = %v, %v; want false", ok, err)
		}

		errs, err := s.RecentPollErrors(ctx, store.AllClients(), store.ChannelFilter{}, t0.Add(80*time.Minute))
		if err != nil || len(errs) != 2 || errs[0] != runs[2] || errs[1] != runs[3] {
			t.Errorf("RecentPollErrors = %+v, %v", errs, err)
		}
		errs, err = s.RecentPollErrors(ctx, store.AllClients(), store.ChannelFilter{WABAIDs: []string{"w1"}}, t0)
		if err != nil || len(errs) != 1 || errs[0] != runs[2] {
			t.Errorf("RecentPollErrors(w1) = %+v, %v", errs, err)
		}
	})
}

func TestPollState(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seed(t, s)
		st, err := s.GetPollState(ctx, "ch1")
		if err != nil || st != (store.PollState{ChannelID: "ch1"}) {
			t.Fatalf("fresh state = %+v, %v; want the zero state", st, err)
		}
		want := store.PollState{ChannelID: "ch1", BackfilledFrom: day0.AddDate(0, 0, -90), BackfilledUntil: day0,
			LastRecentAt: day0.Add(time.Hour), PausedUntil: day0.Add(2 * time.Hour), ConsecutiveFailures: 2}
		if err := s.SavePollState(ctx, want); err != nil {
			t.Fatal(err)
		}
		want.LastWeekAt = day0.Add(3 * time.Hour)
		want.PausedUntil = time.Time{}
		want.ConsecutiveFailures = 0
		if err := s.SavePollState(ctx, want); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetPollState(ctx, "ch1")
		if err != nil {
			t.Fatal(err)
		}
		if got.UpdatedAt.IsZero() {
			t.Error("UpdatedAt not set")
		}
		want.UpdatedAt = got.UpdatedAt
		if got != want {
			t.Errorf("state = %+v\nwant    %+v", got, want)
		}
	})
}

func TestSourcePauses(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seed(t, s)
		for _, st := range []store.PollState{
			{ChannelID: "ch1", PausedUntil: day0.Add(2 * time.Hour)},                         // paused by the source
			{ChannelID: "ch2", PausedUntil: day0.Add(3 * time.Hour), ConsecutiveFailures: 2}, // an error backoff
			{ChannelID: "ch3", PausedUntil: day0.Add(30 * time.Minute)},
		} {
			if err := s.SavePollState(ctx, st); err != nil {
				t.Fatal(err)
			}
		}
		tests := []struct {
			name string
			f    store.ChannelFilter
			now  time.Time
			want store.SourcePauses
		}{
			{"all", store.ChannelFilter{}, day0, store.SourcePauses{Channels: 2, Until: day0.Add(2 * time.Hour)}},
			{"one client", store.ChannelFilter{ClientIDs: []string{"c2"}}, day0, store.SourcePauses{Channels: 1, Until: day0.Add(30 * time.Minute)}},
			{"backoff only", store.ChannelFilter{ChannelIDs: []string{"ch2"}}, day0, store.SourcePauses{}},
			{"one pause over", store.ChannelFilter{}, day0.Add(time.Hour), store.SourcePauses{Channels: 1, Until: day0.Add(2 * time.Hour)}},
			{"all over", store.ChannelFilter{}, day0.Add(2 * time.Hour), store.SourcePauses{}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.SourcePauses(ctx, store.AllClients(), tt.f, tt.now)
				if err != nil {
					t.Fatal(err)
				}
				if got != tt.want {
					t.Errorf("SourcePauses = %+v, want %+v", got, tt.want)
				}
			})
		}
	})
}

func TestBalances(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seed(t, s)
		threshold := int64(10_000_000_000)
		for _, b := range []store.BalanceReading{
			{ChannelID: "ch1", ReadAt: day0, Currency: "EUR", BalanceNanos: 50_000_000_000, ThresholdNanos: &threshold},
			{ChannelID: "ch1", ReadAt: day0.Add(time.Hour), Currency: "EUR", BalanceNanos: 42_100_000_000, ThresholdNanos: &threshold},
			{ChannelID: "ch3", ReadAt: day0, Currency: "USD", BalanceNanos: -1_500_000_000},
			{ChannelID: "ch3", ReadAt: day0, Currency: "USD", BalanceNanos: 7_000_000_000}, // same read: replaces
		} {
			if err := s.SaveBalance(ctx, b); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.LatestBalances(ctx, store.AllClients(), store.ChannelFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].ChannelID != "ch1" || got[0].BalanceNanos != 42_100_000_000 ||
			!got[0].ReadAt.Equal(day0.Add(time.Hour)) || got[0].ThresholdNanos == nil || *got[0].ThresholdNanos != threshold ||
			got[1].BalanceNanos != 7_000_000_000 || got[1].ThresholdNanos != nil || got[1].Currency != "USD" {
			t.Errorf("LatestBalances = %+v", got)
		}
		got, err = s.LatestBalances(ctx, store.AllClients(), store.ChannelFilter{ClientIDs: []string{"c2"}})
		if err != nil || len(got) != 1 || got[0].ChannelID != "ch3" {
			t.Errorf("LatestBalances(c2) = %+v, %v", got, err)
		}
	})
}
