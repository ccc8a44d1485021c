package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/insights-dev/insights/internal/ratecard"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/webhook"
)

// Group-commit defaults.
const (
	DefaultMaxBatches = 256
	// DefaultMaxWait is short: while one commit runs the next group queues
	// up anyway, so waiting longer only adds latency (measured with
	// cmd/webhookload: 250 µs beat 2 ms by a third on two cores).
	DefaultMaxWait = 250 * time.Microsecond
	// maxEvents bounds the events of one commit.
	maxEvents = 20000
	// commitTimeout bounds one group's transaction.
	commitTimeout = 30 * time.Second
)

// ErrClosed is returned by Ingest once Close has begun: the caller should
// ask the sender to retry later.
var ErrClosed = errors.New("webhook receiver is shutting down")

// Options configure a Pipeline.
type Options struct {
	// RateCard prices the counted messages and calls (estimates) with the
	// card in force on each one's day; nil leaves their costs unknown.
	RateCard *ratecard.Book
	// MaxBatches and MaxWait tune the group commit: at most this many
	// deliveries per transaction, gathered for at most this long; zero
	// means DefaultMaxBatches and DefaultMaxWait.
	MaxBatches int
	MaxWait    time.Duration
	// RequestDiscovery asks the poller to re-read the client and channel
	// lists soon; called whenever a delivery names a channel Insights does
	// not know. Optional.
	RequestDiscovery func()
	// Logger receives the pipeline's logs; slog.Default when nil.
	Logger *slog.Logger
}

// Result says what one delivery did.
type Result struct {
	Stored     int // new events stored
	Duplicates int // events already stored (or already pending)
	Pending    int // new events kept until their channel is known
	Ignored    int // changes Insights does not count (unused fields, other account updates)
	// AccountEvents counts the new account events stored (tier updates and
	// other account updates); a repeated one is not counted again.
	AccountEvents int
}

// Stats counts what the pipeline did since it was built.
type Stats struct {
	Deliveries int64 // deliveries ingested
	Stored     int64 // new events stored
	Duplicates int64 // events already stored (or already pending)
	Pending    int64 // new events kept until their channel is known
	Ignored    int64 // changes Insights does not count
	Commits    int64 // group-commit transactions
	// AccountEvents counts the new account events stored.
	AccountEvents int64
}

// Pipeline maps webhook deliveries to channels and commits them in groups.
// Its zero value is not usable; build it with New.
type Pipeline struct {
	store            *store.Store
	rates            *ratecard.Book
	requestDiscovery func()
	log              *slog.Logger
	maxBatches       int
	maxWait          time.Duration

	startOnce sync.Once
	mu        sync.RWMutex // guards closed and sends on queue
	closed    bool
	queue     chan *queued
	done      chan struct{}

	channels channelCache
	// waiting counts the deliveries queued and not yet answered.
	waiting atomic.Int64

	deliveries, stored, duplicates, pending, ignored, commits, accountEvents atomic.Int64
}

// queued is one delivery waiting for its commit.
type queued struct {
	batch store.WebhookBatch
	done  chan outcome
}

type outcome struct {
	res store.WebhookResult
	err error
}

// New builds the pipeline; its writer starts with the first delivery.
func New(st *store.Store, opts Options) *Pipeline {
	p := &Pipeline{
		store: st, rates: opts.RateCard, requestDiscovery: opts.RequestDiscovery, log: opts.Logger,
		maxBatches: opts.MaxBatches, maxWait: opts.MaxWait,
		queue: make(chan *queued, 1024), done: make(chan struct{}),
		channels: channelCache{entries: map[string]cachedChannel{}},
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	if p.maxBatches <= 0 {
		p.maxBatches = DefaultMaxBatches
	}
	if p.maxWait <= 0 {
		p.maxWait = DefaultMaxWait
	}
	return p
}

// Stats returns the pipeline's counters.
func (p *Pipeline) Stats() Stats {
	return Stats{
		Deliveries: p.deliveries.Load(), Stored: p.stored.Load(), Duplicates: p.duplicates.Load(),
		Pending: p.pending.Load(), Ignored: p.ignored.Load(), Commits: p.commits.Load(),
		AccountEvents: p.accountEvents.Load(),
	}
}

// Ingest maps the events of one delivery to their channels (urlChannel, when
// not empty, is the channel the webhook's URL named), commits them with the
// deliveries arriving meanwhile, and returns what happened once the commit is
// done: a nil error means every event is durable. It returns ErrClosed after
// Close, and ctx's error when ctx ends before the delivery is queued; once
// queued, it waits for the commit whatever ctx does, so that an answer never
// precedes the commit.
func (p *Pipeline) Ingest(ctx context.Context, urlChannel string, b webhook.Batch) (Result, error) {
	batch, err := p.assign(ctx, urlChannel, b)
	if err != nil {
		return Result{}, fmt.Errorf("ingest: map channels: %w", err)
	}
	for _, ig := range b.Ignored {
		p.log.Debug("webhook change ignored", "field", ig.Field, "reason", ig.Reason)
	}
	out := Result{Ignored: len(b.Ignored)}
	p.ignored.Add(int64(out.Ignored))
	if evs := accountEvents(b); len(evs) > 0 {
		// Rare (a few a month per WABA): written at once, outside the group commit.
		n, err := p.store.SaveAccountEvents(ctx, evs)
		if err != nil {
			return Result{}, fmt.Errorf("ingest: %w", err)
		}
		out.AccountEvents = n
		p.accountEvents.Add(int64(n))
	}
	if batch.Len() > 0 {
		res, err := p.submit(ctx, batch)
		if err != nil {
			return Result{}, fmt.Errorf("ingest: %w", err)
		}
		out.Stored, out.Duplicates, out.Pending = res.Stored, res.Duplicates, res.Pending
		p.stored.Add(int64(res.Stored))
		p.duplicates.Add(int64(res.Duplicates))
		p.pending.Add(int64(res.Pending))
		if len(batch.Unknown) > 0 && p.requestDiscovery != nil {
			p.requestDiscovery()
		}
	}
	p.deliveries.Add(1)
	return out, nil
}

// Close stops the writer: deliveries arriving from now on get ErrClosed,
// batches already queued are committed (and their callers answered), then
// the writer stops. Call it after the HTTP server has shut down; it returns
// early with ctx's error when ctx ends first. Safe to call more than once,
// and when no delivery ever arrived.
func (p *Pipeline) Close(ctx context.Context) error {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		p.startOnce.Do(func() { close(p.done) }) // never started: nothing to flush
		close(p.queue)
	}
	p.mu.Unlock()
	select {
	case <-p.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("ingest: close writer: %w", ctx.Err())
	}
}

// submit queues a batch for the writer and waits for its commit.
func (p *Pipeline) submit(ctx context.Context, b store.WebhookBatch) (store.WebhookResult, error) {
	q := &queued{batch: b, done: make(chan outcome, 1)}
	p.mu.RLock()
	if p.closed {
		p.mu.RUnlock()
		return store.WebhookResult{}, ErrClosed
	}
	p.startOnce.Do(func() { go p.run() })
	select {
	case p.queue <- q:
		p.waiting.Add(1)
	case <-ctx.Done():
		p.mu.RUnlock()
		return store.WebhookResult{}, ctx.Err()
	}
	p.mu.RUnlock()
	// Once queued, the batch will be committed or fail; wait for the outcome
	// even if the caller gave up, so that the answer never precedes the commit.
	out := <-q.done
	p.waiting.Add(-1)
	return out.res, out.err
}

// run is the writer: it takes the first waiting batch, gathers more for up
// to maxWait (or until maxBatches), commits them in one transaction and
// answers every waiting caller.
func (p *Pipeline) run() {
	defer close(p.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	group := make([]*queued, 0, p.maxBatches)
	for {
		first, ok := <-p.queue
		if !ok {
			return
		}
		group = append(group[:0], first)
		events := first.batch.Len()
		timer.Reset(p.maxWait)
		open := true
	gather:
		for len(group) < p.maxBatches && events < maxEvents {
			select {
			case q, ok := <-p.queue:
				if !ok {
					open = false
					break gather
				}
				group = append(group, q)
				events += q.batch.Len()
			case <-timer.C:
				break gather
			}
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		p.commit(group)
		if !open {
			return
		}
	}
}

// commit saves a group in one transaction and answers its callers.
func (p *Pipeline) commit(group []*queued) {
	batches := make([]store.WebhookBatch, len(group))
	for i, q := range group {
		batches[i] = q.batch
	}
	// The commit must not depend on any one caller's context: others wait on it.
	ctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
	defer cancel()
	res, err := p.store.SaveWebhookBatches(ctx, p.rates, batches)
	p.commits.Add(1)
	if err != nil {
		p.log.Error("webhook commit failed", "batches", len(group), "err", err)
	}
	for i, q := range group {
		if err != nil {
			q.done <- outcome{err: err}
			continue
		}
		q.done <- outcome{res: res[i]}
	}
}

// accountEvents are the account updates of a delivery as the store keeps
// them: tier updates with their fields, other updates with their detail.
func accountEvents(b webhook.Batch) []store.AccountEvent {
	var out []store.AccountEvent
	for _, u := range b.TierUpdates {
		out = append(out, store.AccountEvent{WABAID: u.WABAID, Event: webhook.EventTierUpdate, OccurredAt: u.UpdateTime,
			PricingCategory: u.Category, Tier: u.Tier, EffectiveMonth: u.EffectiveMonth, Region: u.Region, Detail: u.Detail})
	}
	for _, e := range b.AccountEvents {
		name := e.Event
		if name == "" {
			name = "UNNAMED"
		}
		out = append(out, store.AccountEvent{WABAID: e.WABAID, Event: name, Detail: e.Detail})
	}
	return out
}
