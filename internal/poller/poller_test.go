package poller_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/poller"
	"github.com/insights-dev/insights/internal/simulator"
	"github.com/insights-dev/insights/internal/store"
)

func TestBackfillMatchesSource(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Config{Seed: 7, Clients: 6}, nil)
	p := e.poller(poller.Options{})
	res := runOnce(t, p)

	ids := channelIDs(e.sim)
	if res.Channels != len(ids) || res.OK != len(ids) || res.Failed != 0 {
		t.Fatalf("result %+v, want all %d channels OK", res, len(ids))
	}
	// One usage request (the whole backfill) and one balance per channel.
	if res.Requests != 2*len(ids) {
		t.Errorf("requests = %d, want %d", res.Requests, 2*len(ids))
	}
	stats := checkNoViolations(t, e.sim)
	for _, id := range ids {
		if n := stats.UsageByChannel[id]; n != 1 {
			t.Errorf("channel %s: %d usage requests, want exactly 1 for the backfill", id, n)
		}
	}
	currencies := map[string]bool{}
	for _, ch := range e.sim.Channels() {
		currencies[ch.Currency] = true
		checkMatchesTruth(t, e, ch.ID, backfillStart(), start)
		run := lastRun(t, e.st, ch.ID, store.PollBackfill)
		if run.Outcome != store.OutcomeOK || !run.WindowStart.Equal(backfillStart()) ||
			!run.WindowEnd.Equal(time.Date(2026, 3, 11, 9, 30, 0, 0, time.UTC)) || run.Points == 0 {
			t.Errorf("channel %s backfill run %+v", ch.ID, run)
		}
		st := pollState(t, e.st, ch.ID)
		if !st.BackfilledFrom.Equal(backfillStart()) || !st.LastRecentAt.Equal(start) {
			t.Errorf("channel %s state %+v", ch.ID, st)
		}
	}
	if len(currencies) < 3 {
		t.Errorf("only currencies %v; the test wants several", currencies)
	}

	// Balances are stored as the source reports them.
	bal, err := e.st.LatestBalances(context.Background(), store.AllClients(), store.ChannelFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(bal) != len(ids) {
		t.Fatalf("%d balances stored, want %d", len(bal), len(ids))
	}
	for _, b := range bal {
		want, threshold := e.sim.Balance(b.ChannelID)
		if b.BalanceNanos != want || b.ThresholdNanos == nil || *b.ThresholdNanos != threshold || !b.ReadAt.Equal(start) {
			t.Errorf("balance %+v, want %d (threshold %d) at %s", b, want, threshold, start)
		}
	}
}

func TestRepollAndRevision(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Config{Seed: 3, Clients: 2}, nil)
	p := e.poller(poller.Options{})
	runOnce(t, p)
	ids := channelIDs(e.sim)
	before := map[string]map[usageKey]usageVal{}
	for _, id := range ids {
		before[id], _ = stored(t, e.st, id, backfillStart(), start)
	}

	// The next recent pass re-fetches yesterday and today: nothing already
	// stored changes.
	e.clock.Advance(8 * time.Minute)
	res := runOnce(t, p)
	if res.Failed != 0 || res.Points == 0 {
		t.Fatalf("recent pass: %+v", res)
	}
	for _, id := range ids {
		if run := lastRun(t, e.st, id, store.PollRecent); run.Outcome != store.OutcomeOK ||
			!run.WindowStart.Equal(time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("channel %s recent run %+v", id, run)
		}
		after, _ := stored(t, e.st, id, backfillStart(), start)
		if len(after) != len(before[id]) {
			t.Errorf("channel %s: %d rows after re-poll, %d before", id, len(after), len(before[id]))
		}
		for k, v := range before[id] {
			if after[k] != v {
				t.Errorf("channel %s %+v changed on re-poll: %+v → %+v", id, k, v, after[k])
			}
		}
		checkMatchesTruth(t, e, id, backfillStart(), e.clock.Now())
	}

	// The source revises a bucket of yesterday; the next recent pass replaces it.
	id := ids[0]
	bucket := time.Date(2026, 3, 10, 11, 0, 0, 0, time.UTC)
	pts := e.sim.UsagePoints(id, bucket, bucket.Add(30*time.Minute))
	if len(pts) == 0 {
		t.Fatalf("channel %s has no points at %s", id, bucket)
	}
	cat := pts[0].Category
	var old int64
	for _, pt := range pts {
		if pt.Category == cat {
			old += pt.Volume
		}
	}
	if err := e.sim.Revise(id, bucket, cat, 7777); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(8 * time.Minute)
	runOnce(t, p)
	got, _ := stored(t, e.st, id, bucket, bucket.Add(30*time.Minute))
	var vol int64
	for k, v := range got {
		if k.category == string(cat) {
			vol += v.volume
		}
	}
	if vol == old || vol%7777 != 0 {
		t.Errorf("revised %s volume at %s: stored %d (was %d), want multiples of 7777", cat, bucket, vol, old)
	}
	checkMatchesTruth(t, e, id, backfillStart(), e.clock.Now())
}

func TestStaysWithinLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Config{Seed: 11, Clients: 4}, nil)
	p := e.poller(poller.Options{})
	const hours = 3
	for range hours * 60 {
		res := runOnce(t, p)
		if res.Failed != 0 || res.RateLimited != 0 {
			t.Fatalf("at %s: %+v", e.clock.Now(), res)
		}
		e.clock.Advance(time.Minute)
	}
	stats := checkNoViolations(t, e.sim)
	for _, id := range channelIDs(e.sim) {
		// Backfill, a recent fetch every 8 minutes (7.5 rounded up to the
		// pass), and no week fetch within the first day.
		n := stats.UsageByChannel[id]
		if n < hours*60/8 || n > hours*60/8+2 {
			t.Errorf("channel %s: %d usage requests in %d hours, want about %d", id, n, hours, hours*60/8+1)
		}
		checkMatchesTruth(t, e, id, backfillStart(), e.clock.Now().Add(-10*time.Minute))
	}
	// A day later, each channel re-fetches the last week once.
	e.clock.Advance(21 * time.Hour)
	runOnce(t, p)
	for _, id := range channelIDs(e.sim) {
		run := lastRun(t, e.st, id, store.PollWeek)
		if run.Outcome != store.OutcomeOK || !run.WindowStart.Equal(time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("channel %s week run %+v", id, run)
		}
	}
	checkNoViolations(t, e.sim)
}

// TestWABAShare gives the poller a WABA limit far below the simulator's, and
// checks from the wire that every WABA and channel stays within its share.
func TestWABAShare(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var log []usageCall
	wrap := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/info/usage") {
				parts := strings.Split(r.URL.Path, "/")
				mu.Lock()
				log = append(log, usageCall{channel: parts[len(parts)-3]})
				mu.Unlock()
			}
			h.ServeHTTP(w, r)
		})
	}
	e := newEnv(t, simulator.Config{Seed: 5, Clients: 6}, wrap)
	const wabaLimit = 6
	p := e.poller(poller.Options{WABALimit: wabaLimit})
	for range 3 * 60 {
		runOnce(t, p)
		mu.Lock()
		for i := range log {
			if log[i].at.IsZero() {
				log[i].at = e.clock.Now()
			}
		}
		mu.Unlock()
		e.clock.Advance(time.Minute)
	}
	wabaOf := map[string]string{}
	size := map[string]int{}
	for _, ch := range e.sim.Channels() {
		wabaOf[ch.ID] = ch.WABAID
		size[ch.WABAID]++
	}
	if maxSize(size) < 2 {
		t.Fatalf("no WABA with several channels: %v", size)
	}
	perWABA := map[string][]time.Time{}
	perChannel := map[string][]time.Time{}
	for _, c := range log {
		perWABA[wabaOf[c.channel]] = append(perWABA[wabaOf[c.channel]], c.at)
		perChannel[c.channel] = append(perChannel[c.channel], c.at)
	}
	for waba, times := range perWABA {
		if n := maxInHour(times); n > wabaLimit {
			t.Errorf("WABA %s (%d channels): %d requests within an hour, limit %d", waba, size[waba], n, wabaLimit)
		}
	}
	for ch, times := range perChannel {
		share := max(1, min(10, wabaLimit/size[wabaOf[ch]]))
		if n := maxInHour(times); n > share {
			t.Errorf("channel %s: %d requests within an hour, share %d", ch, n, share)
		}
		if len(times) < 3 {
			t.Errorf("channel %s: only %d requests in 3 hours; its share is %d per hour", ch, len(times), share)
		}
	}
	checkNoViolations(t, e.sim)
}

type usageCall struct {
	channel string
	at      time.Time
}

func maxSize(m map[string]int) int {
	n := 0
	for _, v := range m {
		n = max(n, v)
	}
	return n
}

// maxInHour is the most requests in any window (t-1h, t].
func maxInHour(times []time.Time) int {
	best := 0
	for i, t := range times {
		n := 0
		for _, u := range times[:i+1] {
			if u.After(t.Add(-time.Hour)) {
				n++
			}
		}
		best = max(best, n)
	}
	return best
}

func TestRateLimitPausesChannel(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Config{Seed: 3, Clients: 2}, nil)
	p := e.poller(poller.Options{})
	runOnce(t, p)
	id := channelIDs(e.sim)[0]
	e.sim.InjectFault(simulator.Fault{Kind: simulator.FaultRateLimit, ChannelID: id, Path: "/info/usage",
		Times: 1, RetryAfter: 10 * time.Minute})

	e.clock.Advance(8 * time.Minute)
	hitAt := e.clock.Now()
	res := runOnce(t, p)
	if res.RateLimited != 1 || res.Failed != 0 {
		t.Fatalf("pass with a 429: %+v", res)
	}
	run := lastRun(t, e.st, id, store.PollRecent)
	if run.Outcome != store.OutcomeRateLimited || !strings.Contains(run.Error, "429") {
		t.Errorf("run %+v, want rate_limited with the 429", run)
	}
	if st := pollState(t, e.st, id); !st.PausedUntil.Equal(hitAt.Add(10 * time.Minute)) {
		t.Errorf("paused until %s, want %s", st.PausedUntil, hitAt.Add(10*time.Minute))
	}

	usageCount := func() int { return e.sim.Stats().UsageByChannel[id] }
	before := usageCount()
	for range 9 { // still paused: not one request
		e.clock.Advance(time.Minute)
		res := runOnce(t, p)
		if res.RateLimited != 1 {
			t.Fatalf("at %s: %+v, want the channel still paused", e.clock.Now(), res)
		}
	}
	if n := usageCount(); n != before {
		t.Errorf("%d usage requests while paused", n-before)
	}
	e.clock.Advance(time.Minute) // Retry-After has passed
	if res := runOnce(t, p); res.RateLimited != 0 || res.Failed != 0 {
		t.Fatalf("after the pause: %+v", res)
	}
	if run := lastRun(t, e.st, id, store.PollRecent); run.Outcome != store.OutcomeOK {
		t.Errorf("after the pause: run %+v", run)
	}
	if st := pollState(t, e.st, id); !st.PausedUntil.IsZero() {
		t.Errorf("still paused until %s", st.PausedUntil)
	}
	checkMatchesTruth(t, e, id, backfillStart(), e.clock.Now())
	if s := e.sim.Stats(); len(s.Violations) != 0 || s.TooMany != 1 {
		t.Errorf("violations %v, 429s %d; want none beyond the injected one", s.Violations, s.TooMany)
	}
}

func TestMalformedResponse(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Config{Seed: 3, Clients: 2}, nil)
	ids := channelIDs(e.sim)
	bad := ids[0]
	e.sim.InjectFault(simulator.Fault{Kind: simulator.FaultMalformed, ChannelID: bad, Path: "/info/usage", Times: 1})
	p := e.poller(poller.Options{})
	res := runOnce(t, p)
	if res.Failed != 1 || res.OK != len(ids)-1 {
		t.Fatalf("result %+v, want one failed channel", res)
	}
	run := lastRun(t, e.st, bad, store.PollBackfill)
	if run.Outcome != store.OutcomeError || !strings.Contains(run.Error, "decode") || run.Points != 0 {
		t.Errorf("run %+v, want a decode error", run)
	}
	if got, calls := stored(t, e.st, bad, backfillStart(), start); len(got) != 0 || len(calls) != 0 {
		t.Errorf("%d usage and %d call rows stored from a malformed answer", len(got), len(calls))
	}
	st := pollState(t, e.st, bad)
	if st.ConsecutiveFailures != 1 || !st.BackfilledFrom.IsZero() || !st.PausedUntil.Equal(start.Add(time.Minute)) {
		t.Errorf("state after failure %+v", st)
	}
	// After the backoff the channel is fetched again, in full.
	e.clock.Advance(time.Minute)
	if res := runOnce(t, p); res.Failed != 0 {
		t.Fatalf("retry: %+v", res)
	}
	checkMatchesTruth(t, e, bad, backfillStart(), start)
	if st := pollState(t, e.st, bad); st.ConsecutiveFailures != 0 {
		t.Errorf("failures not reset: %+v", st)
	}
}

// TestDecodeErrorNamesField corrupts one cost on the wire.
func TestDecodeErrorNamesField(t *testing.T) {
	t.Parallel()
	var corrupt atomic.Bool
	corrupt.Store(true)
	cost := regexp.MustCompile(`"cost":[0-9.]+`)
	wrap := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !corrupt.Load() || !strings.HasSuffix(r.URL.Path, "/info/usage") {
				h.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			body := rec.Body.Bytes()
			if loc := cost.FindIndex(body); loc != nil {
				body = append(append(append([]byte(nil), body[:loc[0]]...), `"cost":"12,5"`...), body[loc[1]:]...)
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(rec.Code)
			_, _ = w.Write(body)
		})
	}
	e := newEnv(t, simulator.Config{Seed: 3, Clients: 1}, wrap)
	p := e.poller(poller.Options{})
	res := runOnce(t, p)
	if res.Failed != res.Channels {
		t.Fatalf("result %+v, want every channel failed", res)
	}
	for _, id := range channelIDs(e.sim) {
		run := lastRun(t, e.st, id, store.PollBackfill)
		if !strings.Contains(run.Error, "data_points[0].cost") {
			t.Errorf("channel %s error %q does not name the field", id, run.Error)
		}
		if got, _ := stored(t, e.st, id, backfillStart(), start); len(got) != 0 {
			t.Errorf("channel %s: %d rows stored from a refused answer", id, len(got))
		}
	}
	corrupt.Store(false)
	e.clock.Advance(time.Minute)
	runOnce(t, p)
	for _, id := range channelIDs(e.sim) {
		checkMatchesTruth(t, e, id, backfillStart(), start)
	}
}

// TestEmptyAnswerIsNoData has the source answer {} to the recent window after
// a good backfill: that is no answer, so the stored window stays as it was
// (an answer is saved as the whole truth about its window, and {} would have
// wiped it) and is fetched again after the backoff.
func TestEmptyAnswerIsNoData(t *testing.T) {
	t.Parallel()
	var hostile atomic.Bool
	wrap := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if hostile.Load() && strings.HasSuffix(r.URL.Path, "/info/usage") {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{}`))
				return
			}
			h.ServeHTTP(w, r)
		})
	}
	e := newEnv(t, simulator.Config{Seed: 3, Clients: 1}, wrap)
	p := e.poller(poller.Options{})
	runOnce(t, p)
	ids := channelIDs(e.sim)
	before := map[string]store.PollState{}
	for _, id := range ids {
		checkMatchesTruth(t, e, id, backfillStart(), start)
		before[id] = pollState(t, e.st, id)
	}

	hostile.Store(true)
	e.clock.Advance(8 * time.Minute) // the recent window is due
	if res := runOnce(t, p); res.Failed != len(ids) {
		t.Fatalf("result %+v, want every channel failed", res)
	}
	for _, id := range ids {
		run := lastRun(t, e.st, id, store.PollRecent)
		if run.Outcome != store.OutcomeError || !strings.Contains(run.Error, "neither pricing_analytics nor call_analytics") {
			t.Errorf("channel %s: run %+v, want a decode error naming what is missing", id, run)
		}
		checkMatchesTruth(t, e, id, backfillStart(), start) // nothing wiped
		st := pollState(t, e.st, id)
		if !st.LastRecentAt.Equal(before[id].LastRecentAt) || st.ConsecutiveFailures != 1 {
			t.Errorf("channel %s: state %+v, want the recent window still due and one failure", id, st)
		}
	}

	hostile.Store(false)
	e.clock.Advance(time.Minute) // the backoff has passed
	if res := runOnce(t, p); res.Failed != 0 || res.OK != len(ids) {
		t.Fatalf("retry: %+v", res)
	}
	for _, id := range ids {
		if run := lastRun(t, e.st, id, store.PollRecent); run.Outcome != store.OutcomeOK {
			t.Errorf("channel %s: retry run %+v", id, run)
		}
		checkMatchesTruth(t, e, id, backfillStart(), e.clock.Now())
	}
}

// TestOtherCurrencyIsRefused relabels the usage answers in a currency that is
// not the channel's: the windows are refused, nothing is stored in it, and
// once the source answers in the channel's currency again the data comes in.
func TestOtherCurrencyIsRefused(t *testing.T) {
	t.Parallel()
	var relabel atomic.Bool
	relabel.Store(true)
	cur := regexp.MustCompile(`"currency":"[A-Z]{3}"`)
	wrap := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !relabel.Load() || !strings.HasSuffix(r.URL.Path, "/info/usage") {
				h.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			body := cur.ReplaceAllFunc(rec.Body.Bytes(), func(m []byte) []byte {
				if string(m) == `"currency":"CHF"` {
					return []byte(`"currency":"SEK"`)
				}
				return []byte(`"currency":"CHF"`)
			})
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(rec.Code)
			_, _ = w.Write(body)
		})
	}
	e := newEnv(t, simulator.Config{Seed: 3, Clients: 1}, wrap)
	p := e.poller(poller.Options{})
	if res := runOnce(t, p); res.Failed != res.Channels {
		t.Fatalf("result %+v, want every channel failed", res)
	}
	for _, id := range channelIDs(e.sim) {
		run := lastRun(t, e.st, id, store.PollBackfill)
		if !strings.Contains(run.Error, "decode currency") || !strings.Contains(run.Error, "but the channel's currency is") {
			t.Errorf("channel %s error %q does not name the currencies", id, run.Error)
		}
		if got, calls := stored(t, e.st, id, backfillStart(), start); len(got) != 0 || len(calls) != 0 {
			t.Errorf("channel %s: %d usage and %d call rows stored in another currency", id, len(got), len(calls))
		}
	}
	relabel.Store(false)
	e.clock.Advance(time.Minute)
	runOnce(t, p)
	for _, id := range channelIDs(e.sim) {
		checkMatchesTruth(t, e, id, backfillStart(), start)
	}
}

func TestUnknownCategoryIsKept(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Config{Seed: 3, Clients: 2}, nil)
	id := channelIDs(e.sim)[0]
	if err := e.sim.AddUnknownCategory(id, "NEW_CATEGORY_X"); err != nil {
		t.Fatal(err)
	}
	runOnce(t, e.poller(poller.Options{}))
	got, _ := stored(t, e.st, id, backfillStart(), start)
	var vol, cost int64
	for k, v := range got {
		if k.category == "NEW_CATEGORY_X" {
			vol += v.volume
			cost += v.cost
		}
	}
	if vol == 0 || cost == 0 {
		t.Errorf("NEW_CATEGORY_X: stored volume %d cost %d, want both above zero", vol, cost)
	}
	checkMatchesTruth(t, e, id, backfillStart(), start)
}

// TestSplitsTooLargeWindow gives the client a response limit that the whole
// backfill exceeds but one day does not.
func TestSplitsTooLargeWindow(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Config{Seed: 3, Clients: 1}, nil)
	id := channelIDs(e.sim)[0]
	oneDay := usageBytes(t, e, id, time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC))
	api := newAPI(t, e.srv.URL, e.sim, int64(oneDay*3/2))
	p := e.poller(poller.Options{API: api})
	if res := runOnce(t, p); res.Failed != 0 {
		t.Fatalf("result %+v", res)
	}
	for _, id := range channelIDs(e.sim) {
		checkMatchesTruth(t, e, id, backfillStart(), start)
		if st := pollState(t, e.st, id); !st.BackfilledFrom.Equal(backfillStart()) {
			t.Errorf("channel %s backfilled from %s", id, st.BackfilledFrom)
		}
	}
	if n := e.sim.Stats().UsageByChannel[id]; n < 4 {
		t.Errorf("channel %s: %d usage requests; the window should have been split", id, n)
	}
	checkNoViolations(t, e.sim)
}

// usageBytes is the size of one day's usage answer of a channel.
func usageBytes(t *testing.T, e *env, channelID string, day time.Time) int {
	t.Helper()
	var clientID string
	for _, ch := range e.sim.Channels() {
		if ch.ID == channelID {
			clientID = ch.ClientID
		}
	}
	url := e.srv.URL + "/partners/" + e.sim.PartnerID() + "/clients/" + clientID + "/channels/" + channelID +
		"/info/usage?granularity=half_hour&start_date=" + strconv.FormatInt(day.Unix(), 10) + "&end_date=" + strconv.FormatInt(day.Unix()+86399, 10)
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("X-API-Key", e.sim.APIKey())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(resp.Body); err != nil || resp.StatusCode != 200 {
		t.Fatalf("usage: %d %v", resp.StatusCode, err)
	}
	e.sim.ResetStats()
	return b.Len()
}

func TestCancelDuringSlowPass(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Config{Seed: 3, Clients: 2}, nil)
	e.sim.InjectFault(simulator.Fault{Kind: simulator.FaultSlow, Path: "/info/usage", Delay: time.Minute})
	p := e.poller(poller.Options{Interval: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()

	deadline := time.Now().Add(10 * time.Second)
	for e.sim.Stats().Faults < 2 {
		if time.Now().After(deadline) {
			t.Fatal("no slow usage request reached the simulator")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !p.Status().Running {
		t.Error("Status().Running is false during Run")
	}
	cancelled := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run returned %v, want nil on cancel", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return within 5 s of cancel")
	}
	if d := time.Since(cancelled); d > 3*time.Second {
		t.Errorf("Run took %v to stop", d)
	}
	if p.Status().Running {
		t.Error("Status().Running is true after Run returned")
	}
	for _, id := range channelIDs(e.sim) {
		if got, calls := stored(t, e.st, id, backfillStart(), start.Add(time.Hour)); len(got) != 0 || len(calls) != 0 {
			t.Errorf("channel %s: %d usage rows stored from an interrupted request", id, len(got))
		}
		if st := pollState(t, e.st, id); !st.BackfilledFrom.IsZero() {
			t.Errorf("channel %s marked backfilled: %+v", id, st)
		}
	}
}

func TestTwoPollersShareTheBudget(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Config{Seed: 9, Clients: 3}, nil)
	p1, p2 := e.poller(poller.Options{}), e.poller(poller.Options{})
	for range 2 * 60 {
		var wg sync.WaitGroup
		for _, p := range []*poller.Poller{p1, p2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := p.RunOnce(context.Background()); err != nil {
					t.Errorf("RunOnce: %v", err)
				}
			}()
		}
		wg.Wait()
		e.clock.Advance(time.Minute)
	}
	stats := checkNoViolations(t, e.sim)
	for _, id := range channelIDs(e.sim) {
		if n := stats.UsageByChannel[id]; n > 2*10 {
			t.Errorf("channel %s: %d usage requests in 2 hours, more than the limit allows", id, n)
		}
	}
	// Bring every channel up to date, then the data is what one poller
	// (and the source) has.
	e.clock.Advance(8 * time.Minute)
	runOnce(t, p1)
	for _, id := range channelIDs(e.sim) {
		checkMatchesTruth(t, e, id, backfillStart(), e.clock.Now())
	}
	checkNoViolations(t, e.sim)
}

// TestBackfillDaysRaised fetches only the older range that is missing.
func TestBackfillDaysRaised(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Config{Seed: 3, Clients: 1}, nil)
	runOnce(t, e.poller(poller.Options{}))
	e.clock.Advance(time.Minute)
	p := e.poller(poller.Options{BackfillDays: backfillDays + 2})
	runOnce(t, p)
	from := backfillStart().AddDate(0, 0, -2)
	for _, id := range channelIDs(e.sim) {
		run := lastRun(t, e.st, id, store.PollBackfill)
		if !run.WindowStart.Equal(from) || !run.WindowEnd.Equal(backfillStart()) || run.Outcome != store.OutcomeOK {
			t.Errorf("channel %s: older backfill run %+v, want [%s, %s)", id, run, from, backfillStart())
		}
		checkMatchesTruth(t, e, id, from, start)
	}
}
