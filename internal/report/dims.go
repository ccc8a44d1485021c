package report

import (
	"slices"
	"sort"

	"github.com/insights-dev/insights/internal/usage"
)

// DimTotals sums volume and cost per currency for one dimension value (a
// category, a country, a channel, a client), the row of every breakdown.
// Volume and Paid count messages; Units the tokens of the token categories
// (usage.Entry.Units), whose cost is in Cost.
type DimTotals struct {
	Key          string
	Volume, Paid int64
	Units        int64
	Cost         usage.Totals
}

// NewDimTotals is an empty row for key, ready to add to.
func NewDimTotals(key string) *DimTotals { return &DimTotals{Key: key, Cost: usage.Totals{}} }

// SumBy sums a summary's series per key.
func SumBy(s usage.Summary, key func(usage.GroupKey) string) map[string]*DimTotals {
	out := map[string]*DimTotals{}
	for _, e := range s.Series {
		k := key(e.Key)
		t := out[k]
		if t == nil {
			t = NewDimTotals(k)
			out[k] = t
		}
		t.Volume += e.Volume
		t.Units += e.Units
		if !e.Key.PricingType.Free() {
			t.Paid += e.Volume
		}
		if e.Currency != "" {
			t.Cost.Add(e.Currency, e.CostNanos)
		}
	}
	return out
}

// PerCurrency sums a summary per currency (paid volume left out: a
// currency row compares volumes and costs only).
func PerCurrency(s usage.Summary) map[string]*DimTotals {
	out := map[string]*DimTotals{}
	for _, e := range s.Series {
		d := out[e.Currency]
		if d == nil {
			d = NewDimTotals(e.Currency)
			out[e.Currency] = d
		}
		d.Volume += e.Volume
		if e.Currency != "" {
			d.Cost.Add(e.Currency, e.CostNanos)
		}
	}
	return out
}

// TotalOf sums dimension totals.
func TotalOf(m map[string]*DimTotals) *DimTotals {
	t := NewDimTotals("")
	for _, d := range m {
		t.Volume += d.Volume
		t.Paid += d.Paid
		t.Units += d.Units
		for c, n := range d.Cost {
			t.Cost.Add(c, n)
		}
	}
	return t
}

// SortDims orders totals by cost (first currency), then volume, then key.
func SortDims(m map[string]*DimTotals) []*DimTotals {
	out := make([]*DimTotals, 0, len(m))
	for _, t := range m {
		out = append(out, t)
	}
	first := func(t *DimTotals) int64 {
		var n int64
		for _, v := range t.Cost {
			n += v // only used for ordering, within one currency in practice
		}
		return n
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if fa, fb := first(a), first(b); fa != fb {
			return fa > fb
		}
		if a.Volume != b.Volume {
			return a.Volume > b.Volume
		}
		return a.Key < b.Key
	})
	return out
}

// UnionCurrencies lists the currencies of any of ts, sorted.
func UnionCurrencies(ts ...usage.Totals) []string {
	var out []string
	for _, t := range ts {
		for _, c := range t.Currencies() {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Currencies lists the currencies of cur, in its order, then those only in
// prev: the order a period's cost figures are shown in.
func Currencies(cur, prev usage.Totals) []string {
	out := cur.Currencies()
	for _, c := range prev.Currencies() {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}
