package spend_test

import (
	"context"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/forecast"
	"github.com/insights-dev/insights/internal/ratecard"
	"github.com/insights-dev/insights/internal/simulator"
	"github.com/insights-dev/insights/internal/spend"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
)

// On the morning of 2026-10-01 nothing of October is observed and service
// was free all through the history: the October forecast prices service
// from the card in force for October (the utility rate of each market,
// weighted by the history's mix; entry-point conversations stay free), and
// without a rate-card book it stays at zero.
func TestForecastPricesNewlyBilledServiceFromCard(t *testing.T) {
	now := time.Date(2026, 10, 1, 5, 0, 0, 0, time.UTC) // 07:00 in Berlin
	cfg := simulator.Config{Seed: 3, Clients: 1, Now: func() time.Time { return now }}
	sim := simulator.New(cfg)
	from := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	st := storetest.OpenSeeded(t, cfg, from, now)
	cl := sim.Clients()[0] // Nordlicht, Europe/Berlin, EUR
	loc, _ := time.LoadLocation(cl.Timezone)
	book := ratecard.Builtin()
	card := book.For(usage.Date{Year: 2026, Month: time.October, Day: 1}, "EUR")

	// The expected price from the simulator's truth: history up to local
	// midnight of October 1.
	var want forecast.Price
	for _, w := range cl.WABAs {
		for _, ch := range w.Channels {
			for _, p := range sim.UsagePoints(ch.ID, from, time.Date(2026, 10, 1, 0, 0, 0, 0, loc)) {
				if p.Category != usage.CategoryService {
					continue
				}
				if p.PricingType != usage.PricingFreeCustomerService && p.PricingType != usage.PricingFreeEntryPoint {
					t.Fatalf("service before October of type %s", p.PricingType)
				}
				want.Volume += p.Volume
				if p.PricingType == usage.PricingFreeCustomerService {
					r, _ := card.Rate(usage.CategoryService, p.Country)
					want.CostNanos += p.Volume * r
				}
			}
		}
	}
	if want.CostNanos == 0 {
		t.Fatal("no service history")
	}
	service := func(f spend.Forecast) forecast.CategoryResult {
		for _, c := range f.Result.Categories {
			if c.Category == usage.CategoryService {
				return c
			}
		}
		t.Fatal("no service forecast")
		return forecast.CategoryResult{}
	}
	ctx := context.Background()
	plain := &spend.Service{Store: st, Scope: store.AllClients(), Now: func() time.Time { return now }}
	priced := &spend.Service{Store: st, Scope: store.AllClients(), Now: func() time.Time { return now }, RateCard: book}
	without, err := plain.ForecastClient(ctx, cl.ID, 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	with, err := priced.ForecastClient(ctx, cl.ID, 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if without.Month.From.Month != time.October || with.Currency != "EUR" {
		t.Fatalf("forecast of %s in %s", with.Month, with.Currency)
	}
	if s := service(without); s.ForecastNanos != 0 {
		t.Errorf("without a book: service %+v, want free", s)
	}
	s := service(with)
	if wantPrice := (want.CostNanos + want.Volume/2) / want.Volume; s.PriceNanos != wantPrice || s.ForecastVolume == 0 {
		t.Errorf("service %+v, want price %d (%d / %d)", s, wantPrice, want.CostNanos, want.Volume)
	}
	if with.ForecastNanos <= without.ForecastNanos {
		t.Errorf("forecast with the card %d, without %d", with.ForecastNanos, without.ForecastNanos)
	}
	// Other categories keep their history price.
	for i, c := range with.Result.Categories {
		if c.Category != usage.CategoryService && c != without.Result.Categories[i] {
			t.Errorf("%s changed: %+v vs %+v", c.Category, c, without.Result.Categories[i])
		}
	}
}
