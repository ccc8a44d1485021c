package partnerapi

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// ClientInfo is one of the partner's clients (a company using WhatsApp).
type ClientInfo struct {
	ID           string
	Name         string
	Status       string
	Organisation string
	Timezone     string // IANA zone from meta_info.timezone; "" when not set
	Country      string // from contact_info.country, as given
}

// Channel is one phone number of a client. Several channels can share a
// WABA (WhatsApp Business Account), whose currency and zone they inherit.
type Channel struct {
	ID               string
	ClientID         string
	Status           string
	WABAID           string // 360dialog's id of the WABA (waba_account.id)
	WABAExternalID   string // Meta's id of the WABA (waba_account.external_id)
	Currency         string // ISO 4217, upper case; "" when not reported
	Timezone         string // waba_account.timezone_id, as given
	PhoneNumber      string
	PhoneName        string
	BillingStartedAt time.Time // UTC; zero when not reported
}

// ListClients returns every client of the partner, reading all pages.
func (c *Client) ListClients(ctx context.Context) ([]ClientInfo, error) {
	out, err := listAll(ctx, c, "clients", decodeClientsPage, func(ci ClientInfo) string { return ci.ID })
	if err != nil {
		return nil, fmt.Errorf("partnerapi: list clients: %w", err)
	}
	return out, nil
}

// ListChannels returns every channel of the partner, reading all pages.
func (c *Client) ListChannels(ctx context.Context) ([]Channel, error) {
	out, err := listAll(ctx, c, "channels", decodeChannelsPage, func(ch Channel) string { return ch.ID })
	if err != nil {
		return nil, fmt.Errorf("partnerapi: list channels: %w", err)
	}
	return out, nil
}

// listAll pages through /partners/{pid}/{resource} with limit and offset
// until offset + count reaches total (or, without a total, until a short
// page). An item seen twice, because the list shifted between pages, is kept
// once.
func listAll[T any](ctx context.Context, c *Client, resource string,
	decode func([]byte) (page, []T, error), id func(T) string) ([]T, error) {
	path := c.partnerPath(resource)
	var out []T
	seen := map[string]bool{}
	offset := 0
	for pages := 0; ; pages++ {
		if pages >= maxPages {
			return nil, fmt.Errorf("more than %d pages", maxPages)
		}
		q := url.Values{}
		q.Set("limit", strconv.Itoa(c.pageSize))
		q.Set("offset", strconv.Itoa(offset))
		body, err := c.get(ctx, path, q)
		if err != nil {
			return nil, err
		}
		p, items, err := decode(body)
		if err != nil {
			return nil, fmt.Errorf("page at offset %d: %w", offset, err)
		}
		for _, it := range items {
			if k := id(it); !seen[k] {
				seen[k] = true
				out = append(out, it)
			}
		}
		offset += p.count
		switch {
		case p.hasTotal && offset >= p.total:
			return out, nil
		case p.hasTotal && p.count == 0:
			return nil, fmt.Errorf("page at offset %d is empty but total is %d", offset, p.total)
		case !p.hasTotal && p.count < c.pageSize:
			return out, nil
		}
	}
}
