package ratecard

import (
	"cmp"
	"math"
	"time"

	"github.com/insights-dev/insights/internal/usage"
)

// Missing costs. The Partner API leaves cost out of the usage of some
// WABAs (those on a partner's credit line, for one). Such a point is not
// free: EstimatePoints and EstimateCalls price it from the card in force on
// its UTC day and mark it CostEstimated, so that every total includes it
// and every page, export and API answer can say that it is an estimate. A
// point stays without cost only when no card can price it: a day before the
// book's first card, or a category or market the card has no rate for.

// EstimatePoints returns points with every point whose cost the source left
// out (CostKnown false) priced from the card in force on its bucket's UTC
// day: in the point's currency (currency, the channel's, when the point
// names none), or when the book has no card in that currency in the book's
// default one (Book.Pick), whose code the point then takes. An estimated
// point has CostKnown and CostEstimated set; a paid point costs volume ×
// the rate of its reported tier when the card has that tier, else the
// market's base rate; a free pricing type costs 0. Points with a cost, and
// those no card can price, are returned unchanged; estimated counts the
// points priced. points itself is not changed.
func EstimatePoints(book *Book, points []usage.Point, currency string) (out []usage.Point, estimated int) {
	out = make([]usage.Point, len(points))
	copy(out, points)
	known := knownKeys(points)
	for i := range out {
		p := &out[i]
		if p.CostKnown {
			continue
		}
		cur := usage.NormalizeCurrency(cmp.Or(p.Currency, currency))
		c := book.Pick(usage.DateOf(p.Start.UTC()), cur)
		if c == nil || (cur != "" && c.Currency != cur && known[pointKeyOf(*p)]) {
			// No card; or the card is in another currency while a point of
			// the same key has a cost in the point's own: the two could
			// not be summed.
			continue
		}
		nanos, ok := pointCost(c, *p)
		if !ok {
			continue
		}
		p.Currency, p.CostNanos, p.CostKnown, p.CostEstimated = c.Currency, nanos, true, true
		estimated++
	}
	return out, estimated
}

// pointCost prices one point on c; ok is false when c has no rate for it
// or the cost would overflow.
func pointCost(c *Card, p usage.Point) (int64, bool) {
	if p.PricingType.Free() {
		return 0, true
	}
	rate, ok := c.Rate(p.Category, p.Country)
	if !ok {
		return 0, false
	}
	if t, ok := ParseTier(p.Tier); ok {
		for _, ct := range c.TiersFor(p.Category, p.Country) {
			if ct.From == t.From && ct.To == t.To {
				rate = ct.Rate
				break
			}
		}
	}
	vol := max(p.Volume, 0)
	if rate > 0 && vol > math.MaxInt64/rate {
		return 0, false
	}
	return usage.MulRate(vol, rate), true
}

// pointKey is a usage point's natural key within its answer.
type pointKey struct {
	channel, granularity           string
	start                          int64
	category, pricingType, country string
	tier                           string
}

func pointKeyOf(p usage.Point) pointKey {
	return pointKey{p.ChannelID, string(p.Granularity), p.Start.Unix(), string(p.Category), string(p.PricingType), p.Country, p.Tier}
}

// knownKeys is the set of keys of points that have a cost.
func knownKeys(points []usage.Point) map[pointKey]bool {
	var out map[pointKey]bool
	for _, p := range points {
		if p.CostKnown {
			if out == nil {
				out = map[pointKey]bool{}
			}
			out[pointKeyOf(p)] = true
		}
	}
	return out
}

// EstimateCalls is EstimatePoints for call points: a business-initiated
// call is billed in 6-second pulses at the called market's per-minute rate
// (Card.CallCost), each call of the point taken to last the point's average
// duration rounded up to the second; user-initiated calls cost 0.
func EstimateCalls(book *Book, calls []usage.CallPoint, currency string) (out []usage.CallPoint, estimated int) {
	out = make([]usage.CallPoint, len(calls))
	copy(out, calls)
	known := map[callKey]bool{}
	for _, c := range calls {
		if c.CostKnown {
			known[callKeyOf(c)] = true
		}
	}
	for i := range out {
		p := &out[i]
		if p.CostKnown {
			continue
		}
		cur := usage.NormalizeCurrency(cmp.Or(p.Currency, currency))
		c := book.Pick(usage.DateOf(p.Start.UTC()), cur)
		if c == nil || (cur != "" && c.Currency != cur && known[callKeyOf(*p)]) {
			continue
		}
		nanos, ok := callCost(c, *p)
		if !ok {
			continue
		}
		p.Currency, p.CostNanos, p.CostKnown, p.CostEstimated = c.Currency, nanos, true, true
		estimated++
	}
	return out, estimated
}

// callCost prices one call point on c; ok is false without a rate.
func callCost(c *Card, p usage.CallPoint) (int64, bool) {
	count, secs := max(p.Count, 0), max(p.Seconds, 0)
	if count == 0 {
		return 0, true
	}
	each := (secs + count - 1) / count
	one, cur := c.CallCost(p.Direction, p.Country, each)
	if cur == "" {
		return 0, false
	}
	if one > 0 && count > math.MaxInt64/one {
		return 0, false
	}
	return count * one, true
}

type callKey struct {
	channel, granularity string
	start                int64
	direction, country   string
}

func callKeyOf(c usage.CallPoint) callKey {
	return callKey{c.ChannelID, string(c.Granularity), c.Start.Unix(), string(c.Direction), c.Country}
}

// InForce lists the cards an estimate in currency (priced as Pick does:
// the book's default currency when it has none in currency) may have used
// for a day in [from, to), two instants: the cards in force on some UTC
// day they touch, oldest first. Pages name them beside estimated costs.
func (b *Book) InForce(from, to time.Time, currency string) []*Card {
	if b == nil || !from.Before(to) {
		return nil
	}
	cur := b.Currency(currency)
	first, last := usage.DateOf(from.UTC()), usage.DateOf(to.UTC().Add(-time.Nanosecond))
	var out []*Card
	for _, c := range b.byCurrency[cur] {
		if last.Before(c.EffectiveFrom) {
			break
		}
		// c is in force until the next card of its currency.
		if n := b.after(c); n != nil && !first.Before(n.EffectiveFrom) {
			continue
		}
		out = append(out, c)
	}
	return out
}

// after is the next card of c's currency, nil for the latest.
func (b *Book) after(c *Card) *Card {
	list := b.byCurrency[c.Currency]
	for i, o := range list {
		if o == c && i+1 < len(list) {
			return list[i+1]
		}
	}
	return nil
}
