package poller

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/insights-dev/insights/internal/partnerapi"
	"github.com/insights-dev/insights/internal/ratecard"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
)

// errNoSlot means the channel's or its WABA's request budget is used up for
// now: the work waits for a later pass. It is not a failure.
var errNoSlot = errors.New("no request slot free")

// defaultRetryAfter is the pause after a rate limit that named no Retry-After.
const defaultRetryAfter = time.Minute

// saveStateTimeout bounds saving a channel's poll state after its work, which
// happens even when the pass is being cancelled.
const saveStateTimeout = 5 * time.Second

// minSplit is the shortest window that is split further when the source
// refuses it.
const minSplit = 24 * time.Hour

// outcome is how a channel fared in one pass, worst first.
type outcome int

const (
	outcomeOK outcome = iota
	outcomeDeferred
	outcomeRateLimited
	outcomeFailed
)

// channelOut is what one channel's work adds to a Result.
type channelOut struct {
	outcome  outcome
	requests int
	points   int
}

func (o *channelOut) worsen(to outcome) { o.outcome = max(o.outcome, to) }

func (r *Result) add(o channelOut) {
	r.Channels++
	switch o.outcome {
	case outcomeOK:
		r.OK++
	case outcomeDeferred:
		r.Deferred++
	case outcomeRateLimited:
		r.RateLimited++
	case outcomeFailed:
		r.Failed++
	}
	r.Requests += o.requests
	r.Points += o.points
}

// work is one channel's turn in one pass.
type work struct {
	p           *Poller
	ch          store.Channel
	budget      int           // usage requests per window for this channel
	recentEvery time.Duration // spacing of "recent" fetches for this channel
	lastBalance time.Time
	state       store.PollState
	dirty       bool
	out         channelOut
}

func (p *Poller) newWork(ch store.Channel, wabaChannels int, lastBalance time.Time) *work {
	o := p.opts
	return &work{
		p:           p,
		ch:          ch,
		budget:      channelBudget(o.ChannelLimit, o.WABALimit, wabaChannels),
		recentEvery: recentEvery(o.RecentEvery, o.Window, o.ChannelLimit, o.WABALimit, wabaChannels, o.Reserve),
		lastBalance: lastBalance,
	}
}

// run does whatever the channel has due and saves its poll state.
func (w *work) run(ctx context.Context) {
	p := w.p
	defer func() {
		if r := recover(); r != nil {
			w.out.worsen(outcomeFailed)
			p.log.ErrorContext(ctx, "channel poll panicked", "channel", w.ch.ID, "panic", r, "stack", string(debug.Stack()))
			now := p.now()
			p.recordRun(context.WithoutCancel(ctx), store.PollRun{ChannelID: w.ch.ID, Kind: KindPass, StartedAt: now,
				Outcome: store.OutcomeError, Error: fmt.Sprintf("panic: %v", r)})
		}
	}()
	if !w.claim(ctx) {
		return
	}
	defer w.release(ctx)
	// The work ends before the lease does, so no other replica can take the
	// channel over while a request of ours is still in flight.
	ctx, cancel := context.WithTimeout(ctx, p.opts.LeaseTTL)
	defer cancel()
	// Read after the claim: the previous holder's state is saved by now.
	st, err := p.st.GetPollState(ctx, w.ch.ID)
	if err != nil {
		if ctx.Err() == nil {
			w.out.worsen(outcomeFailed)
			p.log.ErrorContext(ctx, "cannot read poll state", "channel", w.ch.ID, "err", err)
		}
		return
	}
	w.state = st
	// While any channel backfills, this process's writes queue behind its
	// months of points: slow queries then are expected, not warnings.
	ctx = store.ExpectSlowDuring(ctx, "a backfill was running", p.backfillDuring)
	now := p.now()
	if now.Before(st.PausedUntil) {
		if st.ConsecutiveFailures > 0 {
			w.out.worsen(outcomeDeferred)
		} else {
			w.out.worsen(outcomeRateLimited)
		}
		return
	}
	err = w.usage(ctx, now)
	w.settle(ctx, now, err)
	if (err == nil || errors.Is(err, errNoSlot)) && ctx.Err() == nil && w.balanceDue(ctx, now) {
		w.balance(ctx)
	}
	if w.dirty {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), saveStateTimeout)
		defer cancel()
		if err := p.st.SavePollState(sctx, w.state); err != nil {
			w.out.worsen(outcomeFailed)
			p.log.ErrorContext(ctx, "cannot save poll state", "channel", w.ch.ID, "err", err)
		}
	}
}

// claim takes the channel's poll lease; without it (another replica holds
// it, or the database failed) the channel is left for a later pass.
func (w *work) claim(ctx context.Context) bool {
	p := w.p
	now := p.now()
	ok, err := p.st.ClaimChannel(ctx, w.ch.ID, p.holder, now, now.Add(p.opts.LeaseTTL+windowMargin))
	switch {
	case err != nil:
		if ctx.Err() == nil {
			w.out.worsen(outcomeFailed)
			p.log.ErrorContext(ctx, "cannot claim channel", "channel", w.ch.ID, "err", err)
		} else {
			w.out.worsen(outcomeDeferred)
		}
		return false
	case !ok:
		w.out.worsen(outcomeDeferred)
		p.log.DebugContext(ctx, "channel is leased by another poller", "channel", w.ch.ID)
		return false
	}
	return true
}

// release gives the lease back, even when the pass is being cancelled; if
// that fails the lease simply runs out.
func (w *work) release(ctx context.Context) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), saveStateTimeout)
	defer cancel()
	if err := w.p.st.ReleaseChannel(rctx, w.ch.ID, w.p.holder); err != nil {
		w.p.log.WarnContext(ctx, "cannot release channel lease", "channel", w.ch.ID, "err", err)
	}
}

// settle updates the outcome and the failure state after the usage work.
func (w *work) settle(ctx context.Context, now time.Time, err error) {
	st := &w.state
	var rl *partnerapi.RateLimitError
	switch {
	case err == nil:
		if st.ConsecutiveFailures != 0 || !st.PausedUntil.IsZero() {
			st.ConsecutiveFailures, st.PausedUntil, w.dirty = 0, time.Time{}, true
		}
	case errors.Is(err, errNoSlot):
		w.out.worsen(outcomeDeferred)
	case ctx.Err() != nil:
		// Cancelled: nothing was stored for the interrupted window; the work
		// stays due.
		w.out.worsen(outcomeDeferred)
	case errors.As(err, &rl):
		wait := rl.RetryAfter
		if wait <= 0 {
			wait = defaultRetryAfter
		}
		st.PausedUntil, w.dirty = now.Add(wait), true
		w.out.worsen(outcomeRateLimited)
		w.p.log.WarnContext(ctx, "channel rate limited; pausing it", "channel", w.ch.ID, "waba", w.ch.WABAID,
			"until", st.PausedUntil, "err", err)
	default:
		st.ConsecutiveFailures++
		st.PausedUntil, w.dirty = now.Add(failureBackoff(st.ConsecutiveFailures)), true
		w.out.worsen(outcomeFailed)
		w.p.log.WarnContext(ctx, "channel poll failed; backing off", "channel", w.ch.ID,
			"failures", st.ConsecutiveFailures, "until", st.PausedUntil, "err", err)
	}
}

// usage fetches the channel's due windows: the backfill first, then the week
// or the recent window.
func (w *work) usage(ctx context.Context, now time.Time) error {
	o := w.p.opts
	st := &w.state
	end := ceilHalfHour(now)
	today := midnight(now)
	want := today.AddDate(0, 0, -o.BackfillDays)
	weekStart := today.AddDate(0, 0, -7)
	yesterday := today.AddDate(0, 0, -1)

	// A backfill writes months of points at once: its slow queries are
	// expected, not warnings.
	backfill := store.ExpectSlow(ctx, "backfill")
	if st.BackfilledFrom.IsZero() || st.BackfilledUntil.IsZero() || want.Before(st.BackfilledFrom) {
		w.p.backfills.Add(1)
		defer func() {
			w.p.backfillEnded.Store(time.Now().UnixNano()) // wall time, as the store's query timings
			w.p.backfills.Add(-1)
		}()
	}
	if st.BackfilledFrom.IsZero() || st.BackfilledUntil.IsZero() {
		covered, err := w.fetch(backfill, store.PollBackfill, want, end)
		if covered.Before(end) {
			st.BackfilledFrom, st.BackfilledUntil, w.dirty = covered, end, true
		}
		if err != nil {
			return err
		}
		// The history reaches now: the recent days are as fresh as they get.
		st.LastRecentAt, st.LastWeekAt = now, now
		return nil
	}
	if want.Before(st.BackfilledFrom) { // BackfillDays was raised
		covered, err := w.fetch(backfill, store.PollBackfill, want, st.BackfilledFrom)
		if covered.Before(st.BackfilledFrom) {
			st.BackfilledFrom, w.dirty = covered, true
		}
		if err != nil {
			return err
		}
	}
	// A gap since the last fetch (the poller was stopped) widens the window.
	switch {
	case st.LastWeekAt.IsZero() || now.Sub(st.LastWeekAt) >= o.WeekEvery:
		// Not before the history (BackfillDays may be under 7).
		from := minTime(maxTime(weekStart, st.BackfilledFrom), st.BackfilledUntil)
		if _, err := w.fetch(ctx, store.PollWeek, from, end); err != nil {
			return err
		}
		st.LastWeekAt, st.LastRecentAt, st.BackfilledUntil, w.dirty = now, now, end, true
	case st.LastRecentAt.IsZero() || now.Sub(st.LastRecentAt) >= w.recentEvery:
		from := minTime(yesterday, st.BackfilledUntil)
		if _, err := w.fetch(ctx, store.PollRecent, from, end); err != nil {
			return err
		}
		st.LastRecentAt, st.BackfilledUntil, w.dirty = now, end, true
	}
	return nil
}

// fetch gets [from, to), splitting it in halves, newest first, while the
// source refuses it as too large. It returns the start of the stretch
// [covered, to) that is now stored (to when nothing is) and the first error.
func (w *work) fetch(ctx context.Context, kind string, from, to time.Time) (covered time.Time, err error) {
	err = w.request(ctx, kind, from, to)
	if err == nil {
		return from, nil
	}
	if !splittable(err) || to.Sub(from) <= minSplit {
		return to, err
	}
	mid := splitPoint(from, to)
	w.p.log.InfoContext(ctx, "source refused the window; splitting it", "channel", w.ch.ID, "kind", kind,
		"start", from, "end", to, "split_at", mid, "err", err)
	c, err := w.fetch(ctx, kind, mid, to)
	if err != nil || !c.Equal(mid) {
		return c, err
	}
	return w.fetch(ctx, kind, from, mid)
}

// splittable reports whether a smaller window may succeed where err failed:
// the answer was too large, or a 4xx that is neither a rate limit nor about
// credentials or a missing resource.
func splittable(err error) bool {
	if errors.Is(err, partnerapi.ErrResponseTooLarge) {
		return true
	}
	var se *partnerapi.StatusError
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code {
	case 401, 403, 404, 429:
		return false
	}
	return se.Code >= 400 && se.Code < 500
}

// request takes a slot, fetches one window, saves it and records the run.
func (w *work) request(ctx context.Context, kind string, from, to time.Time) error {
	p := w.p
	now := p.now()
	ok, retryAt, err := p.st.ReserveRequest(ctx, w.ch.ID, wabaKey(w.ch), now, w.budget, p.opts.WABALimit,
		p.opts.Window+windowMargin)
	if err != nil {
		return fmt.Errorf("poller: %s %s: %w", kind, w.ch.ID, err)
	}
	if !ok {
		p.log.DebugContext(ctx, "no request slot; channel waits", "channel", w.ch.ID, "kind", kind, "retry_at", retryAt)
		return errNoSlot
	}
	began := time.Now()
	w.out.requests++
	u, err := p.api.ChannelUsage(ctx, partnerapi.UsageRequest{
		ClientID: w.ch.ClientID, ChannelID: w.ch.ID, Start: from, End: to, Granularity: usage.HalfHour,
		Currency: w.ch.Currency,
	})
	run := store.PollRun{ChannelID: w.ch.ID, Kind: kind, WindowStart: from, WindowEnd: to, StartedAt: now, Outcome: store.OutcomeOK}
	if err == nil {
		// The successful run is recorded in the window's own transaction:
		// a stored window always has its run, even if shutdown comes next.
		ok := run
		ok.Duration, ok.Points = time.Since(began), len(u.Points)+len(u.Calls)
		// A point without cost is not free: it is stored priced from the
		// rate card in force on its day and marked as an estimate.
		points, estimated := ratecard.EstimatePoints(p.opts.RateCard, u.Points, w.ch.Currency)
		calls, estimatedCalls := ratecard.EstimateCalls(p.opts.RateCard, u.Calls, w.ch.Currency)
		if estimated+estimatedCalls > 0 {
			p.log.DebugContext(ctx, "estimated costs the source left out", "channel", w.ch.ID, "kind", kind,
				"points", estimated, "calls", estimatedCalls)
		}
		err = p.st.SaveUsageWindow(ctx, store.UsageWindow{
			ChannelID: w.ch.ID, Start: from, End: to, Granularity: usage.HalfHour, Points: points, Calls: calls, Run: &ok,
		})
		if err == nil {
			p.countRequest(ok, nil)
			w.out.points += ok.Points
			return nil
		}
	}
	if ctx.Err() != nil {
		// Shutting down: the window was not stored (it is saved with its run
		// in one transaction); no failure of the source, so no run is recorded.
		return fmt.Errorf("poller: %s %s: %w", kind, w.ch.ID, ctx.Err())
	}
	run.Duration = time.Since(began)
	if err != nil {
		run.Outcome, run.Error = store.OutcomeError, err.Error()
		if errors.Is(err, partnerapi.ErrRateLimited) {
			run.Outcome = store.OutcomeRateLimited
		}
	}
	p.countRequest(run, err)
	p.recordRun(ctx, run)
	return err
}

// balanceDue reports whether the channel's balance should be read. The
// reading known at the start of the pass may be stale (another replica may
// have polled the channel since), so a due balance is checked again.
func (w *work) balanceDue(ctx context.Context, now time.Time) bool {
	due := func() bool { return w.lastBalance.IsZero() || now.Sub(w.lastBalance) >= w.p.opts.BalanceEvery }
	if !due() {
		return false
	}
	b, err := w.p.st.LatestBalances(ctx, store.AllClients(), store.ChannelFilter{ChannelIDs: []string{w.ch.ID}})
	if err == nil && len(b) == 1 {
		w.lastBalance = b[0].ReadAt
	}
	return due()
}

// balance reads and stores the channel's balance. It does not count against
// the usage limits; a failure is recorded but pauses nothing.
func (w *work) balance(ctx context.Context) {
	p := w.p
	now := p.now()
	began := time.Now()
	w.out.requests++
	b, err := p.api.ChannelBalance(ctx, w.ch.ClientID, w.ch.ID)
	if err == nil {
		r := store.BalanceReading{ChannelID: w.ch.ID, ReadAt: now, Currency: b.Currency, BalanceNanos: b.BalanceNanos}
		if b.HasThreshold {
			t := b.ThresholdNanos
			r.ThresholdNanos = &t
		}
		err = p.st.SaveBalance(ctx, r)
	}
	if ctx.Err() != nil {
		return
	}
	run := store.PollRun{ChannelID: w.ch.ID, Kind: store.PollBalance, StartedAt: now, Duration: time.Since(began),
		Outcome: store.OutcomeOK}
	if err != nil {
		run.Outcome, run.Error = store.OutcomeError, err.Error()
		if errors.Is(err, partnerapi.ErrRateLimited) {
			run.Outcome = store.OutcomeRateLimited
		}
		w.out.worsen(outcomeFailed)
		p.log.WarnContext(ctx, "cannot read channel balance", "channel", w.ch.ID, "err", err)
	}
	p.countRequest(run, err)
	p.recordRun(ctx, run)
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
