package poller_test

import (
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/metrics"
	"github.com/insights-dev/insights/internal/poller"
	"github.com/insights-dev/insights/internal/simulator"
	"github.com/insights-dev/insights/internal/store"
)

// TestMetricsCountRequests checks the poller's counters against the
// simulator's own counts, a 429 included.
func TestMetricsCountRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Config{Seed: 3, Clients: 2}, nil)
	reg := metrics.NewRegistry()
	p := e.poller(poller.Options{Metrics: reg})
	first := runOnce(t, p)
	requests := reg.Counter(poller.MetricRequests, "", "kind", "outcome")
	tooMany := reg.Counter(poller.MetricTooMany, "")
	channels := len(channelIDs(e.sim))
	if got := requests.Value(store.PollBackfill, store.OutcomeOK); got != float64(channels) {
		t.Errorf("backfill ok = %v, want one per channel (%d)", got, channels)
	}
	if got := requests.Value(store.PollBalance, store.OutcomeOK); got != float64(channels) {
		t.Errorf("balance ok = %v, want %d", got, channels)
	}
	if first.Requests != 2*channels {
		t.Errorf("first pass made %d requests, want %d", first.Requests, 2*channels)
	}

	id := channelIDs(e.sim)[0]
	e.sim.InjectFault(simulator.Fault{Kind: simulator.FaultRateLimit, ChannelID: id, Path: "/info/usage",
		Times: 1, RetryAfter: 10 * time.Minute})
	e.clock.Advance(8 * time.Minute)
	runOnce(t, p)
	if got := requests.Value(store.PollRecent, store.OutcomeRateLimited); got != 1 {
		t.Errorf("recent rate_limited = %v, want 1", got)
	}
	if got := requests.Value(store.PollRecent, store.OutcomeOK); got != float64(channels-1) {
		t.Errorf("recent ok = %v, want %d", got, channels-1)
	}
	if got, sim := tooMany.Value(), e.sim.Stats().TooMany; got != 1 || sim != 1 {
		t.Errorf("429 counter = %v, simulator answered %d; want 1 and 1", got, sim)
	}
}
