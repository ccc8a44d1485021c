package charts

import (
	"html/template"
	"sort"
	"strings"
	"time"

	"github.com/insights-dev/insights/internal/usage"
)

// safeID keeps letters, digits and underscores: the id is written into HTML
// attributes unescaped, and go-echarts' own snippet uses it as part of a
// JavaScript variable name.
func safeID(id string) string {
	var b strings.Builder
	for i, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '_':
			b.WriteRune(r)
		case r >= '0' && r <= '9':
			if i == 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "chart"
	}
	return b.String()
}

// echart is what fill needs of a go-echarts chart (*charts.Bar, *charts.Line).
type echart interface {
	Validate()
	JSONNotEscaped() template.HTML
}

// fill renders ch, built with config c, into out's Element, Script and
// Option: the element that go-echarts' RenderSnippet writes, and beside it
// the option as a JSON data block that static/js/app.js draws from, so the
// page needs no inline script and the Content-Security-Policy can forbid
// them. RenderSnippet parses its three templates on every call, encodes the
// option twice and runs a regular expression over it for JavaScript
// functions, which these charts never use: two thirds of a page's render
// time. TestSnippetMatchesGoEcharts keeps the two in step.
//
// The browser ends a <script> element, JSON or not, at the first
// "</script", so a label such as "</script>" from outside data could end the
// block early. JSON has no "<" outside strings, and inside one \u003c means
// the same thing, so every "<" is written that way.
func fill(out *Chart, ch echart, c config) {
	ch.Validate()
	option := strings.TrimSpace(string(ch.JSONNotEscaped()))
	out.Option = option
	id := c.id
	out.Element = template.HTML(`<div class="container"><div class="item" id="` + id + `" style="width:` +
		template.HTMLEscapeString(chartWidth) + `;height:` + template.HTMLEscapeString(c.height) + `;"></div></div>`)
	out.Script = template.HTML(`<script type="application/json" data-chart-for="` + id + `" data-chart-theme="` + Theme +
		`" data-chart-renderer="` + chartRenderer + `">` + strings.ReplaceAll(option, "<", `\u003c`) + scriptClose)
}

const (
	scriptClose = `</script>`
	// chartWidth and chartRenderer are every chart's width and ECharts renderer.
	chartWidth    = "100%"
	chartRenderer = "svg"
)

// timeAxis is the x axis of a time-series chart: bucket starts in the
// chart's zone and their labels.
type timeAxis struct {
	buckets []time.Time
	index   map[int64]int
	labels  []string
	cells   []string // first table column: unambiguous bucket start
}

// newTimeAxis uses buckets when given (so empty buckets show as zero), and
// otherwise the distinct buckets seen in the data, in order.
func newTimeAxis(buckets, seen []time.Time, loc *time.Location, g usage.Granularity) timeAxis {
	if loc == nil {
		loc = time.UTC
	}
	if len(buckets) == 0 {
		uniq := map[int64]time.Time{}
		for _, b := range seen {
			uniq[b.Unix()] = b
		}
		for _, b := range uniq {
			buckets = append(buckets, b)
		}
		sort.Slice(buckets, func(i, j int) bool { return buckets[i].Before(buckets[j]) })
	}
	a := timeAxis{buckets: buckets, index: make(map[int64]int, len(buckets)), labels: Labels(buckets, loc, g)}
	layout := tableTimeLayout(g)
	for i, b := range buckets {
		a.index[b.Unix()] = i
		a.cells = append(a.cells, b.In(loc).Format(layout))
	}
	return a
}

// pos is the index of bucket b on the axis, or -1 when it is not on it.
func (a timeAxis) pos(b time.Time) int {
	if i, ok := a.index[b.Unix()]; ok {
		return i
	}
	return -1
}
