package spend

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/simulator"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
)

// TestForecastCache checks that a cached forecast is returned only while
// its inputs are unchanged: new usage (the client's usage version), a
// budget, another channel scope or another day each compute it afresh, with
// the same result as an uncached service.
func TestForecastCache(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	cfg := simulator.Config{Seed: 5, Clients: 1, Now: clock}
	sim := simulator.New(cfg)
	st := storetest.OpenSeeded(t, cfg, now.AddDate(0, 0, -70), now)
	ctx := context.Background()
	cache := NewForecastCache(8)
	cached := &Service{Store: st, Scope: store.AllClients(), Now: clock, Forecasts: cache}
	fresh := &Service{Store: st, Scope: store.AllClients(), Now: clock}
	cl := sim.Clients()[0]
	ch := cl.WABAs[0].Channels[0]

	check := func(label string, wantHits int, channelIDs ...string) Forecast {
		t.Helper()
		got, err := cached.ForecastClient(ctx, cl.ID, 0, 0, channelIDs)
		if err != nil {
			t.Fatal(err)
		}
		want, err := fresh.ForecastClient(ctx, cl.ID, 0, 0, channelIDs)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: cached forecast %+v\nwant %+v", label, got, want)
		}
		if cache.hits != wantHits {
			t.Errorf("%s: %d cache hits, want %d", label, cache.hits, wantHits)
		}
		return got
	}
	first := check("first", 0)
	check("again", 1)

	// New usage today moves the client's usage version on.
	before, err := st.GetClient(ctx, store.AllClients(), cl.ID)
	if err != nil {
		t.Fatal(err)
	}
	b := now.Truncate(30 * time.Minute).Add(-time.Hour)
	pt := usage.Point{ChannelID: ch.ID, Start: b, End: b.Add(30 * time.Minute), Granularity: usage.HalfHour,
		Category: usage.CategoryMarketing, PricingType: usage.PricingRegular, Country: "DE", Tier: "0:MAX",
		Volume: 5000, Currency: ch.Currency, CostNanos: 5000 * 100_000_000, CostKnown: true}
	pts := append(sim.UsagePoints(ch.ID, b, b.Add(30*time.Minute)), pt)
	if err := st.SaveUsageWindow(ctx, store.UsageWindow{ChannelID: ch.ID, Start: b, End: b.Add(30 * time.Minute),
		Granularity: usage.HalfHour, Points: pts}); err != nil {
		t.Fatal(err)
	}
	after, err := st.GetClient(ctx, store.AllClients(), cl.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.UsageVersion <= before.UsageVersion {
		t.Fatalf("usage version %d after new usage, was %d", after.UsageVersion, before.UsageVersion)
	}
	if f := check("after new usage", 1); f.ToDateNanos <= first.ToDateNanos {
		t.Errorf("to date %d after 500 of new cost, was %d", f.ToDateNanos, first.ToDateNanos)
	}
	// Saving the same window again changes nothing.
	if err := st.SaveUsageWindow(ctx, store.UsageWindow{ChannelID: ch.ID, Start: b, End: b.Add(30 * time.Minute),
		Granularity: usage.HalfHour, Points: pts}); err != nil {
		t.Fatal(err)
	}
	check("after the same window again", 2)

	if err := st.SetBudget(ctx, store.Budget{ClientID: cl.ID, Currency: ch.Currency, AmountNanos: 1_000_000_000}); err != nil {
		t.Fatal(err)
	}
	if f := check("after a budget", 2); f.Budget == nil || !f.OverBudget() {
		t.Errorf("budget of 1 not reported over: %+v", f.Budget)
	}
	check("one channel", 2, ch.ID)
	check("one channel again", 3, ch.ID)

	now = now.Add(24 * time.Hour)
	check("the next day", 3)
	check("the next day again", 4)
	cache.Clear()
	check("after Clear", 4)

	// The oldest entries go first.
	small := NewForecastCache(2)
	for i := range 3 {
		small.put(forecastKey{client: string(rune('a' + i))}, Forecast{})
	}
	if _, ok := small.get(forecastKey{client: "a"}); ok || len(small.entries) != 2 {
		t.Errorf("cache of 2 holds %d entries, oldest kept: %v", len(small.entries), ok)
	}
}
