package server

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
)

// Query is a parsed, validated set of usage filters shared by the JSON API,
// the CSV export and the dashboard pages, so all of them answer the same
// question the same way.
type Query struct {
	Period      usage.Period
	Granularity usage.Granularity
	ClientIDs   []string
	WABAIDs     []string
	ChannelIDs  []string
	Categories  []string
	Countries   []string
	GroupBy     []usage.GroupField
	Source      string // "api" (default) or "webhooks"
	// fillFromWebhooks: see Query.withWebhookFill.
	fillFromWebhooks bool
	// Scope is whose data the query may read (the request's, see
	// requestScope); every store read of the query goes through it, and the
	// zero Scope reads nothing.
	Scope store.Scope
	// Within is the span of days the requester may see (a share link's
	// dates; open for everyone else): a previous period, forecast or
	// statement month that reaches outside it is not read.
	Within dateBounds
}

// dateBounds is a span of calendar days; a zero end is open.
type dateBounds struct{ From, To usage.Date }

// Open reports whether the bounds allow every day.
func (b dateBounds) Open() bool { return b.From.IsZero() && b.To.IsZero() }

// Contains reports whether every day of p lies within the bounds.
func (b dateBounds) Contains(p usage.Period) bool {
	return (b.From.IsZero() || !p.From.Before(b.From)) && (b.To.IsZero() || !b.To.Before(p.To))
}

// ContainsDay reports whether day d lies within the bounds.
func (b dateBounds) ContainsDay(d usage.Date) bool {
	return (b.From.IsZero() || !d.Before(b.From)) && (b.To.IsZero() || !b.To.Before(d))
}

// Clip narrows p to the bounds; ok is false when no day of p is inside.
func (b dateBounds) Clip(p usage.Period) (usage.Period, bool) {
	if !b.From.IsZero() && p.From.Before(b.From) {
		p.From = b.From
	}
	if !b.To.IsZero() && b.To.Before(p.To) {
		p.To = b.To
	}
	return p, !p.To.Before(p.From)
}

// String says which days the bounds cover, for messages.
func (b dateBounds) String() string {
	switch {
	case b.From.IsZero():
		return "up to " + b.To.String()
	case b.To.IsZero():
		return "from " + b.From.String()
	}
	return b.From.String() + " to " + b.To.String()
}

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
func parseQuery(v url.Values, d queryDefaults) (Query, error) {
	var q Query
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

// Values writes q back as URL parameters, so a page's filters round-trip
// through its URL.
func (q Query) Values() url.Values {
	v := url.Values{}
	v.Set("from", q.Period.From.String())
	v.Set("to", q.Period.To.String())
	v.Set("tz", q.Period.Loc.String())
	v.Set("granularity", string(q.Granularity))
	set := func(k string, vals []string) {
		if len(vals) > 0 {
			v.Set(k, strings.Join(vals, ","))
		}
	}
	set("client", q.ClientIDs)
	set("waba", q.WABAIDs)
	set("channel", q.ChannelIDs)
	set("category", q.Categories)
	set("country", q.Countries)
	var gb []string
	for _, g := range q.GroupBy {
		gb = append(gb, string(g))
	}
	set("group_by", gb)
	if q.Source == "webhooks" {
		v.Set("source", q.Source)
	}
	return v
}
