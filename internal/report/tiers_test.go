package report

import (
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/ratecard"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
	"github.com/insights-dev/insights/internal/webhook"
)

// tierCard is a test card: Indian utility in three tiers, marketing flat.
func tierCard(t *testing.T) *ratecard.Card {
	t.Helper()
	cards, err := ratecard.Parse([]byte(`{"cards":[{"effective_from":"2026-10-01","currency":"USD",
		"messages":{"MARKETING":{"IN":"0.0118","*":"0.05"},"UTILITY":{"IN":"0.004","*":"0.01"}},
		"tiers":{"UTILITY":{"IN":[{"from":0,"to":750000,"rate":"0.004"},{"from":750001,"to":2000000,"rate":"0.0035"},
		{"from":2000001,"rate":"0.003"}]}}}]}`), "test")
	if err != nil {
		t.Fatal(err)
	}
	return cards[0]
}

func TestComputeTiers(t *testing.T) {
	month := usage.MonthPeriod(2026, time.November, time.UTC)
	// Ten days into the month: the pace is three times the volume so far.
	now := time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC)
	in := TierInput{Month: month, Now: now, Card: tierCard(t), WABAs: []string{"w1"},
		Volumes: []store.TierVolume{
			{WABAID: "w1", Country: "IN", Category: usage.CategoryUtility, Tier: "0:750000", Volume: 500_000},
			{WABAID: "w1", Country: "IN", Category: usage.CategoryUtility, Tier: "0:750000", Volume: 200_000},
			{WABAID: "w1", Country: "IN", Category: usage.CategoryMarketing, Tier: "0:MAX", Volume: 1000},
		},
		Events: []store.AccountEvent{
			// Brazil's tier update names its region; the volume is not in the usage yet.
			{Event: webhook.EventTierUpdate, PricingCategory: usage.CategoryUtility, Tier: "750001:2000000", Region: "Brazil"},
			{Event: webhook.EventTierUpdate, PricingCategory: usage.CategoryUtility, Tier: "0:750000", Region: "Rest of Africa"},
			{Event: "ACCOUNT_VIOLATION"},
		}}
	p := ComputeTiers(in)
	if p.Currency != "USD" || p.MultiWABA() {
		t.Errorf("currency %q, multi-WABA %v; want USD, one WABA", p.Currency, p.MultiWABA())
	}
	if len(p.Rows) != 4 {
		t.Fatalf("rows = %+v, want BR utility, IN marketing, IN utility, Rest of Africa utility", p.Rows)
	}
	// Sorted by market code or region name: "BR" < "IN" < "Rest of Africa".
	br, inMkt, inUtil, other := p.Rows[0], p.Rows[1], p.Rows[2], p.Rows[3]

	if inUtil.Country != "IN" || inUtil.Category != usage.CategoryUtility || inUtil.Volume != 700_000 {
		t.Fatalf("row 3 = %+v, want IN utility with 700000", inUtil)
	}
	if inUtil.Tier.String() != "0:750000" || inUtil.Source != TierFromUsage || !inUtil.HasToNext || inUtil.ToNext != 50_000 {
		t.Errorf("IN utility: tier %s from %s, %d to go; want 0:750000 from usage, 50000 to go",
			inUtil.Tier, inUtil.Source, inUtil.ToNext)
	}
	if !inUtil.HasRate || inUtil.Rate != 4_000_000 || !inUtil.HasNext || inUtil.Next.String() != "750001:2000000" ||
		inUtil.NextRate != 3_500_000 {
		t.Errorf("IN utility rates: %d → %s at %d; want 0.004 → 750001:2000000 at 0.0035", inUtil.Rate, inUtil.Next, inUtil.NextRate)
	}
	// 700000 in 10 of 30 days: 2,100,000 at this pace, 1,350,000 past 750000 at 0.0005 less.
	if inUtil.PaceVolume != 2_100_000 || !inUtil.HasPaceSaving || inUtil.PaceSavingNanos != 1_350_000*500_000 {
		t.Errorf("pace %d, saving %d (%v); want 2100000 and 675 USD", inUtil.PaceVolume, inUtil.PaceSavingNanos, inUtil.HasPaceSaving)
	}

	if inMkt.Tier.String() != "0:MAX" || inMkt.HasNext || inMkt.HasToNext || inMkt.Rate != 11_800_000 {
		t.Errorf("IN marketing = %+v, want 0:MAX at 0.0118 and no next tier", inMkt)
	}
	if br.Country != "BR" || br.Source != TierFromWebhook || br.Tier.String() != "750001:2000000" || br.Volume != 0 {
		t.Errorf("BR = %+v, want the webhook's tier for Brazil", br)
	}
	if other.Country != "" || other.Region != "Rest of Africa" || other.HasRate || other.Currency != "" {
		t.Errorf("unmapped region = %+v, want the region named, no rate", other)
	}

	// After the month: no pace. Without a reported tier the card's tier is used.
	in.Now = month.End().Add(time.Hour)
	in.Events = nil
	in.Volumes = []store.TierVolume{{Country: "IN", Category: usage.CategoryUtility, Volume: 800_000}}
	in.WABAs = []string{"w1", "w2"}
	p = ComputeTiers(in)
	r := p.Rows[0]
	if !p.MultiWABA() || r.Source != TierFromCard || r.Tier.String() != "750001:2000000" || r.ToNext != 1_200_000 ||
		r.PaceVolume != 0 || r.HasPaceSaving {
		t.Errorf("after the month = %+v (multi-WABA %v), want the card's second tier, 1200000 to go, no pace", r, p.MultiWABA())
	}
}

func TestRegionCountry(t *testing.T) {
	for in, want := range map[string]string{"India": "IN", " united kingdom ": "GB", "IN": "IN", "Rest of Latin America": "", "": ""} {
		if got := RegionCountry(in); got != want {
			t.Errorf("RegionCountry(%q) = %q, want %q", in, got, want)
		}
	}
}
