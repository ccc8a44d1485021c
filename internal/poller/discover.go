package poller

import (
	"context"
	"errors"
	"fmt"

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
