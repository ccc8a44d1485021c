package simulator

import (
	"strings"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/ratecard"
	"github.com/insights-dev/insights/internal/usage"
)

// channelsOf lists the channel ids of the clients made from template name.
func channelsOf(sim *Simulator, name string) []string {
	var out []string
	for _, c := range sim.Clients() {
		if c.Name != name {
			continue
		}
		for _, w := range c.WABAs {
			for _, ch := range w.Channels {
				out = append(out, ch.ID)
			}
		}
	}
	return out
}

// Every billed point not in a volume tier above the first costs its volume
// times the rate of the card in force on its UTC day, in the channel's
// currency; free points cost nothing and have no tier.
func TestPointsPricedFromTheCardInForce(t *testing.T) {
	sim := New(Config{Now: NewManualClock(testNow).Now})
	book := ratecard.Builtin()
	from, to := time.Date(2026, 9, 29, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 3, 0, 0, 0, 0, time.UTC)
	checked := 0
	for _, id := range sim.channelIDs {
		ch := sim.channels[id]
		if ch.creditLine {
			continue
		}
		for _, p := range sim.UsagePoints(id, from, to) {
			if p.PricingType.Free() {
				if p.CostNanos != 0 || p.Tier != "" {
					t.Errorf("free point with cost or tier: %+v", p)
				}
				continue
			}
			c := book.At(p.Start, ch.Currency)
			if c.Currency != ch.Currency {
				t.Fatalf("no card in %s", ch.Currency)
			}
			tr, ok := c.TierAt(p.Category, p.Country, 0)
			if !ok {
				t.Fatalf("no rate for %+v on %s", p, c.ID)
			}
			if p.Tier != tr.String() {
				continue // a higher tier: see TestTierChangesWithinMonth
			}
			if want := p.Volume * tr.Rate; p.CostNanos != want || want <= 0 {
				t.Errorf("%+v: cost %d, want %d from %s", p, p.CostNanos, want, c.ID)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no billed points checked")
	}
}

// Service replies are FREE_CUSTOMER_SERVICE until 2026-09-30 and REGULAR
// (billed at the utility rate) from 2026-10-01; entry-point conversations
// stay free.
func TestServiceBilledFromOctober2026(t *testing.T) {
	sim := New(Config{Now: NewManualClock(testNow).Now})
	book := ratecard.Builtin()
	count := map[string]int64{}
	for _, id := range sim.channelIDs {
		ch := sim.channels[id]
		for _, p := range sim.UsagePoints(id, time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 2, 0, 0, 0, 0, time.UTC)) {
			if p.Category != usage.CategoryService {
				continue
			}
			after := !p.Start.Before(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC))
			key := map[bool]string{false: "before ", true: "after "}[after] + string(p.PricingType)
			count[key] += p.Volume
			if p.PricingType == usage.PricingRegular && !ch.creditLine {
				util, _ := book.At(p.Start, ch.Currency).Rate(usage.CategoryUtility, p.Country)
				if p.CostNanos != p.Volume*util || util == 0 {
					t.Errorf("service %+v: cost %d, want %d × %d", p, p.CostNanos, p.Volume, util)
				}
			}
		}
	}
	for _, k := range []string{"before FREE_CUSTOMER_SERVICE", "after REGULAR", "before FREE_ENTRY_POINT", "after FREE_ENTRY_POINT"} {
		if count[k] == 0 {
			t.Errorf("no %s service; %v", k, count)
		}
	}
	for _, k := range []string{"before REGULAR", "after FREE_CUSTOMER_SERVICE"} {
		if count[k] != 0 {
			t.Errorf("%d %s service messages", count[k], k)
		}
	}
}

// The tier client's bulk utility crosses 750,000 messages within the month:
// its reported tier changes, and each point is priced at the tier that the
// month's volume before it had reached.
func TestTierChangesWithinMonth(t *testing.T) {
	sim := New(Config{Now: NewManualClock(testNow).Now})
	book := ratecard.Builtin()
	var id string
	for _, cid := range channelsOf(sim, "Kirana Express") {
		if hasTiered(sim.channels[cid].streams) {
			id = cid
			break
		}
	}
	if id == "" {
		t.Fatal("no tiered channel")
	}
	ch := sim.channels[id]
	monthStart := time.Date(2026, 11, 1, 0, 0, 0, 0, ch.loc)
	tiers := map[string]bool{}
	var cum int64
	for _, p := range sim.UsagePoints(id, monthStart, testNow) {
		if p.Category != usage.CategoryUtility || p.PricingType != usage.PricingRegular || p.Country != ch.home {
			continue
		}
		tr, _ := book.At(p.Start, ch.Currency).TierAt(p.Category, p.Country, cum)
		if p.Tier != tr.String() || p.CostNanos != p.Volume*tr.Rate {
			t.Fatalf("%+v after %d this month: want tier %s at %d", p, cum, tr, tr.Rate)
		}
		tiers[p.Tier] = true
		cum += p.Volume
	}
	if !tiers["0:750000"] || !tiers["750001:2000000"] {
		t.Errorf("tiers seen %v (month volume %d), want the first two", tiers, cum)
	}
	// The next month starts again in the first tier.
	for _, p := range sim.UsagePoints(id, monthStart.AddDate(0, -1, 0), monthStart.AddDate(0, -1, 0).Add(2*time.Hour)) {
		if p.Category == usage.CategoryUtility && p.Country == ch.home && p.Tier != "0:750000" {
			t.Errorf("start of October in tier %s", p.Tier)
		}
	}
}

// The credit-line client's usage has no cost, over HTTP too.
func TestCreditLineOmitsCost(t *testing.T) {
	h := newHarness(t, Config{})
	ids := channelsOf(h.sim, "Himal Treks")
	if len(ids) == 0 {
		t.Fatal("no credit-line client")
	}
	start := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	pts := h.sim.UsagePoints(ids[0], start, start.Add(24*time.Hour))
	if len(pts) == 0 {
		t.Fatal("no points")
	}
	for _, p := range pts {
		if p.CostKnown || p.CostNanos != 0 {
			t.Fatalf("credit-line point with cost: %+v", p)
		}
	}
	ch := h.sim.channels[ids[0]].Channel
	w := h.usage(t, ch, start.Unix(), start.Unix()+86399, "daily")
	for _, g := range w.points(t) {
		if g.Cost != "" {
			t.Errorf("cost on the wire: %+v", g)
		}
	}
	// Other clients report cost.
	other := h.sim.channelIDs[0]
	for _, p := range h.sim.UsagePoints(other, start, start.Add(24*time.Hour)) {
		if !p.CostKnown {
			t.Fatalf("client 0 point without cost: %+v", p)
		}
	}
}

// The agent client's Meta Business Agent stream counts tokens from
// 2026-08-01 on, priced per token, and has no webhook statuses.
func TestMetaBusinessAgentTokens(t *testing.T) {
	sim := New(Config{Now: NewManualClock(testNow).Now})
	book := ratecard.Builtin()
	ids := channelsOf(sim, "Brightside Dental")
	var tokens int64
	for _, id := range ids {
		ch := sim.channels[id]
		for _, p := range sim.UsagePoints(id, time.Date(2026, 7, 31, 0, 0, 0, 0, time.UTC), time.Date(2026, 8, 2, 0, 0, 0, 0, time.UTC)) {
			if p.Category != usage.CategoryMetaBusinessAgent {
				continue
			}
			if p.Start.Before(time.Unix(agentFrom, 0)) {
				t.Errorf("agent tokens before 2026-08-01: %+v", p)
			}
			c := book.At(p.Start, ch.Currency)
			rate, _ := c.Rate(p.Category, p.Country)
			if c.Unit(p.Category) != ratecard.UnitToken || p.CostNanos != p.Volume*rate || rate == 0 {
				t.Errorf("%+v: cost %d, want %d tokens × %d", p, p.CostNanos, p.Volume, rate)
			}
			tokens += p.Volume
		}
		for _, body := range sim.WebhookEvents(id, time.Date(2026, 8, 1, 10, 0, 0, 0, time.UTC), time.Date(2026, 8, 1, 12, 0, 0, 0, time.UTC)) {
			if strings.Contains(strings.ToLower(string(body)), "meta_business_agent") {
				t.Fatal("webhook status for agent tokens")
			}
		}
	}
	if tokens < 100_000 {
		t.Errorf("%d agent tokens on 2026-08-01", tokens)
	}
}
