package partnerapi_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/partnerapi"
	"github.com/insights-dev/insights/internal/simulator"
	"github.com/insights-dev/insights/internal/usage"
)

// TestAgainstSimulator checks the client and the simulator agree on the
// contract: lists, exact usage and call points, rate limits.
func TestAgainstSimulator(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	clock := simulator.NewManualClock(now)
	sim := simulator.New(simulator.Config{Seed: 7, Now: clock.Now})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	c, err := partnerapi.New(partnerapi.Config{BaseURL: srv.URL, PartnerID: sim.PartnerID(), APIKey: sim.APIKey(), RetryBaseDelay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	clients, err := c.ListClients(ctx)
	if err != nil || len(clients) != len(sim.Clients()) {
		t.Fatalf("clients: %d, %v", len(clients), err)
	}
	channels, err := c.ListChannels(ctx)
	if err != nil || len(channels) != len(sim.Channels()) {
		t.Fatalf("channels: %d, %v", len(channels), err)
	}

	start, end := now.Add(-72*time.Hour).Truncate(time.Hour), now
	for _, ch := range channels[:3] {
		t.Run(ch.ID, func(t *testing.T) {
			u, err := c.ChannelUsage(ctx, partnerapi.UsageRequest{ClientID: ch.ClientID, ChannelID: ch.ID, Start: start, End: end, Granularity: usage.HalfHour})
			if err != nil {
				t.Fatal(err)
			}
			want := sim.UsagePoints(ch.ID, start, end)
			if len(u.Points) != len(want) || len(want) == 0 {
				t.Fatalf("points: got %d, want %d (>0)", len(u.Points), len(want))
			}
			var gotCost, wantCost, gotVol, wantVol int64
			for i := range want {
				gotCost += u.Points[i].CostNanos
				wantCost += want[i].CostNanos
				gotVol += u.Points[i].Volume
				wantVol += want[i].Volume
			}
			if gotCost != wantCost || gotVol != wantVol {
				t.Errorf("totals: got %d msgs %d nanos, want %d msgs %d nanos", gotVol, gotCost, wantVol, wantCost)
			}
			wantCalls := sim.CallPoints(ch.ID, start, end)
			if len(u.Calls) != len(wantCalls) {
				t.Fatalf("calls: got %d, want %d", len(u.Calls), len(wantCalls))
			}
			for i := range wantCalls {
				g, w := u.Calls[i], wantCalls[i]
				if g.Count != w.Count || g.Seconds != w.Seconds || g.CostNanos != w.CostNanos || g.Direction != w.Direction {
					t.Errorf("call point %d: got %+v, want %+v", i, g, w)
				}
			}
		})
	}

	// The eleventh usage request for one channel within the hour is refused with a RateLimitError.
	ch := channels[4]
	var rl *partnerapi.RateLimitError
	for i := 0; i < 11; i++ {
		_, err = c.ChannelUsage(ctx, partnerapi.UsageRequest{ClientID: ch.ClientID, ChannelID: ch.ID, Start: start, End: end, Granularity: usage.Day})
	}
	if !errors.As(err, &rl) || rl.RetryAfter <= 0 {
		t.Fatalf("11th request: want RateLimitError with Retry-After, got %v", err)
	}
}
