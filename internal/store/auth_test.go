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

// TestReserveLoginAttemptConcurrent: however many reservations run at once,
// no key gets more than its limit, a refused reservation writes nothing,
// and a released one frees its place.
func TestReserveLoginAttemptConcurrent(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Now().UTC()
		since := now.Add(-15 * time.Minute)
		reserveAll := func(n int, limits func(i int) []store.AttemptLimit) []store.LoginAttempt {
			t.Helper()
			var mu sync.Mutex
			var granted []store.LoginAttempt
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range n {
				wg.Go(func() {
					<-start
					a, ok, err := s.ReserveLoginAttempt(ctx, now, since, limits(i)...)
					if err != nil {
						t.Errorf("reserve %d: %v", i, err)
						return
					}
					if ok {
						mu.Lock()
						granted = append(granted, a)
						mu.Unlock()
					}
				})
			}
			close(start)
			wg.Wait()
			return granted
		}
		count := func(key string) int {
			t.Helper()
			n, err := s.CountLoginFailures(ctx, key, since)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}

		// One account from one address: the account's limit holds.
		granted := reserveAll(30, func(int) []store.AttemptLimit {
			return []store.AttemptLimit{{Key: "account:a@example.com", Max: 5}, {Key: "address:192.0.2.1", Max: 20}}
		})
		if len(granted) != 5 || count("account:a@example.com") != 5 || count("address:192.0.2.1") != 5 {
			t.Fatalf("30 parallel attempts on one account: %d granted, %d account and %d address failures; want 5, 5, 5",
				len(granted), count("account:a@example.com"), count("address:192.0.2.1"))
		}
		// Many accounts from one address: the address's limit holds.
		granted = reserveAll(30, func(i int) []store.AttemptLimit {
			return []store.AttemptLimit{{Key: fmt.Sprintf("account:u%d@example.com", i), Max: 5}, {Key: "address:192.0.2.1", Max: 20}}
		})
		if len(granted) != 15 || count("address:192.0.2.1") != 20 {
			t.Fatalf("30 parallel attempts from one address with 5 failures: %d granted, %d address failures; want 15, 20",
				len(granted), count("address:192.0.2.1"))
		}
		// A released attempt frees its place, for one more attempt only.
		if err := s.ReleaseLoginAttempt(ctx, granted[0]); err != nil {
			t.Fatal(err)
		}
		if n := count("address:192.0.2.1"); n != 19 {
			t.Fatalf("after a release: %d address failures, want 19", n)
		}
		granted = reserveAll(10, func(i int) []store.AttemptLimit {
			return []store.AttemptLimit{{Key: fmt.Sprintf("account:v%d@example.com", i), Max: 5}, {Key: "address:192.0.2.1", Max: 20}}
		})
		if len(granted) != 1 || count("address:192.0.2.1") != 20 {
			t.Errorf("after a release: %d granted, %d address failures; want 1, 20", len(granted), count("address:192.0.2.1"))
		}
		// Failures before the window do not count.
		if _, ok, err := s.ReserveLoginAttempt(ctx, now, now.Add(time.Second), store.AttemptLimit{Key: "address:192.0.2.1", Max: 20}); err != nil || !ok {
			t.Errorf("reserve with every failure before the window: %v, %v; want true", ok, err)
		}
	})
}
