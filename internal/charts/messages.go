package charts

import (
	"sort"
	"strings"
	"time"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/insights-dev/insights/internal/usage"
)

// categorySums holds per-category sums along a time axis.
type categorySums struct {
	axis  timeAxis
	cats  []usage.Category
	sums  map[usage.Category][]int64
	total []int64
}

// sumByCategory adds value(e) per bucket and category for the entries keep
// accepts; entries outside the axis are left out of chart and table alike.
func sumByCategory(series []usage.Entry, buckets []time.Time, loc *time.Location, g usage.Granularity,
	keep func(usage.Entry) bool, value func(usage.Entry) int64) categorySums {
	seen := make([]time.Time, 0, len(series))
	for _, e := range series {
		if keep(e) {
			seen = append(seen, e.Bucket)
		}
	}
	cs := categorySums{axis: newTimeAxis(buckets, seen, loc, g), sums: map[usage.Category][]int64{}}
	cs.total = make([]int64, len(cs.axis.buckets))
	for _, e := range series {
		if !keep(e) {
			continue
		}
		i := cs.axis.pos(e.Bucket)
		if i < 0 {
			continue
		}
		c := e.Key.Category
		row, ok := cs.sums[c]
		if !ok {
			row = make([]int64, len(cs.axis.buckets))
			cs.sums[c] = row
			cs.cats = append(cs.cats, c)
		}
		row[i] += value(e)
		cs.total[i] += value(e)
	}
	sort.Slice(cs.cats, func(i, j int) bool {
		ri, rj := cs.cats[i].Rank(), cs.cats[j].Rank()
		if ri != rj {
			return ri < rj
		}
		return cs.cats[i] < cs.cats[j]
	})
	return cs
}

// table lays the sums out as a data table, cells written by format.
func (cs categorySums) table(caption, zone string, format func(int64) string) Table {
	t := Table{Caption: caption, Columns: []string{"Start (" + zone + ")"}, Numeric: []bool{false}}
	for _, c := range cs.cats {
		t.Columns = append(t.Columns, c.Label())
		t.Numeric = append(t.Numeric, true)
	}
	t.Columns = append(t.Columns, "Total")
	t.Numeric = append(t.Numeric, true)
	colTotals := make([]int64, len(cs.cats))
	var grand int64
	for i, cell := range cs.axis.cells {
		row := []string{cell}
		for j, c := range cs.cats {
			v := cs.sums[c][i]
			colTotals[j] += v
			row = append(row, format(v))
		}
		grand += cs.total[i]
		row = append(row, format(cs.total[i]))
		t.Rows = append(t.Rows, row)
	}
	t.Foot = []string{"Total"}
	for _, v := range colTotals {
		t.Foot = append(t.Foot, format(v))
	}
	t.Foot = append(t.Foot, format(grand))
	return t
}

// stackedBars builds the go-echarts bar chart of the sums, one stacked
// series per category, values written by value.
func (cs categorySums) stackedBars(c config, yName string, value func(int64) any) *charts.Bar {
	bar := charts.NewBar()
	bar.SetGlobalOptions(globalOpts(c, yName)...)
	bar.SetXAxis(cs.axis.labels)
	for _, cat := range cs.cats {
		data := make([]opts.BarData, len(cs.axis.buckets))
		for i, v := range cs.sums[cat] {
			data[i] = opts.BarData{Value: value(v)}
		}
		bar.AddSeries(cat.Label(), data,
			charts.WithBarChartOpts(opts.BarChart{Stack: "total"}),
			charts.WithSeriesOpts(func(s *charts.SingleSeries) { s.BarMaxWidth = "48" }),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: CategoryColor(cat)}),
			charts.WithEmphasisOpts(opts.Emphasis{Focus: "series"}),
		)
	}
	return bar
}

// MessagesByCategory is the stacked bar chart of message volume per bucket,
// one series per pricing category: known categories in usage.KnownCategories
// order with fixed colours, then unknown ones by name (counted as messages).
// Categories not counted in messages (Meta Business Agent's tokens) are
// left out of chart and table. buckets (may be nil)
// fixes the x axis so that empty buckets show as zero; x labels are bucket
// starts in loc, formatted per granularity.
func MessagesByCategory(series []usage.Entry, buckets []time.Time, loc *time.Location, g usage.Granularity, options ...Option) Chart {
	c := newConfig(IDMessagesByCategory, "Messages by category", options)
	zone := zoneName(loc)
	cs := sumByCategory(series, buckets, loc, g,
		func(e usage.Entry) bool { return e.Key.Category.Unit() == usage.UnitMessage },
		func(e usage.Entry) int64 { return e.Volume })
	out := Chart{ID: safeID(c.id), Title: c.title, Zone: zone}
	out.Table = cs.table("Messages per "+granularityNoun(g)+" and category, "+zone, zone, FormatCount)
	if len(cs.cats) == 0 {
		out.Empty = true
		return out
	}
	c.id = out.ID
	fill(&out, cs.stackedBars(c, "Messages", func(v int64) any { return v }), c)
	return out
}

// CostChartID is the element id of the messaging-cost chart for currency,
// so that a page can show one chart per currency.
func CostChartID(currency string) string {
	return IDMessagingCosts + "_" + safeID(strings.ToLower(usage.NormalizeCurrency(currency)))
}

// MessagingCosts is the stacked bar chart of cost per bucket and category
// in one currency; entries in other currencies are left out (money in
// different currencies is never added). Sums are exact nano-units; the
// option carries them as exact decimal literals.
func MessagingCosts(series []usage.Entry, buckets []time.Time, loc *time.Location, g usage.Granularity, currency string, options ...Option) Chart {
	currency = usage.NormalizeCurrency(currency)
	c := newConfig(CostChartID(currency), "Messaging costs ("+currency+")", options)
	zone := zoneName(loc)
	cs := sumByCategory(series, buckets, loc, g,
		func(e usage.Entry) bool { return usage.NormalizeCurrency(e.Currency) == currency },
		func(e usage.Entry) int64 { return e.CostNanos })
	out := Chart{ID: safeID(c.id), Title: c.title, Zone: zone}
	out.Table = cs.table("Cost in "+currency+" per "+granularityNoun(g)+" and category, "+zone, zone, usage.FormatDecimal)
	if len(cs.cats) == 0 {
		out.Empty = true
		return out
	}
	c.id = out.ID
	fill(&out, cs.stackedBars(c, currency, func(v int64) any { return decimal(v) }), c)
	return out
}

// Currencies lists the currencies present in series, sorted, so a page can
// draw one cost chart for each.
func Currencies(series []usage.Entry) []string {
	t := usage.Totals{}
	for _, e := range series {
		if e.Currency != "" {
			t.Add(usage.NormalizeCurrency(e.Currency), 0)
		}
	}
	return t.Currencies()
}
