package poller

import (
	"time"

	"github.com/insights-dev/insights/internal/usage"
)

const halfHour = usage.HalfHourSeconds * time.Second

// channelBudget is a channel's usage requests per window:
// min(channelLimit, wabaLimit / channels in its WABA), at least 1 (the WABA
// limit still holds through the reservation when a WABA has more channels
// than it allows requests).
func channelBudget(channelLimit, wabaLimit, wabaChannels int) int {
	b := channelLimit
	if wabaChannels > 0 {
		b = min(b, wabaLimit/wabaChannels)
	}
	return max(b, 1)
}

// recentEvery is how often a channel's "recent" window may be fetched: the
// window divided by the share of the budget the steady cycle may spend, and
// never more often than configured allows. The share is computed without
// rounding the WABA division, so a WABA of 300 channels fetches each one
// every 300/(200×0.8) windows.
func recentEvery(configured, window time.Duration, channelLimit, wabaLimit, wabaChannels int, reserve float64) time.Duration {
	perWindow := float64(channelLimit)
	if wabaChannels > 0 {
		perWindow = min(perWindow, float64(wabaLimit)/float64(wabaChannels))
	}
	perWindow *= 1 - reserve
	every := window
	if perWindow > 0 {
		every = time.Duration(float64(window) / perWindow)
	}
	return max(every, configured)
}

// ceilHalfHour rounds t up to the next half-hour boundary (t itself when it
// is one).
func ceilHalfHour(t time.Time) time.Time {
	t = t.UTC()
	f := t.Truncate(halfHour)
	if f.Before(t) {
		f = f.Add(halfHour)
	}
	return f
}

// midnight is the start of t's UTC day.
func midnight(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// splitPoint divides [from, to) in two, at a UTC midnight when the window is
// long enough, else at a half hour.
func splitPoint(from, to time.Time) time.Time {
	mid := from.Add(to.Sub(from) / 2)
	if to.Sub(from) >= 48*time.Hour {
		if m := midnight(mid); m.After(from) {
			return m
		}
		return midnight(mid).Add(24 * time.Hour)
	}
	if m := mid.Truncate(halfHour); m.After(from) {
		return m
	}
	return ceilHalfHour(mid)
}

// failureBackoff is the pause after n consecutive failures: 1, 2, 4 … minutes,
// at most an hour.
func failureBackoff(n int) time.Duration {
	d := time.Minute
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}
