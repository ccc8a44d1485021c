package spend_test

import (
	"context"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/forecast"
	"github.com/insights-dev/insights/internal/simulator"
	"github.com/insights-dev/insights/internal/spend"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
)

var simNow = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func TestForecastAndBalancesFromSimulator(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: seeds 135 days of the simulated partner")
	}
	cfg := simulator.Config{Seed: 3, Clients: 2, Now: func() time.Time { return simNow }}
	sim := simulator.New(cfg)
	from := simNow.AddDate(0, 0, -135)
	st := storetest.OpenSeeded(t, cfg, from, simNow)
	ctx := context.Background()
	svc := &spend.Service{Store: st, Scope: store.AllClients(), Now: func() time.Time { return simNow }}
	cl := sim.Clients()[0] // Nordlicht, Europe/Berlin, EUR
	loc, _ := time.LoadLocation(cl.Timezone)

	// Month-to-date: the simulator's truth from local midnight of Nov 1 to now.
	var mtd int64
	for _, w := range cl.WABAs {
		for _, ch := range w.Channels {
			for _, p := range sim.UsagePoints(ch.ID, time.Date(2026, 11, 1, 0, 0, 0, 0, loc), simNow) {
				mtd += p.CostNanos
			}
		}
	}
	f, err := svc.ForecastClient(ctx, cl.ID, 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.Month.From != (usage.Date{Year: 2026, Month: time.November, Day: 1}) || f.Zone.String() != "Europe/Berlin" || f.Currency != "EUR" {
		t.Fatalf("forecast scope: %s %s %s", f.Month, f.Zone, f.Currency)
	}
	if f.ToDateNanos != mtd {
		t.Errorf("to date = %s, want the simulator's %s", usage.FormatDecimal(f.ToDateNanos), usage.FormatDecimal(mtd))
	}
	if !(f.LowNanos <= f.ForecastNanos && f.ForecastNanos <= f.HighNanos && f.ForecastNanos > mtd) {
		t.Errorf("forecast %d not in [%d, %d] or not above to-date %d", f.ForecastNanos, f.LowNanos, f.HighNanos, mtd)
	}
	// The simulator has data only up to its clock: the forecast stays near
	// the pro-rata guess of the same days.
	if naive := forecast.Naive(f.Result.ToDateNanos, 19, 30); f.ForecastNanos < naive*85/100 || f.ForecastNanos > naive*115/100 {
		t.Errorf("forecast %d far from the naive %d", f.ForecastNanos, naive)
	}
	if f.Budget != nil || f.OverBudget() {
		t.Error("no budget set, yet one is reported")
	}
	if err := st.SetBudget(ctx, store.Budget{ClientID: cl.ID, Currency: "EUR", AmountNanos: f.ForecastNanos / 2}); err != nil {
		t.Fatal(err)
	}
	f, _ = svc.ForecastClient(ctx, cl.ID, 0, 0, nil)
	if !f.OverBudget() {
		t.Error("a budget of half the forecast is not over budget")
	}

	// A past month is complete: forecast = to date.
	oct, err := svc.ForecastClient(ctx, cl.ID, 2026, time.October, nil)
	if err != nil || oct.InProgress || oct.ForecastNanos != oct.ToDateNanos || oct.LowNanos != oct.HighNanos {
		t.Errorf("October: %+v, %v", oct, err)
	}

	// Balances: runway = balance / mean daily spend of the last 7 days.
	ch := cl.WABAs[0].Channels[0]
	bal, thr := sim.Balance(ch.ID)
	if err := st.SaveBalance(ctx, store.BalanceReading{ChannelID: ch.ID, ReadAt: simNow, Currency: ch.Currency, BalanceNanos: bal, ThresholdNanos: &thr}); err != nil {
		t.Fatal(err)
	}
	var week int64
	for _, p := range sim.UsagePoints(ch.ID, simNow.Add(-7*24*time.Hour), simNow) {
		week += p.CostNanos
	}
	for _, p := range sim.CallPoints(ch.ID, simNow.Add(-7*24*time.Hour), simNow) {
		week += p.CostNanos
	}
	bs, err := svc.Balances(ctx, store.ChannelFilter{ClientIDs: []string{cl.ID}})
	if err != nil || len(bs) != 1 {
		t.Fatalf("balances = %+v, %v", bs, err)
	}
	b := bs[0]
	if b.DailySpendNanos != week/7 || b.RunwayDays == nil || b.ClientID != cl.ID {
		t.Fatalf("balance = %+v; want daily spend %d", b, week/7)
	}
	want, _ := forecast.Runway(bal, week/7)
	if d := *b.RunwayDays - want; d > 0.051 || d < -0.051 {
		t.Errorf("runway = %v days, want %.2f", *b.RunwayDays, want)
	}
	if b.Low() != (bal < thr) {
		t.Errorf("low = %v with balance %d threshold %d", b.Low(), bal, thr)
	}
}
