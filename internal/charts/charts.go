// Package charts turns usage series into go-echarts charts and hands them to
// the templates as HTML snippets (an element and the chart's option as a JSON
// data block, which static/js/app.js draws from), plus a data table with
// exactly the numbers that are plotted.
//
// Why snippets: the page layout already loads /static/vendor/echarts.min.js
// from our own origin, so go-echarts' whole-page render (which writes its own
// <head> and a remote assets host) is never used; AssetsHost is still set to
// our own path so that nothing in the output can point elsewhere.
//
// Money is summed as int64 nano-units and written into the option as an
// exact decimal literal (json.Number), so no float64 is involved even in the
// plotting path; ECharts parses the literal itself. Every chart names its
// time zone, and x labels are bucket starts in that zone.
package charts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"strconv"
	"time"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/insights-dev/insights/internal/usage"
)

// Fixed element ids of the charts; each page shows each chart at most once
// unless it passes WithID. The option block names its element by id, so ids
// must be unique on a page.
const (
	IDMessagesByCategory = "chart_messages_by_category"
	IDMessagingCosts     = "chart_messaging_costs"
	IDCallsByDirection   = "chart_calls_by_direction"
	IDCallDuration       = "chart_call_duration"
)

// AssetsHost is where ECharts is served from: our own origin, never a CDN.
const AssetsHost = "/static/vendor/"

// Theme is the ECharts theme name the charts are created with; static/js/app.js
// registers it (light or dark) before it draws the first chart.
const Theme = "insights"

// DefaultHeight is the plot height of the time-series charts.
const DefaultHeight = "320px"

// Chart is a rendered chart ready for a template.
type Chart struct {
	ID    string
	Title string
	// Zone is the IANA name of the zone the buckets are in ("Europe/Berlin").
	Zone string
	// Element is the container div; Script the JSON data block (type
	// application/json, never executed) that static/js/app.js draws the
	// chart into Element from.
	Element template.HTML
	Script  template.HTML
	// Option is the ECharts option as JSON (for tests and debugging).
	Option string
	// Table holds the plotted numbers for the data table beside the chart.
	Table Table
	// Empty is true when no data fell into the buckets; templates then show
	// an empty state instead of an empty plot.
	Empty bool
}

// Table is a plain data table: a header row, body rows and an optional
// footer (totals). Cells are display strings, aligned with the chart.
type Table struct {
	Caption string
	Columns []string
	Rows    [][]string
	Foot    []string
	// Numeric marks the columns to right-align (same length as Columns).
	Numeric []bool
}

// Option changes how a chart is built.
type Option func(*config)

type config struct {
	id        string
	title     string
	height    string
	animation bool
}

// WithID replaces the chart's fixed element id (use letters, digits and _).
func WithID(id string) Option { return func(c *config) { c.id = id } }

// WithTitle replaces the chart's default title.
func WithTitle(title string) Option { return func(c *config) { c.title = title } }

// WithHeight sets the plot height as a CSS length ("240px").
func WithHeight(h string) Option { return func(c *config) { c.height = h } }

// Static turns animation off, for reports and PDFs that are captured at once.
func Static() Option { return func(c *config) { c.animation = false } }

func newConfig(id, title string, options []Option) config {
	c := config{id: id, title: title, height: DefaultHeight, animation: true}
	for _, o := range options {
		o(&c)
	}
	return c
}

// globalOpts are the options every time-series chart shares.
func globalOpts(c config, yName string) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		charts.WithInitializationOpts(opts.Initialization{
			ChartID:    c.id,
			Width:      chartWidth,
			Height:     c.height,
			Theme:      Theme,
			Renderer:   chartRenderer,
			AssetsHost: AssetsHost,
			PageTitle:  c.title,
		}),
		charts.WithAnimation(c.animation),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Type: "plain", Bottom: "0", Left: "center"}),
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "16", Top: "28", Bottom: "64", ContainLabel: opts.Bool(true)}),
		charts.WithAriaOpts(&opts.Aria{Enabled: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", AxisLabel: &opts.AxisLabel{HideOverlap: opts.Bool(true)}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: yName, SplitLine: &opts.SplitLine{Show: opts.Bool(true)}}),
	}
}

// zoneName is the IANA name of loc; nil means UTC.
func zoneName(loc *time.Location) string {
	if loc == nil {
		return "UTC"
	}
	return loc.String()
}

// LabelLayout is the Go time layout of x labels for granularity g.
func LabelLayout(g usage.Granularity) string {
	switch g {
	case usage.HalfHour:
		return "Jan 2 15:04"
	case usage.Month:
		return "Jan 2006"
	default:
		return "Jan 2"
	}
}

// Labels formats bucket starts as x labels in loc.
func Labels(buckets []time.Time, loc *time.Location, g usage.Granularity) []string {
	if loc == nil {
		loc = time.UTC
	}
	layout := LabelLayout(g)
	out := make([]string, len(buckets))
	for i, b := range buckets {
		out[i] = b.In(loc).Format(layout)
	}
	return out
}

// tableTimeLayout is the layout of the first table column: unambiguous
// across years, unlike the short chart labels.
func tableTimeLayout(g usage.Granularity) string {
	switch g {
	case usage.HalfHour:
		return "2006-01-02 15:04"
	case usage.Month:
		return "2006-01"
	default:
		return "2006-01-02"
	}
}

func granularityNoun(g usage.Granularity) string {
	switch g {
	case usage.HalfHour:
		return "half hour"
	case usage.Month:
		return "month"
	default:
		return "day"
	}
}

// FormatCount writes n with thousands separators ("12,345").
func FormatCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := false
	if n < 0 {
		neg, s = true, s[1:]
	}
	var b bytes.Buffer
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// decimal is an exact decimal literal for the option JSON.
func decimal(nanos int64) json.Number { return json.Number(usage.FormatDecimal(nanos)) }

// minutes writes seconds as minutes with two decimals, rounded down, using
// integers only ("90 s" → "1.50").
func minutes(seconds int64) string {
	hundredths := seconds * 100 / 60
	return fmt.Sprintf("%d.%02d", hundredths/100, hundredths%100)
}

// jsonMinutes is minutes(seconds) as an exact literal for the option JSON.
func jsonMinutes(seconds int64) json.Number { return json.Number(minutes(seconds)) }
