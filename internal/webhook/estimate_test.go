package webhook

import (
	"testing"

	"github.com/insights-dev/insights/internal/ratecard"
	"github.com/insights-dev/insights/internal/usage"
)

func date(s string) usage.Date {
	d, err := usage.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestEstimates(t *testing.T) {
	cards, err := ratecard.Parse([]byte(`{"currency":"EUR","messages":{"UTILITY":{"DE":"0.02"}},"calls_per_minute":{"DE":"0.06"}}`), "test")
	if err != nil {
		t.Fatal(err)
	}
	book := ratecard.Single(cards[0])
	d := date("2026-11-15")
	utility := CountedMessage{Category: usage.CategoryUtility, PricingType: usage.PricingRegular, Country: "DE", Priced: true, Day: d}
	unpriced := utility
	unpriced.Priced = false
	noRate := utility
	noRate.Country = "FR"
	call := CountedCall{Direction: usage.DirectionOutbound, Country: "DE", Seconds: 60, Completed: true, Day: d}
	missed := call
	missed.Completed = false
	const id = "test 2000-01-01 EUR"
	tests := []struct {
		name string
		got  Estimate
		want Estimate
	}{
		{"priced message", EstimateMessage(book, utility), Estimate{"EUR", 20_000_000, true, id}},
		{"message without pricing: unknown", EstimateMessage(book, unpriced), Estimate{Currency: "EUR"}},
		{"message without a rate: unknown", EstimateMessage(book, noRate), Estimate{Currency: "EUR"}},
		{"completed call", EstimateCall(book, call), Estimate{"EUR", 60_000_000, true, id}},
		{"call not completed: zero", EstimateCall(book, missed), Estimate{"EUR", 0, true, ""}},
		{"no book: message", EstimateMessage(nil, utility), Estimate{}},
		{"no book: call", EstimateCall(nil, missed), Estimate{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %+v, want %+v", tt.got, tt.want)
			}
		})
	}
}

// A SERVICE message of pricing type REGULAR is free before 2026-10-01 and
// billed at the utility rate from that day, in the channel's currency;
// FREE_ENTRY_POINT stays free.
func TestEstimateServiceAcrossOctober2026(t *testing.T) {
	book := ratecard.Builtin()
	eurUtility, _ := book.For(date("2026-10-01"), "EUR").Rate(usage.CategoryUtility, "DE")
	if eurUtility <= 0 {
		t.Fatal("no EUR utility rate for DE")
	}
	msg := func(day string, pt usage.PricingType, cur string) CountedMessage {
		return CountedMessage{Category: usage.CategoryService, PricingType: pt, Country: "DE", Priced: true, Day: date(day), Currency: cur}
	}
	tests := []struct {
		name string
		m    CountedMessage
		want Estimate
	}{
		{"2026-09-30 regular: the 2026-07-01 card, free", msg("2026-09-30", usage.PricingRegular, "EUR"),
			Estimate{"EUR", 0, true, "built-in 2026-07-01 EUR"}},
		{"2026-10-01 regular: billed", msg("2026-10-01", usage.PricingRegular, "EUR"),
			Estimate{"EUR", eurUtility, true, "built-in 2026-10-01 EUR"}},
		{"2026-11-15 regular: billed", msg("2026-11-15", usage.PricingRegular, "eur"),
			Estimate{"EUR", eurUtility, true, "built-in 2026-10-01 EUR"}},
		{"2026-11-15 free entry point", msg("2026-11-15", usage.PricingFreeEntryPoint, "EUR"), Estimate{"EUR", 0, true, ""}},
		{"2026-11-15 free customer service", msg("2026-11-15", usage.PricingFreeCustomerService, "EUR"), Estimate{"EUR", 0, true, ""}},
		{"currency the book lacks: default", msg("2026-11-15", usage.PricingRegular, "JPY"),
			Estimate{"USD", 45_600_000, true, "built-in 2026-10-01 USD"}},
		{"before the first card: unknown", msg("2025-06-30", usage.PricingRegular, "EUR"), Estimate{Currency: "EUR"}},
		{"tokens cannot be priced from a status", CountedMessage{Category: usage.CategoryMetaBusinessAgent,
			PricingType: usage.PricingRegular, Country: "DE", Priced: true, Day: date("2026-11-15")}, Estimate{Currency: "USD"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EstimateMessage(book, tt.m); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestCallCompleted(t *testing.T) {
	tests := []struct {
		status  string
		seconds int64
		want    bool
	}{
		{"COMPLETED", 0, true},
		{"completed", 30, true},
		{"FAILED", 30, false},
		{"", 30, true},
		{"", 0, false},
	}
	for _, tt := range tests {
		if got := CallCompleted(tt.status, tt.seconds); got != tt.want {
			t.Errorf("CallCompleted(%q, %d) = %v, want %v", tt.status, tt.seconds, got, tt.want)
		}
	}
}
