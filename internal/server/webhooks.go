package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/webhook"
)

// The webhook receiver: POST /webhooks/whatsapp[/:channel].
//
// A delivery is authenticated (shared secret, then, when a signing key is
// set, the HMAC signature of the raw body), read up to webhook.MaxBodyBytes,
// parsed all or nothing, mapped to channels, and handed to one writer
// goroutine that commits the batches of many concurrent deliveries in one
// transaction (group commit). The handler answers 200 only after that commit:
// an acknowledged event is durable. Events whose channel Insights does not
// know (neither the URL's channel nor the metadata's phone_number_id or
// display_phone_number matches a stored channel) are answered 200 too, and
// kept in the same commit as pending events (see store.UnknownEvent): the
// poller may not have discovered the channel yet, so the receiver asks it to
// (Options.RequestDiscovery), and the events are counted once a discovery
// brings their channel (store.ResolvePendingWebhooks).

// HeaderWebhookToken carries the shared webhook secret when the sender cannot
// put it in the token query parameter.
const HeaderWebhookToken = "X-Insights-Token"

// Group-commit defaults.
const (
	defaultWebhookMaxBatches = 256
	// defaultWebhookMaxWait is short: while one commit runs the next group
	// queues up anyway, so waiting longer only adds latency (measured with
	// cmd/webhookload: 250 µs beat 2 ms by a third on two cores).
	defaultWebhookMaxWait = 250 * time.Microsecond
	// webhookMaxEvents bounds the events of one commit.
	webhookMaxEvents = 20000
	// channelCacheTTL bounds how long a channel lookup is trusted; unknown
	// phone numbers are retried after negativeCacheTTL.
	channelCacheTTL  = 5 * time.Minute
	negativeCacheTTL = 30 * time.Second
)

// errReceiverClosed is returned to handlers once Close has begun.
var errReceiverClosed = errors.New("webhook receiver is shutting down")

// WebhookStats counts what the receiver did since the process started.
type WebhookStats struct {
	Deliveries int64 // accepted deliveries (200)
	Stored     int64 // new events stored
	Duplicates int64 // events already stored (or already pending)
	Pending    int64 // new events kept until their channel is known
	Ignored    int64 // changes Insights does not count (unused fields, tier updates)
	Rejected   int64 // deliveries answered 4xx or 5xx
	Commits    int64 // group-commit transactions
}

// webhookReceiver holds the receiver's state: the group-commit writer and
// the channel cache.
type webhookReceiver struct {
	s         *Server
	secretSum [sha256.Size]byte

	startOnce sync.Once
	mu        sync.RWMutex // guards closed and sends on queue
	closed    bool
	queue     chan *pendingBatch
	done      chan struct{}

	maxBatches int
	maxWait    time.Duration

	cacheMu sync.Mutex
	cache   map[string]cachedChannel

	deliveries, stored, duplicates, pending, ignored, rejected, commits atomic.Int64
}

type cachedChannel struct {
	id      string // "" when unknown
	expires time.Time
}

// pendingBatch is one delivery waiting for its commit.
type pendingBatch struct {
	batch store.WebhookBatch
	done  chan batchOutcome
}

type batchOutcome struct {
	res store.WebhookResult
	err error
}

func newWebhookReceiver(s *Server) *webhookReceiver {
	r := &webhookReceiver{
		s: s, queue: make(chan *pendingBatch, 1024), done: make(chan struct{}),
		maxBatches: s.opts.WebhookMaxBatches, maxWait: s.opts.WebhookMaxWait,
		cache: map[string]cachedChannel{},
	}
	if r.maxBatches <= 0 {
		r.maxBatches = defaultWebhookMaxBatches
	}
	if r.maxWait <= 0 {
		r.maxWait = defaultWebhookMaxWait
	}
	if s.opts.WebhookSecret != "" {
		r.secretSum = sha256.Sum256([]byte(s.opts.WebhookSecret))
	}
	return r
}

// WebhookStats returns the receiver's counters.
func (s *Server) WebhookStats() WebhookStats {
	r := s.hooks
	return WebhookStats{
		Deliveries: r.deliveries.Load(), Stored: r.stored.Load(), Duplicates: r.duplicates.Load(),
		Pending: r.pending.Load(), Ignored: r.ignored.Load(), Rejected: r.rejected.Load(), Commits: r.commits.Load(),
	}
}

// Close stops the webhook writer: deliveries arriving from now on are
// answered 503, batches already queued are committed (and their senders
// answered), then the writer stops. Call it after the HTTP server has shut
// down; it returns early with ctx's error when ctx ends first. Safe to call
// more than once, and when no webhook ever arrived.
func (s *Server) Close(ctx context.Context) error {
	r := s.hooks
	r.mu.Lock()
	if !r.closed {
		r.closed = true
		r.startOnce.Do(func() { close(r.done) }) // never started: nothing to flush
		close(r.queue)
	}
	r.mu.Unlock()
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("server: close webhook writer: %w", ctx.Err())
	}
}

// submit queues a batch for the writer and waits for its commit.
func (r *webhookReceiver) submit(ctx context.Context, b store.WebhookBatch) (store.WebhookResult, error) {
	p := &pendingBatch{batch: b, done: make(chan batchOutcome, 1)}
	r.mu.RLock()
	if r.closed {
		r.mu.RUnlock()
		return store.WebhookResult{}, errReceiverClosed
	}
	r.startOnce.Do(func() { go r.run() })
	select {
	case r.queue <- p:
	case <-ctx.Done():
		r.mu.RUnlock()
		return store.WebhookResult{}, ctx.Err()
	}
	r.mu.RUnlock()
	// Once queued, the batch will be committed or fail; wait for the outcome
	// even if the client gave up, so that the answer never precedes the commit.
	out := <-p.done
	return out.res, out.err
}

// run is the writer: it takes the first waiting batch, gathers more for up
// to maxWait (or until maxBatches), commits them in one transaction and
// answers every waiting handler.
func (r *webhookReceiver) run() {
	defer close(r.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	group := make([]*pendingBatch, 0, r.maxBatches)
	for {
		first, ok := <-r.queue
		if !ok {
			return
		}
		group = append(group[:0], first)
		events := first.batch.Len()
		timer.Reset(r.maxWait)
		open := true
	gather:
		for len(group) < r.maxBatches && events < webhookMaxEvents {
			select {
			case p, ok := <-r.queue:
				if !ok {
					open = false
					break gather
				}
				group = append(group, p)
				events += p.batch.Len()
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
		r.commit(group)
		if !open {
			return
		}
	}
}

func (r *webhookReceiver) commit(group []*pendingBatch) {
	batches := make([]store.WebhookBatch, len(group))
	for i, p := range group {
		batches[i] = p.batch
	}
	// The commit must not depend on any one request's context: others wait on it.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := r.s.store.SaveWebhookBatches(ctx, r.s.opts.RateCard, batches)
	r.commits.Add(1)
	if err != nil {
		r.s.log.Error("webhook commit failed", "batches", len(group), "err", err)
	}
	for i, p := range group {
		if err != nil {
			p.done <- batchOutcome{err: err}
			continue
		}
		p.done <- batchOutcome{res: res[i]}
	}
}

// webhookResponse is the JSON body of an accepted delivery.
type webhookResponse struct {
	Stored     int `json:"stored"`
	Duplicates int `json:"duplicates"`
	// Pending counts the new events kept until their channel is known.
	Pending int `json:"pending"`
	Ignored int `json:"ignored"`
}

// webhookError answers a rejected delivery with {"error", "field"}.
func (r *webhookReceiver) reject(c echo.Context, status int, msg, field string) error {
	r.rejected.Add(1)
	r.s.log.InfoContext(c.Request().Context(), "webhook rejected", "status", status, "reason", msg, "field", field, "path", c.Request().URL.Path)
	return c.JSON(status, apiError{Error: msg, Field: field})
}

// receiveWebhook answers POST /webhooks/whatsapp and /webhooks/whatsapp/:channel.
func (s *Server) receiveWebhook(c echo.Context) error {
	r := s.hooks
	req := c.Request()
	if s.opts.WebhookSecret == "" {
		return r.reject(c, http.StatusServiceUnavailable,
			"the webhook receiver is not configured: set INSIGHTS_WEBHOOK_SECRET and send it as the token parameter or the "+HeaderWebhookToken+" header", "")
	}
	token := c.QueryParam("token")
	if token == "" {
		token = req.Header.Get(HeaderWebhookToken)
	}
	sum := sha256.Sum256([]byte(token))
	if token == "" || subtle.ConstantTimeCompare(sum[:], r.secretSum[:]) != 1 {
		return r.reject(c, http.StatusUnauthorized, "missing or wrong webhook token", "token")
	}
	if req.ContentLength > webhook.MaxBodyBytes {
		return r.reject(c, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", webhook.MaxBodyBytes), "")
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), req.Body, webhook.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return r.reject(c, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", webhook.MaxBodyBytes), "")
		}
		return r.reject(c, http.StatusBadRequest, "cannot read the body: "+err.Error(), "")
	}
	if key := s.opts.WebhookSigningKey; key != "" {
		if err := webhook.VerifySignature(body, key, req.Header.Get(webhook.HeaderSignature360), req.Header.Get(webhook.HeaderSignatureHub)); err != nil {
			msg := "bad signature"
			if errors.Is(err, webhook.ErrMissingSignature) {
				msg = "missing signature: send " + webhook.HeaderSignature360 + " or " + webhook.HeaderSignatureHub
			}
			return r.reject(c, http.StatusUnauthorized, msg, "")
		}
	}
	parsed, err := webhook.Parse(body)
	if err != nil {
		var pe *webhook.ParseError
		if errors.As(err, &pe) {
			return r.reject(c, http.StatusBadRequest, "malformed webhook: "+pe.Msg, pe.Path)
		}
		return r.reject(c, http.StatusBadRequest, "malformed webhook: "+err.Error(), "")
	}

	ctx := req.Context()
	batch, err := r.assign(ctx, c.Param("channel"), parsed)
	if err != nil {
		r.rejected.Add(1)
		return fmt.Errorf("webhook: map channels: %w", err)
	}
	for _, ig := range parsed.Ignored {
		s.log.Debug("webhook change ignored", "field", ig.Field, "reason", ig.Reason)
	}
	ignored := len(parsed.Ignored) + len(parsed.TierUpdates)
	r.ignored.Add(int64(ignored))
	resp := webhookResponse{Ignored: ignored}
	if batch.Len() > 0 {
		res, err := r.submit(ctx, batch)
		if err != nil {
			r.rejected.Add(1)
			if errors.Is(err, errReceiverClosed) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return c.JSON(http.StatusServiceUnavailable, apiError{Error: "not stored: " + err.Error() + "; retry later"})
			}
			return fmt.Errorf("webhook: store: %w", err)
		}
		resp.Stored, resp.Duplicates, resp.Pending = res.Stored, res.Duplicates, res.Pending
		r.stored.Add(int64(res.Stored))
		r.duplicates.Add(int64(res.Duplicates))
		r.pending.Add(int64(res.Pending))
		if len(batch.Unknown) > 0 && s.opts.RequestDiscovery != nil {
			s.opts.RequestDiscovery()
		}
	}
	r.deliveries.Add(1)
	return c.JSON(http.StatusOK, resp)
}

// assign maps every event to its channel: the URL's channel when given,
// else the metadata's phone_number_id, else its display_phone_number.
// Events of unknown channels go to the batch's Unknown events, and are logged.
func (r *webhookReceiver) assign(ctx context.Context, urlChannel string, b webhook.Batch) (store.WebhookBatch, error) {
	var out store.WebhookBatch
	resolve := func(phoneID, display string) (string, error) {
		if urlChannel != "" {
			return r.lookup(ctx, "id:"+urlChannel, func() (store.Channel, error) { return r.s.store.GetChannel(ctx, store.AllClients(), urlChannel) })
		}
		for _, v := range []string{phoneID, display} {
			if v == "" {
				continue
			}
			id, err := r.lookup(ctx, "phone:"+v, func() (store.Channel, error) { return r.s.store.ChannelByPhone(ctx, v) })
			if err != nil || id != "" {
				return id, err
			}
		}
		return "", nil
	}
	unknown := map[string]int{}
	for i, st := range b.Statuses {
		id, err := resolve(st.PhoneNumberID, st.DisplayPhoneNumber)
		if err != nil {
			return out, err
		}
		if id == "" {
			unknown[urlChannel+"|"+st.PhoneNumberID+"|"+st.DisplayPhoneNumber]++
			out.Unknown = append(out.Unknown, store.UnknownEvent{URLChannel: urlChannel, Status: &b.Statuses[i]})
			continue
		}
		out.Statuses = append(out.Statuses, store.WebhookStatus{ChannelID: id, MessageStatus: st})
	}
	for i, ev := range b.Calls {
		id, err := resolve(ev.PhoneNumberID, ev.DisplayPhoneNumber)
		if err != nil {
			return out, err
		}
		if id == "" {
			unknown[urlChannel+"|"+ev.PhoneNumberID+"|"+ev.DisplayPhoneNumber]++
			out.Unknown = append(out.Unknown, store.UnknownEvent{URLChannel: urlChannel, Call: &b.Calls[i]})
			continue
		}
		out.Calls = append(out.Calls, store.WebhookCall{ChannelID: id, CallEvent: ev})
	}
	for k, n := range unknown {
		r.s.log.WarnContext(ctx, "webhook events kept pending: unknown channel",
			"channel|phone_number_id|display_phone_number", k, "events", n)
	}
	return out, nil
}

// lookup finds a channel id through the cache; "" when no channel matches.
func (r *webhookReceiver) lookup(_ context.Context, key string, find func() (store.Channel, error)) (string, error) {
	now := time.Now()
	r.cacheMu.Lock()
	if c, ok := r.cache[key]; ok && now.Before(c.expires) {
		r.cacheMu.Unlock()
		return c.id, nil
	}
	r.cacheMu.Unlock()
	ch, err := find()
	entry := cachedChannel{id: ch.ID, expires: now.Add(channelCacheTTL)}
	switch {
	case errors.Is(err, store.ErrNotFound):
		entry = cachedChannel{expires: now.Add(negativeCacheTTL)}
	case err != nil:
		return "", err
	}
	r.cacheMu.Lock()
	if len(r.cache) > 100_000 { // bound memory against floods of made-up numbers
		clear(r.cache)
	}
	r.cache[key] = entry
	r.cacheMu.Unlock()
	return entry.id, nil
}
