package partnerapi

import (
	"context"
	"errors"
	"net/url"
	"reflect"
	"strconv"
	"time"

	"github.com/insights-dev/insights/internal/usage"
)

// Verdict is a yes, a no, or "could not tell".
type Verdict int

// Verdicts of a check.
const (
	Unknown Verdict = iota
	Yes
	No
)

// CheckResult is what one call of Check learned about one endpoint.
type CheckResult struct {
	// Endpoint is the method and path template, e.g.
	// "GET /partners/{id}/clients".
	Endpoint string
	// Status is the HTTP status of the answer; 0 when there was none.
	Status int
	// Reachable: an HTTP answer came back.
	Reachable bool
	// Authenticated: No for a 401 or 403, Yes for a 2xx, else Unknown.
	Authenticated Verdict
	// ShapeChecked: a 2xx body was compared with the shape Insights decodes.
	ShapeChecked bool
	// Mismatches lists every difference found, the lenient decoder's
	// refusal included; empty when the shape is as expected.
	Mismatches []Mismatch
	// Problem says why the endpoint could not be checked ("" when it was).
	Problem string
	// RetryAfter is the wait a rate-limit refusal asked for (0 when none).
	RetryAfter time.Duration
	// Skipped: not called, because no channel was known to call it for
	// (Problem says why). A skip after a failed channel list is no finding
	// of its own.
	Skipped bool
	// Body is the 2xx body as received (nil otherwise); redact it before
	// it leaves the machine.
	Body []byte
}

// Failed reports whether the result is a finding: a check that did not
// pass and was not skipped (a skip follows from an earlier finding, or from
// a partner without channels).
func (r CheckResult) Failed() bool { return !r.OK() && !r.Skipped }

// OK reports whether the endpoint answered as Insights expects.
func (r CheckResult) OK() bool {
	return r.Reachable && r.Authenticated == Yes && r.ShapeChecked && len(r.Mismatches) == 0
}

// CheckWindow is how far back the usage call of Check asks: a short, recent
// window, at daily granularity.
const CheckWindow = 24 * time.Hour

// checkPageSize is the limit of Check's list calls: one page, small.
const checkPageSize = 10

// Check calls each Partner API endpoint that Insights uses once, without
// retries, and reports for each whether it answered, accepted the
// credentials and sent the shape Insights decodes: the clients list, the
// channel list (one page of each), and for the first channel its usage over
// the CheckWindow before now and its balance. A rate-limit refusal is
// reported with its Retry-After, never retried.
func (c *Client) Check(ctx context.Context, now time.Time) []CheckResult {
	q := url.Values{"limit": {strconv.Itoa(checkPageSize)}, "offset": {"0"}}
	clients := c.checkOne(ctx, "GET /partners/{id}/clients", c.partnerPath("clients"), q,
		reflect.TypeFor[clientsPageWire](), func(b []byte) error { _, _, err := decodeClientsPage(b); return err })
	var channels []Channel
	chans := c.checkOne(ctx, "GET /partners/{id}/channels", c.partnerPath("channels"), q,
		reflect.TypeFor[channelsPageWire](), func(b []byte) (err error) { _, channels, err = decodeChannelsPage(b); return err })
	out := []CheckResult{clients, chans}
	usageEP := "GET /partners/{id}/clients/{client}/channels/{channel}/info/usage"
	balanceEP := "GET /partners/{id}/clients/{client}/channels/{channel}/info/balance"
	if len(channels) == 0 {
		why := "not called: the partner has no channels"
		if !chans.OK() && !chans.ShapeChecked {
			why = "not called: no channel could be listed"
		} else if len(chans.Mismatches) > 0 {
			why = "not called: the channel list could not be read"
		}
		return append(out, CheckResult{Endpoint: usageEP, Skipped: true, Problem: why},
			CheckResult{Endpoint: balanceEP, Skipped: true, Problem: why})
	}
	ch := channels[0]
	end := now.UTC().Truncate(time.Second)
	start := end.Add(-CheckWindow)
	uq := url.Values{"start_date": {strconv.FormatInt(start.Unix(), 10)}, "end_date": {strconv.FormatInt(end.Unix()-1, 10)},
		"granularity": {"daily"}}
	out = append(out, c.checkOne(ctx, usageEP, c.partnerPath("clients", ch.ClientID, "channels", ch.ID, "info", "usage"), uq,
		reflect.TypeFor[usageWire](), func(b []byte) error {
			_, err := decodeUsageIn(ctx, b, usage.Day, ch.Currency)
			return err
		}))
	out = append(out, c.checkOne(ctx, balanceEP, c.partnerPath("clients", ch.ClientID, "channels", ch.ID, "info", "balance"), nil,
		reflect.TypeFor[balanceWire](), func(b []byte) error { _, err := decodeBalance(b); return err }))
	return out
}

// checkOne calls path once and checks its answer against wire (strictly)
// and decode (as the poller reads it).
func (c *Client) checkOne(ctx context.Context, endpoint, path string, q url.Values, wire reflect.Type, decode func([]byte) error) CheckResult {
	r := CheckResult{Endpoint: endpoint}
	u := c.baseURL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	body, status, err := c.attempt(ctx, u)
	r.Status = status
	var te *transportError
	var rl *RateLimitError
	var se *StatusError
	var re *RedirectError
	switch {
	case errors.As(err, &te) || (err != nil && status == 0):
		r.Problem = err.Error()
		return r
	case errors.As(err, &rl):
		r.Reachable, r.RetryAfter = true, rl.RetryAfter
		r.Problem = rl.Error() + "; not retried (the limits run per hour)"
		return r
	case errors.Is(err, ErrUnauthorized):
		r.Reachable, r.Authenticated = true, No
		r.Problem = "not authenticated: " + err.Error() + " (check INSIGHTS_API_KEY and INSIGHTS_PARTNER_ID)"
		return r
	case errors.As(err, &re):
		r.Reachable = true
		r.Problem = err.Error() + " (check INSIGHTS_PARTNER_API_URL)"
		return r
	case errors.As(err, &se):
		r.Reachable = true
		r.Problem = err.Error()
		if se.Code == 404 {
			r.Problem += " (check INSIGHTS_PARTNER_ID and INSIGHTS_PARTNER_API_URL)"
		}
		return r
	case err != nil:
		r.Reachable, r.Authenticated = true, Yes
		r.Problem = err.Error()
		return r
	}
	r.Reachable, r.Authenticated, r.ShapeChecked, r.Body = true, Yes, true, body
	r.Mismatches = checkShape(body, wire)
	if err := decode(body); err != nil {
		var de *DecodeError
		m := Mismatch{Problem: "the decoder refuses it: " + err.Error()}
		if errors.As(err, &de) {
			m = Mismatch{Path: de.Field, Problem: "the decoder refuses it: " + de.Err.Error()}
		}
		r.Mismatches = append(r.Mismatches, m)
	}
	return r
}

// String is a one-line account of the result without its mismatches.
func (v Verdict) String() string {
	switch v {
	case Yes:
		return "yes"
	case No:
		return "no"
	}
	return "unknown"
}
