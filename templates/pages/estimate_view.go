package pages

import (
	"strconv"
	"strings"
)

// CostEstimate says that a page's costs include estimates from the rate
// card: the data points the source reported without a cost, which Insights
// priced from the card in force on their day. Points 0 shows nothing.
type CostEstimate struct {
	// Points is how many data points of the period have an estimated cost.
	Points int64
	// Cards names the rate cards in force over the period
	// ("built-in 2026-10-01 USD"), oldest first.
	Cards []string
}

// estimateCards is the cards in parentheses, or "" when none is named.
func estimateCards(e CostEstimate) string {
	if len(e.Cards) == 0 {
		return ""
	}
	return " (" + strings.Join(e.Cards, ", ") + ")"
}

// estimatePoints is "1 data point" or "1,234 data points".
func estimatePoints(e CostEstimate) string {
	if e.Points == 1 {
		return "1 data point"
	}
	digits := strconv.FormatInt(e.Points, 10)
	var b strings.Builder
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 && digits[0] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String() + " data points"
}
