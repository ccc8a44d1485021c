package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
)

// TestCallsAPIFillsFromWebhooks checks /api/v1/calls counts the calls the
// Partner API has not reported yet from webhook events, says so, and never
// counts a call twice where the API has reported.
func TestCallsAPIFillsFromWebhooks(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	s := newWebhookServer(t, st, nil)
	h := s.Handler()

	// The API has reported the first 12 hours of the day: 3 inbound calls at 02:00.
	apiEnd := whDay.Add(12 * time.Hour)
	bucket := whDay.Add(2 * time.Hour)
	pt := usage.Point{ChannelID: "ch1", Start: bucket, End: bucket.Add(30 * time.Minute), Granularity: usage.HalfHour,
		Category: usage.CategoryUtility, PricingType: usage.PricingRegular, Country: "DE", Tier: "0:MAX", Volume: 1,
		Currency: "EUR", CostNanos: 1, CostKnown: true}
	lastPt := pt
	lastPt.Start, lastPt.End = apiEnd.Add(-30*time.Minute), apiEnd
	err := st.SaveUsageWindow(context.Background(), store.UsageWindow{ChannelID: "ch1", Start: whDay, End: apiEnd, Granularity: usage.HalfHour,
		Points: []usage.Point{pt, lastPt},
		Calls: []usage.CallPoint{{ChannelID: "ch1", Start: bucket, End: bucket.Add(30 * time.Minute), Granularity: usage.HalfHour,
			Direction: usage.DirectionInbound, Count: 3, Seconds: 180, Currency: "EUR", CostKnown: true}}})
	if err != nil {
		t.Fatal(err)
	}
	// Webhooks saw one call the API already counts (02:10) and two after its horizon.
	in, out := string(usage.DirectionInbound), string(usage.DirectionOutbound)
	body := callsBody(whPhone,
		call{"early", "terminate", in, "COMPLETED", 2*time.Hour + 10*time.Minute, 60},
		call{"late1", "terminate", out, "COMPLETED", 15 * time.Hour, 56},
		call{"late2", "terminate", in, "COMPLETED", 16 * time.Hour, 120},
	)
	if r := postWebhook(t, h, tokenURL, body, nil); r.code != http.StatusOK {
		t.Fatalf("POST: %d %s", r.code, r.raw)
	}

	var resp callsResponse
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/calls?from=2026-03-10&to=2026-03-10", nil))
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatalf("%v: %s", err, rec.Body.String())
	}
	if resp.Totals.Calls != 5 || resp.Totals.Inbound != 4 || resp.Totals.Outbound != 1 {
		t.Errorf("totals %+v, want 3 API calls + 2 webhook calls after the API's horizon", resp.Totals)
	}
	if resp.FilledFromWebhooks == nil || resp.FilledFromWebhooks.Calls != 2 || resp.FilledFromWebhooks.After != apiEnd.Format(time.RFC3339) {
		t.Errorf("filled_from_webhooks = %+v, want 2 calls after %s", resp.FilledFromWebhooks, apiEnd.Format(time.RFC3339))
	}
}
