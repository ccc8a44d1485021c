package spend

import (
	"math/big"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
)

// Margin is what a reseller earns on one category: the price charged to the
// client against the cost billed by Meta. Volume is in the category's unit;
// a total's Volume counts messages only.
type Margin struct {
	Category   usage.Category
	Volume     int64
	CostNanos  int64
	PriceNanos int64 // what the client is charged
	// MarginNanos is PriceNanos − CostNanos.
	MarginNanos int64
}

// Margins prices each category's volume and cost with the client's prices:
// a per-category price list entry charges volume × price; otherwise the
// markup ("" category) charges cost × (1 + markup); without either the
// client pays cost (no margin). ok is false when the client has no prices.
func Margins(prices []store.ClientPrice, cats []CategoryUsage) (out []Margin, total Margin, ok bool) {
	if len(prices) == 0 {
		return nil, Margin{}, false
	}
	var markup int64
	list := map[usage.Category]int64{}
	for _, p := range prices {
		switch {
		case p.Category == "" && p.MarkupBasisPoints != nil:
			markup = *p.MarkupBasisPoints
		case p.PriceNanos != nil:
			list[p.Category] = *p.PriceNanos
		}
	}
	for _, c := range cats {
		m := Margin{Category: c.Category, Volume: c.Volume, CostNanos: c.CostNanos}
		if price, ok := list[c.Category]; ok {
			m.PriceNanos = c.Volume * price
		} else {
			m.PriceNanos = c.CostNanos + basisPoints(c.CostNanos, markup)
		}
		m.MarginNanos = m.PriceNanos - m.CostNanos
		if c.Category.Unit() == usage.UnitMessage {
			total.Volume += m.Volume // messages only: units are not added to them
		}
		total.CostNanos += m.CostNanos
		total.PriceNanos += m.PriceNanos
		total.MarginNanos += m.MarginNanos
		out = append(out, m)
	}
	return out, total, true
}

// CategoryUsage is a category's volume (in its unit: tokens for a token
// category, priced per token) and cost over some span.
type CategoryUsage struct {
	Category  usage.Category
	Volume    int64
	CostNanos int64
}

// basisPoints is n × bp ÷ 10,000, rounded half away from zero.
func basisPoints(n, bp int64) int64 {
	r := new(big.Rat).SetFrac(new(big.Int).Mul(big.NewInt(n), big.NewInt(bp)), big.NewInt(10_000))
	q, rem := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int))
	if rem.Sign() != 0 && new(big.Int).Mul(new(big.Int).Abs(rem), big.NewInt(2)).Cmp(r.Denom()) >= 0 {
		if r.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q.Int64()
}
