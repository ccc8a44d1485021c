package forecast

import (
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/usage"
)

func d(s string) usage.Date {
	dt, err := usage.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return dt
}

// flatDays makes n days of constant usage ending the day before to.
func constantDays(from, to usage.Date, cat usage.Category, vol, cost int64) []Day {
	var out []Day
	for x := from; !to.Before(x); x = x.AddDays(1) {
		out = append(out, Day{Date: x, Category: cat, Volume: vol, CostNanos: cost})
	}
	return out
}

func TestMakeConstantUsage(t *testing.T) {
	month := usage.MonthPeriod(2026, time.November, time.UTC)
	days := constantDays(d("2026-09-01"), d("2026-11-10"), usage.CategoryMarketing, 100, 5_000_000_000)
	r := Make(Input{Month: month, AsOf: d("2026-11-10"), Days: days})
	// 10 observed days at 5 units, 20 projected at 5 units: exactly 150.
	if want := int64(50_000_000_000); r.ToDateNanos != want {
		t.Errorf("to date = %d, want %d", r.ToDateNanos, want)
	}
	if want := int64(150_000_000_000); r.ForecastNanos != want {
		t.Errorf("forecast = %d, want %d", r.ForecastNanos, want)
	}
	if r.LowNanos != r.ForecastNanos || r.HighNanos != r.ForecastNanos {
		t.Errorf("constant usage has no spread: low %d high %d", r.LowNanos, r.HighNanos)
	}
	if len(r.Daily) != 30 || r.Daily[9].Projected || !r.Daily[10].Projected {
		t.Fatalf("daily: %d entries, day 10 projected %v, day 11 projected %v", len(r.Daily), r.Daily[9].Projected, r.Daily[10].Projected)
	}
	if got := r.Categories[0].ForecastVolume; got != 3000 {
		t.Errorf("forecast volume = %d, want 3000", got)
	}
	if got := r.Categories[0].PriceNanos; got != 50_000_000 {
		t.Errorf("price = %d, want 50000000", got)
	}
}

func TestMakeWeekdayShape(t *testing.T) {
	// Weekdays 100 messages, weekends none, 1 unit each message-hundred.
	var days []Day
	for x := d("2026-09-07"); !d("2026-11-08").Before(x); x = x.AddDays(1) {
		if wd := x.In(time.UTC).Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		days = append(days, Day{Date: x, Category: usage.CategoryMarketing, Volume: 100, CostNanos: 1_000_000_000})
	}
	month := usage.MonthPeriod(2026, time.November, time.UTC)
	r := Make(Input{Month: month, AsOf: d("2026-11-08"), Days: days})
	// November 2026 has 21 weekdays: 5 observed by the 8th, 16 projected.
	if want := int64(21_000_000_000); r.ForecastNanos != want {
		t.Errorf("forecast = %d, want %d (weekends are free of traffic)", r.ForecastNanos, want)
	}
	naive := Naive(r.ToDateNanos, 8, 30)
	if naive == r.ForecastNanos {
		t.Errorf("naive should differ here: %d", naive)
	}
}

func TestMakeTieredPriceFalls(t *testing.T) {
	// Utility: the first days of the month cost 2 units per 100, the last
	// seven 1 unit per 100 (a lower tier reached); the rest is priced at 1.
	month := usage.MonthPeriod(2026, time.November, time.UTC)
	days := constantDays(d("2026-10-01"), d("2026-10-31"), usage.CategoryUtility, 100, 2_000_000_000)
	days = append(days, constantDays(d("2026-11-01"), d("2026-11-07"), usage.CategoryUtility, 100, 2_000_000_000)...)
	days = append(days, constantDays(d("2026-11-08"), d("2026-11-14"), usage.CategoryUtility, 100, 1_000_000_000)...)
	r := Make(Input{Month: month, AsOf: d("2026-11-14"), Days: days})
	if want := int64(21_000_000_000); r.ToDateNanos != want {
		t.Fatalf("to date = %d, want %d", r.ToDateNanos, want)
	}
	if want := int64(21_000_000_000 + 16*1_000_000_000); r.ForecastNanos != want {
		t.Errorf("forecast = %d, want %d (remaining volume at the lower tier price)", r.ForecastNanos, want)
	}
	// Marketing is not tiered: the same data is priced at the month's average.
	for i := range days {
		days[i].Category = usage.CategoryMarketing
	}
	r = Make(Input{Month: month, AsOf: d("2026-11-14"), Days: days})
	if want := int64(21_000_000_000 + 16*1_500_000_000); r.ForecastNanos != want {
		t.Errorf("marketing forecast = %d, want %d", r.ForecastNanos, want)
	}
}

func TestMakeEdges(t *testing.T) {
	month := usage.MonthPeriod(2026, time.November, time.UTC)
	days := constantDays(d("2026-10-01"), d("2026-11-30"), usage.CategoryMarketing, 10, 1_000_000_000)
	t.Run("complete month", func(t *testing.T) {
		r := Make(Input{Month: month, AsOf: d("2026-12-03"), Days: days})
		if r.ForecastNanos != 30_000_000_000 || r.LowNanos != r.ForecastNanos || r.HighNanos != r.ForecastNanos {
			t.Errorf("complete month: %+v", r)
		}
	})
	t.Run("nothing of the month yet", func(t *testing.T) {
		r := Make(Input{Month: month, AsOf: d("2026-10-31"), Days: days})
		if r.ToDateNanos != 0 || r.ForecastNanos != 30_000_000_000 {
			t.Errorf("to date %d forecast %d", r.ToDateNanos, r.ForecastNanos)
		}
	})
	t.Run("no data", func(t *testing.T) {
		r := Make(Input{Month: month, AsOf: d("2026-11-10")})
		if r.ForecastNanos != 0 || r.LowNanos != 0 || r.HighNanos != 0 || len(r.Daily) != 30 {
			t.Errorf("no data: %+v", r)
		}
	})
	t.Run("new client", func(t *testing.T) {
		r := Make(Input{Month: month, AsOf: d("2026-11-05"), Days: constantDays(d("2026-11-01"), d("2026-11-05"), usage.CategoryMarketing, 10, 1_000_000_000)})
		if r.ForecastNanos != 30_000_000_000 {
			t.Errorf("new client forecast = %d", r.ForecastNanos)
		}
	})
}

func TestRunway(t *testing.T) {
	tests := []struct {
		name          string
		balance, rate int64
		want          float64
		ok            bool
	}{
		{"ten days", 100_000_000_000, 10_000_000_000, 10, true},
		{"half a day", 5_000_000_000, 10_000_000_000, 0.5, true},
		{"no spending", 100_000_000_000, 0, 0, false},
		{"overdrawn", -5, 10, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Runway(tc.balance, tc.rate)
			if got != tc.want || ok != tc.ok {
				t.Errorf("Runway(%d, %d) = %v, %v; want %v, %v", tc.balance, tc.rate, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestRecentDailySpendAndNaive(t *testing.T) {
	days := constantDays(d("2026-11-01"), d("2026-11-10"), usage.CategoryMarketing, 1, 7_000_000_000)
	days = append(days, Day{Date: d("2026-11-10"), Category: usage.CategoryUtility, CostNanos: 7_000_000_000})
	if got := RecentDailySpend(days, d("2026-11-10"), 7); got != 8_000_000_000 {
		t.Errorf("recent daily spend = %d, want 8000000000", got)
	}
	if got := RecentDailySpend(days, d("2026-11-14"), 7); got != 4_000_000_000 {
		t.Errorf("recent daily spend with 4 empty days = %d, want 4000000000", got)
	}
	if got := Naive(10_000_000_000, 7, 30); got != 42_857_142_857 {
		t.Errorf("naive = %d", got)
	}
	if got := mulDiv(-3, 1, 2); got != -2 {
		t.Errorf("mulDiv(-3,1,2) = %d, want -2 (half away from zero)", got)
	}
}

func TestCumulative(t *testing.T) {
	r := Result{ToDateNanos: 10, ForecastNanos: 30, LowNanos: 20, HighNanos: 50, Daily: []DayResult{
		{CostNanos: 4}, {CostNanos: 6}, {Projected: true, CostNanos: 10}, {Projected: true, CostNanos: 10},
	}}
	got := r.Cumulative()
	want := []CumulativeDay{
		{CostNanos: 4, LowNanos: 4, HighNanos: 4},
		{CostNanos: 10, LowNanos: 10, HighNanos: 10},
		{Projected: true, CostNanos: 20, LowNanos: 15, HighNanos: 30},
		{Projected: true, CostNanos: 30, LowNanos: 20, HighNanos: 50},
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("day %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// An October 2026 forecast made before any October day is observed prices
// service, free in the history, from the card in force for October; once a
// day of the month is observed, the month's own price is used.
func TestMakeCardPriceForNewlyBilledCategory(t *testing.T) {
	month := usage.MonthPeriod(2026, time.October, time.UTC)
	history := append(constantDays(d("2026-08-01"), d("2026-09-30"), usage.CategoryService, 100, 0),
		constantDays(d("2026-08-01"), d("2026-09-30"), usage.CategoryMarketing, 10, 1_000_000_000)...)
	card := map[usage.Category]Price{usage.CategoryService: {CostNanos: 45_600_000, Volume: 1}}
	service := func(r Result) CategoryResult {
		for _, c := range r.Categories {
			if c.Category == usage.CategoryService {
				return c
			}
		}
		t.Fatal("no service forecast")
		return CategoryResult{}
	}
	old := Make(Input{Month: month, AsOf: d("2026-09-30"), Days: history})
	if got := service(old); got.ForecastNanos != 0 || got.ForecastVolume != 3100 {
		t.Fatalf("without the card: service %+v, want 3100 free messages", got)
	}
	r := Make(Input{Month: month, AsOf: d("2026-09-30"), Days: history, CardPrices: card, CardFrom: d("2026-10-01")})
	if got := service(r); got.ForecastNanos != 3100*45_600_000 || got.PriceNanos != 45_600_000 {
		t.Errorf("with the card: service %+v, want 3100 × 0.0456", got)
	}
	if r.ForecastNanos != old.ForecastNanos+3100*45_600_000 {
		t.Errorf("total %d, want %d + service", r.ForecastNanos, old.ForecastNanos)
	}
	// A card as old as the history changes nothing.
	same := Make(Input{Month: month, AsOf: d("2026-09-30"), Days: history, CardPrices: card, CardFrom: d("2025-07-01")})
	if got := service(same); got.ForecastNanos != 0 {
		t.Errorf("card older than the history: service %+v", got)
	}
	// With October days observed (billed at 0.05), their price applies.
	observed := append(history, constantDays(d("2026-10-01"), d("2026-10-03"), usage.CategoryService, 100, 5_000_000_000)...)
	r = Make(Input{Month: month, AsOf: d("2026-10-03"), Days: observed, CardPrices: card, CardFrom: d("2026-10-01")})
	if got := service(r); got.PriceNanos != 50_000_000 {
		t.Errorf("month price: %+v, want 0.05", got)
	}
}
