package webhook

import (
	"strings"

	"github.com/insights-dev/insights/internal/ratecard"
	"github.com/insights-dev/insights/internal/usage"
)

// Estimating what the counters count: the store folds a message's or call's
// events into one row and asks these for the row's cost, so that the pricing
// rules live beside the rate cards rather than in the storage code.

// CountedMessage is what the counters know of a counted message.
type CountedMessage struct {
	Category    usage.Category
	PricingType usage.PricingType
	Country     string // the recipient's market
	// Day is the UTC day the message counted: the card in force that day
	// prices it.
	Day usage.Date
	// Currency is the channel's billing currency; "" or a currency the book
	// has no cards in: the book's default currency.
	Currency string
	// Priced is false when none of the message's statuses carried pricing:
	// its cost is then unknown, whatever the card says.
	Priced bool
}

// CountedCall is what the counters know of a terminated call.
type CountedCall struct {
	Direction usage.Direction
	Country   string // the user's market
	Seconds   int64
	// Day is the UTC day the call started; Currency as on CountedMessage.
	Day      usage.Date
	Currency string
	// Completed is true for the calls that are charged (see CallCompleted);
	// other terminated calls cost nothing.
	Completed bool
}

// Estimate is an estimated cost. Currency is the card's (empty without a
// book); Known is false when no card has a rate for the message or call, so
// that an unknown cost is never shown as zero. Card is the id of the card
// that priced it ("built-in 2026-10-01 USD"), empty when none did.
type Estimate struct {
	Currency string
	Nanos    int64
	Known    bool
	Card     string
}

// EstimateMessage estimates a counted message's cost from the card in force
// on its day. Free or paid comes from the pricing type alone: a free type
// costs 0, REGULAR (of any category, SERVICE included) is priced. A message
// of a category counted in tokens (Meta Business Agent) cannot be priced
// from a status: its cost is unknown. A nil book knows nothing.
func EstimateMessage(book *ratecard.Book, m CountedMessage) Estimate {
	if book == nil {
		return Estimate{}
	}
	e := Estimate{Currency: book.Currency(m.Currency)}
	if !m.Priced {
		return e
	}
	if m.PricingType.Free() {
		e.Known = true
		return e
	}
	c := book.Pick(m.Day, m.Currency)
	if c == nil || c.Unit(m.Category) != ratecard.UnitMessage {
		return e
	}
	if n, cur := c.MessageCost(m.Category, m.PricingType, m.Country); cur != "" {
		e.Nanos, e.Known, e.Card = n, true, c.ID
	}
	return e
}

// EstimateCall estimates a terminated call's cost: a completed call by its
// direction, market and duration from the card in force on its day, any
// other at zero; a nil book knows nothing.
func EstimateCall(book *ratecard.Book, k CountedCall) Estimate {
	if book == nil {
		return Estimate{}
	}
	e := Estimate{Currency: book.Currency(k.Currency)}
	if !k.Completed || k.Direction != usage.DirectionOutbound {
		e.Known = true
		return e
	}
	c := book.Pick(k.Day, k.Currency)
	if c == nil {
		return e
	}
	if n, cur := c.CallCost(k.Direction, k.Country, k.Seconds); cur != "" {
		e.Nanos, e.Known, e.Card = n, true, c.ID
	}
	return e
}

// CallCompleted reports whether a terminated call counts, like the Partner
// API's call analytics, which count completed calls: its terminate status is
// COMPLETED, or it has none but lasted.
func CallCompleted(status string, seconds int64) bool {
	return strings.EqualFold(status, "COMPLETED") || (status == "" && seconds > 0)
}
