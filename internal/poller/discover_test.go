package poller_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/poller"
	"github.com/insights-dev/insights/internal/simulator"
)

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRequestedDiscoveryIsDebounced(t *testing.T) {
	t.Parallel()
	var lists atomic.Int64 // channel-list reads that reached the API
	e := newEnv(t, simulator.Config{Seed: 3, Clients: 1}, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/channels") {
				lists.Add(1)
			}
			h.ServeHTTP(w, r)
		})
	})
	var hooks atomic.Int64
	const gap = 50 * time.Millisecond
	p := e.poller(poller.Options{Interval: time.Hour, DiscoverMinGap: gap,
		OnDiscovered: func(context.Context) error { hooks.Add(1); return nil }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	waitFor(t, "the first pass", func() bool { return !p.Status().LastPass.IsZero() })
	if n, h := lists.Load(), hooks.Load(); n != 1 || h != 1 {
		t.Fatalf("first pass: %d list reads, %d OnDiscovered calls; want 1 and 1", n, h)
	}

	// A burst of unknown numbers right after that discovery: nothing
	// happens within the gap (the poller's clock stands still).
	burst := func() {
		var wg sync.WaitGroup
		for range 50 {
			wg.Add(1)
			go func() { defer wg.Done(); p.RequestDiscovery() }()
		}
		wg.Wait()
	}
	burst()
	time.Sleep(10 * gap)
	if n := lists.Load(); n != 1 {
		t.Fatalf("%d list reads within the gap, want still 1", n)
	}
	// Once the gap has passed, the whole burst costs one discovery.
	e.clock.Advance(time.Minute)
	waitFor(t, "the requested discovery", func() bool { return hooks.Load() == 2 })
	time.Sleep(10 * gap)
	if n, h := lists.Load(), hooks.Load(); n != 2 || h != 2 {
		t.Errorf("after the burst: %d list reads, %d OnDiscovered calls; want 2 and 2", n, h)
	}
	// A later number, after the gap, is discovered at once.
	e.clock.Advance(time.Minute)
	burst()
	waitFor(t, "the second requested discovery", func() bool { return hooks.Load() == 3 })
	if n := lists.Load(); n != 3 {
		t.Errorf("%d list reads, want 3", n)
	}
}
