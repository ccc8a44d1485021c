package poller_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/poller"
	"github.com/insights-dev/insights/internal/simulator"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
)

// overlapDetector wraps the simulator and counts requests for a channel
// (usage or balance) that arrive while another request for the same channel
// is still being answered. Each request is held a little, so that two
// pollers working the same channel at once would be caught.
type overlapDetector struct {
	hold time.Duration

	mu          sync.Mutex
	inFlight    map[string]int
	overlaps    map[string]int
	maxParallel int // most channel requests in flight at once, all channels
	parallel    int
}

func newOverlapDetector(hold time.Duration) *overlapDetector {
	return &overlapDetector{hold: hold, inFlight: map[string]int{}, overlaps: map[string]int{}}
}

// channelOf returns the channel of …/clients/{c}/channels/{ch}/info/…, or "".
func channelOf(path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i := 0; i+2 < len(segs); i++ {
		if segs[i] == "channels" && segs[i+2] == "info" {
			return segs[i+1]
		}
	}
	return ""
}

func (d *overlapDetector) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ch := channelOf(r.URL.Path)
		if ch == "" {
			next.ServeHTTP(w, r)
			return
		}
		d.mu.Lock()
		if d.inFlight[ch] > 0 {
			d.overlaps[ch]++
		}
		d.inFlight[ch]++
		d.parallel++
		d.maxParallel = max(d.maxParallel, d.parallel)
		d.mu.Unlock()
		defer func() {
			d.mu.Lock()
			d.inFlight[ch]--
			d.parallel--
			d.mu.Unlock()
		}()
		time.Sleep(d.hold)
		next.ServeHTTP(w, r)
	})
}

func (d *overlapDetector) result() (overlaps map[string]int, maxParallel int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := map[string]int{}
	for k, v := range d.overlaps {
		out[k] = v
	}
	return out, d.maxParallel
}

// TestReplicasOnOneDatabase runs three pollers, each with its own store
// handle on one database (as three replicas would), against one simulator
// for two hours of fake time, a pass every three minutes: no channel is ever fetched by two at once, the
// simulator counts no rate-limit violation, and the stored data is exactly
// the source's, as with one poller.
func TestReplicasOnOneDatabase(t *testing.T) {
	t.Parallel()
	const replicas = 3
	storetest.ForEachDBShared(t, replicas, func(t *testing.T, stores []*store.Store) {
		det := newOverlapDetector(2 * time.Millisecond)
		e := newEnvOn(t, simulator.Config{Seed: 9, Clients: 3}, det.wrap, stores[0])
		pollers := make([]*poller.Poller, replicas)
		for i, st := range stores {
			pollers[i] = e.pollerOn(st, poller.Options{Workers: 2})
		}
		deferred := 0
		for range 2 * 60 / 3 {
			var wg sync.WaitGroup
			var mu sync.Mutex
			for _, p := range pollers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					res, err := p.RunOnce(context.Background())
					if err != nil {
						t.Errorf("RunOnce: %v", err)
					}
					mu.Lock()
					deferred += res.Deferred
					mu.Unlock()
				}()
			}
			wg.Wait()
			e.clock.Advance(3 * time.Minute)
		}
		stats := checkNoViolations(t, e.sim)
		for _, id := range channelIDs(e.sim) {
			if n := stats.UsageByChannel[id]; n > 2*10 {
				t.Errorf("channel %s: %d usage requests in 2 hours, more than the limit allows", id, n)
			}
		}
		overlaps, maxParallel := det.result()
		for ch, n := range overlaps {
			t.Errorf("channel %s: %d requests arrived while another for it was in flight", ch, n)
		}
		if maxParallel < 2 {
			t.Errorf("at most %d channel request(s) in flight at once: the replicas never worked in parallel", maxParallel)
		}
		if deferred == 0 {
			t.Error("no channel was ever deferred: the pollers never met a lease held by another")
		}
		leases, err := stores[1].ChannelLeases(context.Background())
		if err != nil || len(leases) != 0 {
			t.Errorf("leases left after the passes: %v, %v; want every lease released", leases, err)
		}
		e.clock.Advance(8 * time.Minute)
		runOnce(t, pollers[2])
		for _, id := range channelIDs(e.sim) {
			checkMatchesTruth(t, e, id, backfillStart(), e.clock.Now())
		}
		checkNoViolations(t, e.sim)
	})
}

// TestDeadReplicaIsTakenOver leaves leases behind as a replica that died in
// the middle of a pass would: its channels are skipped while the leases
// last, and polled by the survivor once they have run out.
func TestDeadReplicaIsTakenOver(t *testing.T) {
	t.Parallel()
	storetest.ForEachDBShared(t, 2, func(t *testing.T, stores []*store.Store) {
		ctx := context.Background()
		e := newEnvOn(t, simulator.Config{Seed: 5, Clients: 2}, nil, stores[0])
		const ttl = 2 * time.Minute
		survivor := e.pollerOn(stores[1], poller.Options{LeaseTTL: ttl, Holder: "survivor"})
		runOnce(t, survivor) // discovery and backfill

		// Later the recent window is due everywhere, and a replica that has
		// claimed half the channels dies before fetching them.
		e.clock.Advance(10 * time.Minute)
		ids := channelIDs(e.sim)
		dead := ids[:len(ids)/2]
		before := map[string]store.PollState{}
		now := e.clock.Now()
		for _, id := range dead {
			ok, err := stores[0].ClaimChannel(ctx, id, "dead-replica", now, now.Add(ttl+time.Minute))
			if err != nil || !ok {
				t.Fatalf("dead replica claim %s: %v, %v", id, ok, err)
			}
			before[id] = pollState(t, e.st, id)
		}

		res := runOnce(t, survivor)
		if res.Deferred != len(dead) || res.OK != len(ids)-len(dead) {
			t.Errorf("with the dead replica's leases live: %+v; want %d deferred, %d ok", res, len(dead), len(ids)-len(dead))
		}
		for _, id := range dead {
			if st := pollState(t, e.st, id); !st.LastRecentAt.Equal(before[id].LastRecentAt) {
				t.Errorf("channel %s was polled while another replica held its lease", id)
			}
		}

		e.clock.Advance(ttl + time.Minute)
		res = runOnce(t, survivor)
		if res.Deferred != 0 || res.Failed != 0 || res.OK != len(ids) {
			t.Errorf("after the leases expired: %+v; want all %d ok", res, len(ids))
		}
		for _, id := range dead {
			if st := pollState(t, e.st, id); !st.LastRecentAt.Equal(e.clock.Now()) {
				t.Errorf("channel %s: last recent fetch %v, want the takeover at %v", id, st.LastRecentAt, e.clock.Now())
			}
		}
		for _, id := range ids {
			checkMatchesTruth(t, e, id, backfillStart(), e.clock.Now())
		}
		checkNoViolations(t, e.sim)
	})
}
