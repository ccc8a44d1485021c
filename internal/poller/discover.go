package poller

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/insights-dev/insights/internal/partnerapi"
	"github.com/insights-dev/insights/internal/store"
)

// discover copies the partner's clients and channels into the store and
// records the attempt as a poll run.
func (p *Poller) discover(ctx context.Context) error {
	began := p.now()
	n, err := p.discoverLists(ctx)
	if ctx.Err() != nil {
		return fmt.Errorf("poller: discover: %w", ctx.Err())
	}
	run := store.PollRun{Kind: store.PollDiscover, StartedAt: began, Duration: p.now().Sub(began),
		Outcome: store.OutcomeOK, Points: n}
	if err != nil {
		run.Outcome, run.Error = store.OutcomeError, err.Error()
		var rl *partnerapi.RateLimitError
		if errors.As(err, &rl) {
			run.Outcome = store.OutcomeRateLimited
		}
	}
	p.recordRun(ctx, run)
	if err != nil {
		return fmt.Errorf("poller: discover: %w", err)
	}
	if p.opts.OnDiscovered != nil {
		if err := p.opts.OnDiscovered(ctx); err != nil {
			p.log.ErrorContext(ctx, "after discovery", "err", err)
		}
	}
	return nil
}

// RequestDiscovery asks Run to re-read the client and channel lists soon,
// for a channel that has just appeared (a webhook named a number Insights
// does not know). It never blocks; requests made before the discovery starts
// are served by one discovery, and one discovery starts at most every
// DiscoverMinGap, so a flood of unknown numbers costs the Partner API no
// more than one list read per gap.
func (p *Poller) RequestDiscovery() {
	p.discoverWanted.Store(true)
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// idle waits for the next tick, running the discoveries RequestDiscovery
// asks for in between; it returns false when ctx ends.
func (p *Poller) idle(ctx context.Context, tick <-chan time.Time) bool {
	var soon <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return false
		case <-tick:
			return true
		case <-p.wake:
		case <-soon:
		}
		soon = p.requestedDiscovery(ctx)
	}
}

// requestedDiscovery runs the discovery RequestDiscovery asked for once
// DiscoverMinGap has passed since the last one started; until then, or after
// a failure, it returns when to try again (nil: nothing to do).
func (p *Poller) requestedDiscovery(ctx context.Context) (again <-chan time.Time) {
	p.passMu.Lock()
	defer p.passMu.Unlock()
	if !p.discoverWanted.Load() {
		return nil
	}
	now := p.now()
	if wait := p.lastDiscoverTry.Add(p.opts.DiscoverMinGap).Sub(now); wait > 0 {
		return time.After(wait)
	}
	defer func() {
		if r := recover(); r != nil {
			p.log.ErrorContext(ctx, "requested discovery panicked", "panic", r, "stack", string(debug.Stack()))
			again = time.After(p.opts.DiscoverMinGap)
		}
	}()
	dctx, cancel := context.WithTimeout(ctx, p.opts.PassTimeout)
	defer cancel()
	if err := p.runDiscovery(dctx, now); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		p.log.WarnContext(ctx, "requested discovery failed", "err", err)
		return time.After(p.opts.DiscoverMinGap)
	}
	return nil
}

// runDiscovery discovers (the caller holds passMu) and notes when, for
// DiscoverEvery and DiscoverMinGap. A requested discovery that fails stays
// requested.
func (p *Poller) runDiscovery(ctx context.Context, now time.Time) error {
	wanted := p.discoverWanted.Swap(false)
	p.lastDiscoverTry = now
	if err := p.discover(ctx); err != nil {
		if wanted {
			p.discoverWanted.Store(true)
		}
		return err
	}
	p.lastDiscover = now
	return nil
}

// discoverLists reads both lists and upserts them; it returns the number of
// channels listed.
func (p *Poller) discoverLists(ctx context.Context) (int, error) {
	clients, err := p.api.ListClients(ctx)
	if err != nil {
		return 0, err
	}
	channels, err := p.api.ListChannels(ctx)
	if err != nil {
		return 0, err
	}
	known := make(map[string]bool, len(clients))
	rows := make([]store.Client, 0, len(clients))
	for _, c := range clients {
		known[c.ID] = true
		rows = append(rows, store.Client{ID: c.ID, Name: c.Name, Status: c.Status, Timezone: c.Timezone, Country: c.Country})
	}
	chRows := make([]store.Channel, 0, len(channels))
	for _, ch := range channels {
		if ch.ID == "" || ch.ClientID == "" {
			continue
		}
		if !known[ch.ClientID] {
			// The lists are read one after the other; a client created in
			// between still needs a row before its channel.
			p.log.WarnContext(ctx, "channel of an unlisted client; adding the client by id",
				"channel", ch.ID, "client", ch.ClientID)
			known[ch.ClientID] = true
			rows = append(rows, store.Client{ID: ch.ClientID, Name: ch.ClientID})
		}
		chRows = append(chRows, store.Channel{
			ID: ch.ID, ClientID: ch.ClientID, WABAID: ch.WABAID, WABAExternalID: ch.WABAExternalID,
			Currency: ch.Currency, Timezone: ch.Timezone, PhoneNumber: ch.PhoneNumber, PhoneName: ch.PhoneName,
			Status: ch.Status, BillingStartedAt: ch.BillingStartedAt,
		})
	}
	if err := p.st.UpsertClients(ctx, rows); err != nil {
		return 0, err
	}
	if err := p.st.UpsertChannels(ctx, chRows); err != nil {
		return 0, err
	}
	return len(chRows), nil
}
