package webhook

import (
	"strings"

	"github.com/insights-dev/insights/internal/usage"
)

// Estimating what the counters count: the store folds a message's or call's
// events into one row and asks these for the row's cost, so that the pricing
// rules live beside the rate card rather than in the storage code.

// CountedMessage is what the counters know of a counted message.
type CountedMessage struct {
	Category    usage.Category
	PricingType usage.PricingType
	Country     string // the recipient's market
	// Priced is false when none of the message's statuses carried pricing:
	// its cost is then unknown, whatever the card says.
	Priced bool
}

// CountedCall is what the counters know of a terminated call.
type CountedCall struct {
	Direction usage.Direction
	Country   string // the user's market
	Seconds   int64
	// Completed is true for the calls that are charged (see CallCompleted);
	// other terminated calls cost nothing.
	Completed bool
}

// Estimate is an estimated cost. Currency is the card's (empty without a
// card); Known is false when the card has no rate for the message or call,
// so that an unknown cost is never shown as zero.
type Estimate struct {
	Currency string
	Nanos    int64
	Known    bool
}

// EstimateMessage estimates a counted message's cost; a nil card knows nothing.
func (c *RateCard) EstimateMessage(m CountedMessage) Estimate {
	if c == nil {
		return Estimate{}
	}
	e := Estimate{Currency: c.Currency}
	if m.Priced {
		if n, cur := c.MessageCost(m.Category, m.PricingType, m.Country); cur != "" {
			e.Nanos, e.Known = n, true
		}
	}
	return e
}

// EstimateCall estimates a terminated call's cost: a completed call by its
// direction, market and duration, any other at zero; a nil card knows nothing.
func (c *RateCard) EstimateCall(k CountedCall) Estimate {
	if c == nil {
		return Estimate{}
	}
	e := Estimate{Currency: c.Currency}
	if !k.Completed {
		e.Known = true
		return e
	}
	if n, cur := c.CallCost(k.Direction, k.Country, k.Seconds); cur != "" {
		e.Nanos, e.Known = n, true
	}
	return e
}

// CallCompleted reports whether a terminated call counts, like the Partner
// API's call analytics, which count completed calls: its terminate status is
// COMPLETED, or it has none but lasted.
func CallCompleted(status string, seconds int64) bool {
	return strings.EqualFold(status, "COMPLETED") || (status == "" && seconds > 0)
}
