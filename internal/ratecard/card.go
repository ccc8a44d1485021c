package ratecard

import (
	"strconv"
	"strings"

	"github.com/insights-dev/insights/internal/usage"
)

// AnyCountry is the market key that applies to every country without a rate
// of its own.
const AnyCountry = "*"

// Unit is what a category's volume counts: usage's notion, so the card and
// the store's message counts agree.
type Unit = usage.Unit

// Units of volume.
const (
	UnitMessage = usage.UnitMessage
	UnitToken   = usage.UnitToken
)

// Tier is one volume tier of a category in a market: the month's From-th to
// To-th unit (counted from 0 as Meta does, To 0 for no upper bound) costs
// Rate nano-units each.
type Tier struct {
	From, To int64
	Rate     int64
}

// String is the tier as Meta reports it, "LOWER:UPPER" ("0:750000",
// "2000001:MAX").
func (t Tier) String() string {
	to := "MAX"
	if t.To > 0 {
		to = strconv.FormatInt(t.To, 10)
	}
	return strconv.FormatInt(t.From, 10) + ":" + to
}

// Contains reports whether the month's volume-th unit falls in the tier.
func (t Tier) Contains(volume int64) bool {
	return volume >= t.From && (t.To == 0 || volume <= t.To)
}

// ParseTier reads a tier string as Meta reports it ("0:750000",
// "25000001:50000000", "0:MAX"); the rate is left 0. ok is false for
// anything else.
func ParseTier(s string) (t Tier, ok bool) {
	lo, hi, found := strings.Cut(strings.TrimSpace(s), ":")
	if !found {
		return Tier{}, false
	}
	from, err := strconv.ParseInt(lo, 10, 64)
	if err != nil || from < 0 {
		return Tier{}, false
	}
	t.From = from
	if !strings.EqualFold(hi, "MAX") {
		to, err := strconv.ParseInt(hi, 10, 64)
		if err != nil || to < from || to == 0 {
			return Tier{}, false
		}
		t.To = to
	}
	return t, true
}

// Card is the price list of one currency from one day on.
type Card struct {
	// ID names the card for people: "built-in 2026-10-01 USD",
	// "file card.json 2026-10-01 EUR".
	ID string
	// EffectiveFrom is the first day (UTC) the card applies.
	EffectiveFrom usage.Date
	// Currency is the ISO 4217 code of every rate on the card.
	Currency string
	// Messages holds the rate per unit in nano-units, by category, then by
	// country (or AnyCountry).
	Messages map[usage.Category]map[string]int64
	// Tiers holds volume tiers by category, then by the market key of
	// Messages; a category and market without tiers has one tier at its rate.
	Tiers map[usage.Category]map[string][]Tier
	// Units holds the unit of categories not counted in messages, where the
	// card says so (a card may name a new token category before Insights
	// knows it); the others have their Category.Unit.
	Units map[usage.Category]Unit
	// CallPerMinute holds the rate per minute of a business-initiated call in
	// nano-units, by called country (or AnyCountry).
	CallPerMinute map[string]int64
}

// Unit is what volume of cat counts on this card: the card's unit for it,
// else the category's own (cat.Unit).
func (c *Card) Unit(cat usage.Category) Unit {
	if c != nil {
		if u, ok := c.Units[cat]; ok {
			return u
		}
	}
	return cat.Unit()
}

// market finds the rate of cat in country: the category's own, else that of
// the category it is priced as (Marketing Lite as marketing, authentication
// international as authentication); the country's, else AnyCountry's. It
// returns the category and market key the rate was found under.
func (c *Card) market(cat usage.Category, country string) (usage.Category, string, int64, bool) {
	if c == nil {
		return "", "", 0, false
	}
	country = strings.ToUpper(strings.TrimSpace(country))
	for _, k := range []usage.Category{cat, fallbackCategory(cat)} {
		if k == "" {
			continue
		}
		rates := c.Messages[k]
		if country != "" {
			if r, ok := rates[country]; ok {
				return k, country, r, true
			}
		}
		if r, ok := rates[AnyCountry]; ok {
			return k, AnyCountry, r, true
		}
	}
	return "", "", 0, false
}

// Rate is the base rate (the first tier's) of one unit of cat in country;
// ok is false when the card has no rate for it.
func (c *Card) Rate(cat usage.Category, country string) (nanos int64, ok bool) {
	_, _, r, ok := c.market(cat, country)
	return r, ok
}

// TiersFor lists the volume tiers of cat in country, in order: the card's
// tiers for the market, else one tier "0:MAX" at the rate. Nil when the card
// has no rate for it.
func (c *Card) TiersFor(cat usage.Category, country string) []Tier {
	k, m, r, ok := c.market(cat, country)
	if !ok {
		return nil
	}
	if ts := c.Tiers[k][m]; len(ts) > 0 {
		return ts
	}
	return []Tier{{From: 0, To: 0, Rate: r}}
}

// TierAt is the tier of the next unit of cat sent to country when
// monthVolume units were already sent this month (tiers count per business
// portfolio, market and category, and restart each month). ok is false
// when the card has no rate for it.
func (c *Card) TierAt(cat usage.Category, country string, monthVolume int64) (Tier, bool) {
	ts := c.TiersFor(cat, country)
	for _, t := range ts {
		if t.Contains(max(monthVolume, 0)) {
			return t, true
		}
	}
	if len(ts) > 0 {
		return ts[len(ts)-1], true
	}
	return Tier{}, false
}

// NextTier is the tier after the one monthVolume falls in, so a page can say
// what the next tier would cost and how far it is (t.From − monthVolume
// units). ok is false in the last tier or without a rate.
func (c *Card) NextTier(cat usage.Category, country string, monthVolume int64) (Tier, bool) {
	ts := c.TiersFor(cat, country)
	for i, t := range ts {
		if t.Contains(max(monthVolume, 0)) && i+1 < len(ts) {
			return ts[i+1], true
		}
	}
	return Tier{}, false
}

// MessageCost is the cost of one unit of category cat and pricing type pt
// sent to country, at the base rate. Free pricing types cost 0, whatever the
// category; every other type (REGULAR, or none reported) is paid. The
// currency is empty when the card has no rate for a paid unit: the cost is
// then unknown, not zero.
func (c *Card) MessageCost(cat usage.Category, pt usage.PricingType, country string) (nanos int64, currency string) {
	if c == nil {
		return 0, ""
	}
	if pt.Free() {
		return 0, c.Currency
	}
	if r, ok := c.Rate(cat, country); ok {
		return r, c.Currency
	}
	return 0, ""
}

// CallCost is the cost of a call of seconds to country: business-initiated
// calls are billed in 6-second pulses at the country's per-minute rate
// (usage.CallCost); user-initiated calls are free. The currency is empty
// when a billed call has no rate on the card.
func (c *Card) CallCost(dir usage.Direction, country string, seconds int64) (nanos int64, currency string) {
	if c == nil {
		return 0, ""
	}
	if dir != usage.DirectionOutbound {
		return 0, c.Currency
	}
	country = strings.ToUpper(strings.TrimSpace(country))
	rate, ok := c.CallPerMinute[country]
	if !ok || country == "" {
		rate, ok = c.CallPerMinute[AnyCountry]
	}
	if !ok {
		return 0, ""
	}
	return usage.CallCost(dir, max(seconds, 0), rate), c.Currency
}

func fallbackCategory(cat usage.Category) usage.Category {
	switch cat {
	case usage.CategoryMarketingLite:
		return usage.CategoryMarketing
	case usage.CategoryAuthenticationInternational:
		return usage.CategoryAuthentication
	}
	return ""
}
