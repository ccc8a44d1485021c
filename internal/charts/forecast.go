package charts

import (
	"time"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/insights-dev/insights/internal/usage"
)

// IDCostForecast is the element id of the month-end forecast chart.
const IDCostForecast = "chart_cost_forecast"

// ForecastDay is one day of a month's running cost total: observed, or
// projected with a range (Low ≤ Cost ≤ High).
type ForecastDay struct {
	Day                            time.Time // local midnight
	Projected                      bool
	CostNanos, LowNanos, HighNanos int64
}

// CostForecast is the line chart of a month's running cost total in one
// currency: the observed days as a solid line, the projection to month end
// as a dashed line with its low and high bounds, and the budget (when
// budgetNanos is not nil) as a flat line. The table lists the same numbers.
func CostForecast(days []ForecastDay, loc *time.Location, currency string, budgetNanos *int64, options ...Option) Chart {
	currency = usage.NormalizeCurrency(currency)
	c := newConfig(IDCostForecast, "Month to date and forecast ("+currency+")", options)
	zone := zoneName(loc)
	out := Chart{ID: safeID(c.id), Title: c.title, Zone: zone}
	out.Table = Table{Caption: "Running cost total in " + currency + " per day, " + zone + "; projected days carry a range",
		Columns: []string{"Day (" + zone + ")", "Cost to date", "Projected", "Low", "High"},
		Numeric: []bool{false, true, true, true, true}}
	if budgetNanos != nil {
		out.Table.Columns = append(out.Table.Columns, "Budget")
		out.Table.Numeric = append(out.Table.Numeric, true)
	}
	if len(days) == 0 {
		out.Empty = true
		return out
	}
	labels := make([]string, len(days))
	actual := make([]opts.LineData, len(days))
	proj := make([]opts.LineData, len(days))
	low := make([]opts.LineData, len(days))
	high := make([]opts.LineData, len(days))
	budget := make([]opts.LineData, len(days))
	none := opts.LineData{Value: nil} // null: ECharts leaves a gap
	for i, d := range days {
		labels[i] = d.Day.In(loc).Format(LabelLayout(usage.Day))
		row := []string{d.Day.In(loc).Format(tableTimeLayout(usage.Day)), "", "", "", ""}
		// The projection starts at the last observed day so the lines join.
		joins := !d.Projected && i+1 < len(days) && days[i+1].Projected
		if d.Projected {
			actual[i] = none
			row[2], row[3], row[4] = usage.FormatDecimal(d.CostNanos), usage.FormatDecimal(d.LowNanos), usage.FormatDecimal(d.HighNanos)
		} else {
			actual[i] = opts.LineData{Value: decimal(d.CostNanos)}
			row[1] = usage.FormatDecimal(d.CostNanos)
		}
		if d.Projected || joins {
			proj[i] = opts.LineData{Value: decimal(d.CostNanos)}
			low[i] = opts.LineData{Value: decimal(d.LowNanos)}
			high[i] = opts.LineData{Value: decimal(d.HighNanos)}
		} else {
			proj[i], low[i], high[i] = none, none, none
		}
		if budgetNanos != nil {
			budget[i] = opts.LineData{Value: decimal(*budgetNanos)}
			row = append(row, usage.FormatDecimal(*budgetNanos))
		}
		out.Table.Rows = append(out.Table.Rows, row)
	}
	line := charts.NewLine()
	line.SetGlobalOptions(globalOpts(c, currency)...)
	line.SetXAxis(labels)
	line.AddSeries("Cost to date", actual,
		charts.WithLineStyleOpts(opts.LineStyle{Width: 2, Color: "#2563eb"}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: "#2563eb"}))
	line.AddSeries("Forecast", proj,
		charts.WithLineStyleOpts(opts.LineStyle{Width: 2, Type: "dashed", Color: "#2563eb"}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: "#2563eb"}))
	line.AddSeries("Low", low,
		charts.WithLineStyleOpts(opts.LineStyle{Width: 1, Type: "dotted", Color: "#94a3b8"}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: "#94a3b8"}))
	line.AddSeries("High", high,
		charts.WithLineStyleOpts(opts.LineStyle{Width: 1, Type: "dotted", Color: "#94a3b8"}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: "#94a3b8"}))
	if budgetNanos != nil {
		line.AddSeries("Budget", budget,
			charts.WithLineStyleOpts(opts.LineStyle{Width: 2, Color: "#dc2626"}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: "#dc2626"}))
	}
	line.SetSeriesOptions(charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false)}))
	c.id = out.ID
	fill(&out, line, c)
	return out
}
