package report_test

import (
	"testing"

	"github.com/insights-dev/insights/internal/report"
	"github.com/insights-dev/insights/internal/usage"
)

// Paid volume follows the pricing type alone: a SERVICE message of type
// REGULAR (billed since 2026-10-01) is paid, a MARKETING one of a free type
// is not, and a missing type counts as paid.
func TestSumByPaidFromPricingType(t *testing.T) {
	s := usage.Summary{Series: []usage.Entry{
		{Key: usage.GroupKey{Category: usage.CategoryService, PricingType: usage.PricingRegular}, Currency: "EUR", Volume: 10, CostNanos: 420},
		{Key: usage.GroupKey{Category: usage.CategoryService, PricingType: usage.PricingFreeEntryPoint}, Currency: "EUR", Volume: 3},
		{Key: usage.GroupKey{Category: usage.CategoryService, PricingType: usage.PricingFreeCustomerService}, Currency: "EUR", Volume: 5},
		{Key: usage.GroupKey{Category: usage.CategoryMarketing, PricingType: usage.PricingFreeEntryPoint}, Currency: "EUR", Volume: 7},
		{Key: usage.GroupKey{Category: usage.CategoryUtility}, Currency: "EUR", Volume: 2, CostNanos: 80},
	}}
	got := report.SumBy(s, func(k usage.GroupKey) string { return string(k.Category) })
	want := map[string][2]int64{"SERVICE": {18, 10}, "MARKETING": {7, 0}, "UTILITY": {2, 2}}
	for k, w := range want {
		if d := got[k]; d == nil || d.Volume != w[0] || d.Paid != w[1] {
			t.Errorf("%s: %+v, want volume %d paid %d", k, d, w[0], w[1])
		}
	}
	if got["SERVICE"].Cost["EUR"] != 420 {
		t.Errorf("service cost %v", got["SERVICE"].Cost)
	}
}
