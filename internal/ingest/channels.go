package ingest

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/webhook"
)

// Channel cache bounds.
const (
	// channelCacheTTL bounds how long a channel lookup is trusted; unknown
	// phone numbers are retried after negativeCacheTTL, so that a channel
	// the poller discovers is found soon.
	channelCacheTTL  = 5 * time.Minute
	negativeCacheTTL = 30 * time.Second
	// channelCacheMax bounds the cache's memory against floods of made-up
	// numbers: it is emptied when it grows past this.
	channelCacheMax = 100_000
)

// channelCache remembers channel lookups by key ("id:…" or "phone:…").
type channelCache struct {
	mu      sync.Mutex
	entries map[string]cachedChannel
}

type cachedChannel struct {
	id      string // "" when unknown
	expires time.Time
}

// lookup finds a channel id through the cache; "" when no channel matches.
func (c *channelCache) lookup(key string, find func() (store.Channel, error)) (string, error) {
	now := time.Now()
	c.mu.Lock()
	if e, ok := c.entries[key]; ok && now.Before(e.expires) {
		c.mu.Unlock()
		return e.id, nil
	}
	c.mu.Unlock()
	ch, err := find()
	entry := cachedChannel{id: ch.ID, expires: now.Add(channelCacheTTL)}
	switch {
	case errors.Is(err, store.ErrNotFound):
		entry = cachedChannel{expires: now.Add(negativeCacheTTL)}
	case err != nil:
		return "", err
	}
	c.mu.Lock()
	if len(c.entries) > channelCacheMax {
		clear(c.entries)
	}
	c.entries[key] = entry
	c.mu.Unlock()
	return entry.id, nil
}

// resolve finds the channel of an event: the URL's channel when given, else
// the one matching phoneID, else display; "" when none does.
func (p *Pipeline) resolve(ctx context.Context, urlChannel, phoneID, display string) (string, error) {
	if urlChannel != "" {
		return p.channels.lookup("id:"+urlChannel, func() (store.Channel, error) {
			return p.store.GetChannel(ctx, store.AllClients(), urlChannel)
		})
	}
	for _, v := range []string{phoneID, display} {
		if v == "" {
			continue
		}
		id, err := p.channels.lookup("phone:"+v, func() (store.Channel, error) { return p.store.ChannelByPhone(ctx, v) })
		if err != nil || id != "" {
			return id, err
		}
	}
	return "", nil
}

// assign maps every event to its channel. Events of unknown channels go to
// the batch's Unknown events, and are logged.
func (p *Pipeline) assign(ctx context.Context, urlChannel string, b webhook.Batch) (store.WebhookBatch, error) {
	var out store.WebhookBatch
	unknown := map[string]int{}
	for i, st := range b.Statuses {
		id, err := p.resolve(ctx, urlChannel, st.PhoneNumberID, st.DisplayPhoneNumber)
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
		id, err := p.resolve(ctx, urlChannel, ev.PhoneNumberID, ev.DisplayPhoneNumber)
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
		p.log.WarnContext(ctx, "webhook events kept pending: unknown channel",
			"channel|phone_number_id|display_phone_number", k, "events", n)
	}
	return out, nil
}
