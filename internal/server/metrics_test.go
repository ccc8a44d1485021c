package server

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/auth"
	"github.com/insights-dev/insights/internal/metrics"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
)

// staffToken creates the first admin and an API token of theirs, as an
// operator does for Prometheus, and returns the token.
func staffToken(t *testing.T, s *Server) string {
	t.Helper()
	ctx := context.Background()
	a := auth.New(auth.Options{Store: s.store, Logger: slog.New(slog.DiscardHandler), Now: s.opts.Now})
	u, err := a.Setup(ctx, "127.0.0.1", auth.NewUser{Email: "ops@example.com", Name: "Ops", Role: auth.RoleAdmin,
		Password: "correct horse battery staple"})
	if err != nil {
		t.Fatalf("setup: %v", err)
	}
	secret, _, err := a.CreateAPIToken(ctx, "ops@example.com", "127.0.0.1", u.ID, "prometheus")
	if err != nil {
		t.Fatalf("create token: %v", err)
	}
	return secret
}

func scrapeMetrics(t *testing.T, h http.Handler, token string) metrics.Samples {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", rec.Code, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); ct != metrics.ContentType {
		t.Errorf("Content-Type %q, want %q", ct, metrics.ContentType)
	}
	s, err := metrics.ParseText(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatalf("GET /metrics does not parse: %v\n%s", err, rec.Body.String())
	}
	return s
}

func TestMetricsEndpoint(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, st *store.Store) {
		reg := metrics.NewRegistry()
		polls := reg.Counter("insights_poll_requests_total", "Poll requests.", "kind", "outcome")
		s := newWebhookServer(t, st, func(o *Options) { o.Metrics = reg })
		h := s.Handler()
		token := staffToken(t, s)
		now := s.now().UTC()
		if err := st.SavePollState(context.Background(), store.PollState{ChannelID: "ch1",
			LastRecentAt: now.Add(-90 * time.Second), LastWeekAt: now.Add(-time.Hour)}); err != nil {
			t.Fatal(err)
		}

		before := scrapeMetrics(t, h, token)
		for k, want := range map[string]float64{
			`insights_channel_data_age_seconds{channel="ch1"}`:                                       90,
			`insights_data_age_max_seconds`:                                                          90,
			`insights_channels_fetched`:                                                              1,
			`insights_webhook_events_total{outcome="stored"}`:                                        0,
			`insights_webhook_deliveries_total{outcome="accepted"}`:                                  0,
			`insights_webhook_deliveries_total{outcome="rejected"}`:                                  0,
			`insights_http_request_duration_seconds_count{method="GET",route="/metrics",code="200"}`: 1,
		} {
			// The first scrape has not finished when it is written: no
			// latency sample of it yet.
			if strings.Contains(k, "/metrics") {
				if _, ok := before[k]; ok {
					t.Errorf("%s present in the first scrape", k)
				}
				continue
			}
			if got, ok := before[k]; !ok || got != want {
				t.Errorf("first scrape: %s = %v (present %v), want %v", k, got, ok, want)
			}
		}

		// Traffic: a page, a 404, an accepted and a rejected webhook, a poll.
		get(t, h, "/healthz")
		get(t, h, "/no/such/page")
		body := statusesBody(whPhone, whPhoneID, status{"wamid.m1", "sent", time.Hour, "marketing", "regular", ""},
			status{"wamid.m2", "sent", time.Hour, "utility", "regular", ""})
		if r := postWebhook(t, h, tokenURL, body, nil); r.code != 200 {
			t.Fatalf("webhook: %d %s", r.code, r.raw)
		}
		if r := postWebhook(t, h, tokenURL, body, nil); r.code != 200 || r.body.Duplicates != 2 {
			t.Fatalf("webhook again: %d %s", r.code, r.raw)
		}
		if r := postWebhook(t, h, "/webhooks/whatsapp?token=wrong", body, nil); r.code != http.StatusUnauthorized {
			t.Fatalf("webhook with a wrong token: %d", r.code)
		}
		polls.Inc("recent", "ok")

		after := scrapeMetrics(t, h, token)
		for k, want := range map[string]float64{
			`insights_http_request_duration_seconds_count{method="GET",route="/healthz",code="200"}`:            1,
			`insights_http_request_duration_seconds_bucket{method="GET",route="/healthz",code="200",le="+Inf"}`: 1,
			`insights_http_request_duration_seconds_count{method="GET",route="/metrics",code="200"}`:            1,
			`insights_http_request_duration_seconds_count{method="POST",route="/webhooks/whatsapp",code="200"}`: 2,
			`insights_http_request_duration_seconds_count{method="POST",route="/webhooks/whatsapp",code="401"}`: 1,
			`insights_http_request_duration_seconds_count{method="GET",route="unmatched",code="404"}`:           1,
			`insights_webhook_events_total{outcome="stored"}`:                                                   2,
			`insights_webhook_events_total{outcome="duplicate"}`:                                                2,
			`insights_webhook_deliveries_total{outcome="accepted"}`:                                             2,
			`insights_webhook_deliveries_total{outcome="rejected"}`:                                             1,
			`insights_poll_requests_total{kind="recent",outcome="ok"}`:                                          1,
		} {
			if got, ok := after[k]; !ok || got != want {
				t.Errorf("second scrape: %s = %v (present %v), want %v", k, got, ok, want)
			}
		}
		if sum := after[`insights_http_request_duration_seconds_sum{method="GET",route="/healthz",code="200"}`]; sum <= 0 {
			t.Errorf("latency sum of /healthz = %v, want > 0", sum)
		}
	})
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestRequestLogs checks that every request is logged once as JSON with its
// request id, status and route, and that no secret of the request (bearer
// token, API key header, cookie, webhook token in the query) reaches the log.
func TestRequestLogs(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := newWebhookServer(t, storetest.Open(t), func(o *Options) { o.Logger = logger })
	h := s.Handler()
	bearer := staffToken(t, s)
	const apiKey, cookie = "key-SECRET-api", "sess-SECRET-cookie"
	requests := []struct {
		method, target string
		status         int
		route          string
	}{
		{http.MethodGet, "/api/v1/usage?from=2026-03-01&to=2026-03-10", 200, "/api/v1/usage"},
		{http.MethodGet, "/api/v1/usage?from=nonsense", 400, "/api/v1/usage"},
		{http.MethodPost, "/webhooks/whatsapp?token=" + whSecret, 200, "/webhooks/whatsapp"},
		{http.MethodPost, "/webhooks/whatsapp?token=wrong-SECRET-token", 401, "/webhooks/whatsapp"},
		{http.MethodGet, "/healthz", 200, "/healthz"},
	}
	ids := map[string]int{}
	for _, r := range requests {
		var body *bytes.Reader
		if r.method == http.MethodPost {
			body = bytes.NewReader(statusesBody(whPhone, whPhoneID, status{"wamid.x", "sent", time.Hour, "marketing", "regular", ""}))
		} else {
			body = bytes.NewReader(nil)
		}
		req := httptest.NewRequest(r.method, r.target, body)
		req.Header.Set("Authorization", "Bearer "+bearer)
		req.Header.Set("X-API-Key", apiKey)
		req.Header.Set("Cookie", "insights_session="+cookie)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != r.status {
			t.Fatalf("%s %s: %d, want %d (%s)", r.method, r.target, rec.Code, r.status, rec.Body.String())
		}
		id := rec.Header().Get("X-Request-Id")
		if id == "" {
			t.Fatalf("%s %s: no X-Request-Id", r.method, r.target)
		}
		ids[id] = r.status
	}

	out := logs.String()
	for _, secret := range []string{"SECRET", bearer, whSecret, whKey} {
		if strings.Contains(out, secret) {
			t.Errorf("the log contains %q:\n%s", secret, out)
		}
	}
	perID := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("log line is not JSON: %q", sc.Text())
		}
		if line["msg"] != "request" {
			// Other lines about a request (the error handler's) carry its id too.
			if _, ok := line["status"]; ok {
				if id, _ := line["request_id"].(string); ids[id] == 0 {
					t.Errorf("line %q has no known request_id", sc.Text())
				}
			}
			continue
		}
		id, _ := line["request_id"].(string)
		status, ok := ids[id]
		if !ok {
			t.Errorf("request line with unknown request_id: %q", sc.Text())
			continue
		}
		perID[id]++
		if int(line["status"].(float64)) != status {
			t.Errorf("request line %q: status, want %d", sc.Text(), status)
		}
		for _, k := range []string{"method", "path", "route", "duration_ms"} {
			if _, ok := line[k]; !ok {
				t.Errorf("request line %q lacks %s", sc.Text(), k)
			}
		}
		if p, _ := line["path"].(string); strings.Contains(p, "?") {
			t.Errorf("path %q carries the query string", p)
		}
	}
	for id := range ids {
		if perID[id] != 1 {
			t.Errorf("request %s logged %d times, want once", id, perID[id])
		}
	}
}

// TestMetricsLabelsBounded: requests with unknown methods and to paths no
// route matches add one series each to the latency histogram (method
// "OTHER", route "unmatched"), however many different ones arrive.
func TestMetricsLabelsBounded(t *testing.T) {
	t.Parallel()
	s := newWebhookServer(t, storetest.Open(t), nil)
	h := s.Handler()
	token := staffToken(t, s)
	series := func() map[string]bool {
		out := map[string]bool{}
		for k := range scrapeMetrics(t, h, token) {
			if strings.HasPrefix(k, MetricHTTPDuration+"_count{") {
				out[k] = true
			}
		}
		return out
	}
	send := func(method, target string) {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.Method = method
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code < 400 {
			t.Fatalf("%s %s: %d, want an error", method, target, rec.Code)
		}
	}
	random := func(prefix string, i int) string { return fmt.Sprintf("%s%d%s", prefix, i, rand.Text()[:8]) }
	for _, tc := range []struct {
		name string
		send func(i int)
		want string // the one series they share
	}{
		{"unknown methods", func(i int) { send(random("M", i), "/healthz") }, `method="OTHER",route="/healthz"`},
		{"unmatched paths", func(i int) { send(http.MethodGet, "/"+random("nowhere-", i)+"/x") }, `method="GET",route="unmatched",code="404"`},
		{"unsafe methods to unmatched paths", func(i int) { send(http.MethodPost, "/"+random("nowhere-", i)) }, `method="POST",route="unmatched"`},
		{"unknown methods to unmatched paths", func(i int) { send(random("M", i), "/"+random("nowhere-", i)) }, `method="OTHER",route="unmatched"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := series()
			for i := range 50 {
				tc.send(i)
			}
			var added []string
			for k := range series() {
				if !before[k] && !strings.Contains(k, `route="/metrics"`) {
					added = append(added, k)
				}
			}
			if len(added) != 1 || !strings.Contains(added[0], tc.want) {
				t.Errorf("50 requests added %d series %v, want one with %s", len(added), added, tc.want)
			}
		})
	}
}
