package charts

import (
	"fmt"
	"html/template"
	"sort"
	"strings"
	"time"

	"github.com/go-echarts/go-echarts/v2/render"

	"github.com/insights-dev/insights/internal/usage"
)

// safeID keeps letters, digits and underscores: go-echarts uses the id as
// part of a JavaScript variable name and inside a quoted string.
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

// fill renders r (a go-echarts chart) into out's Element, Script and Option.
//
// go-echarts writes the option into the inline script without HTML
// escaping, so a label such as "</script>" from outside data could end the
// script early. The script body that go-echarts generates has no "<" of its
// own (no comparisons, no listeners or JS functions are used here), so every
// "<" in it sits inside a JSON string, where \u003c means the same thing.
func fill(out *Chart, r render.Renderer) {
	s := r.RenderSnippet()
	out.Element = template.HTML(s.Element)
	out.Script = template.HTML(escapeScript(s.Script))
	out.Option = strings.TrimSpace(s.Option)
}

const (
	scriptOpen  = `<script type="text/javascript">`
	scriptClose = `</script>`
)

func escapeScript(script string) string {
	script = strings.TrimSpace(script)
	body, ok := strings.CutPrefix(script, scriptOpen)
	if ok {
		body, ok = strings.CutSuffix(body, scriptClose)
	}
	if !ok {
		// A go-echarts upgrade changed its template: fail loudly in tests
		// rather than emit something unchecked.
		panic(fmt.Sprintf("charts: unexpected go-echarts script shape: %.60q", script))
	}
	return scriptOpen + strings.ReplaceAll(body, "<", `\u003c`) + scriptClose
}

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
