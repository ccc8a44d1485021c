package server

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/store"
)

// pausedServer is the pages' server with ch-a1 (acme) paused by the Partner
// API until 12:40 UTC and ch-g1 (globex) in an error backoff, which is not a
// pause by the source.
func pausedServer(t *testing.T) http.Handler {
	t.Helper()
	st := seedPages(t)
	ctx := context.Background()
	for _, ps := range []store.PollState{
		{ChannelID: "ch-a1", PausedUntil: pageNow.Add(40 * time.Minute)},
		{ChannelID: "ch-g1", PausedUntil: pageNow.Add(2 * time.Hour), ConsecutiveFailures: 3},
	} {
		if err := st.SavePollState(ctx, ps); err != nil {
			t.Fatal(err)
		}
	}
	return New(Options{Store: st, Logger: slog.New(slog.DiscardHandler), AllowAnonymous: true,
		Now: func() time.Time { return pageNow }}).Handler()
}

func TestFreshnessShowsSourcePauses(t *testing.T) {
	t.Parallel()
	h := pausedServer(t)
	tests := []struct {
		target string
		want   string // "" means no pause may be named
	}{
		{"/", "1 channel paused by the Partner API until 15 Mar 2026, 12:40 UTC"},
		{"/clients/acme", "1 channel paused by the Partner API until 15 Mar 2026, 13:40 CET"},
		{"/clients/acme/channels/ch-a1", "1 channel paused by the Partner API until 15 Mar 2026, 13:40 CET"},
		{"/clients/acme/channels/ch-a2", ""},
		{"/clients/globex", ""}, // an error backoff shows as poll errors, not as a pause
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			doc := getDoc(t, h, tt.target, http.StatusOK)
			fr := text(doc.Find(testid("freshness")))
			if tt.want == "" {
				if strings.Contains(fr, "paused") {
					t.Errorf("freshness = %q, want no pause", fr)
				}
				return
			}
			if !strings.Contains(fr, tt.want) {
				t.Errorf("freshness = %q, want %q", fr, tt.want)
			}
		})
	}
}

func TestHealthCountsSourcePauses(t *testing.T) {
	t.Parallel()
	var h struct {
		Status string `json:"status"`
		Paused *struct {
			Count int        `json:"count"`
			Until *time.Time `json:"until"`
		} `json:"paused_channels"`
	}
	getJSON(t, pausedServer(t), "/healthz", &h)
	if h.Status != "ok" {
		t.Errorf("status = %q, want ok (a pause is no reason to fail liveness)", h.Status)
	}
	if h.Paused == nil || h.Paused.Count != 1 || h.Paused.Until == nil || !h.Paused.Until.Equal(pageNow.Add(40*time.Minute)) {
		t.Errorf("paused_channels = %+v, want 1 until 12:40 UTC", h.Paused)
	}

	h.Paused = nil
	getJSON(t, newPageServer(t, false), "/healthz", &h)
	if h.Paused == nil || h.Paused.Count != 0 || h.Paused.Until != nil {
		t.Errorf("paused_channels without pauses = %+v, want a count of 0 and no until", h.Paused)
	}
}
