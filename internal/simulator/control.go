package simulator

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/insights-dev/insights/internal/usage"
)

// FaultKind is what an injected fault does to a request.
type FaultKind int

// Fault kinds.
const (
	// FaultServerError answers 500 with a JSON detail.
	FaultServerError FaultKind = iota + 1
	// FaultSlow waits Delay (or until the client gives up) and then answers normally.
	FaultSlow
	// FaultMalformed answers 200 with a truncated JSON body.
	FaultMalformed
	// FaultRateLimit answers 429 with Retry-After, as if a limit were hit.
	FaultRateLimit
)

// String names the kind.
func (k FaultKind) String() string {
	switch k {
	case FaultServerError:
		return "server_error"
	case FaultSlow:
		return "slow"
	case FaultMalformed:
		return "malformed"
	case FaultRateLimit:
		return "rate_limit"
	}
	return fmt.Sprintf("FaultKind(%d)", int(k))
}

// Fault is a misbehaviour injected into matching requests. A request matches
// when its path contains Path (empty matches any) and, when ChannelID is set,
// it addresses that channel. Faults act after authentication and before
// validation and rate limiting, and do not use up rate-limit budget.
type Fault struct {
	Kind FaultKind
	// Path is a substring of the request path, e.g. "/info/usage".
	Path string
	// ChannelID restricts the fault to one channel's routes.
	ChannelID string
	// Times is how many matching requests it affects; 0 means every one until ClearFaults.
	Times int
	// Delay is FaultSlow's wait.
	Delay time.Duration
	// RetryAfter is FaultRateLimit's Retry-After (rounded up to whole seconds, at least 1).
	RetryAfter time.Duration
}

type faultEntry struct {
	Fault
	left int // remaining uses; <0 means unlimited
}

// InjectFault adds a fault; the first matching fault (in order of injection) applies.
func (s *Simulator) InjectFault(f Fault) {
	left := f.Times
	if left <= 0 {
		left = -1
	}
	s.mu.Lock()
	s.faults = append(s.faults, &faultEntry{Fault: f, left: left})
	s.mu.Unlock()
}

// ClearFaults removes every injected fault.
func (s *Simulator) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

// takeFault returns the first fault matching the request and uses it up once.
func (s *Simulator) takeFault(path, channelID string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Path != "" && !strings.Contains(path, f.Path) {
			continue
		}
		if f.ChannelID != "" && f.ChannelID != channelID {
			continue
		}
		if f.left > 0 {
			f.left--
			if f.left == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		s.stats.Faults++
		return f.Fault, true
	}
	return Fault{}, false
}

// Revise replaces a past number: from now on every point of category in the
// channel's half hour holding bucketStart reports volume messages (0 removes
// them), in HTTP responses and in UsagePoints alike; cost follows the rate
// card. The channel must report that category.
func (s *Simulator) Revise(channelID string, bucketStart time.Time, category usage.Category, volume int64) error {
	ch, ok := s.channels[channelID]
	if !ok {
		return fmt.Errorf("simulator: revise: unknown channel %q", channelID)
	}
	if volume < 0 {
		return fmt.Errorf("simulator: revise: negative volume %d", volume)
	}
	s.dataMu.Lock()
	defer s.dataMu.Unlock()
	if !hasCategory(ch.streams, category) && !hasCategory(s.extra[channelID], category) {
		return fmt.Errorf("simulator: revise: channel %s has no %s points", channelID, category)
	}
	b := floorDiv(bucketStart.Unix(), halfHour) * halfHour
	// Copy on write: generations in flight keep the map they started with.
	revs := make(map[revKey]int64, len(s.revisions)+1)
	for k, v := range s.revisions {
		revs[k] = v
	}
	revs[revKey{channelID, b, category}] = volume
	s.revisions = revs
	return nil
}

func hasCategory(st []stream, c usage.Category) bool {
	for _, x := range st {
		if x.category == c {
			return true
		}
	}
	return false
}

// AddUnknownCategory makes the channel also report billed points of a
// category Insights does not know (e.g. "NEW_CATEGORY_X"), in its home
// market, over its whole history, priced like utility.
func (s *Simulator) AddUnknownCategory(channelID, name string) error {
	ch, ok := s.channels[channelID]
	if !ok {
		return fmt.Errorf("simulator: add category: unknown channel %q", channelID)
	}
	cat := usage.ParseCategory(name)
	if cat == "" {
		return fmt.Errorf("simulator: add category: empty name")
	}
	s.dataMu.Lock()
	defer s.dataMu.Unlock()
	if hasCategory(ch.streams, cat) || hasCategory(s.extra[channelID], cat) {
		return nil
	}
	// Priced as utility when the cards do not know the category.
	st := s.newStream(ch, cat, usage.PricingRegular, ch.home, 300_000)
	st.salt = hashString("extra/" + string(cat))
	// Copy on write, as for revisions.
	s.extra[channelID] = append(append([]stream(nil), s.extra[channelID]...), st)
	return nil
}

// Stats counts what the simulator has seen, for tests and benchmarks.
type Stats struct {
	// Requests counts every authenticated request.
	Requests int
	// UsageByChannel and UsageByWABA count usage requests that reached the rate
	// limiter (valid ones), accepted or refused.
	UsageByChannel map[string]int
	UsageByWABA    map[string]int
	// TooMany counts 429 answers, injected ones included.
	TooMany int
	// Faults counts requests an injected fault acted on.
	Faults int
	// Violations lists usage requests that arrived when the channel's or the
	// WABA's hourly budget was already used up.
	Violations []Violation
}

// Violation is one usage request over a rate limit.
type Violation struct {
	At        time.Time
	ChannelID string
	WABAID    string
	Limit     string // "channel" or "waba"
}

func newStats() Stats {
	return Stats{UsageByChannel: map[string]int{}, UsageByWABA: map[string]int{}}
}

// Stats returns a copy of the counters.
func (s *Simulator) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.stats
	out.UsageByChannel = make(map[string]int, len(s.stats.UsageByChannel))
	for k, v := range s.stats.UsageByChannel {
		out.UsageByChannel[k] = v
	}
	out.UsageByWABA = make(map[string]int, len(s.stats.UsageByWABA))
	for k, v := range s.stats.UsageByWABA {
		out.UsageByWABA[k] = v
	}
	out.Violations = append([]Violation(nil), s.stats.Violations...)
	return out
}

// ResetStats zeroes the counters (rate-limit state is kept).
func (s *Simulator) ResetStats() {
	s.mu.Lock()
	s.stats = newStats()
	s.mu.Unlock()
}

// Rate limits of the usage route.
const (
	ChannelLimitPerHour = 10
	WABALimitPerHour    = 200
)

// window is the sliding-hour log of accepted requests, oldest first.
type window struct{ times []time.Time }

func (w *window) prune(now time.Time) {
	cut := now.Add(-time.Hour)
	i := 0
	for i < len(w.times) && !w.times[i].After(cut) {
		i++
	}
	w.times = w.times[i:]
}

// waitFor is how long until the window holds fewer than limit requests.
func (w *window) waitFor(limit int, now time.Time) (time.Duration, bool) {
	if len(w.times) < limit {
		return 0, false
	}
	return w.times[len(w.times)-limit].Add(time.Hour).Sub(now), true
}

func (s *Simulator) windowFor(key string) *window {
	w := s.limits[key]
	if w == nil {
		w = &window{}
		s.limits[key] = w
	}
	return w
}

// admitUsage counts a usage request and checks the rate limits; when refused
// it returns how long until a slot frees.
func (s *Simulator) admitUsage(ch *channel, now time.Time) (time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.UsageByChannel[ch.ID]++
	s.stats.UsageByWABA[ch.WABAID]++
	if s.cfg.DisableRateLimits {
		return 0, true
	}
	cw, ww := s.windowFor("ch:"+ch.ID), s.windowFor("waba:"+ch.WABAID)
	cw.prune(now)
	ww.prune(now)
	var wait time.Duration
	refused := false
	if d, over := cw.waitFor(ChannelLimitPerHour, now); over {
		refused, wait = true, max(wait, d)
		s.stats.Violations = append(s.stats.Violations, Violation{At: now, ChannelID: ch.ID, WABAID: ch.WABAID, Limit: "channel"})
	}
	if d, over := ww.waitFor(WABALimitPerHour, now); over {
		refused, wait = true, max(wait, d)
		s.stats.Violations = append(s.stats.Violations, Violation{At: now, ChannelID: ch.ID, WABAID: ch.WABAID, Limit: "waba"})
	}
	if refused {
		s.stats.TooMany++
		return wait, false
	}
	cw.times = append(cw.times, now)
	ww.times = append(ww.times, now)
	return 0, true
}

// retryAfterSeconds rounds a wait up to whole seconds, at least 1.
func retryAfterSeconds(d time.Duration) int64 {
	sec := int64((d + time.Second - 1) / time.Second)
	return max(sec, 1)
}

// ManualClock is a settable clock for Config.Now in tests.
type ManualClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewManualClock starts a clock at t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{t: t.UTC()} }

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Set moves the clock to t.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t.UTC()
	c.mu.Unlock()
}
