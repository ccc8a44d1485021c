package charts

import (
	"strings"
	"testing"
	"time"
)

func TestCostForecast(t *testing.T) {
	budget := int64(100_000_000_000)
	days := []ForecastDay{
		{Day: day(1), CostNanos: 10_000_000_000, LowNanos: 10_000_000_000, HighNanos: 10_000_000_000},
		{Day: day(2), CostNanos: 20_500_000_000, LowNanos: 20_500_000_000, HighNanos: 20_500_000_000},
		{Day: day(3), Projected: true, CostNanos: 30_000_000_000, LowNanos: 28_000_000_000, HighNanos: 33_000_000_000},
	}
	c := CostForecast(days, berlin, "eur", &budget)
	if c.Empty || c.ID != IDCostForecast || c.Zone != "Europe/Berlin" {
		t.Fatalf("chart: empty %v id %q zone %q", c.Empty, c.ID, c.Zone)
	}
	o := parseOption(t, c)
	if got := strings.Join(seriesValues(o, "Cost to date"), ","); got != "10.00,20.50," {
		t.Errorf("cost to date = %s", got)
	}
	if got := strings.Join(seriesValues(o, "Forecast"), ","); got != ",20.50,30.00" {
		t.Errorf("forecast = %s (joins the last observed day)", got)
	}
	if got := strings.Join(seriesValues(o, "High"), ","); got != ",20.50,33.00" {
		t.Errorf("high = %s", got)
	}
	if got := strings.Join(seriesValues(o, "Budget"), ","); got != "100.00,100.00,100.00" {
		t.Errorf("budget = %s", got)
	}
	if len(c.Table.Rows) != 3 || c.Table.Rows[2][2] != "30.00" || c.Table.Rows[0][1] != "10.00" || c.Table.Rows[2][5] != "100.00" {
		t.Errorf("table = %v", c.Table.Rows)
	}
	if e := CostForecast(nil, time.UTC, "EUR", nil); !e.Empty {
		t.Error("no days should be empty")
	}
}
