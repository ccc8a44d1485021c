package charts

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
)

// Sparkline sizes, in SVG user units (the CSS scales the drawing).
const (
	sparkWidth  = 120
	sparkHeight = 28
	sparkPad    = 2
)

// Sparkline is a tiny trend line for a table cell. It is drawn on the
// server as inline SVG rather than as an ECharts instance: an overview table
// may hold hundreds of them, which should cost neither scripts nor unique
// ids, and SVG prints crisply. Element holds the SVG; Script stays empty.
// The table lists the values in order. Empty when values is empty. Without
// WithID the element has no id, so many sparklines can share a page.
func Sparkline(values []int64, options ...Option) Chart {
	c := newConfig("", "Trend", options)
	out := Chart{Title: c.title,
		Table: Table{Caption: c.title, Columns: []string{"Point", "Value"}, Numeric: []bool{true, true}}}
	for i, v := range values {
		out.Table.Rows = append(out.Table.Rows, []string{strconv.Itoa(i + 1), FormatCount(v)})
	}
	if len(values) == 0 {
		out.Empty = true
		return out
	}
	lo, hi := values[0], values[0]
	for _, v := range values {
		lo, hi = min(lo, v), max(hi, v)
	}
	// Scale in float64 for drawing only; the values themselves stay exact.
	x := func(i int) float64 {
		if len(values) == 1 {
			return sparkWidth / 2
		}
		return sparkPad + float64(i)*float64(sparkWidth-2*sparkPad)/float64(len(values)-1)
	}
	y := func(v int64) float64 {
		if hi == lo {
			return sparkHeight / 2
		}
		return sparkPad + float64(hi-v)*float64(sparkHeight-2*sparkPad)/float64(hi-lo)
	}
	pts := make([]string, len(values))
	for i, v := range values {
		pts[i] = fmt.Sprintf("%.1f,%.1f", x(i), y(v))
	}
	if len(values) == 1 {
		pts = []string{fmt.Sprintf("%d,%.1f", sparkPad, y(values[0])), fmt.Sprintf("%d,%.1f", sparkWidth-sparkPad, y(values[0]))}
	}
	line := strings.Join(pts, " ")
	first, last := pts[0], pts[len(pts)-1]
	area := line + " " + strings.Split(last, ",")[0] + "," + strconv.Itoa(sparkHeight) + " " + strings.Split(first, ",")[0] + "," + strconv.Itoa(sparkHeight)
	label := fmt.Sprintf("%s: %d points from %s to %s (low %s, high %s)", c.title, len(values),
		FormatCount(values[0]), FormatCount(values[len(values)-1]), FormatCount(lo), FormatCount(hi))
	idAttr := ""
	if c.id != "" {
		out.ID = safeID(c.id)
		idAttr = ` id="` + out.ID + `"`
	}
	out.Element = template.HTML(fmt.Sprintf(
		`<span class="sparkline"%s data-testid="sparkline"><svg viewBox="0 0 %d %d" preserveAspectRatio="none" role="img" aria-label="%s"><polygon class="sparkline__area" points="%s"/><polyline class="sparkline__line" points="%s"/></svg></span>`,
		idAttr, sparkWidth, sparkHeight, template.HTMLEscapeString(label), area, line))
	return out
}
