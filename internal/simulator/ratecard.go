package simulator

import (
	"time"

	"github.com/insights-dev/insights/internal/ratecard"
	"github.com/insights-dev/insights/internal/usage"
)

// Pricing: the simulator prices every message from the built-in rate cards
// (ratecard.Builtin), with the card in force on the bucket's UTC day in the
// WABA's currency, so that it follows Meta's dated changes as Insights knows
// them:
//
//   - Replies inside the customer-service window (SERVICE streams marked
//     cswReply) are FREE_CUSTOMER_SERVICE while the card in force has no
//     service rate for the market, and REGULAR (billed at the card's service
//     rate, the market's utility rate) once it has: from 2026-10-01 on the
//     built-in cards. FREE_ENTRY_POINT streams stay free.
//   - Utility streams of the tier client (tiered) are priced at the tier the
//     month's volume so far has reached, counted per stream in the WABA's
//     zone from the generated volumes (test-made revisions left out), and
//     report that tier; other billed streams report the card's first tier.
//   - The Meta Business Agent stream counts tokens and is priced per token;
//     it has no webhook statuses (a status is a message, not a token count).
//   - Days before the first built-in card are priced with the first card.

// agentFrom is when Meta started billing Meta Business Agent tokens.
var agentFrom = time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC).Unix()

// phase is how a stream is priced while one card is in force.
type phase struct {
	from    int64 // UNIX start of the card's effective day (UTC)
	card    *ratecard.Card
	pricing usage.PricingType
	price   int64  // per unit at the first tier, nano-units; 0 when free
	tier    string // reported tier at the first tier; "" when free
}

// pricePhases prices a stream of cat, base pricing type pt and country
// under each of the book's cards in cur (the default currency's when the
// book has none in cur), oldest first.
func pricePhases(book *ratecard.Book, cat usage.Category, pt usage.PricingType, country, cur string, cswReply bool) []phase {
	if !book.Has(cur) {
		cur = book.DefaultCurrency()
	}
	var out []phase
	for _, c := range book.Cards() {
		if c.Currency != cur {
			continue
		}
		p := phase{from: c.EffectiveFrom.In(time.UTC).Unix(), card: c, pricing: pt}
		if cswReply {
			p.pricing = usage.PricingFreeCustomerService
			if r, ok := c.Rate(usage.CategoryService, country); ok && r > 0 {
				p.pricing = usage.PricingRegular
			}
		}
		if !p.pricing.Free() {
			p.price = unitRate(c, cat, country)
			p.tier = "0:MAX"
			if t, ok := c.TierAt(cat, country, 0); ok {
				p.tier = t.String()
			}
		}
		out = append(out, p)
	}
	return out
}

// unitRate is the card's first-tier rate of cat in country; a category the
// card does not know (one a test added) is priced as utility.
func unitRate(c *ratecard.Card, cat usage.Category, country string) int64 {
	if r, ok := c.Rate(cat, country); ok {
		return r
	}
	r, _ := c.Rate(usage.CategoryUtility, country)
	return r
}

// phaseAt is the phase in force at bucket b: the last one starting at or
// before b, else the first.
func (st *stream) phaseAt(b int64) *phase {
	for i := len(st.phases) - 1; i > 0; i-- {
		if st.phases[i].from <= b {
			return &st.phases[i]
		}
	}
	return &st.phases[0]
}

// callRate is the per-minute calling rate in cur for calls to country, from
// the latest built-in card (call rates have not changed between cards).
func callRate(book *ratecard.Book, country, cur string) int64 {
	latest := usage.Date{Year: usage.MaxYear, Month: time.January, Day: 1}
	n, _ := book.Pick(latest, cur).CallCost(usage.DirectionOutbound, country, 60)
	return n
}

// tierKey names the month-to-date volume of one stream at the start of one
// local day.
type tierKey struct {
	channel string
	salt    uint64
	day     uint64 // local yyyymmdd
}

// monthVolumeBefore is the volume of st in ch's local month before bucket b
// (generated volumes; revisions are left out so that tiers stay a pure
// function of the seed). The part before b's local day is cached per day.
func (s *Simulator) monthVolumeBefore(ch *channel, st *stream, b int64) int64 {
	t := time.Unix(b, 0).In(ch.loc)
	y, m, d := t.Date()
	v := s.dayStartVolume(ch, st, y, m, d)
	for x := s.firstBucket(ch, time.Date(y, m, d, 0, 0, 0, 0, ch.loc).Unix()); x < b; x += halfHour {
		hour, di := localDay(ch, x)
		v += s.volume(ch, st, x, hour, di)
	}
	return v
}

// firstBucket is the first bucket of ch starting at or after at.
func (s *Simulator) firstBucket(ch *channel, at int64) int64 {
	return max(ceilDiv(at, halfHour)*halfHour, ch.BillingStartedAt.Unix())
}

// dayStartVolume is the volume of st in ch's local month before local day
// y-m-d.
func (s *Simulator) dayStartVolume(ch *channel, st *stream, y int, m time.Month, d int) int64 {
	if d <= 1 {
		return 0
	}
	k := tierKey{ch.ID, st.salt, uint64(y*10000 + int(m)*100 + d)}
	s.tierMu.Lock()
	v, ok := s.tierCache[k]
	s.tierMu.Unlock()
	if ok {
		return v
	}
	v = s.dayStartVolume(ch, st, y, m, d-1)
	from, to := time.Date(y, m, d-1, 0, 0, 0, 0, ch.loc).Unix(), time.Date(y, m, d, 0, 0, 0, 0, ch.loc).Unix()
	for x := s.firstBucket(ch, from); x < to; x += halfHour {
		hour, di := localDay(ch, x)
		v += s.volume(ch, st, x, hour, di)
	}
	s.tierMu.Lock()
	s.tierCache[k] = v
	s.tierMu.Unlock()
	return v
}

// usdPerUnit is how many units of a currency one USD buys, in thousandths
// (the rates the built-in cards were converted at).
var usdPerUnit = map[string]int64{
	"USD": 1000, "EUR": 920, "GBP": 790, "INR": 83000, "BRL": 5400, "AED": 3673, "AUD": 1520,
}

// toCurrency converts a nano-USD amount to cur, rounded half up to four
// decimals; unknown currencies are taken at par.
func toCurrency(usd int64, cur string) int64 {
	fx, ok := usdPerUnit[cur]
	if !ok {
		fx = 1000
	}
	const step = 100_000 // 1e-4 of a unit
	n := usd * fx / 1000
	return (n + step/2) / step * step
}
