package poller_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/partnerapi"
	"github.com/insights-dev/insights/internal/poller"
	"github.com/insights-dev/insights/internal/ratecard"
	"github.com/insights-dev/insights/internal/simulator"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
)

// start is a Wednesday morning; the simulator has a year of history before it.
var start = time.Date(2026, 3, 11, 9, 10, 0, 0, time.UTC)

const backfillDays = 3

// env is a simulated Partner API over real HTTP, a real client, a SQLite
// store and one fake clock for all of them.
type env struct {
	clock *simulator.ManualClock
	sim   *simulator.Simulator
	srv   *httptest.Server
	api   *partnerapi.Client
	st    *store.Store
}

// newEnv starts the simulator; wrap, when set, wraps its handler.
func newEnv(t *testing.T, cfg simulator.Config, wrap func(http.Handler) http.Handler) *env {
	t.Helper()
	return newEnvOn(t, cfg, wrap, storetest.Open(t))
}

// newEnvOn is newEnv on a given store.
func newEnvOn(t *testing.T, cfg simulator.Config, wrap func(http.Handler) http.Handler, st *store.Store) *env {
	t.Helper()
	clock := simulator.NewManualClock(start)
	cfg.Now = clock.Now
	cfg.Logger = slog.New(slog.DiscardHandler)
	sim := simulator.New(cfg)
	var h http.Handler = sim
	if wrap != nil {
		h = wrap(sim)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &env{clock: clock, sim: sim, srv: srv, api: newAPI(t, srv.URL, sim, 0), st: st}
}

func newAPI(t *testing.T, url string, sim *simulator.Simulator, maxBytes int64) *partnerapi.Client {
	t.Helper()
	api, err := partnerapi.New(partnerapi.Config{
		BaseURL: url, PartnerID: sim.PartnerID(), APIKey: sim.APIKey(),
		MaxRetries: -1, MaxResponseBytes: maxBytes, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatalf("partnerapi.New: %v", err)
	}
	return api
}

func (e *env) poller(opts poller.Options) *poller.Poller {
	return e.pollerOn(e.st, opts)
}

// pollerOn is a poller of the env on its own store handle st, as a replica
// has.
func (e *env) pollerOn(st *store.Store, opts poller.Options) *poller.Poller {
	if opts.API == nil {
		opts.API = e.api
	}
	opts.Store = st
	opts.Logger = slog.New(slog.DiscardHandler)
	opts.Now = e.clock.Now
	if opts.BackfillDays == 0 {
		opts.BackfillDays = backfillDays
	}
	return poller.New(opts)
}

func runOnce(t *testing.T, p *poller.Poller) poller.Result {
	t.Helper()
	res, err := p.RunOnce(context.Background())
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	return res
}

// backfillStart is where the history fetched at start begins.
func backfillStart() time.Time {
	d := start.UTC()
	return time.Date(d.Year(), d.Month(), d.Day()-backfillDays, 0, 0, 0, 0, time.UTC)
}

// usageKey names one stored row as QueryUsage groups it.
type usageKey struct {
	bucket                         int64
	category, pricingType, country string
	currency                       string
}

type usageVal struct{ volume, cost, missing, estimated int64 }

type callKey struct {
	bucket    int64
	direction string
	currency  string
}

type callVal struct{ count, seconds, cost int64 }

var dims = []usage.GroupField{usage.ByCategory, usage.ByPricingType, usage.ByCountry}

// stored reads a channel's half-hour usage and calls in [from, to).
func stored(t *testing.T, st *store.Store, channelID string, from, to time.Time) (map[usageKey]usageVal, map[callKey]callVal) {
	t.Helper()
	ctx := context.Background()
	f := store.UsageFilter{Start: from, End: to, ChannelIDs: []string{channelID}, GroupBy: dims}
	rows, err := st.QueryUsage(ctx, store.AllClients(), f)
	if err != nil {
		t.Fatalf("QueryUsage: %v", err)
	}
	u := map[usageKey]usageVal{}
	for _, r := range rows {
		k := usageKey{r.Bucket.Unix(), r.Key.Get(usage.ByCategory), r.Key.Get(usage.ByPricingType), r.Key.Get(usage.ByCountry), r.Currency}
		v := u[k]
		v.volume += r.Volume
		v.cost += r.CostNanos
		v.missing += r.CostMissing
		v.estimated += r.CostEstimated
		u[k] = v
	}
	f.GroupBy = nil
	crows, err := st.QueryCalls(ctx, store.AllClients(), f)
	if err != nil {
		t.Fatalf("QueryCalls: %v", err)
	}
	c := map[callKey]callVal{}
	for _, r := range crows {
		k := callKey{r.Bucket.Unix(), string(r.Direction), r.Currency}
		v := c[k]
		v.count += r.Count
		v.seconds += r.Seconds
		v.cost += r.CostNanos
		c[k] = v
	}
	return u, c
}

// truth is the simulator's ground truth in the same shape, with the costs
// it leaves out (the credit-line client's) estimated from the built-in
// book, as the poller stores them by default.
func truth(sim *simulator.Simulator, channelID string, from, to time.Time) (map[usageKey]usageVal, map[callKey]callVal) {
	u := map[usageKey]usageVal{}
	pts, _ := ratecard.EstimatePoints(ratecard.Builtin(), sim.UsagePoints(channelID, from, to), "")
	for _, p := range pts {
		k := usageKey{p.Start.Unix(), string(p.Category), string(p.PricingType), p.Country, p.Currency}
		v := u[k]
		v.volume += p.Volume
		if p.CostKnown {
			v.cost += p.CostNanos
		} else {
			v.missing++
		}
		if p.CostEstimated {
			v.estimated++
		}
		u[k] = v
	}
	c := map[callKey]callVal{}
	for _, p := range sim.CallPoints(channelID, from, to) {
		k := callKey{p.Start.Unix(), string(p.Direction), p.Currency}
		v := c[k]
		v.count += p.Count
		v.seconds += p.Seconds
		v.cost += p.CostNanos
		c[k] = v
	}
	return u, c
}

// checkMatchesTruth asserts that the store holds exactly the simulator's
// data for the channel in [from, to), bucket by bucket and in total.
func checkMatchesTruth(t *testing.T, e *env, channelID string, from, to time.Time) {
	t.Helper()
	gotU, gotC := stored(t, e.st, channelID, from, to)
	wantU, wantC := truth(e.sim, channelID, from, to)
	if len(wantU) == 0 {
		t.Fatalf("channel %s: the simulator has no usage in [%s, %s); the test proves nothing", channelID, from, to)
	}
	diffs := 0
	for k, w := range wantU {
		if g := gotU[k]; g != w && diffs < 5 {
			diffs++
			t.Errorf("channel %s usage %+v: stored %+v, want %+v", channelID, k, g, w)
		}
	}
	for k, g := range gotU {
		if _, ok := wantU[k]; !ok && diffs < 5 {
			diffs++
			t.Errorf("channel %s usage %+v: stored %+v, not in the source", channelID, k, g)
		}
	}
	for k, w := range wantC {
		if g := gotC[k]; g != w && diffs < 5 {
			diffs++
			t.Errorf("channel %s calls %+v: stored %+v, want %+v", channelID, k, g, w)
		}
	}
	if len(gotC) != len(wantC) && diffs < 5 {
		t.Errorf("channel %s: %d call rows stored, want %d", channelID, len(gotC), len(wantC))
	}
	gotTotal, wantTotal := totals(gotU), totals(wantU)
	for cur, w := range wantTotal {
		if g := gotTotal[cur]; g != w {
			t.Errorf("channel %s %s totals: stored %+v, want %+v", channelID, cur, g, w)
		}
	}
}

func totals(m map[usageKey]usageVal) map[string]usageVal {
	out := map[string]usageVal{}
	for k, v := range m {
		t := out[k.currency]
		t.volume += v.volume
		t.cost += v.cost
		t.missing += v.missing
		t.estimated += v.estimated
		out[k.currency] = t
	}
	return out
}

// channelIDs lists the simulator's channels, sorted.
func channelIDs(sim *simulator.Simulator) []string {
	var ids []string
	for _, ch := range sim.Channels() {
		ids = append(ids, ch.ID)
	}
	sort.Strings(ids)
	return ids
}

// lastRun returns the channel's latest poll run of kind.
func lastRun(t *testing.T, st *store.Store, channelID, kind string) store.PollRun {
	t.Helper()
	runs, err := st.LastPollRuns(context.Background(), store.ChannelFilter{ChannelIDs: []string{channelID}})
	if err != nil {
		t.Fatalf("LastPollRuns: %v", err)
	}
	for _, r := range runs {
		if r.Kind == kind {
			return r
		}
	}
	t.Fatalf("channel %s has no %s poll run (runs: %+v)", channelID, kind, runs)
	return store.PollRun{}
}

func pollState(t *testing.T, st *store.Store, channelID string) store.PollState {
	t.Helper()
	s, err := st.GetPollState(context.Background(), channelID)
	if err != nil {
		t.Fatalf("GetPollState: %v", err)
	}
	return s
}

func checkNoViolations(t *testing.T, sim *simulator.Simulator) simulator.Stats {
	t.Helper()
	s := sim.Stats()
	if len(s.Violations) > 0 {
		t.Errorf("%d rate-limit violations, first %+v", len(s.Violations), s.Violations[0])
	}
	if s.TooMany != 0 {
		t.Errorf("%d answers were 429", s.TooMany)
	}
	return s
}
