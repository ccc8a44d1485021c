package usage

import (
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
	Bucket      time.Time // UTC start of the stored bucket
	Key         GroupKey
	Currency    string
	Volume      int64
	CostNanos   int64
	CostMissing int64 // number of points whose cost was unknown
	// CostEstimated is the number of points whose cost the source left out
	// and Insights estimated from the rate card; CostNanos includes them.
	CostEstimated int64
}

// Entry is one element of a display series: a local bucket, dimensions, sums.
type Entry struct {
	Bucket    time.Time // local bucket start, in the period's zone
	Key       GroupKey
	Currency  string
	Volume    int64
	CostNanos int64
	// CostEstimated counts the points of the entry whose cost is an
	// estimate from the rate card (see Row).
	CostEstimated int64
}

// Summary holds the totals and series of a period.
type Summary struct {
	Volume      int64
	Cost        Totals
	CostMissing int64
	// CostEstimated counts the points whose cost is an estimate from the
	// rate card (see Row); Cost includes them.
	CostEstimated int64
	Series        []Entry
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
		e.CostNanos += r.CostNanos
		e.CostEstimated += r.CostEstimated
		s.Volume += r.Volume
		if r.Currency != "" {
			s.Cost.Add(r.Currency, r.CostNanos)
		}
		s.CostMissing += r.CostMissing
		s.CostEstimated += r.CostEstimated
	}
	s.Series = make([]Entry, 0, len(sums))
	for _, e := range sums {
		s.Series = append(s.Series, *e)
	}
	sort.Slice(s.Series, func(i, j int) bool { return entryLess(s.Series[i], s.Series[j]) })
	return s
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
