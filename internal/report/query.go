package report

import (
	"net/url"
	"slices"
	"strings"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
)

// Sources a Query can read its numbers from.
const (
	// SourceAPI is the Partner API's stored analytics (the default).
	SourceAPI = "api"
	// SourceWebhooks is the counters kept from webhook events: estimates.
	SourceWebhooks = "webhooks"
)

// Query is a validated set of usage filters shared by the JSON API, the CSV
// export and the dashboard pages, so all of them answer the same question
// the same way.
type Query struct {
	Period      usage.Period
	Granularity usage.Granularity
	ClientIDs   []string
	WABAIDs     []string
	ChannelIDs  []string
	Categories  []string
	Countries   []string
	GroupBy     []usage.GroupField
	Source      string // SourceAPI (default) or SourceWebhooks
	// fillFromWebhooks: see Query.WithWebhookFill.
	fillFromWebhooks bool
	// withoutUnits: see Query.WithoutUnits.
	withoutUnits bool
	// Scope is whose data the query may read; every store read of the
	// query goes through it, and the zero Scope reads nothing.
	Scope store.Scope
	// Within is the span of days the requester may see (a share link's
	// dates; open for everyone else): a previous period, forecast or
	// statement month that reaches outside it is not read.
	Within DateBounds
}

// WithWebhookFill asks Calls to count calls the Partner API has not
// reported yet from webhook events (the JSON API does; it says so).
func (q Query) WithWebhookFill() Query {
	q.fillFromWebhooks = true
	return q
}

// WithoutUnits tells Usage not to read the units of the token categories
// apart when its reads do not keep categories apart (a page that shows no
// tokens, such as the partner overview, saves the read).
func (q Query) WithoutUnits() Query {
	q.withoutUnits = true
	return q
}

// unitsFilter is the store filter of the token categories' totals over p,
// kept apart by category, that Usage reads when groupBy does not keep
// categories apart; ok is false when no read is needed (categories kept
// apart, q.WithoutUnits, webhook counters, which count no tokens, or a
// category filter without a token category).
func (q Query) unitsFilter(p usage.Period, groupBy []usage.GroupField) (f store.UsageFilter, ok bool) {
	if q.withoutUnits || q.Source == SourceWebhooks || slices.Contains(groupBy, usage.ByCategory) {
		return f, false
	}
	var cats []string
	for _, c := range usage.TokenCategories() {
		if len(q.Categories) == 0 || slices.Contains(q.Categories, string(c)) {
			cats = append(cats, string(c))
		}
	}
	if len(cats) == 0 {
		return f, false
	}
	f = q.totalsFilter(p, []usage.GroupField{usage.ByCategory})
	f.Categories = cats
	return f, true
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
	if q.Source == SourceWebhooks {
		v.Set("source", q.Source)
	}
	return v
}

// StoreFilter is q's store filter over p, kept apart by groupBy, with the
// bound on the rows one read may bring into memory.
func (q Query) StoreFilter(p usage.Period, groupBy []usage.GroupField) store.UsageFilter {
	return store.UsageFilter{
		Start: p.Start().UTC(), End: p.End().UTC(),
		ClientIDs: q.ClientIDs, WABAIDs: q.WABAIDs, ChannelIDs: q.ChannelIDs,
		Categories: q.Categories, Countries: q.Countries, GroupBy: groupBy,
		MaxRows: MaxStoredRows,
	}
}

// ChannelFilter is the part of q that selects channels.
func (q Query) ChannelFilter() store.ChannelFilter {
	return store.ChannelFilter{ClientIDs: q.ClientIDs, WABAIDs: q.WABAIDs, ChannelIDs: q.ChannelIDs}
}

// dailyOK reports whether usage shown in buckets of g may be read from the
// store's daily rollups: g is a day or a month (the store folds UTC days
// into the days of any zone, see store.UsageFilter.DayZone).
func dailyOK(g usage.Granularity) bool {
	return g == usage.Day || g == usage.Month
}

// usageFilter is q's store filter over p, allowed to use the daily rollup
// when the rows are shown in buckets of g (see dailyOK).
func (q Query) usageFilter(p usage.Period, g usage.Granularity, groupBy []usage.GroupField) store.UsageFilter {
	f := q.StoreFilter(p, groupBy)
	f.DailyOK, f.DayZone = dailyOK(g), p.Loc
	return f
}

// totalsFilter is q's store filter for the sums over p per groupBy and
// currency (store.UsageFilter.Totals).
func (q Query) totalsFilter(p usage.Period, groupBy []usage.GroupField) store.UsageFilter {
	f := q.StoreFilter(p, groupBy)
	f.Totals, f.DayZone = true, p.Loc
	return f
}

// DateBounds is a span of calendar days; a zero end is open.
type DateBounds struct{ From, To usage.Date }

// Open reports whether the bounds allow every day.
func (b DateBounds) Open() bool { return b.From.IsZero() && b.To.IsZero() }

// Contains reports whether every day of p lies within the bounds.
func (b DateBounds) Contains(p usage.Period) bool {
	return (b.From.IsZero() || !p.From.Before(b.From)) && (b.To.IsZero() || !b.To.Before(p.To))
}

// ContainsDay reports whether day d lies within the bounds.
func (b DateBounds) ContainsDay(d usage.Date) bool {
	return (b.From.IsZero() || !d.Before(b.From)) && (b.To.IsZero() || !b.To.Before(d))
}

// Clip narrows p to the bounds; ok is false when no day of p is inside.
func (b DateBounds) Clip(p usage.Period) (usage.Period, bool) {
	if !b.From.IsZero() && p.From.Before(b.From) {
		p.From = b.From
	}
	if !b.To.IsZero() && b.To.Before(p.To) {
		p.To = b.To
	}
	return p, !p.To.Before(p.From)
}

// String says which days the bounds cover, for messages.
func (b DateBounds) String() string {
	switch {
	case b.From.IsZero():
		return "up to " + b.To.String()
	case b.To.IsZero():
		return "from " + b.From.String()
	}
	return b.From.String() + " to " + b.To.String()
}
