package usage

import (
	"slices"
	"sort"
	"time"
)

// GroupField names a dimension a series can be split by.
type GroupField string

// Group-by dimensions.
const (
	ByCategory    GroupField = "category"
	ByPricingType GroupField = "pricing_type"
	ByCountry     GroupField = "country"
	ByChannel     GroupField = "channel"
	ByWABA        GroupField = "waba"
	ByClient      GroupField = "client"
)

// AllGroupFields lists every dimension in canonical order.
var AllGroupFields = []GroupField{ByCategory, ByPricingType, ByCountry, ByChannel, ByWABA, ByClient}

// GroupKey holds the dimension values of one series entry; fields not grouped
// by stay empty, which makes the key comparable and usable in maps.
type GroupKey struct {
	Category    Category
	PricingType PricingType
	Country     string
	Channel     string
	WABA        string
	Client      string
}

// Get returns the value of one dimension.
func (k GroupKey) Get(f GroupField) string {
	switch f {
	case ByCategory:
		return string(k.Category)
	case ByPricingType:
		return string(k.PricingType)
	case ByCountry:
		return k.Country
	case ByChannel:
		return k.Channel
	case ByWABA:
		return k.WABA
	case ByClient:
		return k.Client
	}
	return ""
}

// Project keeps only the fields in fields and clears the rest.
func (k GroupKey) Project(fields []GroupField) GroupKey {
	var out GroupKey
	for _, f := range fields {
		switch f {
		case ByCategory:
			out.Category = k.Category
		case ByPricingType:
			out.PricingType = k.PricingType
		case ByCountry:
			out.Country = k.Country
		case ByChannel:
			out.Channel = k.Channel
		case ByWABA:
			out.WABA = k.WABA
		case ByClient:
			out.Client = k.Client
		}
	}
	return out
}

// Row is an aggregate read from the store: a UTC source bucket with its
// dimension values, summed.
type Row struct {
	Bucket   time.Time // UTC start of the stored bucket
	Key      GroupKey
	Currency string
	// Volume counts messages only: the volume of the token categories
	// (Category.Unit) is never in it, whatever the row is grouped by.
	Volume int64
	// Units is the volume of the token categories (tokens), filled when the
	// rows are kept apart by category (0 otherwise); their cost is in
	// CostNanos like any other.
	Units       int64
	CostNanos   int64
	CostMissing int64 // number of points whose cost was unknown
	// CostEstimated is the number of points whose cost the source left out
	// and Insights estimated from the rate card; CostNanos includes them.
	CostEstimated int64
}

// Quantity is the row's volume in its category's own unit (messages or
// tokens), for a row kept apart by category: what a price per unit applies to.
func (r Row) Quantity() int64 { return r.Volume + r.Units }

// Entry is one element of a display series: a local bucket, dimensions, sums.
type Entry struct {
	Bucket   time.Time // local bucket start, in the period's zone
	Key      GroupKey
	Currency string
	Volume   int64 // messages, as Row.Volume
	Units    int64 // tokens, as Row.Units
	// CostNanos includes the cost of the units.
	CostNanos int64
	// CostEstimated counts the points of the entry whose cost is an
	// estimate from the rate card (see Row).
	CostEstimated int64
}

// Quantity is the entry's volume in its category's own unit; see Row.Quantity.
func (e Entry) Quantity() int64 { return e.Volume + e.Units }

// Summary holds the totals and series of a period.
type Summary struct {
	// Volume counts messages (never tokens).
	Volume int64
	// Cost includes everything billed: messages and units.
	Cost        Totals
	CostMissing int64
	// CostEstimated counts the points whose cost is an estimate from the
	// rate card (see Row); Cost includes them.
	CostEstimated int64
	Series        []Entry
	// Units holds the volume of each category not counted in messages, per
	// currency (in Category.Rank order, then currency), when the rows were kept apart by category or the
	// report read them apart (report.Usage).
	Units []UnitTotal
}

// UnitTotal is the volume of one category whose unit is not the message
// (Meta Business Agent: tokens) over a period in one currency, with its cost.
type UnitTotal struct {
	Category  Category
	Unit      Unit
	Currency  string
	Volume    int64
	CostNanos int64
}

// UnitsOf sums the units of category c in s over its currencies (zero
// when it has none), with their cost per currency.
func (s Summary) UnitsOf(c Category) (volume int64, cost Totals) {
	cost = Totals{}
	for _, u := range s.Units {
		if u.Category == c {
			volume += u.Volume
			if u.Currency != "" {
				cost.Add(u.Currency, u.CostNanos)
			}
		}
	}
	return volume, cost
}

// UnitCategories lists the categories of s.Units, in order.
func (s Summary) UnitCategories() []Category {
	var out []Category
	for _, u := range s.Units {
		if !slices.Contains(out, u.Category) {
			out = append(out, u.Category)
		}
	}
	return out
}

// UnknownCategories lists the categories of s's series that Insights does
// not know (counted as messages), sorted: pages name them so the
// partner sees them.
func (s Summary) UnknownCategories() []Category {
	var out []Category
	for _, e := range s.Series {
		if c := e.Key.Category; c != "" && !c.Known() && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}

// Aggregate re-buckets rows into display buckets of granularity g in p's zone,
// keeping only rows inside p, and sums them per bucket, key and currency.
// The series is sorted by bucket, then key fields, then currency.
func Aggregate(rows []Row, p Period, g Granularity) Summary {
	type k struct {
		b   int64
		key GroupKey
		cur string
	}
	sums := map[k]*Entry{}
	units := map[unitKey]*UnitTotal{}
	s := Summary{Cost: Totals{}}
	for _, r := range rows {
		if !p.Contains(r.Bucket) {
			continue
		}
		b := BucketStart(r.Bucket, g, p.Loc)
		kk := k{b.Unix(), r.Key, r.Currency}
		e := sums[kk]
		if e == nil {
			e = &Entry{Bucket: b, Key: r.Key, Currency: r.Currency}
			sums[kk] = e
		}
		e.Volume += r.Volume
		e.Units += r.Units
		e.CostNanos += r.CostNanos
		e.CostEstimated += r.CostEstimated
		s.Volume += r.Volume
		if r.Currency != "" {
			s.Cost.Add(r.Currency, r.CostNanos)
		}
		s.CostMissing += r.CostMissing
		s.CostEstimated += r.CostEstimated
		if c := r.Key.Category; c.Unit() != UnitMessage {
			uk := unitKey{c, r.Currency}
			u := units[uk]
			if u == nil {
				u = &UnitTotal{Category: c, Unit: c.Unit(), Currency: r.Currency}
				units[uk] = u
			}
			u.Volume += r.Units
			u.CostNanos += r.CostNanos
		}
	}
	s.Series = make([]Entry, 0, len(sums))
	for _, e := range sums {
		s.Series = append(s.Series, *e)
	}
	sort.Slice(s.Series, func(i, j int) bool { return entryLess(s.Series[i], s.Series[j]) })
	s.Units = sortedUnits(units)
	return s
}

type unitKey struct {
	cat Category
	cur string
}

func sortedUnits(m map[unitKey]*UnitTotal) []UnitTotal {
	if len(m) == 0 {
		return nil
	}
	out := make([]UnitTotal, 0, len(m))
	for _, u := range m {
		out = append(out, *u)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if ra, rb := a.Category.Rank(), b.Category.Rank(); ra != rb {
			return ra < rb
		}
		if a.Category != b.Category {
			return a.Category < b.Category
		}
		return a.Currency < b.Currency
	})
	return out
}

func entryLess(a, b Entry) bool {
	if !a.Bucket.Equal(b.Bucket) {
		return a.Bucket.Before(b.Bucket)
	}
	if a.Key.Category != b.Key.Category {
		if ra, rb := a.Key.Category.Rank(), b.Key.Category.Rank(); ra != rb {
			return ra < rb
		}
		return a.Key.Category < b.Key.Category
	}
	for _, f := range AllGroupFields[1:] {
		if va, vb := a.Key.Get(f), b.Key.Get(f); va != vb {
			return va < vb
		}
	}
	return a.Currency < b.Currency
}

// Change is the relative change of a KPI against the previous period.
type Change struct {
	Current, Previous int64
	// Percent is (current − previous) / previous × 100; only meaningful when OK.
	Percent float64
	// OK is false when the previous value is zero (shown as "n/a", never infinity).
	OK bool
}

// Compare computes the change from previous to current.
func Compare(current, previous int64) Change {
	c := Change{Current: current, Previous: previous}
	if previous != 0 {
		c.Percent = float64(current-previous) / float64(abs64(previous)) * 100
		c.OK = true
	}
	return c
}
