package partnerapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultTimeout          = 30 * time.Second
	DefaultMaxRetries       = 3
	DefaultRetryBaseDelay   = 200 * time.Millisecond
	DefaultMaxResponseBytes = 64 << 20
	DefaultPageSize         = 100
)

const (
	maxRetryDelay = 10 * time.Second // cap of one backoff wait
	maxErrorBody  = 64 << 10         // bytes of a non-2xx body kept for its message
	maxPages      = 100_000          // guard against a paging loop that never ends
	userAgent     = "insights-partnerapi"
)

// Config configures a Client. BaseURL, PartnerID and APIKey are required.
type Config struct {
	// BaseURL is the Hub API root, e.g. "https://hub.360dialog.io/api/v2".
	BaseURL string
	// PartnerID is the partner's id (it ends in "PA").
	PartnerID string
	// APIKey is the partner API key, sent as the X-API-Key header.
	APIKey string
	// HTTPClient does the requests; nil means a new http.Client without a
	// global timeout (Timeout below bounds each attempt). New uses a copy
	// whose CheckRedirect follows no redirect, so the API key never leaves
	// BaseURL's host.
	HTTPClient *http.Client
	// Timeout bounds one attempt, body included: 0 means DefaultTimeout,
	// a negative value means no per-attempt timeout (the ctx still applies).
	Timeout time.Duration
	// MaxRetries is how often a 5xx or network failure is retried: 0 means
	// DefaultMaxRetries, a negative value means never.
	MaxRetries int
	// RetryBaseDelay is the first backoff wait, doubled on each retry and
	// jittered by ±50%: 0 means DefaultRetryBaseDelay.
	RetryBaseDelay time.Duration
	// MaxResponseBytes bounds a response body: 0 means DefaultMaxResponseBytes.
	MaxResponseBytes int64
	// PageSize is the limit asked for on list endpoints: 0 means DefaultPageSize.
	PageSize int
	// Logger receives debug lines per request and warnings per retry; nil
	// means slog.Default(). A component=partnerapi attribute is added.
	Logger *slog.Logger
}

// Client talks to the Partner API. It is safe for concurrent use.
type Client struct {
	baseURL    string
	partnerID  string
	apiKey     string
	http       *http.Client
	timeout    time.Duration
	maxRetries int
	retryBase  time.Duration
	maxBody    int64
	pageSize   int
	log        *slog.Logger
}

// New checks cfg, reporting every problem at once, and returns a Client.
func New(cfg Config) (*Client, error) {
	var errs []error
	base := strings.TrimRight(strings.TrimSpace(cfg.BaseURL), "/")
	if base == "" {
		errs = append(errs, errors.New("base URL is empty"))
	} else if u, err := url.Parse(base); err != nil {
		errs = append(errs, fmt.Errorf("base URL: %w", err))
	} else if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("base URL %q: want an absolute http or https URL", cfg.BaseURL))
	} else if u.RawQuery != "" || u.Fragment != "" {
		errs = append(errs, fmt.Errorf("base URL %q: must not have a query or fragment", cfg.BaseURL))
	}
	if strings.TrimSpace(cfg.PartnerID) == "" {
		errs = append(errs, errors.New("partner id is empty"))
	}
	if strings.TrimSpace(cfg.APIKey) == "" {
		errs = append(errs, errors.New("API key is empty"))
	}
	if cfg.MaxResponseBytes < 0 {
		errs = append(errs, errors.New("max response bytes is negative"))
	}
	if cfg.PageSize < 0 {
		errs = append(errs, errors.New("page size is negative"))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("partnerapi: config: %w", errors.Join(errs...))
	}
	c := &Client{
		baseURL:    base,
		partnerID:  strings.TrimSpace(cfg.PartnerID),
		apiKey:     strings.TrimSpace(cfg.APIKey),
		timeout:    cfg.Timeout,
		maxRetries: cfg.MaxRetries,
		retryBase:  cfg.RetryBaseDelay,
		maxBody:    cfg.MaxResponseBytes,
		pageSize:   cfg.PageSize,
		log:        cfg.Logger,
	}
	c.http = noRedirects(cfg.HTTPClient)
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	if c.maxRetries == 0 {
		c.maxRetries = DefaultMaxRetries
	} else if c.maxRetries < 0 {
		c.maxRetries = 0
	}
	if c.retryBase <= 0 {
		c.retryBase = DefaultRetryBaseDelay
	}
	if c.maxBody == 0 {
		c.maxBody = DefaultMaxResponseBytes
	}
	if c.pageSize == 0 {
		c.pageSize = DefaultPageSize
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	c.log = c.log.With("component", "partnerapi")
	return c, nil
}

// noRedirects returns a copy of hc (a new client when nil) that follows no
// redirect: http.Client would re-send the X-API-Key header to whatever host a
// Location names, and the Partner API has no reason to redirect. The 3xx
// answer itself comes back to attempt, which reports it as a *RedirectError.
func noRedirects(hc *http.Client) *http.Client {
	out := &http.Client{}
	if hc != nil {
		*out = *hc
	}
	out.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return out
}

// partnerPath joins escaped segments under /partners/{pid}.
func (c *Client) partnerPath(segments ...string) string {
	var b strings.Builder
	b.WriteString("/partners/")
	b.WriteString(url.PathEscape(c.partnerID))
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// get fetches path with query q and returns the body of a 2xx answer,
// retrying 5xx answers and network failures with backoff.
func (c *Client) get(ctx context.Context, path string, q url.Values) ([]byte, error) {
	u := c.baseURL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("GET %s: %w", path, err)
		}
		began := time.Now()
		body, status, err := c.attempt(ctx, u)
		if err == nil {
			c.log.DebugContext(ctx, "partner API request", "path", path, "status", status,
				"bytes", len(body), "duration", time.Since(began), "attempt", attempt+1)
			return body, nil
		}
		if ctx.Err() != nil {
			// The caller gave up; whatever the attempt saw does not matter.
			return nil, fmt.Errorf("GET %s: %w", path, ctx.Err())
		}
		if !retryable(err) {
			return nil, fmt.Errorf("GET %s: %w", path, err)
		}
		if attempt >= c.maxRetries {
			return nil, fmt.Errorf("GET %s: giving up after %d attempts: %w", path, attempt+1, err)
		}
		wait := c.backoff(attempt)
		c.log.WarnContext(ctx, "partner API request failed; retrying", "path", path,
			"attempt", attempt+1, "wait", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("GET %s: waiting to retry after %v: %w", path, err, ctx.Err())
		case <-t.C:
		}
	}
}

// attempt does one request; it returns the body of a 2xx answer, or an error
// that is a *StatusError, *RateLimitError, *RedirectError, *transportError or
// a body-size error.
func (c *Client) attempt(ctx context.Context, u string) ([]byte, int, error) {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("X-API-Key", c.apiKey)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, 0, &transportError{err}
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		return nil, resp.StatusCode, &RedirectError{Code: resp.StatusCode, Location: resp.Header.Get("Location")}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return nil, resp.StatusCode, statusError(resp, raw, time.Now())
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return nil, resp.StatusCode, &transportError{fmt.Errorf("read body: %w", err)}
	}
	if int64(len(body)) > c.maxBody {
		return nil, resp.StatusCode, fmt.Errorf("%w: more than %d bytes", ErrResponseTooLarge, c.maxBody)
	}
	return body, resp.StatusCode, nil
}

// retryable reports whether another attempt may succeed.
func retryable(err error) bool {
	var te *transportError
	if errors.As(err, &te) {
		return true
	}
	var se *StatusError
	return errors.As(err, &se) && se.Code >= 500
}

// backoff is the wait before retry attempt+1: base × 2^attempt, jittered to
// between half and one and a half times that, capped at maxRetryDelay.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.retryBase
	for i := 0; i < attempt && d < maxRetryDelay; i++ {
		d *= 2
	}
	d = min(d, maxRetryDelay)
	return d/2 + rand.N(d)
}

// statusError turns a non-2xx answer into the error the caller can act on.
func statusError(resp *http.Response, body []byte, now time.Time) error {
	msg := errorMessage(body)
	if resp.StatusCode == http.StatusTooManyRequests ||
		(resp.StatusCode == http.StatusBadRequest && mentionsRateLimit(string(body))) {
		return &RateLimitError{
			StatusCode: resp.StatusCode,
			RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), now),
			Message:    msg,
		}
	}
	return &StatusError{Code: resp.StatusCode, Message: msg}
}

// mentionsRateLimit reports whether an error body speaks of a rate limit.
func mentionsRateLimit(body string) bool {
	b := strings.ToLower(body)
	for _, s := range []string{"rate limit", "rate-limit", "ratelimit", "rate_limit", "too many requests"} {
		if strings.Contains(b, s) {
			return true
		}
	}
	return false
}

// Bounds of a Retry-After the client passes on. The usage endpoint's limits
// run over an hour, so a longer wait is an error of the source, and one that
// would silence a channel for days; a wait of nothing (0, or a date already
// past) would have the poller ask again at once.
const (
	MaxRetryAfter = time.Hour
	MinRetryAfter = 5 * time.Second
)

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date,
// clamped to [MinRetryAfter, MaxRetryAfter] (a date already past gives
// MinRetryAfter). It returns 0, "none given", when the header is absent or
// unreadable (a negative number, a fraction, words), and the caller applies
// its default.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseUint(v, 10, 64); err == nil {
		d = MaxRetryAfter
		if secs < uint64(MaxRetryAfter/time.Second) {
			d = time.Duration(secs) * time.Second
		}
	} else if errors.Is(err, strconv.ErrRange) {
		d = MaxRetryAfter // more digits than a uint64 holds
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now).Round(time.Second)
	} else {
		return 0
	}
	return min(max(d, MinRetryAfter), MaxRetryAfter)
}
