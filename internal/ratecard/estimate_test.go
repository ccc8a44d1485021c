package ratecard

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/usage"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// rate is a card's rate as the JSON file writes it, read independently of
// the book (nano-units).
func rate(t *testing.T, s string) int64 {
	t.Helper()
	n, err := usage.ParseDecimal(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestEstimatePointsAcrossCards prices costless points from the card in
// force on their day: the 2025-07-01 card (service free) and the
// 2026-10-01 one (service REGULAR billed at the utility rate).
func TestEstimatePointsAcrossCards(t *testing.T) {
	b := Builtin()
	pt := func(start string, cat usage.Category, pricing usage.PricingType, country, tier string, vol int64) usage.Point {
		s := at(start)
		return usage.Point{ChannelID: "ch", Start: s, End: s.Add(30 * time.Minute), Granularity: usage.HalfHour,
			Category: cat, PricingType: pricing, Country: country, Tier: tier, Volume: vol, Currency: "USD"}
	}
	tests := []struct {
		name  string
		p     usage.Point
		nanos int64
		card  string
	}{
		{"marketing on the 2025 card", pt("2025-07-01T00:00:00Z", usage.CategoryMarketing, usage.PricingRegular, "DE", "0:MAX", 10),
			10 * rate(t, "0.1365"), "built-in 2025-07-01 USD"},
		{"service REGULAR is free on the 2025 card", pt("2026-09-30T23:30:00Z", usage.CategoryService, usage.PricingRegular, "DE", "", 7),
			0, "built-in 2026-07-01 USD"},
		{"service REGULAR is paid from 2026-10-01", pt("2026-10-01T00:00:00Z", usage.CategoryService, usage.PricingRegular, "DE", "", 7),
			7 * rate(t, "0.0456"), "built-in 2026-10-01 USD"},
		{"free customer service stays free", pt("2026-10-01T10:00:00Z", usage.CategoryService, usage.PricingFreeCustomerService, "DE", "", 7),
			0, "built-in 2026-10-01 USD"},
		{"the reported tier's rate", pt("2026-10-02T10:00:00Z", usage.CategoryUtility, usage.PricingRegular, "IN", "750001:2000000", 100),
			100 * rate(t, "0.0038"), "built-in 2026-10-01 USD"},
		{"an unknown tier takes the base rate", pt("2026-10-02T10:00:00Z", usage.CategoryUtility, usage.PricingRegular, "IN", "7:9", 100),
			100 * rate(t, "0.004"), "built-in 2026-10-01 USD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := []usage.Point{tt.p}
			out, n := EstimatePoints(b, in, "USD")
			if n != 1 || len(out) != 1 {
				t.Fatalf("estimated %d of %d", n, len(out))
			}
			got := out[0]
			if !got.CostKnown || !got.CostEstimated || got.CostNanos != tt.nanos || got.Currency != "USD" {
				t.Errorf("estimate = %d %s known %v estimated %v, want %d USD", got.CostNanos, got.Currency, got.CostKnown, got.CostEstimated, tt.nanos)
			}
			// The card named in force that day is the one that priced it.
			c := b.For(usage.DateOf(tt.p.Start), "USD")
			if c == nil || c.ID != tt.card {
				t.Errorf("card in force = %v, want %s", c, tt.card)
			}
			if in[0].CostKnown || in[0].CostEstimated {
				t.Error("EstimatePoints changed its input")
			}
		})
	}
}

func TestEstimatePointsLeavesWhatItCannotPrice(t *testing.T) {
	b := Builtin()
	s := at("2026-11-02T10:00:00Z")
	base := usage.Point{ChannelID: "ch", Start: s, End: s.Add(30 * time.Minute), Granularity: usage.HalfHour,
		Category: usage.CategoryMarketing, PricingType: usage.PricingRegular, Country: "DE", Tier: "0:MAX", Volume: 3, Currency: "EUR"}
	known := base
	known.CostKnown, known.CostNanos = true, 123
	early := base
	early.Start, early.End = at("2025-06-30T10:00:00Z"), at("2025-06-30T10:30:00Z")
	noRate := base
	noRate.Category = usage.Category("SOMETHING_NEW")
	out, n := EstimatePoints(b, []usage.Point{known, early, noRate}, "EUR")
	if n != 0 || !reflect.DeepEqual(out, []usage.Point{known, early, noRate}) {
		t.Errorf("estimated %d: %+v", n, out)
	}
	// EUR is priced in EUR.
	out, n = EstimatePoints(b, []usage.Point{base}, "EUR")
	if want := b.For(usage.DateOf(s), "EUR"); n != 1 || out[0].Currency != "EUR" || out[0].CostNanos != 3*mustRate(t, want, usage.CategoryMarketing, "DE") {
		t.Errorf("EUR estimate %+v", out[0])
	}
}

func mustRate(t *testing.T, c *Card, cat usage.Category, country string) int64 {
	t.Helper()
	r, ok := c.Rate(cat, country)
	if !ok {
		t.Fatalf("%s has no %s rate for %s", c.ID, cat, country)
	}
	return r
}

// A currency the book lacks is priced in the book's default currency; the
// point takes that currency, unless a point of the same key keeps a cost in
// its own (the two could not be summed).
func TestEstimatePointsInAnotherCurrency(t *testing.T) {
	b := Builtin()
	s := at("2026-11-02T10:00:00Z")
	p := usage.Point{ChannelID: "ch", Start: s, End: s.Add(30 * time.Minute), Granularity: usage.HalfHour,
		Category: usage.CategoryMarketing, PricingType: usage.PricingRegular, Country: "DE", Tier: "0:MAX", Volume: 2, Currency: "JPY"}
	out, n := EstimatePoints(b, []usage.Point{p}, "JPY")
	usd := b.For(usage.DateOf(s), "USD")
	if n != 1 || out[0].Currency != "USD" || out[0].CostNanos != 2*mustRate(t, usd, usage.CategoryMarketing, "DE") {
		t.Errorf("JPY point estimated as %+v", out[0])
	}
	// No currency at all: the channel's, else the default.
	p.Currency = ""
	if out, n := EstimatePoints(b, []usage.Point{p}, "EUR"); n != 1 || out[0].Currency != "EUR" {
		t.Errorf("point without currency on an EUR channel: %+v", out[0])
	}
	if out, n := EstimatePoints(b, []usage.Point{p}, ""); n != 1 || out[0].Currency != "USD" {
		t.Errorf("point without any currency: %+v", out[0])
	}
	p.Currency = "JPY"
	twin := p
	twin.CostKnown, twin.CostNanos = true, 5
	if out, n := EstimatePoints(b, []usage.Point{p, twin}, "JPY"); n != 0 || out[0].CostKnown {
		t.Errorf("a JPY twin with a cost: estimated %d, %+v", n, out[0])
	}
	var none *Book
	if out, n := EstimatePoints(none, []usage.Point{p}, "USD"); n != 0 || out[0].CostKnown {
		t.Errorf("nil book estimated %+v", out[0])
	}
}

func TestEstimateCalls(t *testing.T) {
	b := Builtin()
	s := at("2026-10-05T10:00:00Z")
	out := usage.CallPoint{ChannelID: "ch", Start: s, End: s.Add(30 * time.Minute), Granularity: usage.HalfHour,
		Direction: usage.DirectionOutbound, Country: "DE", Count: 2, Seconds: 100, Currency: "USD"}
	in := out
	in.Direction = usage.DirectionInbound
	known := out
	known.Country, known.CostKnown, known.CostNanos = "GB", true, 77
	got, n := EstimateCalls(b, []usage.CallPoint{out, in, known}, "USD")
	if n != 2 {
		t.Fatalf("estimated %d calls, want 2", n)
	}
	// Two calls of 50 s each: 9 pulses each at the DE per-minute rate.
	perMinute := rate(t, "0.033")
	want := 2 * (9 * perMinute / 10)
	if c := got[0]; !c.CostEstimated || !c.CostKnown || c.CostNanos != want {
		t.Errorf("outbound estimate %+v, want %d", c, want)
	}
	if c := got[1]; !c.CostEstimated || c.CostNanos != 0 {
		t.Errorf("inbound estimate %+v, want 0", c)
	}
	if got[2] != known {
		t.Errorf("known call changed: %+v", got[2])
	}
	early := out
	early.Start = at("2024-01-01T00:00:00Z")
	if got, n := EstimateCalls(b, []usage.CallPoint{early}, "USD"); n != 0 || got[0].CostKnown {
		t.Errorf("call before the first card estimated: %+v", got[0])
	}
}

func TestInForce(t *testing.T) {
	b := Builtin()
	ids := func(cs []*Card) string {
		var out []string
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return strings.Join(out, ", ")
	}
	tests := []struct {
		from, to, cur, want string
	}{
		{"2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", "USD", "built-in 2026-10-01 USD"},
		{"2026-09-15T00:00:00Z", "2026-10-15T00:00:00Z", "EUR", "built-in 2026-07-01 EUR, built-in 2026-10-01 EUR"},
		{"2026-09-01T00:00:00Z", "2026-10-01T00:00:00Z", "USD", "built-in 2026-07-01 USD"},
		{"2025-06-01T00:00:00Z", "2025-07-02T00:00:00Z", "JPY", "built-in 2025-07-01 USD"},
		{"2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z", "USD", ""},
		{"2026-10-01T00:00:00Z", "2026-10-01T00:00:00Z", "USD", ""},
	}
	for _, tt := range tests {
		if got := ids(b.InForce(at(tt.from), at(tt.to), tt.cur)); got != tt.want {
			t.Errorf("InForce(%s, %s, %s) = %q, want %q", tt.from, tt.to, tt.cur, got, tt.want)
		}
	}
}
