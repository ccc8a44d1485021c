package simulator

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/usage"
)

// testNow is a Wednesday afternoon, mid-month.
var testNow = time.Date(2026, 11, 25, 15, 10, 0, 0, time.UTC)

type harness struct {
	sim   *Simulator
	srv   *httptest.Server
	clock *ManualClock
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	clock := NewManualClock(testNow)
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	sim := New(cfg)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return &harness{sim: sim, srv: srv, clock: clock}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// get sends a GET with the default API key.
func (h *harness) get(t *testing.T, path string) response {
	t.Helper()
	return h.getKey(t, path, DefaultAPIKey)
}

func (h *harness) getKey(t *testing.T, path, key string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, h.srv.URL+path, nil)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func usagePath(ch Channel, start, end int64, granularity string) string {
	q := url.Values{}
	q.Set("start_date", fmt.Sprint(start))
	q.Set("end_date", fmt.Sprint(end))
	q.Set("granularity", granularity)
	return fmt.Sprintf("/partners/%s/clients/%s/channels/%s/info/usage?%s", DefaultPartnerID, ch.ClientID, ch.ID, q.Encode())
}

// decodeExact decodes JSON keeping numbers as json.Number.
func decodeExact(t *testing.T, b []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode %s: %v", truncate(b), err)
	}
}

func truncate(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

// wirePoint is a pricing point as a client decodes it.
type wirePoint struct {
	Start           int64       `json:"start"`
	End             int64       `json:"end"`
	PhoneNumber     string      `json:"phone_number"`
	Country         string      `json:"country"`
	PricingType     string      `json:"pricing_type"`
	PricingCategory string      `json:"pricing_category"`
	Tier            *string     `json:"tier"`
	Volume          int64       `json:"volume"`
	Cost            json.Number `json:"cost"`
}

type wireCall struct {
	Start           int64       `json:"start"`
	End             int64       `json:"end"`
	Direction       string      `json:"direction"`
	Count           int64       `json:"count"`
	AverageDuration int64       `json:"average_duration"`
	Cost            json.Number `json:"cost"`
}

type wireUsage struct {
	ChannelID        string `json:"channel_id"`
	Currency         string `json:"currency"`
	Granularity      string `json:"granularity"`
	StartDate        int64  `json:"start_date"`
	EndDate          int64  `json:"end_date"`
	PricingAnalytics struct {
		Data []struct {
			DataPoints []wirePoint `json:"data_points"`
		} `json:"data"`
	} `json:"pricing_analytics"`
	CallAnalytics struct {
		Granularity string     `json:"granularity"`
		DataPoints  []wireCall `json:"data_points"`
	} `json:"call_analytics"`
}

func (w wireUsage) points(t *testing.T) []wirePoint {
	t.Helper()
	if len(w.PricingAnalytics.Data) != 1 {
		t.Fatalf("pricing_analytics.data has %d entries, want 1", len(w.PricingAnalytics.Data))
	}
	return w.PricingAnalytics.Data[0].DataPoints
}

func (h *harness) usage(t *testing.T, ch Channel, start, end int64, granularity string) wireUsage {
	t.Helper()
	r := h.get(t, usagePath(ch, start, end, granularity))
	if r.status != http.StatusOK {
		t.Fatalf("usage: status %d: %s", r.status, truncate(r.body))
	}
	var w wireUsage
	decodeExact(t, r.body, &w)
	return w
}

func nanos(t *testing.T, n json.Number) int64 {
	t.Helper()
	v, err := usage.ParseDecimal(n.String())
	if err != nil {
		t.Fatalf("cost %q: %v", n, err)
	}
	return v
}

// pointKey identifies a pricing point within a bucket.
type pointKey struct {
	start   int64
	cat     string
	pt      string
	country string
}

// busyChannel returns a channel that has calls and foreign markets when one exists.
func busyChannel(t *testing.T, sim *Simulator) Channel {
	t.Helper()
	for _, ch := range sim.Channels() {
		if ch.Voice && len(ch.Countries) > 1 && !ch.BillingStartedAt.After(testNow.AddDate(0, -3, 0)) {
			return ch
		}
	}
	t.Fatal("no channel with calls and several markets")
	return Channel{}
}
