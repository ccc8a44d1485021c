package poller_test

import (
	"testing"

	"github.com/insights-dev/insights/internal/poller"
	"github.com/insights-dev/insights/internal/ratecard"
	"github.com/insights-dev/insights/internal/simulator"
	"github.com/insights-dev/insights/internal/usage"
)

// TestPollerEstimatesMissingCosts polls the credit-line client, whose usage
// has no cost, with a rate card of the poller's own: every paid message is
// stored at that card's rate, every free one at 0, all marked as estimates;
// the other clients' costs are the source's.
func TestPollerEstimatesMissingCosts(t *testing.T) {
	e := newEnv(t, simulator.Config{Seed: 3, Clients: 5}, nil) // the fifth is the credit-line client
	// One unit costs 2 USD in every market and category the simulator uses.
	cards, err := ratecard.Parse([]byte(`{"currency": "USD", "messages": {
		"MARKETING": {"*": "2"}, "MARKETING_LITE": {"*": "2"}, "UTILITY": {"*": "2"}, "AUTHENTICATION": {"*": "2"},
		"AUTHENTICATION_INTERNATIONAL": {"*": "2"}, "SERVICE": {"*": "2"}, "REFERRAL_CONVERSION": {"*": "2"},
		"META_BUSINESS_AGENT": {"*": "2"}}, "calls_per_minute": {"*": "2"}}`), "test")
	if err != nil {
		t.Fatal(err)
	}
	book, err := ratecard.NewBook(cards...)
	if err != nil {
		t.Fatal(err)
	}
	p := e.poller(poller.Options{RateCard: book})
	if res := runOnce(t, p); res.Failed != 0 {
		t.Fatalf("backfill: %+v", res)
	}
	credit := map[string]bool{}
	for _, c := range e.sim.Clients() {
		if c.Name != "Himal Treks" {
			continue
		}
		for _, w := range c.WABAs {
			for _, ch := range w.Channels {
				credit[ch.ID] = true
			}
		}
	}
	if len(credit) == 0 {
		t.Fatal("the simulator has no credit-line client")
	}
	for _, id := range channelIDs(e.sim) {
		got, _ := stored(t, e.st, id, backfillStart(), start)
		var points, estimated, missing int64
		for _, p := range e.sim.UsagePoints(id, backfillStart(), start) {
			points++
			if p.CostKnown == credit[id] {
				t.Fatalf("channel %s (credit line %v) reports a point with cost known %v", id, credit[id], p.CostKnown)
			}
		}
		for k, v := range got {
			estimated += v.estimated
			missing += v.missing
			if !credit[id] {
				continue
			}
			want := 2 * v.volume * 1_000_000_000
			if usage.PricingType(k.pricingType).Free() {
				want = 0
			}
			if v.cost != want || k.currency != "USD" {
				t.Errorf("channel %s %+v: stored cost %d %s, want %d USD from the poller's card", id, k, v.cost, k.currency, want)
			}
		}
		switch {
		case missing != 0:
			t.Errorf("channel %s: %d points stored without a cost", id, missing)
		case credit[id] && estimated != points:
			t.Errorf("channel %s: %d of %d costless points stored as estimates", id, estimated, points)
		case !credit[id] && estimated != 0:
			t.Errorf("channel %s reports its costs, yet %d are stored as estimates", id, estimated)
		}
	}
}
