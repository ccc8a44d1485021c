package partnerapi

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/insights-dev/insights/internal/usage"
)

// UsageRequest asks for one channel's usage in the half-open window
// [Start, End) at one granularity, optionally for some countries only.
type UsageRequest struct {
	ClientID    string
	ChannelID   string
	Start       time.Time // inclusive
	End         time.Time // exclusive
	Granularity usage.Granularity
	Countries   []string // ISO 3166 alpha-2 codes; empty means all
	// Currency is the channel's currency (its WABA's) when known: an answer
	// in another one is refused, so that no window of one channel holds
	// money in two currencies. "" accepts any.
	Currency string
}

// Usage is a channel's usage as the API reported it, limited to the window
// asked for. Points come from pricing_analytics (messages), Calls from
// call_analytics; both are empty when the API had no data.
type Usage struct {
	ChannelID   string
	Currency    string // ISO 4217, upper case; "" when the API gave none (then no cost is known)
	Granularity usage.Granularity
	Points      []usage.Point
	Calls       []usage.CallPoint
}

// Balance is a channel's prepaid balance in its currency.
type Balance struct {
	Currency       string
	BalanceNanos   int64
	ThresholdNanos int64 // the low-balance threshold, when HasThreshold
	HasThreshold   bool
}

// ChannelUsage fetches a channel's pricing and call analytics for req. The
// API's end_date is inclusive, so it is sent as End-1s; points whose start
// falls outside [Start, End) (a partial bucket before Start, or one the API
// adds at the end) are dropped.
//
// An answer in a currency other than req.Currency is a *DecodeError on
// "currency"; an answer that names none is taken to be in req.Currency. This endpoint is rate limited (10 requests per hour per
// channel, 200 per WABA); a refusal comes back as a *RateLimitError without
// any retry.
func (c *Client) ChannelUsage(ctx context.Context, req UsageRequest) (*Usage, error) {
	if err := req.validate(); err != nil {
		return nil, fmt.Errorf("partnerapi: channel usage: %w", err)
	}
	gran, err := apiGranularity(req.Granularity)
	if err != nil {
		return nil, fmt.Errorf("partnerapi: channel usage: %w", err)
	}
	q := url.Values{}
	q.Set("start_date", strconv.FormatInt(req.Start.Unix(), 10))
	q.Set("end_date", strconv.FormatInt(req.End.Unix()-1, 10))
	q.Set("granularity", gran)
	if len(req.Countries) > 0 {
		s, err := countriesParam(req.Countries)
		if err != nil {
			return nil, fmt.Errorf("partnerapi: channel usage: %w", err)
		}
		q.Set("countries", s)
	}
	path := c.partnerPath("clients", req.ClientID, "channels", req.ChannelID, "info", "usage")
	body, err := c.get(ctx, path, q)
	if err != nil {
		return nil, fmt.Errorf("partnerapi: channel usage %s: %w", req.ChannelID, err)
	}
	u, err := decodeUsageIn(ctx, body, req.Granularity, req.Currency)
	if err != nil {
		return nil, fmt.Errorf("partnerapi: channel usage %s: %w", req.ChannelID, err)
	}
	if want := usage.NormalizeCurrency(req.Currency); want != "" && u.Currency != "" && u.Currency != want {
		err := &DecodeError{Field: "currency", Err: fmt.Errorf("%s, but the channel's currency is %s", u.Currency, want)}
		return nil, fmt.Errorf("partnerapi: channel usage %s: %w", req.ChannelID, err)
	}
	if u.ChannelID != "" && u.ChannelID != req.ChannelID {
		c.log.WarnContext(ctx, "usage response names another channel; keeping the requested id",
			"channel", req.ChannelID, "response_channel", u.ChannelID)
	}
	if u.Granularity != req.Granularity {
		c.log.WarnContext(ctx, "usage response has another granularity",
			"channel", req.ChannelID, "asked", req.Granularity, "got", u.Granularity)
	}
	u.ChannelID = req.ChannelID
	inWindow := func(t time.Time) bool { return !t.Before(req.Start) && t.Before(req.End) }
	dropped := 0
	points := u.Points[:0]
	for _, p := range u.Points {
		if !inWindow(p.Start) {
			dropped++
			continue
		}
		p.ChannelID = req.ChannelID
		points = append(points, p)
	}
	u.Points = points
	calls := u.Calls[:0]
	for _, cp := range u.Calls {
		if !inWindow(cp.Start) {
			dropped++
			continue
		}
		cp.ChannelID = req.ChannelID
		calls = append(calls, cp)
	}
	u.Calls = calls
	if dropped > 0 {
		c.log.DebugContext(ctx, "dropped usage points outside the window", "channel", req.ChannelID,
			"dropped", dropped, "start", req.Start, "end", req.End)
	}
	return u, nil
}

func (r UsageRequest) validate() error {
	var errs []error
	if strings.TrimSpace(r.ClientID) == "" {
		errs = append(errs, errors.New("client id is empty"))
	}
	if strings.TrimSpace(r.ChannelID) == "" {
		errs = append(errs, errors.New("channel id is empty"))
	}
	if r.Start.IsZero() || r.End.IsZero() {
		errs = append(errs, errors.New("start and end are required"))
	} else if r.End.Unix() <= r.Start.Unix() {
		errs = append(errs, fmt.Errorf("window [%s, %s) is empty", r.Start.UTC().Format(time.RFC3339), r.End.UTC().Format(time.RFC3339)))
	}
	return errors.Join(errs...)
}

// ChannelBalance fetches a channel's balance and low-balance threshold.
func (c *Client) ChannelBalance(ctx context.Context, clientID, channelID string) (*Balance, error) {
	if strings.TrimSpace(clientID) == "" || strings.TrimSpace(channelID) == "" {
		return nil, errors.New("partnerapi: channel balance: client id and channel id are required")
	}
	path := c.partnerPath("clients", clientID, "channels", channelID, "info", "balance")
	body, err := c.get(ctx, path, nil)
	if err != nil {
		return nil, fmt.Errorf("partnerapi: channel balance %s: %w", channelID, err)
	}
	b, err := decodeBalance(body)
	if err != nil {
		return nil, fmt.Errorf("partnerapi: channel balance %s: %w", channelID, err)
	}
	return b, nil
}
