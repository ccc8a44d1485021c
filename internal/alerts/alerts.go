// Package alerts watches each client's spending and polling and tells the
// partner when something needs attention: the month's forecast over its
// budget, a balance about to run out, a category's volume far above or below
// the same weekday's recent history, or polling that has stalled.
//
// State lives in the database (store.FireAlert / ResolveAlert): each
// condition has at most one open ("firing") alert per kind and client, which
// resolves when the condition clears; evaluating again changes nothing.
// Opening or resolving an alert queues one delivery per configured transport
// (e-mail over SMTP, a signed JSON webhook) in the same transaction. Senders
// claim due deliveries with a lease, so two processes on one database never
// send the same one; a failed send is retried with exponential backoff up to
// MaxAttempts; a restart resumes from the table and re-sends nothing that
// was recorded as sent. (A process that dies between a successful send and
// recording it re-sends once after the lease: at-least-once in that window.)
package alerts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/insights-dev/insights/internal/ratecard"
	"github.com/insights-dev/insights/internal/spend"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
)

// Alert kinds, as the API and the webhook name them.
const (
	KindForecastOverBudget = "forecast_over_budget"
	KindLowRunway          = "low_runway"
	KindVolumeSpike        = "volume_spike"
	KindVolumeDrop         = "volume_drop"
	KindPollingStalled     = "polling_stalled"
)

// Kinds lists every kind in display order.
var Kinds = []string{KindForecastOverBudget, KindLowRunway, KindVolumeSpike, KindVolumeDrop, KindPollingStalled}

// Transport names.
const (
	TransportEmail   = "email"
	TransportWebhook = "webhook"
)

// Sender delivers one alert event over one transport.
type Sender interface {
	Send(ctx context.Context, d store.Delivery) error
}

// Config configures an Evaluator. Zero values get the documented defaults.
type Config struct {
	Store  *store.Store
	Logger *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Interval between passes of Run; default 5 minutes.
	Interval time.Duration
	// RunwayDays: low_runway fires when a channel's runway is under it; default 7.
	RunwayDays float64
	// StalledAfter: polling_stalled fires when a client's last successful
	// usage poll is older; default 6 hours.
	StalledAfter time.Duration
	// SpikeFactor and DropFactor compare a category's volume on the last
	// complete day with the mean of the same weekday over the 4 weeks
	// before: spike above mean × SpikeFactor, drop below mean × DropFactor;
	// defaults 2.5 and 0.3. MinVolume (default 100 messages) is the least
	// mean that is judged at all, so quiet categories do not flap.
	SpikeFactor, DropFactor float64
	MinVolume               int64
	// Email and Webhook send alerts; nil leaves the transport out.
	Email, Webhook Sender
	// RetryBase is the first retry delay, doubled on each failure up to
	// an hour; default 1 minute. MaxAttempts (default 8) gives up after.
	RetryBase   time.Duration
	MaxAttempts int
	// Forecasts keeps the forecasts between passes; a new cache when nil.
	// Sharing the web server's lets its pages show what a pass computed.
	Forecasts *spend.ForecastCache
	// RateCard prices, in forecasts, categories the card in force for the
	// month bills but the history did not (see spend.Service.RateCard).
	RateCard *ratecard.Book
	// Lease is how long a claimed delivery is reserved; default 2 minutes.
	Lease time.Duration
}

// Evaluator evaluates alert conditions and delivers alerts.
type Evaluator struct {
	cfg Config
	log *slog.Logger
	svc *spend.Service
}

// New returns an Evaluator for cfg.
func New(cfg Config) *Evaluator {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 5 * time.Minute
	}
	if cfg.RunwayDays <= 0 {
		cfg.RunwayDays = 7
	}
	if cfg.StalledAfter <= 0 {
		cfg.StalledAfter = 6 * time.Hour
	}
	if cfg.SpikeFactor <= 0 {
		cfg.SpikeFactor = 2.5
	}
	if cfg.DropFactor <= 0 {
		cfg.DropFactor = 0.3
	}
	if cfg.MinVolume <= 0 {
		cfg.MinVolume = 100
	}
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = time.Minute
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 8
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 2 * time.Minute
	}
	if cfg.Forecasts == nil {
		cfg.Forecasts = spend.NewForecastCache(spend.ForecastCacheSize)
	}
	return &Evaluator{cfg: cfg, log: cfg.Logger.With("component", "alerts"),
		svc: &spend.Service{Store: cfg.Store, Scope: store.AllClients(), Now: cfg.Now, Forecasts: cfg.Forecasts,
			RateCard: cfg.RateCard}}
}

func (e *Evaluator) now() time.Time { return e.cfg.Now().UTC() }

// transports lists the configured transports, for queuing deliveries.
func (e *Evaluator) transports() []string {
	var out []string
	if e.cfg.Email != nil {
		out = append(out, TransportEmail)
	}
	if e.cfg.Webhook != nil {
		out = append(out, TransportWebhook)
	}
	return out
}

// Run evaluates and delivers every Interval (with a little jitter) until
// ctx is cancelled; a failed pass is logged and the loop goes on.
func (e *Evaluator) Run(ctx context.Context) error {
	for {
		e.pass(ctx)
		jitter := time.Duration(rand.Int64N(int64(e.cfg.Interval/10) + 1))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(e.cfg.Interval + jitter):
		}
	}
}

func (e *Evaluator) pass(ctx context.Context) {
	defer func() {
		if r := recover(); r != nil {
			e.log.Error("alert pass panicked", "panic", fmt.Sprint(r))
		}
	}()
	pctx, cancel := context.WithTimeout(ctx, e.cfg.Interval)
	defer cancel()
	if err := e.Evaluate(pctx); err != nil && !errors.Is(err, context.Canceled) {
		e.log.Error("evaluating alerts", "err", err)
	}
	if _, err := e.Deliver(pctx); err != nil && !errors.Is(err, context.Canceled) {
		e.log.Error("delivering alerts", "err", err)
	}
}

// condition is the outcome of one check: firing with a message, or clear.
type condition struct {
	kind    string
	firing  bool
	message string
}

// Evaluate checks every client once and opens or resolves its alerts.
func (e *Evaluator) Evaluate(ctx context.Context) error {
	clients, err := e.cfg.Store.ListClients(ctx, store.AllClients())
	if err != nil {
		return fmt.Errorf("alerts: evaluate: %w", err)
	}
	var errs []error
	for _, cl := range clients {
		conds, err := e.check(ctx, cl)
		if err != nil {
			errs = append(errs, fmt.Errorf("client %s: %w", cl.ID, err))
			continue
		}
		for _, c := range conds {
			if err := e.apply(ctx, cl.ID, c); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("alerts: evaluate: %w", err)
	}
	return nil
}

func (e *Evaluator) apply(ctx context.Context, clientID string, c condition) error {
	now := e.now()
	if c.firing {
		a, fired, err := e.cfg.Store.FireAlert(ctx, store.Alert{Kind: c.kind, ClientID: clientID, Message: c.message, FiredAt: now}, e.transports())
		if err != nil {
			return err
		}
		if fired {
			e.log.Info("alert firing", "id", a.ID, "kind", c.kind, "client", clientID, "message", c.message)
		}
		return nil
	}
	a, resolved, err := e.cfg.Store.ResolveAlert(ctx, c.kind, clientID, "", now, e.transports())
	if err != nil {
		return err
	}
	if resolved {
		e.log.Info("alert resolved", "id", a.ID, "kind", c.kind, "client", clientID)
	}
	return nil
}

// check evaluates every condition of one client.
func (e *Evaluator) check(ctx context.Context, cl store.Client) ([]condition, error) {
	chs, err := e.cfg.Store.ListChannels(ctx, store.AllClients(), store.ChannelFilter{ClientIDs: []string{cl.ID}})
	if err != nil {
		return nil, err
	}
	if len(chs) == 0 {
		return nil, nil
	}
	var out []condition

	f, err := e.svc.ForecastClient(ctx, cl.ID, 0, 0, nil)
	if err != nil {
		return nil, err
	}
	over := condition{kind: KindForecastOverBudget, firing: f.InProgress && f.OverBudget()}
	if over.firing {
		over.message = fmt.Sprintf("%s: the forecast for %s is %s %s (range %s–%s), over the monthly budget of %s %s.",
			cl.Name, f.Month.From.In(f.Zone).Format("January 2006"), usage.FormatFixed(f.ForecastNanos, 2), f.Currency,
			usage.FormatFixed(f.LowNanos, 2), usage.FormatFixed(f.HighNanos, 2), usage.FormatFixed(f.Budget.AmountNanos, 2), f.Budget.Currency)
	}
	out = append(out, over)

	bals, err := e.svc.Balances(ctx, store.ChannelFilter{ClientIDs: []string{cl.ID}})
	if err != nil {
		return nil, err
	}
	low := condition{kind: KindLowRunway}
	var worst *spend.Balance
	for i, b := range bals {
		if b.RunwayDays != nil && *b.RunwayDays < e.cfg.RunwayDays && (worst == nil || *b.RunwayDays < *worst.RunwayDays) {
			worst = &bals[i]
		}
	}
	if worst != nil {
		low.firing = true
		low.message = fmt.Sprintf("%s: channel %s has %s %s left, about %s days at its recent spending (alert under %s days).",
			cl.Name, worst.ChannelID, usage.FormatFixed(worst.BalanceNanos, 2), worst.Currency,
			strconv.FormatFloat(*worst.RunwayDays, 'f', 1, 64), strconv.FormatFloat(e.cfg.RunwayDays, 'f', -1, 64))
	}
	out = append(out, low)

	spike, drop, err := e.volumeChange(ctx, cl, f.Zone)
	if err != nil {
		return nil, err
	}
	out = append(out, spike, drop)

	stalled := condition{kind: KindPollingStalled}
	last, ok, err := e.cfg.Store.LastSuccessfulPoll(ctx, store.AllClients(), store.ChannelFilter{ClientIDs: []string{cl.ID}})
	if err != nil {
		return nil, err
	}
	// A client never polled yet (first start, backfill under way) is not stalled.
	if ok && e.now().Sub(last) > e.cfg.StalledAfter {
		stalled.firing = true
		stalled.message = fmt.Sprintf("%s: no successful usage poll since %s (%s ago).", cl.Name,
			last.UTC().Format(time.RFC3339), e.now().Sub(last).Truncate(time.Minute))
	}
	out = append(out, stalled)
	return out, nil
}

// volumeChange compares each category's volume on the last complete local
// day with the mean of the same weekday over the four weeks before.
func (e *Evaluator) volumeChange(ctx context.Context, cl store.Client, loc *time.Location) (spike, drop condition, err error) {
	spike, drop = condition{kind: KindVolumeSpike}, condition{kind: KindVolumeDrop}
	day := usage.DateOf(e.now().In(loc)).AddDays(-1)
	span := usage.Period{From: day.AddDays(-28), To: day, Loc: loc}
	rows, err := e.cfg.Store.QueryUsage(ctx, store.AllClients(), store.UsageFilter{Start: span.Start(), End: span.End(),
		ClientIDs: []string{cl.ID}, GroupBy: []usage.GroupField{usage.ByCategory}})
	if err != nil {
		return spike, drop, err
	}
	vol := map[usage.Category]map[usage.Date]int64{}
	for _, en := range usage.Aggregate(rows, span, usage.Day).Series {
		if vol[en.Key.Category] == nil {
			vol[en.Key.Category] = map[usage.Date]int64{}
		}
		vol[en.Key.Category][usage.DateOf(en.Bucket)] += en.Volume
	}
	for _, cat := range sortedCategories(vol) {
		v := vol[cat]
		var sum int64
		for w := 1; w <= 4; w++ {
			sum += v[day.AddDays(-7*w)]
		}
		mean := sum / 4
		if mean < e.cfg.MinVolume {
			continue
		}
		got := v[day]
		weekday := day.In(loc).Weekday()
		switch {
		case float64(got) > float64(mean)*e.cfg.SpikeFactor && !spike.firing:
			spike.firing = true
			spike.message = fmt.Sprintf("%s: %s volume on %s was %d messages, %.1f× the usual %d for a %s.",
				cl.Name, cat.Label(), day, got, float64(got)/float64(mean), mean, weekday)
		case float64(got) < float64(mean)*e.cfg.DropFactor && !drop.firing:
			drop.firing = true
			drop.message = fmt.Sprintf("%s: %s volume on %s was %d messages, down from the usual %d for a %s.",
				cl.Name, cat.Label(), day, got, mean, weekday)
		}
	}
	return spike, drop, nil
}

func sortedCategories(m map[usage.Category]map[usage.Date]int64) []usage.Category {
	out := make([]usage.Category, 0, len(m))
	for c := range m {
		out = append(out, c)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && (out[j].Rank() < out[j-1].Rank() || (out[j].Rank() == out[j-1].Rank() && out[j] < out[j-1])); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// Deliver sends every due delivery once: claimed with a lease, sent, and
// recorded as sent, or scheduled for a retry with backoff (given up after
// MaxAttempts). It returns how many were sent.
func (e *Evaluator) Deliver(ctx context.Context) (int, error) {
	sent := 0
	for {
		batch, err := e.cfg.Store.ClaimDeliveries(ctx, e.now(), e.cfg.Lease, 50)
		if err != nil {
			return sent, fmt.Errorf("alerts: deliver: %w", err)
		}
		if len(batch) == 0 {
			return sent, nil
		}
		for _, d := range batch {
			ok, err := e.deliverOne(ctx, d)
			if err != nil {
				return sent, err
			}
			if ok {
				sent++
			}
		}
	}
}

// deliverOne sends one claimed delivery and records the outcome; ok tells
// whether it was sent.
func (e *Evaluator) deliverOne(ctx context.Context, d store.Delivery) (ok bool, err error) {
	var s Sender
	switch d.Transport {
	case TransportEmail:
		s = e.cfg.Email
	case TransportWebhook:
		s = e.cfg.Webhook
	}
	var sendErr error
	if s == nil {
		sendErr = fmt.Errorf("transport %q is not configured", d.Transport)
	} else {
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		sendErr = s.Send(sctx, d)
		cancel()
	}
	if sendErr == nil {
		e.log.Info("alert delivered", "id", d.Alert.ID, "kind", d.Alert.Kind, "transport", d.Transport, "event", d.Event, "attempt", d.Attempts)
		return true, e.cfg.Store.CompleteDelivery(ctx, d, e.now())
	}
	var next time.Time
	if d.Attempts < e.cfg.MaxAttempts {
		next = e.now().Add(backoff(e.cfg.RetryBase, d.Attempts))
	}
	e.log.Warn("alert delivery failed", "id", d.Alert.ID, "transport", d.Transport, "event", d.Event,
		"attempt", d.Attempts, "retry_at", next, "err", sendErr)
	return false, e.cfg.Store.FailDelivery(ctx, d, sendErr.Error(), next)
}

// backoff is base × 2^(attempt−1), at most an hour.
func backoff(base time.Duration, attempt int) time.Duration {
	d := base
	for i := 1; i < attempt && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}
