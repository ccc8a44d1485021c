package partnerapi

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestNewValidatesConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string // every problem must be reported
	}{
		{"all missing", Config{}, []string{"base URL is empty", "partner id is empty", "API key is empty"}},
		{"relative URL", Config{BaseURL: "hub.360dialog.io/api/v2", PartnerID: "p", APIKey: "k"}, []string{"absolute http or https"}},
		{"ftp URL", Config{BaseURL: "ftp://hub.360dialog.io", PartnerID: "p", APIKey: "k"}, []string{"absolute http or https"}},
		{"query in URL", Config{BaseURL: "https://hub.360dialog.io/api/v2?x=1", PartnerID: "p", APIKey: "k"}, []string{"query"}},
		{"negative sizes", Config{BaseURL: "https://h", PartnerID: "p", APIKey: "k", MaxResponseBytes: -1, PageSize: -1},
			[]string{"max response bytes", "page size"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil {
				t.Fatal("New succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestNewDefaults(t *testing.T) {
	c, err := New(Config{BaseURL: "https://hub.360dialog.io/api/v2/", PartnerID: " abcdEFPA ", APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	if c.baseURL != "https://hub.360dialog.io/api/v2" || c.partnerID != "abcdEFPA" {
		t.Errorf("base %q partner %q", c.baseURL, c.partnerID)
	}
	if c.timeout != DefaultTimeout || c.maxRetries != DefaultMaxRetries || c.retryBase != DefaultRetryBaseDelay ||
		c.maxBody != DefaultMaxResponseBytes || c.pageSize != DefaultPageSize || c.http == nil || c.log == nil {
		t.Errorf("defaults not applied: %+v", c)
	}
	c, err = New(Config{BaseURL: "http://h", PartnerID: "p", APIKey: "k", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	if c.maxRetries != 0 {
		t.Errorf("MaxRetries -1 gave %d retries, want 0", c.maxRetries)
	}
}

func TestAuthHeaderAndPath(t *testing.T) {
	var gotKey, gotPath, gotAccept string
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		gotKey, gotPath, gotAccept = r.Header.Get("X-API-Key"), r.URL.Path, r.Header.Get("Accept")
		writeJSON(w, 200, `{"balance": 1, "currency": "EUR"}`)
	})
	c := newClient(t, srv.URL)
	if _, err := c.ChannelBalance(context.Background(), "cl 1", "ch/2"); err != nil {
		t.Fatal(err)
	}
	if gotKey != testKey {
		t.Errorf("X-API-Key = %q, want %q", gotKey, testKey)
	}
	if want := "/api/v2/partners/abcdEFPA/clients/cl 1/channels/ch/2/info/balance"; gotPath != want {
		t.Errorf("path = %q, want %q", gotPath, want)
	}
	if gotAccept != "application/json" {
		t.Errorf("Accept = %q", gotAccept)
	}
}

// errorStatusCase is an upstream answer with an error status and what the
// client must make of it.
type errorStatusCase struct {
	name       string
	status     int
	header     map[string]string
	body       string
	wantCalls  int64
	check      func(t *testing.T, err error)
	retryAfter time.Duration // for rate limits; -1 means "about 90s"
}

func TestErrorStatuses(t *testing.T) {
	date := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	tests := []errorStatusCase{
		{name: "401 detail", status: 401, body: `{"detail": "Invalid API key"}`, wantCalls: 1, check: func(t *testing.T, err error) {
			if !errors.Is(err, ErrUnauthorized) {
				t.Errorf("errors.Is(ErrUnauthorized) false for %v", err)
			}
			if !strings.Contains(err.Error(), "Invalid API key") {
				t.Errorf("message lost: %v", err)
			}
			var se *StatusError
			if !errors.As(err, &se) || se.Code != 401 {
				t.Errorf("StatusError = %+v", se)
			}
		}},
		{name: "403 error", status: 403, body: `{"error": "forbidden for this partner"}`, wantCalls: 1, check: func(t *testing.T, err error) {
			if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "forbidden for this partner") {
				t.Errorf("got %v", err)
			}
		}},
		{name: "404 detail", status: 404, body: `{"detail": "Channel not found"}`, wantCalls: 1, check: func(t *testing.T, err error) {
			var se *StatusError
			if !errors.As(err, &se) || se.Code != 404 || se.Message != "Channel not found" {
				t.Errorf("StatusError = %+v (%v)", se, err)
			}
			if errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrRateLimited) {
				t.Errorf("404 matched a sentinel: %v", err)
			}
		}},
		{name: "400 plain", status: 400, body: `{"detail": [{"loc": ["query", "start_date"], "msg": "field required"}]}`, wantCalls: 1,
			check: func(t *testing.T, err error) {
				var se *StatusError
				if !errors.As(err, &se) || se.Code != 400 || !strings.Contains(se.Message, "field required") {
					t.Errorf("StatusError = %+v (%v)", se, err)
				}
			}},
		{name: "400 error object", status: 400, body: `{"error": {"message": "bad window", "code": 100}}`, wantCalls: 1,
			check: func(t *testing.T, err error) {
				var se *StatusError
				if !errors.As(err, &se) || se.Message != "bad window" {
					t.Errorf("StatusError = %+v (%v)", se, err)
				}
			}},
		{name: "429 seconds", status: 429, header: map[string]string{"Retry-After": "120"}, body: `{"detail": "Too many requests"}`,
			wantCalls: 1, retryAfter: 2 * time.Minute},
		{name: "429 HTTP date", status: 429, header: map[string]string{"Retry-After": date}, body: `{"error": "slow down"}`,
			wantCalls: 1, retryAfter: -1},
		{name: "429 no header", status: 429, body: `slow down`, wantCalls: 1, retryAfter: 0},
		{name: "400 rate limit", status: 400, header: map[string]string{"Retry-After": "30"},
			body: `{"detail": "Rate limit exceeded: 10 requests per hour per channel"}`, wantCalls: 1, retryAfter: 30 * time.Second},
		{name: "500 text exhausted", status: 500, body: "<html>Internal   Server\nError</html>", wantCalls: 4, check: func(t *testing.T, err error) {
			var se *StatusError
			if !errors.As(err, &se) || se.Code != 500 || se.Message != "<html>Internal Server Error</html>" {
				t.Errorf("StatusError = %+v (%v)", se, err)
			}
			if !strings.Contains(err.Error(), "giving up after 4 attempts") {
				t.Errorf("error does not say it gave up: %v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}

// run answers every request with tt's status and checks the client's
// attempts and error: tt.check's checks, or a rate-limit error.
func (tt errorStatusCase) run(t *testing.T) {
	srv, calls := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		for k, v := range tt.header {
			w.Header().Set(k, v)
		}
		writeJSON(w, tt.status, tt.body)
	})
	c := newClient(t, srv.URL)
	_, err := c.ChannelBalance(context.Background(), "cl", "ch")
	if err == nil {
		t.Fatal("no error")
	}
	if got := calls.Load(); got != tt.wantCalls {
		t.Errorf("server saw %d requests, want %d", got, tt.wantCalls)
	}
	if tt.check != nil {
		tt.check(t, err)
		return
	}
	var rl *RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("want *RateLimitError, got %T: %v", err, err)
	}
	if !errors.Is(err, ErrRateLimited) {
		t.Error("errors.Is(ErrRateLimited) false")
	}
	if rl.StatusCode != tt.status {
		t.Errorf("StatusCode = %d, want %d", rl.StatusCode, tt.status)
	}
	if tt.retryAfter == -1 {
		if rl.RetryAfter < 85*time.Second || rl.RetryAfter > 91*time.Second {
			t.Errorf("RetryAfter = %v, want about 90s", rl.RetryAfter)
		}
	} else if rl.RetryAfter != tt.retryAfter {
		t.Errorf("RetryAfter = %v, want %v", rl.RetryAfter, tt.retryAfter)
	}
	if rl.Message == "" {
		t.Error("rate-limit message is empty")
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 11, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"0", MinRetryAfter}, // "now" still waits a little
		{"1", MinRetryAfter},
		{" 3600 ", time.Hour},
		{"120", 2 * time.Minute},
		{"3601", MaxRetryAfter},
		{"31536000", MaxRetryAfter},             // a year
		{"9223372036854775807", MaxRetryAfter},  // math.MaxInt64 seconds
		{"99999999999999999999", MaxRetryAfter}, // more than a uint64
		{"Sat, 01 Nov 2025 12:05:00 GMT", 5 * time.Minute},
		{"Sat, 01 Nov 2025 12:00:02 GMT", MinRetryAfter},
		{"Sat, 01 Nov 2025 11:00:00 GMT", MinRetryAfter}, // past
		{"Sun, 01 Nov 2026 12:00:00 GMT", MaxRetryAfter}, // a year ahead
		{"Thu, 01 Jan 1970 00:00:00 GMT", MinRetryAfter},
		{"-5", 0}, // unreadable: the caller's default applies
		{"+5", 0},
		{"1.5", 0},
		{"soon", 0},
		{"Sat, 01 Nov 2025 25:00:00 GMT", 0},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := parseRetryAfter(tt.in, now); got != tt.want {
				t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestRetry5xxThenSuccess(t *testing.T) {
	var n atomic.Int64
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1:
			writeJSON(w, 503, `{"detail": "maintenance"}`)
		case 2:
			writeJSON(w, 502, `bad gateway`)
		default:
			writeJSON(w, 200, `{"balance": "5.5", "currency": "eur"}`)
		}
	})
	c := newClient(t, srv.URL)
	b, err := c.ChannelBalance(context.Background(), "cl", "ch")
	if err != nil {
		t.Fatal(err)
	}
	if n.Load() != 3 {
		t.Errorf("server saw %d requests, want 3", n.Load())
	}
	if b.BalanceNanos != 5_500_000_000 || b.Currency != "EUR" {
		t.Errorf("balance = %+v", b)
	}
}

func TestRetryExhausted(t *testing.T) {
	srv, calls := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 502, `{"error": "upstream down"}`)
	})
	c := newClient(t, srv.URL, func(c *Config) { c.MaxRetries = 2 })
	_, err := c.ChannelBalance(context.Background(), "cl", "ch")
	var se *StatusError
	if !errors.As(err, &se) || se.Code != 502 || se.Message != "upstream down" {
		t.Fatalf("err = %v", err)
	}
	if calls.Load() != 3 {
		t.Errorf("server saw %d requests, want 3 (1 + 2 retries)", calls.Load())
	}

	c = newClient(t, srv.URL, func(c *Config) { c.MaxRetries = -1 })
	calls.Store(0)
	if _, err := c.ChannelBalance(context.Background(), "cl", "ch"); err == nil {
		t.Fatal("no error")
	}
	if calls.Load() != 1 {
		t.Errorf("MaxRetries -1: server saw %d requests, want 1", calls.Load())
	}
}

func TestNetworkErrorRetried(t *testing.T) {
	var n atomic.Int64
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			// Drop the connection without an answer.
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			conn.Close()
			return
		}
		writeJSON(w, 200, `{"balance": 1.25, "currency": "USD", "threshold": null}`)
	})
	c := newClient(t, srv.URL)
	b, err := c.ChannelBalance(context.Background(), "cl", "ch")
	if err != nil {
		t.Fatal(err)
	}
	if n.Load() != 2 || b.BalanceNanos != 1_250_000_000 || b.HasThreshold {
		t.Errorf("requests %d, balance %+v", n.Load(), b)
	}
}

func TestNetworkErrorExhausted(t *testing.T) {
	// A listener that is closed at once: every connection is refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := newClient(t, "http://"+addr, func(c *Config) { c.MaxRetries = 2 })
	_, err = c.ChannelBalance(context.Background(), "cl", "ch")
	if err == nil {
		t.Fatal("no error")
	}
	var se *StatusError
	if errors.As(err, &se) {
		t.Errorf("network failure reported as status %d", se.Code)
	}
	if !strings.Contains(err.Error(), "giving up after 3 attempts") || !strings.Contains(err.Error(), "network") {
		t.Errorf("err = %v", err)
	}
}

func TestAttemptTimeoutRetried(t *testing.T) {
	var n atomic.Int64
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		writeJSON(w, 200, `{"balance": 2, "currency": "USD"}`)
	})
	c := newClient(t, srv.URL, func(c *Config) { c.Timeout = 100 * time.Millisecond })
	start := time.Now()
	b, err := c.ChannelBalance(context.Background(), "cl", "ch")
	if err != nil {
		t.Fatal(err)
	}
	if b.BalanceNanos != 2_000_000_000 || n.Load() != 2 {
		t.Errorf("balance %+v after %d requests", b, n.Load())
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestContextCancelMidRequest(t *testing.T) {
	release := make(chan struct{})
	srv, calls := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	c := newClient(t, srv.URL)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.ListChannels(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("returned after %v, want promptly", d)
	}
	if calls.Load() != 1 {
		t.Errorf("server saw %d requests, want 1 (no retry after cancel)", calls.Load())
	}
}

func TestContextCancelDuringBackoff(t *testing.T) {
	srv, calls := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 500, `{"detail": "boom"}`)
	})
	c := newClient(t, srv.URL, func(c *Config) { c.RetryBaseDelay = 10 * time.Second })
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.ChannelBalance(ctx, "cl", "ch")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("returned after %v, want promptly", d)
	}
	if calls.Load() != 1 {
		t.Errorf("server saw %d requests", calls.Load())
	}
}

func TestResponseTooLarge(t *testing.T) {
	srv, calls := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"balance": 1, "currency": "USD", "pad": "`+strings.Repeat("x", 2000)+`"}`)
	})
	c := newClient(t, srv.URL, func(c *Config) { c.MaxResponseBytes = 1024 })
	_, err := c.ChannelBalance(context.Background(), "cl", "ch")
	if !errors.Is(err, ErrResponseTooLarge) {
		t.Fatalf("err = %v, want ErrResponseTooLarge", err)
	}
	if !strings.Contains(err.Error(), "1024 bytes") {
		t.Errorf("error does not name the limit: %v", err)
	}
	if calls.Load() != 1 {
		t.Errorf("server saw %d requests, want 1", calls.Load())
	}
}

func TestBackoff(t *testing.T) {
	c := &Client{retryBase: 200 * time.Millisecond}
	for attempt, base := range []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, 1600 * time.Millisecond} {
		for range 50 {
			d := c.backoff(attempt)
			if d < base/2 || d >= base*3/2 {
				t.Fatalf("backoff(%d) = %v, want in [%v, %v)", attempt, d, base/2, base*3/2)
			}
		}
	}
	if d := c.backoff(40); d < maxRetryDelay/2 || d >= maxRetryDelay*3/2 {
		t.Errorf("backoff(40) = %v, not capped near %v", d, maxRetryDelay)
	}
}

func TestMentionsRateLimit(t *testing.T) {
	for body, want := range map[string]bool{
		`{"detail": "Rate limit exceeded"}`:      true,
		`{"error": "rate-limit reached"}`:        true,
		`{"error": "RATE_LIMIT"}`:                true,
		`{"detail": "Too Many Requests"}`:        true,
		`{"detail": "start_date must be < end"}`: false,
	} {
		if got := mentionsRateLimit(body); got != want {
			t.Errorf("mentionsRateLimit(%s) = %v", body, got)
		}
	}
}

func TestRedirectNotFollowed(t *testing.T) {
	other, otherCalls := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("redirect target got a request (X-API-Key %q)", r.Header.Get("X-API-Key"))
		writeJSON(w, 200, `{"balance": 1, "currency": "EUR"}`)
	})
	tests := []struct {
		name     string
		status   int
		location func(self string) string
		client   *http.Client
	}{
		{"302 to another host", http.StatusFound, func(string) string { return other.URL + "/steal" }, nil},
		{"307 to another host, caller's client follows redirects", http.StatusTemporaryRedirect,
			func(string) string { return other.URL + "/steal" },
			&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}},
		{"301 to the same host", http.StatusMovedPermanently, func(self string) string { return self + "/elsewhere" }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var self string
			srv, calls := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/elsewhere" {
					t.Error("same-host redirect was followed")
				}
				w.Header().Set("Location", tt.location(self))
				w.WriteHeader(tt.status)
			})
			self = srv.URL
			c := newClient(t, srv.URL, func(cfg *Config) { cfg.HTTPClient = tt.client })
			_, err := c.ChannelBalance(context.Background(), "cl", "ch")
			var re *RedirectError
			if !errors.As(err, &re) {
				t.Fatalf("want *RedirectError, got %T: %v", err, err)
			}
			if re.Code != tt.status || re.Location != tt.location(self) {
				t.Errorf("RedirectError = %+v", re)
			}
			if !strings.Contains(err.Error(), tt.location(self)) {
				t.Errorf("error %q does not name the Location", err)
			}
			if n := calls.Load(); n != 1 {
				t.Errorf("origin saw %d requests, want 1 (a redirect is not retried)", n)
			}
		})
	}
	if n := otherCalls.Load(); n != 0 {
		t.Errorf("redirect target saw %d requests", n)
	}
	if err := tests[1].client.CheckRedirect(nil, nil); err != nil {
		t.Errorf("the caller's http.Client was modified: its CheckRedirect now says %v", err)
	}
}
