package poller

import (
	"testing"
	"time"
)

func TestChannelBudget(t *testing.T) {
	tests := []struct {
		name                  string
		chLimit, wabaLimit, n int
		want                  int
	}{
		{"alone", 10, 200, 1, 10},
		{"20 share the WABA exactly", 10, 200, 20, 10},
		{"40 channels", 10, 200, 40, 5},
		{"200 channels", 10, 200, 200, 1},
		{"more channels than WABA slots", 10, 200, 500, 1},
		{"unknown WABA size", 10, 200, 0, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := channelBudget(tt.chLimit, tt.wabaLimit, tt.n); got != tt.want {
				t.Errorf("channelBudget(%d, %d, %d) = %d, want %d", tt.chLimit, tt.wabaLimit, tt.n, got, tt.want)
			}
		})
	}
}

func TestRecentEvery(t *testing.T) {
	tests := []struct {
		name       string
		configured time.Duration
		n          int
		reserve    float64
		want       time.Duration
	}{
		{"default budget: 8 per hour", 0, 1, 0.2, 7*time.Minute + 30*time.Second},
		{"no reserve", 0, 1, 0, 6 * time.Minute},
		{"40 channels share 200: 4 per hour", 0, 40, 0.2, 15 * time.Minute},
		{"300 channels: 200/300×0.8 per hour", 0, 300, 0.2, 112*time.Minute + 30*time.Second},
		{"configured longer wins", 20 * time.Minute, 1, 0.2, 20 * time.Minute},
		{"configured shorter than the budget allows is ignored", time.Minute, 1, 0.2, 7*time.Minute + 30*time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := recentEvery(tt.configured, time.Hour, 10, 200, tt.n, tt.reserve)
			if got != tt.want {
				t.Errorf("recentEvery = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestWindowEdges(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	ceil := []struct{ in, want string }{
		{"2026-03-10T09:10:00Z", "2026-03-10T09:30:00Z"},
		{"2026-03-10T09:30:00Z", "2026-03-10T09:30:00Z"},
		{"2026-03-10T09:30:00.000000001Z", "2026-03-10T10:00:00Z"},
		{"2026-03-10T23:45:00Z", "2026-03-11T00:00:00Z"},
		{"2026-03-10T10:40:00+05:45", "2026-03-10T05:00:00Z"},
	}
	for _, c := range ceil {
		if got := ceilHalfHour(at(c.in)); !got.Equal(at(c.want)) {
			t.Errorf("ceilHalfHour(%s) = %s, want %s", c.in, got, c.want)
		}
	}
	split := []struct{ from, to, want string }{
		{"2026-03-01T00:00:00Z", "2026-03-10T09:30:00Z", "2026-03-05T00:00:00Z"},
		{"2026-03-09T00:00:00Z", "2026-03-10T09:30:00Z", "2026-03-09T16:30:00Z"},
		{"2026-03-08T00:00:00Z", "2026-03-10T00:00:00Z", "2026-03-09T00:00:00Z"},
	}
	for _, c := range split {
		if got := splitPoint(at(c.from), at(c.to)); !got.Equal(at(c.want)) {
			t.Errorf("splitPoint(%s, %s) = %s, want %s", c.from, c.to, got, c.want)
		}
	}
	backoff := map[int]time.Duration{1: time.Minute, 2: 2 * time.Minute, 3: 4 * time.Minute, 7: time.Hour, 50: time.Hour}
	for n, want := range backoff {
		if got := failureBackoff(n); got != want {
			t.Errorf("failureBackoff(%d) = %v, want %v", n, got, want)
		}
	}
}
