package webhook

import (
	"testing"

	"github.com/insights-dev/insights/internal/usage"
)

func TestEstimates(t *testing.T) {
	card, err := ParseRateCard([]byte(`{"currency":"EUR","messages":{"UTILITY":{"DE":"0.02"}},"calls_per_minute":{"DE":"0.06"}}`))
	if err != nil {
		t.Fatal(err)
	}
	utility := CountedMessage{Category: usage.CategoryUtility, PricingType: usage.PricingRegular, Country: "DE", Priced: true}
	unpriced := utility
	unpriced.Priced = false
	noRate := utility
	noRate.Country = "FR"
	call := CountedCall{Direction: usage.DirectionOutbound, Country: "DE", Seconds: 60, Completed: true}
	missed := call
	missed.Completed = false
	var nilCard *RateCard
	tests := []struct {
		name string
		got  Estimate
		want Estimate
	}{
		{"priced message", card.EstimateMessage(utility), Estimate{"EUR", 20_000_000, true}},
		{"message without pricing: unknown", card.EstimateMessage(unpriced), Estimate{Currency: "EUR"}},
		{"message without a rate: unknown", card.EstimateMessage(noRate), Estimate{Currency: "EUR"}},
		{"completed call", card.EstimateCall(call), Estimate{"EUR", 60_000_000, true}},
		{"call not completed: zero", card.EstimateCall(missed), Estimate{"EUR", 0, true}},
		{"no card: message", nilCard.EstimateMessage(utility), Estimate{}},
		{"no card: call", nilCard.EstimateCall(missed), Estimate{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %+v, want %+v", tt.got, tt.want)
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
