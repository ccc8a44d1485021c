package webhook

import (
	"strings"
	"time"

	"github.com/insights-dev/insights/internal/usage"
)

// ChargeableStatus reports whether s is of a kind at which a message can be
// counted (delivered or read). Whether it is the one that counts depends on
// the message's earlier statuses: see CountAt.
func ChargeableStatus(s MessageStatus) bool {
	return isStatus(s.Status, StatusDelivered) || isStatus(s.Status, StatusRead)
}

// CountAt reports whether s is the status at which its message counts, given
// prev, the statuses already seen for the same wamid (in any order, duplicates
// allowed). It is true for a delivered or read status when neither delivered
// nor read is in prev: the first of the two to arrive counts, and nothing
// after it does. It is never true for sent, failed or unknown statuses.
func CountAt(prev []string, s MessageStatus) bool {
	if !ChargeableStatus(s) {
		return false
	}
	for _, p := range prev {
		if isStatus(p, StatusDelivered) || isStatus(p, StatusRead) {
			return false
		}
	}
	return true
}

// PricingFrom finds a message's pricing among its statuses: the first
// delivered or read status that carries pricing, else any status that does
// (usually sent). ok is false when none carries pricing.
func PricingFrom(statuses []MessageStatus) (cat usage.Category, pt usage.PricingType, ok bool) {
	fallback := -1
	for i, s := range statuses {
		if !s.HasPricing {
			continue
		}
		if ChargeableStatus(s) {
			return s.Category, s.PricingType, true
		}
		if fallback < 0 {
			fallback = i
		}
	}
	if fallback < 0 {
		return "", "", false
	}
	return statuses[fallback].Category, statuses[fallback].PricingType, true
}

// Billing is the counting outcome of one message, folded from its statuses
// by Resolve.
type Billing struct {
	MessageID string
	// Counted is true when one of the statuses counts the message.
	Counted bool
	// CountedStatus (delivered or read) and CountedAt say which status counted it.
	CountedStatus string
	CountedAt     time.Time
	// Category and PricingType come from PricingFrom; PricingKnown is its ok.
	Category     usage.Category
	PricingType  usage.PricingType
	PricingKnown bool
	// Country is the recipient's market from CountryFromPhone; "" when unknown.
	Country string
	// Failed is true when a failed status was seen.
	Failed bool
}

// Chargeable reports whether the message is counted at a price: counted, with
// known pricing of a type that is not free.
func (b Billing) Chargeable() bool {
	return b.Counted && b.PricingKnown && !b.PricingType.Free()
}

// Resolve applies the counting rule to the statuses of one message, in the
// order they arrived, and returns the outcome. Statuses of other messages (a
// different MessageID from the first) are skipped.
func Resolve(statuses []MessageStatus) Billing {
	var b Billing
	if len(statuses) == 0 {
		return b
	}
	b.MessageID = statuses[0].MessageID
	var mine []MessageStatus
	var seen []string
	for _, s := range statuses {
		if s.MessageID != b.MessageID {
			continue
		}
		mine = append(mine, s)
		if b.Country == "" {
			b.Country = CountryFromPhone(s.RecipientID)
		}
		if isStatus(s.Status, StatusFailed) {
			b.Failed = true
		}
		if CountAt(seen, s) {
			b.Counted, b.CountedStatus, b.CountedAt = true, strings.ToLower(s.Status), s.Timestamp
		}
		seen = append(seen, s.Status)
	}
	b.Category, b.PricingType, b.PricingKnown = PricingFrom(mine)
	return b
}

func isStatus(got, want string) bool { return strings.EqualFold(strings.TrimSpace(got), want) }
