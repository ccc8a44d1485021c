package poller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/insights-dev/insights/internal/metrics"
	"github.com/insights-dev/insights/internal/partnerapi"
	"github.com/insights-dev/insights/internal/ratecard"
	"github.com/insights-dev/insights/internal/store"
)

// Defaults applied by New to zero Options fields.
const (
	DefaultBackfillDays  = 90
	DefaultInterval      = time.Minute
	DefaultChannelLimit  = 10
	DefaultWABALimit     = 200
	DefaultWindow        = time.Hour
	DefaultReserve       = 0.2
	DefaultWorkers       = 4
	DefaultWeekEvery     = 24 * time.Hour
	DefaultBalanceEvery  = time.Hour
	DefaultDiscoverEvery = 10 * time.Minute
	// DefaultDiscoverMinGap spaces the discoveries that RequestDiscovery
	// asks for: a stream of unknown numbers re-reads the lists at most
	// every two minutes.
	DefaultDiscoverMinGap = 2 * time.Minute
	DefaultPassTimeout    = 10 * time.Minute
	DefaultLeaseTTL       = 5 * time.Minute
)

// KindPass marks a poll run that records a failed pass as a whole (a
// recovered panic), not one request.
const KindPass = "pass"

// windowMargin widens the reservation window beyond Options.Window, so that
// clock skew and request latency between us and the API never let a request
// land inside the API's hour while our log thinks it has left ours.
const windowMargin = time.Minute

// Options configures a Poller. API and Store are required; zero values of
// the others get the defaults above.
type Options struct {
	// API is the Partner API client.
	API *partnerapi.Client
	// Store keeps the data, the poll state, poll runs and the request log.
	Store *store.Store
	// Logger receives one line per failed request and per pass; a
	// component=poller attribute is added. Nil means slog.Default().
	Logger *slog.Logger
	// BackfillDays is how many whole UTC days before today are fetched first.
	BackfillDays int
	// Interval is how often Run wakes up to look for due work.
	Interval time.Duration
	// Now is the clock; default time.Now. Tests share one fake clock with the
	// simulator.
	Now func() time.Time
	// ChannelLimit and WABALimit are the usage endpoint's requests per Window
	// per channel and per WABA.
	ChannelLimit int
	WABALimit    int
	// Window is the rate limits' sliding window.
	Window time.Duration
	// Reserve is the fraction of each channel's budget the steady cycle leaves
	// free for the week re-fetch, retries and refreshes: 0 means 0.2, a
	// negative value means none.
	Reserve float64
	// Workers is how many channels are polled at once.
	Workers int
	// RecentEvery is how often "start of yesterday to now" is re-fetched per
	// channel. It is never shorter than the channel's budget allows (see the
	// package doc); 0 means exactly that.
	RecentEvery time.Duration
	// WeekEvery is how often the last 7 days are re-fetched per channel.
	WeekEvery time.Duration
	// BalanceEvery is how often a channel's balance is read.
	BalanceEvery time.Duration
	// DiscoverEvery is how often the client and channel lists are re-read.
	DiscoverEvery time.Duration
	// DiscoverMinGap is the least time between the start of one discovery
	// and a discovery RequestDiscovery asks for.
	DiscoverMinGap time.Duration
	// OnDiscovered, when set, runs after every successful discovery (with
	// the lists upserted): serve resolves there the webhook events that
	// waited for a channel. Its error is logged.
	OnDiscovered func(ctx context.Context) error
	// PassTimeout bounds one pass of Run.
	PassTimeout time.Duration
	// LeaseTTL bounds one channel's work in a pass. The channel's poll lease
	// (store.ClaimChannel) is taken for LeaseTTL plus a minute of clock
	// skew, so a replica that dies mid-pass leaves its channels to the others
	// after at most that long.
	LeaseTTL time.Duration
	// Holder names this poller in the leases; it must differ between
	// pollers. Empty means hostname/pid/random.
	Holder string
	// Metrics receives the poller's counters (see NewMetrics); nil keeps
	// them in a private registry.
	Metrics *metrics.Registry
	// RateCard prices the usage and call points whose cost the source left
	// out (ratecard.EstimatePoints): they are stored as estimates, never as
	// zero. Nil means the built-in book.
	RateCard *ratecard.Book
}

// Result sums up one pass. Every channel known to the store is counted in
// exactly one of OK, Failed, RateLimited and Deferred.
type Result struct {
	// Channels is the number of channels the pass looked at.
	Channels int
	// OK counts channels whose due requests all succeeded, or that had
	// nothing due.
	OK int
	// Failed counts channels with a failed request (other than a rate limit).
	Failed int
	// RateLimited counts channels the API refused with a rate limit in this
	// pass, or that are still paused by an earlier one.
	RateLimited int
	// Deferred counts channels with due work that had to wait: no request
	// slot was free, an error backoff has not run out, or another poller
	// holds the channel's lease.
	Deferred int
	// Requests counts the requests made (usage and balance).
	Requests int
	// Points counts the usage and call points saved.
	Points int
}

// Status is what the poller reports about itself, for health pages.
type Status struct {
	Running    bool      // Run is active
	LastPass   time.Time // when the last pass ended; zero before the first
	LastError  string    // the last pass's error; "" when it succeeded
	LastResult Result    // the last pass's counts
}

// backfillDuring reports whether a backfill ran at some time since begin:
// a query that began then may have waited behind its writes.
func (p *Poller) backfillDuring(begin time.Time) bool {
	return p.backfills.Load() > 0 || p.backfillEnded.Load() >= begin.UnixNano()
}

// Poller fetches usage from the Partner API into the store. It is safe for
// concurrent use; passes of one Poller run one at a time.
type Poller struct {
	api    *partnerapi.Client
	st     *store.Store
	log    *slog.Logger
	opts   Options
	holder string // Options.Holder
	m      pollMetrics
	// backfills counts the channels backfilling right now (their slow
	// queries, and those of the writes waiting behind them, are expected).
	backfills atomic.Int64
	// backfillEnded is when the last backfill ended (unix nanoseconds).
	backfillEnded atomic.Int64

	passMu          sync.Mutex // one pass (or requested discovery) at a time
	lastDiscover    time.Time  // last successful discovery; guarded by passMu
	lastDiscoverTry time.Time  // last discovery started; guarded by passMu

	// discoverWanted is set by RequestDiscovery and cleared when a
	// discovery starts; wake tells Run about it (one pending signal).
	discoverWanted atomic.Bool
	wake           chan struct{}

	mu     sync.Mutex
	status Status
}

// New returns a Poller for opts, filling in defaults.
func New(opts Options) *Poller {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.BackfillDays <= 0 {
		opts.BackfillDays = DefaultBackfillDays
	}
	if opts.Interval <= 0 {
		opts.Interval = DefaultInterval
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ChannelLimit <= 0 {
		opts.ChannelLimit = DefaultChannelLimit
	}
	if opts.WABALimit <= 0 {
		opts.WABALimit = DefaultWABALimit
	}
	if opts.Window <= 0 {
		opts.Window = DefaultWindow
	}
	switch {
	case opts.Reserve == 0:
		opts.Reserve = DefaultReserve
	case opts.Reserve < 0:
		opts.Reserve = 0
	case opts.Reserve > 0.9:
		opts.Reserve = 0.9
	}
	if opts.Workers <= 0 {
		opts.Workers = DefaultWorkers
	}
	if opts.WeekEvery <= 0 {
		opts.WeekEvery = DefaultWeekEvery
	}
	if opts.BalanceEvery <= 0 {
		opts.BalanceEvery = DefaultBalanceEvery
	}
	if opts.DiscoverEvery <= 0 {
		opts.DiscoverEvery = DefaultDiscoverEvery
	}
	if opts.DiscoverMinGap <= 0 {
		opts.DiscoverMinGap = DefaultDiscoverMinGap
	}
	if opts.PassTimeout <= 0 {
		opts.PassTimeout = DefaultPassTimeout
	}
	if opts.LeaseTTL <= 0 {
		opts.LeaseTTL = DefaultLeaseTTL
	}
	if opts.Holder == "" {
		opts.Holder = defaultHolder()
	}
	if opts.Metrics == nil {
		opts.Metrics = metrics.NewRegistry()
	}
	if opts.RateCard == nil {
		opts.RateCard = ratecard.Builtin()
	}
	return &Poller{
		api:    opts.API,
		st:     opts.Store,
		log:    opts.Logger.With("component", "poller", "holder", opts.Holder),
		opts:   opts,
		holder: opts.Holder,
		m:      newPollMetrics(opts.Metrics),
		wake:   make(chan struct{}, 1),
	}
}

// defaultHolder names a poller uniquely across replicas and within one
// process: hostname/pid/random.
func defaultHolder() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	return fmt.Sprintf("%s/%d/%016x", host, os.Getpid(), rand.Uint64())
}

func (p *Poller) now() time.Time { return p.opts.Now().UTC() }

// Status returns a snapshot of the poller's state.
func (p *Poller) Status() Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status
}

// Run polls until ctx is done: one pass at once, then one per Interval
// (delayed by up to a tenth of it, so replicas drift apart). Each pass is
// bounded by PassTimeout; a panic in a pass is recovered, logged and
// recorded, and the loop goes on. On cancellation in-flight requests are
// abandoned (nothing of their windows is stored) and Run returns nil.
func (p *Poller) Run(ctx context.Context) error {
	p.mu.Lock()
	p.status.Running = true
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.status.Running = false
		p.mu.Unlock()
	}()
	p.log.InfoContext(ctx, "poller started", "interval", p.opts.Interval, "backfill_days", p.opts.BackfillDays,
		"workers", p.opts.Workers)
	t := time.NewTicker(p.opts.Interval)
	defer t.Stop()
	for {
		p.timedPass(ctx)
		if !p.idle(ctx, t.C) {
			return p.stopped(ctx)
		}
		if jitter := p.opts.Interval / 10; jitter > 0 {
			j := time.NewTimer(rand.N(jitter))
			select {
			case <-ctx.Done():
				j.Stop()
				return p.stopped(ctx)
			case <-j.C:
			}
		}
	}
}

func (p *Poller) stopped(ctx context.Context) error {
	p.log.InfoContext(ctx, "poller stopped")
	if err := ctx.Err(); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// timedPass runs one pass under PassTimeout, recovering a panic.
func (p *Poller) timedPass(ctx context.Context) {
	pctx, cancel := context.WithTimeout(ctx, p.opts.PassTimeout)
	defer cancel()
	_, _ = p.safePass(pctx)
}

// safePass is RunOnce with a recovered panic turned into an error.
func (p *Poller) safePass(ctx context.Context) (res Result, err error) {
	began := p.now()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("poller: pass panicked: %v", r)
			p.log.ErrorContext(ctx, "poll pass panicked", "panic", r, "stack", string(debug.Stack()))
			p.recordRun(context.WithoutCancel(ctx), store.PollRun{Kind: KindPass, StartedAt: began,
				Duration: p.now().Sub(began), Outcome: store.OutcomeError, Error: err.Error()})
			p.setStatus(res, err)
		}
	}()
	return p.RunOnce(ctx)
}

func (p *Poller) setStatus(res Result, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.status.LastPass = p.now()
	p.status.LastResult = res
	p.status.LastError = ""
	if err != nil {
		p.status.LastError = err.Error()
	}
}

// RunOnce makes one pass: it re-reads the client and channel lists when
// DiscoverEvery has passed, then polls every channel that has work due,
// Workers at a time. A failing channel does not stop the others: it is
// counted in Result.Failed and recorded as a poll run. The error reports what
// kept the pass itself from working (discovery, the database, ctx); channels
// are still polled from the stored list when discovery fails.
func (p *Poller) RunOnce(ctx context.Context) (Result, error) {
	p.passMu.Lock()
	defer p.passMu.Unlock()
	res, err := p.pass(ctx)
	p.setStatus(res, err)
	if err != nil {
		p.log.WarnContext(ctx, "poll pass finished with an error", "err", err, "channels", res.Channels,
			"ok", res.OK, "failed", res.Failed, "rate_limited", res.RateLimited, "deferred", res.Deferred)
	} else {
		p.log.DebugContext(ctx, "poll pass finished", "channels", res.Channels, "ok", res.OK,
			"failed", res.Failed, "rate_limited", res.RateLimited, "deferred", res.Deferred,
			"requests", res.Requests, "points", res.Points)
	}
	return res, err
}

func (p *Poller) pass(ctx context.Context) (Result, error) {
	var res Result
	var errs []error
	now := p.now()
	requested := p.discoverWanted.Load() && now.Sub(p.lastDiscoverTry) >= p.opts.DiscoverMinGap
	if p.lastDiscover.IsZero() || now.Sub(p.lastDiscover) >= p.opts.DiscoverEvery || requested {
		if err := p.runDiscovery(ctx, now); err != nil {
			if ctx.Err() != nil {
				return res, fmt.Errorf("poller: %w", ctx.Err())
			}
			errs = append(errs, err)
		}
	}
	if err := p.st.PruneRequests(ctx, now.Add(-2*(p.opts.Window+windowMargin))); err != nil {
		errs = append(errs, fmt.Errorf("poller: %w", err))
	}
	channels, err := p.st.ListChannels(ctx, store.AllClients(), store.ChannelFilter{})
	if err != nil {
		return res, errors.Join(append(errs, fmt.Errorf("poller: %w", err))...)
	}
	balances, err := p.st.LatestBalances(ctx, store.AllClients(), store.ChannelFilter{})
	if err != nil {
		return res, errors.Join(append(errs, fmt.Errorf("poller: %w", err))...)
	}
	lastBalance := make(map[string]time.Time, len(balances))
	for _, b := range balances {
		lastBalance[b.ChannelID] = b.ReadAt
	}
	perWABA := map[string]int{}
	for _, ch := range channels {
		perWABA[wabaKey(ch)]++
	}

	jobs := make(chan store.Channel)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for range min(p.opts.Workers, max(1, len(channels))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ch := range jobs {
				w := p.newWork(ch, perWABA[wabaKey(ch)], lastBalance[ch.ID])
				w.run(ctx)
				mu.Lock()
				res.add(w.out)
				mu.Unlock()
			}
		}()
	}
send:
	for _, ch := range channels {
		select {
		case jobs <- ch:
		case <-ctx.Done():
			break send
		}
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		errs = append(errs, fmt.Errorf("poller: pass interrupted: %w", err))
	}
	return res, errors.Join(errs...)
}

// wabaKey groups channels by WABA; a channel without one counts alone.
func wabaKey(ch store.Channel) string {
	if ch.WABAID == "" {
		return "channel:" + ch.ID
	}
	return ch.WABAID
}

func (p *Poller) recordRun(ctx context.Context, r store.PollRun) {
	if err := p.st.RecordPollRun(ctx, r); err != nil {
		p.log.ErrorContext(ctx, "cannot record poll run", "channel", r.ChannelID, "kind", r.Kind, "err", err)
	}
}
