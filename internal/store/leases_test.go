package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
)

func seedLeaseChannels(t *testing.T, s *store.Store, ids ...string) {
	t.Helper()
	ctx := context.Background()
	if err := s.UpsertClients(ctx, []store.Client{{ID: "c1", Name: "Acme"}}); err != nil {
		t.Fatal(err)
	}
	var chs []store.Channel
	for _, id := range ids {
		chs = append(chs, store.Channel{ID: id, ClientID: "c1", WABAID: "w1", Currency: "EUR"})
	}
	if err := s.UpsertChannels(ctx, chs); err != nil {
		t.Fatal(err)
	}
}

func TestChannelLeases(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seedLeaseChannels(t, s, "ch1", "ch2")
		t0 := day0.Add(9 * time.Hour)
		ttl := 5 * time.Minute
		claim := func(ch, holder string, now time.Time) bool {
			t.Helper()
			ok, err := s.ClaimChannel(ctx, ch, holder, now, now.Add(ttl))
			if err != nil {
				t.Fatalf("ClaimChannel(%s, %s): %v", ch, holder, err)
			}
			return ok
		}
		steps := []struct {
			name   string
			ch     string
			holder string
			at     time.Duration
			want   bool
		}{
			{"free lease is granted", "ch1", "A", 0, true},
			{"held lease is refused", "ch1", "B", time.Minute, false},
			{"other channel is free", "ch2", "B", time.Minute, true},
			{"holder renews", "ch1", "A", 2 * time.Minute, true},
			{"renewal moved the end", "ch1", "B", 6 * time.Minute, false},
			{"expired lease is taken over", "ch1", "B", 7 * time.Minute, true},
			{"old holder lost it", "ch1", "A", 8 * time.Minute, false},
		}
		for _, st := range steps {
			if got := claim(st.ch, st.holder, t0.Add(st.at)); got != st.want {
				t.Errorf("%s: claim %s by %s at +%v = %v, want %v", st.name, st.ch, st.holder, st.at, got, st.want)
			}
		}
		leases, err := s.ChannelLeases(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []store.ChannelLease{
			{ChannelID: "ch1", Holder: "B", Until: t0.Add(7*time.Minute + ttl)},
			{ChannelID: "ch2", Holder: "B", Until: t0.Add(time.Minute + ttl)},
		}
		if fmt.Sprint(leases) != fmt.Sprint(want) {
			t.Errorf("leases = %v, want %v", leases, want)
		}
		// A release by someone who does not hold it changes nothing; the
		// holder's release frees the channel at once.
		if err := s.ReleaseChannel(ctx, "ch1", "A"); err != nil {
			t.Fatal(err)
		}
		if claim("ch1", "C", t0.Add(8*time.Minute)) {
			t.Error("ch1 claimable after a release by a non-holder")
		}
		if err := s.ReleaseChannel(ctx, "ch1", "B"); err != nil {
			t.Fatal(err)
		}
		if !claim("ch1", "C", t0.Add(8*time.Minute)) {
			t.Error("ch1 not claimable after its holder released it")
		}
		if _, err := s.ClaimChannel(ctx, "ch1", "C", t0, t0); err == nil {
			t.Error("a lease ending at now was accepted")
		}
		if _, err := s.ClaimChannel(ctx, "ch1", "", t0, t0.Add(ttl)); err == nil {
			t.Error("an empty holder was accepted")
		}
	})
}

// TestClaimChannelRace claims the same channels from several handles on one
// database at once: every round has exactly one winner.
func TestClaimChannelRace(t *testing.T) {
	t.Parallel()
	const handles, rounds = 4, 20
	storetest.ForEachDBShared(t, handles, func(t *testing.T, stores []*store.Store) {
		ctx := context.Background()
		seedLeaseChannels(t, stores[0], "ch1")
		t0 := day0.Add(9 * time.Hour)
		for r := range rounds {
			// Each round starts after the previous winner's lease ended.
			now := t0.Add(time.Duration(r) * 10 * time.Minute)
			var wg sync.WaitGroup
			wins := make([]bool, handles)
			for i, s := range stores {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ok, err := s.ClaimChannel(ctx, "ch1", fmt.Sprintf("holder-%d", i), now, now.Add(5*time.Minute))
					if err != nil {
						t.Errorf("round %d handle %d: %v", r, i, err)
					}
					wins[i] = ok
				}()
			}
			wg.Wait()
			n := 0
			for _, w := range wins {
				if w {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("round %d: %d winners (%v), want exactly 1", r, n, wins)
			}
		}
	})
}

func TestLastFetches(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seedLeaseChannels(t, s, "ch1", "ch2", "ch3")
		t0 := day0.Add(9 * time.Hour)
		states := []store.PollState{
			{ChannelID: "ch1", LastRecentAt: t0.Add(time.Hour), LastWeekAt: t0},
			{ChannelID: "ch2", LastRecentAt: t0, LastWeekAt: t0.Add(2 * time.Hour)},
			{ChannelID: "ch3", PausedUntil: t0}, // never fetched
		}
		for _, st := range states {
			if err := s.SavePollState(ctx, st); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.LastFetches(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]time.Time{"ch1": t0.Add(time.Hour), "ch2": t0.Add(2 * time.Hour)}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("LastFetches = %v, want %v", got, want)
		}
	})
}
