package server

import (
	"fmt"
	"net/url"
	"time"

	"github.com/insights-dev/insights/internal/usage"
)

// A date preset names a range relative to today in the view's zone. Pages
// send it as the preset parameter; it wins over from and to, so a bookmarked
// "last 30 days" keeps moving with the calendar. Without a preset, from and
// to are a custom range.
type datePreset struct {
	Key string // the templates word it
	// Range returns the first and last day for today.
	Range func(today usage.Date) (usage.Date, usage.Date)
}

// Preset keys.
const (
	presetCustom = "custom"
	presetLast30 = "last_30_days"
)

func lastDays(n int) func(usage.Date) (usage.Date, usage.Date) {
	return func(t usage.Date) (usage.Date, usage.Date) { return t.AddDays(-(n - 1)), t }
}

func monthEnd(d usage.Date) usage.Date {
	return usage.DateOf(time.Date(d.Year, d.Month+1, 0, 0, 0, 0, 0, time.UTC))
}

// datePresets lists the presets in the order the filter bar shows them.
var datePresets = []datePreset{
	{"today", func(t usage.Date) (usage.Date, usage.Date) { return t, t }},
	{"yesterday", func(t usage.Date) (usage.Date, usage.Date) { y := t.AddDays(-1); return y, y }},
	{"last_7_days", lastDays(7)},
	{presetLast30, lastDays(30)},
	{"last_90_days", lastDays(90)},
	{"month_to_date", func(t usage.Date) (usage.Date, usage.Date) {
		return usage.Date{Year: t.Year, Month: t.Month, Day: 1}, t
	}},
	{"this_month", func(t usage.Date) (usage.Date, usage.Date) {
		first := usage.Date{Year: t.Year, Month: t.Month, Day: 1}
		return first, monthEnd(first)
	}},
	{"last_month", func(t usage.Date) (usage.Date, usage.Date) {
		first := usage.DateOf(time.Date(t.Year, t.Month-1, 1, 0, 0, 0, 0, time.UTC))
		return first, monthEnd(first)
	}},
}

func findPreset(key string) (datePreset, bool) {
	for _, p := range datePresets {
		if p.Key == key {
			return p, true
		}
	}
	return datePreset{}, false
}

// applyPreset resolves the preset parameter of a page request into from and
// to, and reports which preset the resulting range is ("custom" when from and
// to were given without one). The returned values are a copy; v is not changed.
// The zone used for "today" is tz when valid, else defZone; a bad tz is left
// for parseQuery to report.
func applyPreset(v url.Values, defZone *time.Location, now time.Time) (url.Values, string, error) {
	out := url.Values{}
	for k, vals := range v {
		out[k] = append([]string(nil), vals...)
	}
	key := out.Get("preset")
	if key == "" {
		if out.Get("from") != "" || out.Get("to") != "" {
			return out, presetCustom, nil
		}
		key = presetLast30
	}
	if key == presetCustom {
		if out.Get("from") == "" && out.Get("to") == "" {
			key = presetLast30 // "custom" without dates: fall back to the default range
		} else {
			return out, presetCustom, nil
		}
	}
	p, ok := findPreset(key)
	if !ok {
		return out, "", &paramError{"preset", fmt.Sprintf("unknown date range %q (want today, yesterday, last_7_days, last_30_days, last_90_days, month_to_date, this_month, last_month or custom)", key)}
	}
	loc := defZone
	if loc == nil {
		loc = time.UTC
	}
	if tz := out.Get("tz"); tz != "" {
		if l, err := usage.LoadZone(tz); err == nil {
			loc = l
		}
	}
	from, to := p.Range(usage.DateOf(now.In(loc)))
	out.Set("from", from.String())
	out.Set("to", to.String())
	out.Set("preset", p.Key)
	return out, p.Key, nil
}
