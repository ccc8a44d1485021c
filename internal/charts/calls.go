package charts

import (
	"sort"
	"time"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/insights-dev/insights/internal/usage"
)

// directionSums holds per-direction call counts and seconds along a time axis.
type directionSums struct {
	axis    timeAxis
	dirs    []usage.Direction
	counts  map[usage.Direction][]int64
	seconds map[usage.Direction][]int64
}

func directionRank(d usage.Direction) int {
	switch d {
	case usage.DirectionInbound:
		return 0
	case usage.DirectionOutbound:
		return 1
	}
	return 2
}

// sumByDirection sums calls per bucket and direction. Inbound and outbound
// are always present (zero when absent) once there is any call data, so the
// legend reads the same on every page; unknown directions follow by name.
func sumByDirection(calls []usage.CallEntry, buckets []time.Time, loc *time.Location, g usage.Granularity) directionSums {
	seen := make([]time.Time, 0, len(calls))
	for _, e := range calls {
		seen = append(seen, e.Bucket)
	}
	ds := directionSums{axis: newTimeAxis(buckets, seen, loc, g),
		counts: map[usage.Direction][]int64{}, seconds: map[usage.Direction][]int64{}}
	add := func(d usage.Direction) {
		if _, ok := ds.counts[d]; !ok {
			ds.counts[d] = make([]int64, len(ds.axis.buckets))
			ds.seconds[d] = make([]int64, len(ds.axis.buckets))
			ds.dirs = append(ds.dirs, d)
		}
	}
	found := false
	for _, e := range calls {
		i := ds.axis.pos(e.Bucket)
		if i < 0 {
			continue
		}
		found = true
		add(e.Direction)
		ds.counts[e.Direction][i] += e.Count
		ds.seconds[e.Direction][i] += e.Seconds
	}
	if !found {
		return ds
	}
	add(usage.DirectionInbound)
	add(usage.DirectionOutbound)
	sort.Slice(ds.dirs, func(i, j int) bool {
		ri, rj := directionRank(ds.dirs[i]), directionRank(ds.dirs[j])
		if ri != rj {
			return ri < rj
		}
		return ds.dirs[i] < ds.dirs[j]
	})
	return ds
}

func (ds directionSums) table(caption, zone string, values map[usage.Direction][]int64, format func(int64) string) Table {
	t := Table{Caption: caption, Columns: []string{"Start (" + zone + ")"}, Numeric: []bool{false}}
	for _, d := range ds.dirs {
		t.Columns = append(t.Columns, d.Label())
		t.Numeric = append(t.Numeric, true)
	}
	t.Columns = append(t.Columns, "Total")
	t.Numeric = append(t.Numeric, true)
	colTotals := make([]int64, len(ds.dirs))
	var grand int64
	for i, cell := range ds.axis.cells {
		row := []string{cell}
		var rowTotal int64
		for j, d := range ds.dirs {
			v := values[d][i]
			colTotals[j] += v
			rowTotal += v
			row = append(row, format(v))
		}
		grand += rowTotal
		t.Rows = append(t.Rows, append(row, format(rowTotal)))
	}
	t.Foot = []string{"Total"}
	for _, v := range colTotals {
		t.Foot = append(t.Foot, format(v))
	}
	t.Foot = append(t.Foot, format(grand))
	return t
}

// CallsByDirection is the bar chart of calls per bucket, inbound
// (user-initiated) beside outbound (business-initiated).
func CallsByDirection(calls []usage.CallEntry, buckets []time.Time, loc *time.Location, g usage.Granularity, options ...Option) Chart {
	c := newConfig(IDCallsByDirection, "Calls by direction", options)
	zone := zoneName(loc)
	ds := sumByDirection(calls, buckets, loc, g)
	out := Chart{ID: safeID(c.id), Title: c.title, Zone: zone}
	out.Table = ds.table("Calls per "+granularityNoun(g)+" and direction, "+zone, zone, ds.counts, FormatCount)
	if len(ds.dirs) == 0 {
		out.Empty = true
		return out
	}
	c.id = out.ID
	bar := charts.NewBar()
	bar.SetGlobalOptions(globalOpts(c, "Calls")...)
	bar.SetXAxis(ds.axis.labels)
	for _, d := range ds.dirs {
		data := make([]opts.BarData, len(ds.axis.buckets))
		for i, v := range ds.counts[d] {
			data[i] = opts.BarData{Value: v}
		}
		bar.AddSeries(d.Label(), data,
			charts.WithItemStyleOpts(opts.ItemStyle{Color: DirectionColor(d)}),
			charts.WithSeriesOpts(func(s *charts.SingleSeries) { s.BarMaxWidth = "28" }),
			charts.WithEmphasisOpts(opts.Emphasis{Focus: "series"}),
		)
	}
	fill(&out, bar, c)
	return out
}

// CallDuration is the stacked area chart of call minutes per bucket and
// direction. Minutes are seconds / 60 rounded down to 0.01, computed in
// integers and written as exact decimal literals.
func CallDuration(calls []usage.CallEntry, buckets []time.Time, loc *time.Location, g usage.Granularity, options ...Option) Chart {
	c := newConfig(IDCallDuration, "Call minutes", options)
	zone := zoneName(loc)
	ds := sumByDirection(calls, buckets, loc, g)
	out := Chart{ID: safeID(c.id), Title: c.title, Zone: zone}
	out.Table = ds.table("Call minutes per "+granularityNoun(g)+" and direction, "+zone, zone, ds.seconds, minutes)
	if len(ds.dirs) == 0 {
		out.Empty = true
		return out
	}
	c.id = out.ID
	line := charts.NewLine()
	line.SetGlobalOptions(globalOpts(c, "Minutes")...)
	line.SetXAxis(ds.axis.labels)
	for _, d := range ds.dirs {
		data := make([]opts.LineData, len(ds.axis.buckets))
		for i, v := range ds.seconds[d] {
			data[i] = opts.LineData{Value: jsonMinutes(v)}
		}
		col := DirectionColor(d)
		line.AddSeries(d.Label(), data,
			charts.WithLineChartOpts(opts.LineChart{Stack: "minutes", ShowSymbol: opts.Bool(false)}),
			charts.WithAreaStyleOpts(opts.AreaStyle{Color: col, Opacity: opts.Float(0.25)}),
			charts.WithLineStyleOpts(opts.LineStyle{Color: col, Width: 2}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: col}),
		)
	}
	fill(&out, line, c)
	return out
}
