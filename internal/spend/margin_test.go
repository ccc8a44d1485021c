package spend

import (
	"testing"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
)

func TestMargins(t *testing.T) {
	markup, price := int64(1500), int64(100_000_000) // 15 %, 0.10 a message
	cats := []CategoryUsage{
		{Category: usage.CategoryMarketing, Volume: 1000, CostNanos: 60_000_000_000},
		{Category: usage.CategoryUtility, Volume: 300, CostNanos: 10_000_000_001},
	}
	if _, _, ok := Margins(nil, cats); ok {
		t.Error("no prices: ok")
	}
	out, total, ok := Margins([]store.ClientPrice{
		{ClientID: "c", MarkupBasisPoints: &markup},
		{ClientID: "c", Category: usage.CategoryMarketing, PriceNanos: &price},
	}, cats)
	if !ok || len(out) != 2 {
		t.Fatalf("margins = %+v, %v", out, ok)
	}
	// Marketing from the price list: 1000 × 0.10 = 100; margin 40.
	if out[0].PriceNanos != 100_000_000_000 || out[0].MarginNanos != 40_000_000_000 {
		t.Errorf("marketing = %+v", out[0])
	}
	// Utility at 15 % markup: 10.000000001 × 1.15 = 11.50000000115 → 11.500000001.
	if out[1].PriceNanos != 11_500_000_001 || out[1].MarginNanos != 1_500_000_000 {
		t.Errorf("utility = %+v", out[1])
	}
	if total.PriceNanos != 111_500_000_001 || total.CostNanos != 70_000_000_001 || total.MarginNanos != 41_500_000_000 {
		t.Errorf("total = %+v", total)
	}
}

// A token category is priced per token from the price list, and its tokens
// are not added to the total's message volume.
func TestMarginsPriceTokensPerToken(t *testing.T) {
	perToken := int64(20_000) // 0.00002 a token
	out, total, ok := Margins([]store.ClientPrice{
		{ClientID: "c", Category: usage.CategoryMetaBusinessAgent, PriceNanos: &perToken},
	}, []CategoryUsage{
		{Category: usage.CategoryMarketing, Volume: 10, CostNanos: 1_000_000_000},
		{Category: usage.CategoryMetaBusinessAgent, Volume: 50_000, CostNanos: 500_000_000},
	})
	if !ok || len(out) != 2 {
		t.Fatalf("margins = %+v, %v", out, ok)
	}
	if out[1].PriceNanos != 1_000_000_000 || out[1].MarginNanos != 500_000_000 {
		t.Errorf("agent = %+v, want 50,000 tokens × 0.00002 = 1.00", out[1])
	}
	if total.Volume != 10 || total.CostNanos != 1_500_000_000 {
		t.Errorf("total = %+v, want 10 messages (no tokens) and both costs", total)
	}
}
