package server

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/insights-dev/insights/internal/report"
	"github.com/insights-dev/insights/internal/usage"
)

// paramError is a bad query parameter; it becomes a 400 naming the field.
type paramError struct {
	Field string
	Msg   string
}

func (e *paramError) Error() string { return e.Field + ": " + e.Msg }

// multi returns every value of a parameter, accepting repeats (a=1&a=2) and
// comma lists (a=1,2), trimmed, without empties or duplicates, in the order
// first given. It runs in time linear in the input; boundRequest has already
// capped how many values there can be.
func multi(v url.Values, key string) []string {
	var out []string
	seen := map[string]bool{}
	for _, raw := range v[key] {
		for s := range strings.SplitSeq(raw, ",") {
			if s = strings.TrimSpace(s); s != "" && !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}

// maxPeriodDays bounds a query: Meta keeps one year of analytics, and
// comparisons need the year before that.
const maxPeriodDays = 731

// queryDefaults supplies what a caller leaves out.
type queryDefaults struct {
	Zone        *time.Location // used when tz is absent
	Today       usage.Date     // today in Zone, for default ranges
	DefaultDays int            // length of the default range ending today
	RequireDate bool           // from/to mandatory (the JSON API)
}

// parseQuery validates every parameter and reports the first bad one by name.
func parseQuery(v url.Values, d queryDefaults) (report.Query, error) {
	var q report.Query
	loc := d.Zone
	if loc == nil {
		loc = time.UTC
	}
	if tz := v.Get("tz"); tz != "" {
		l, err := usage.LoadZone(tz)
		if err != nil {
			return q, &paramError{"tz", err.Error()}
		}
		loc = l
	}
	from, to, err := parseRange(v, d)
	if err != nil {
		return q, err
	}
	p, err := usage.NewPeriod(from, to, loc)
	if err != nil {
		return q, &paramError{"to", err.Error()}
	}
	if p.Days() > maxPeriodDays {
		return q, &paramError{"from", fmt.Sprintf("range of %d days is longer than the %d allowed", p.Days(), maxPeriodDays)}
	}
	q.Period = p

	q.Granularity = usage.Day
	if g := v.Get("granularity"); g != "" {
		gg, err := usage.ParseGranularity(g)
		if err != nil {
			return q, &paramError{"granularity", err.Error()}
		}
		q.Granularity = gg
	}
	if q.Granularity == usage.HalfHour && p.Days() > 31 {
		return q, &paramError{"granularity", "half_hour is available for ranges of up to 31 days"}
	}
	q.ClientIDs = multi(v, "client")
	q.WABAIDs = multi(v, "waba")
	q.ChannelIDs = multi(v, "channel")
	for _, c := range multi(v, "category") {
		q.Categories = append(q.Categories, string(usage.ParseCategory(c)))
	}
	for _, c := range multi(v, "country") {
		if len(c) != 2 {
			return q, &paramError{"country", fmt.Sprintf("%q is not a two-letter country code", c)}
		}
		q.Countries = append(q.Countries, strings.ToUpper(c))
	}
	for _, g := range multi(v, "group_by") {
		f := usage.GroupField(g)
		if !slices.Contains(usage.AllGroupFields, f) {
			return q, &paramError{"group_by", fmt.Sprintf("unknown field %q (want category, pricing_type, country, channel, waba or client)", g)}
		}
		q.GroupBy = append(q.GroupBy, f)
	}
	switch s := v.Get("source"); s {
	case "", "api":
		q.Source = "api"
	case "webhooks":
		q.Source = "webhooks"
	default:
		return q, &paramError{"source", fmt.Sprintf("unknown source %q (want api or webhooks)", s)}
	}
	return q, nil
}

func parseRange(v url.Values, d queryDefaults) (usage.Date, usage.Date, error) {
	fs, ts := v.Get("from"), v.Get("to")
	if fs == "" && ts == "" && !d.RequireDate {
		n := d.DefaultDays
		if n <= 0 {
			n = 30
		}
		return d.Today.AddDays(-(n - 1)), d.Today, nil
	}
	if fs == "" {
		return usage.Date{}, usage.Date{}, &paramError{"from", "required (YYYY-MM-DD)"}
	}
	if ts == "" {
		return usage.Date{}, usage.Date{}, &paramError{"to", "required (YYYY-MM-DD)"}
	}
	from, err := usage.ParseDate(fs)
	if err != nil {
		return from, from, &paramError{"from", err.Error()}
	}
	to, err := usage.ParseDate(ts)
	if err != nil {
		return from, to, &paramError{"to", err.Error()}
	}
	return from, to, nil
}
