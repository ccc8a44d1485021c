package partnerapi_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/partnerapi"
	"github.com/insights-dev/insights/internal/simulator"
	"github.com/insights-dev/insights/internal/usage"
)

// BenchmarkDecodeUsageBackfill decodes the simulator's answer for a 120-day
// half-hour backfill of its busiest channel, the largest response the poller
// reads.
func BenchmarkDecodeUsageBackfill(b *testing.B) {
	body := backfillBody(b, 120)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := partnerapi.DecodeUsage(context.Background(), body, usage.HalfHour); err != nil {
			b.Fatal(err)
		}
	}
}

// backfillBody fetches the raw usage response for days of half hours.
func backfillBody(tb testing.TB, days int) []byte {
	tb.Helper()
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	sim := simulator.New(simulator.Config{Seed: 2026, Now: simulator.NewManualClock(now).Now})
	srv := httptest.NewServer(sim)
	tb.Cleanup(srv.Close)
	var best []byte
	for _, ch := range sim.Channels()[:6] {
		start := now.AddDate(0, 0, -days).Truncate(time.Hour)
		u := fmt.Sprintf("%s/api/v2/partners/%s/clients/%s/channels/%s/info/usage?start_date=%d&end_date=%d&granularity=HALF_HOUR",
			srv.URL, sim.PartnerID(), ch.ClientID, ch.ID, start.Unix(), now.Unix()-1)
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		req.Header.Set("X-API-Key", sim.APIKey())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			tb.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			tb.Fatalf("usage: %d %v %.200s", resp.StatusCode, err, body)
		}
		if len(body) > len(best) {
			best = body
		}
	}
	return best
}

// TestDecodeUsageStopsWhenCancelled: a cancelled decode of a large answer
// returns the context's error instead of finishing the work.
func TestDecodeUsageStopsWhenCancelled(t *testing.T) {
	body := backfillBody(t, 30)
	ctx, cancel := context.WithCancel(context.Background())
	if u, err := partnerapi.DecodeUsage(ctx, body, usage.HalfHour); err != nil || len(u.Points) < 2048 {
		t.Fatalf("uncancelled decode: %v (want ≥ 2048 points)", err)
	}
	cancel()
	u, err := partnerapi.DecodeUsage(ctx, body, usage.HalfHour)
	if !errors.Is(err, context.Canceled) || u != nil {
		t.Fatalf("cancelled decode = %v, %v; want context.Canceled and no usage", u != nil, err)
	}
}
