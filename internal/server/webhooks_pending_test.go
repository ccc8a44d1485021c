package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/metrics"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
)

// pendingHealth reads pending_webhook_events from /healthz.
func pendingHealth(t *testing.T, h http.Handler) int64 {
	t.Helper()
	res, body := get(t, h, "/healthz")
	var hr healthResponse
	if res.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &hr) != nil || hr.PendingWebhookEvents == nil {
		t.Fatalf("GET /healthz: %d %s", res.StatusCode, body)
	}
	return *hr.PendingWebhookEvents
}

func TestWebhookUnknownChannelKeptUntilDiscovered(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, st *store.Store) {
		var requests atomic.Int64
		reg := metrics.NewRegistry()
		s := newWebhookServer(t, st, func(o *Options) {
			o.Metrics = reg
			o.RequestDiscovery = func() { requests.Add(1) }
		})
		h := s.Handler()
		ctx := context.Background()
		// A number added at 360dialog minutes ago: the poller has not listed it yet.
		const newDisplay, newPhoneID = "+49 151 55500000", "2077"
		body := func(id string) []byte {
			return statusesBody(newDisplay, newPhoneID, status{id, "delivered", time.Hour, "utility", "regular", ""})
		}
		r := postWebhook(t, h, tokenURL, body("wamid.n1"), nil)
		if r.code != 200 || r.body != (webhookResponse{Pending: 1}) {
			t.Fatalf("unknown number: %d %s; want 200 with one pending event", r.code, r.raw)
		}
		if r = postWebhook(t, h, tokenURL, body("wamid.n1"), nil); r.code != 200 || r.body != (webhookResponse{Duplicates: 1}) {
			t.Fatalf("the same event again: %d %s; want a duplicate", r.code, r.raw)
		}
		// A burst of deliveries for the number, at once.
		var wg sync.WaitGroup
		for i := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if r := postWebhook(t, h, tokenURL, body(fmt.Sprintf("wamid.b%d", i)), nil); r.code != 200 || r.body.Pending != 1 {
					t.Errorf("burst delivery %d: %d %s", i, r.code, r.raw)
				}
			}()
		}
		wg.Wait()
		if n := requests.Load(); n == 0 {
			t.Error("no discovery requested for an unknown number")
		}
		if n := pendingHealth(t, h); n != 11 {
			t.Errorf("healthz pending = %d, want 11", n)
		}
		samples := scrapeMetrics(t, h, staffToken(t, s))
		for k, want := range map[string]float64{
			`insights_webhook_pending_events`:                  11,
			`insights_webhook_events_total{outcome="pending"}`: 11,
			`insights_webhook_events_total{outcome="ignored"}`: 0,
		} {
			if got, ok := samples[k]; !ok || got != want {
				t.Errorf("%s = %v (present %v), want %v", k, got, ok, want)
			}
		}
		if vol, _, _ := webhookUsage(t, h); len(vol) != 0 {
			t.Fatalf("counted before the channel is known: %v", vol)
		}

		// Discovery lists the channel; resolving (twice) counts each event once.
		if err := st.UpsertChannels(ctx, []store.Channel{{ID: "ch2", ClientID: "c1", WABAID: "w1", Currency: "EUR",
			PhoneNumber: newDisplay, Status: "ready"}}); err != nil {
			t.Fatal(err)
		}
		for i := range 2 {
			if _, err := st.ResolvePendingWebhooks(ctx, s.opts.RateCard); err != nil {
				t.Fatal(err)
			}
			vol, cost, _ := webhookUsage(t, h)
			if vol["UTILITY/REGULAR"] != 11 || cost["UTILITY/REGULAR"] != "0.22" {
				t.Errorf("after resolve %d: volume %v cost %v; want 11 messages at 0.02", i+1, vol, cost)
			}
		}
		if n := pendingHealth(t, h); n != 0 {
			t.Errorf("healthz pending after resolve = %d, want 0", n)
		}
	})
}
