package metrics

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// DefaultBuckets are the HTTP latency histogram's upper bounds in seconds.
var DefaultBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// ContentType is the Content-Type of the text exposition format.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

type kind string

const (
	kindCounter   kind = "counter"
	kindGauge     kind = "gauge"
	kindHistogram kind = "histogram"
)

// Registry holds metric families. It is safe for concurrent use.
type Registry struct {
	mu       sync.Mutex
	families map[string]*family
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{families: map[string]*family{}} }

// family is one metric name with its samples.
type family struct {
	name, help string
	kind       kind
	labels     []string
	buckets    []float64 // histograms

	mu     sync.Mutex
	series map[string]*series // by joined label values

	collect func(emit func(value float64, labelValues ...string)) // gauge funcs
}

type series struct {
	values []string
	value  float64  // counter
	counts []uint64 // histogram, per bucket (not cumulative)
	count  uint64   // histogram
	sum    float64  // histogram
}

func (r *Registry) register(f *family) *family {
	if !validName(f.name) {
		panic(fmt.Sprintf("metrics: invalid metric name %q", f.name))
	}
	for _, l := range f.labels {
		if !validName(l) || l == "le" {
			panic(fmt.Sprintf("metrics: invalid label name %q on %s", l, f.name))
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.families[f.name]; ok {
		if old.kind != f.kind || !slices.Equal(old.labels, f.labels) || !slices.Equal(old.buckets, f.buckets) {
			panic(fmt.Sprintf("metrics: %s registered twice with different kind, labels or buckets", f.name))
		}
		return old
	}
	f.series = map[string]*series{}
	r.families[f.name] = f
	return f
}

// Counter is a family of monotonically increasing values.
type Counter struct{ f *family }

// Counter registers (or returns) the counter name with the given label names.
func (r *Registry) Counter(name, help string, labels ...string) *Counter {
	return &Counter{r.register(&family{name: name, help: help, kind: kindCounter, labels: labels})}
}

// Add adds delta (≥ 0) to the series with the given label values, one per
// label name.
func (c *Counter) Add(delta float64, labelValues ...string) {
	if delta < 0 {
		panic(fmt.Sprintf("metrics: counter %s decreased by %v", c.f.name, delta))
	}
	c.f.mu.Lock()
	c.f.get(labelValues).value += delta
	c.f.mu.Unlock()
}

// Inc adds one.
func (c *Counter) Inc(labelValues ...string) { c.Add(1, labelValues...) }

// Value returns the current value of a series (0 when it was never set).
func (c *Counter) Value(labelValues ...string) float64 {
	c.f.mu.Lock()
	defer c.f.mu.Unlock()
	if s, ok := c.f.series[strings.Join(labelValues, "\xff")]; ok {
		return s.value
	}
	return 0
}

// Histogram is a family of bucketed observations.
type Histogram struct{ f *family }

// Histogram registers (or returns) the histogram name with the given upper
// bounds (ascending; +Inf is implied) and label names.
func (r *Registry) Histogram(name, help string, buckets []float64, labels ...string) *Histogram {
	if !sort.Float64sAreSorted(buckets) {
		panic(fmt.Sprintf("metrics: %s buckets are not ascending", name))
	}
	return &Histogram{r.register(&family{name: name, help: help, kind: kindHistogram, labels: labels,
		buckets: slices.Clone(buckets)})}
}

// Observe records v in the series with the given label values.
func (h *Histogram) Observe(v float64, labelValues ...string) {
	h.f.mu.Lock()
	defer h.f.mu.Unlock()
	s := h.f.get(labelValues)
	if s.counts == nil {
		s.counts = make([]uint64, len(h.f.buckets))
	}
	if i := sort.SearchFloat64s(h.f.buckets, v); i < len(h.f.buckets) {
		s.counts[i]++
	}
	s.count++
	s.sum += v
}

// GaugeFunc registers a gauge family whose samples are produced at scrape
// time: collect calls emit once per series. A second registration of name
// replaces collect.
func (r *Registry) GaugeFunc(name, help string, labels []string, collect func(emit func(value float64, labelValues ...string))) {
	f := r.register(&family{name: name, help: help, kind: kindGauge, labels: labels})
	f.mu.Lock()
	f.collect = collect
	f.mu.Unlock()
}

// CounterFunc registers a counter family read at scrape time, for counts
// kept elsewhere (such as the webhook receiver's).
func (r *Registry) CounterFunc(name, help string, labels []string, collect func(emit func(value float64, labelValues ...string))) {
	f := r.register(&family{name: name, help: help, kind: kindCounter, labels: labels})
	f.mu.Lock()
	f.collect = collect
	f.mu.Unlock()
}

// get returns the series for values, creating it; f.mu must be held.
func (f *family) get(values []string) *series {
	if len(values) != len(f.labels) {
		panic(fmt.Sprintf("metrics: %s wants %d label values, got %d", f.name, len(f.labels), len(values)))
	}
	k := strings.Join(values, "\xff")
	s, ok := f.series[k]
	if !ok {
		s = &series{values: slices.Clone(values)}
		f.series[k] = s
	}
	return s
}

// WriteText writes every family in the text exposition format, families
// and series in name order.
func (r *Registry) WriteText(w io.Writer) error {
	r.mu.Lock()
	fams := make([]*family, 0, len(r.families))
	for _, f := range r.families {
		fams = append(fams, f)
	}
	r.mu.Unlock()
	sort.Slice(fams, func(i, j int) bool { return fams[i].name < fams[j].name })
	bw := bufio.NewWriter(w)
	for _, f := range fams {
		f.write(bw)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("metrics: write: %w", err)
	}
	return nil
}

func (f *family) write(w *bufio.Writer) {
	f.mu.Lock()
	collect := f.collect
	var rows []series
	if collect == nil {
		rows = make([]series, 0, len(f.series))
		for _, s := range f.series {
			c := *s
			c.counts = slices.Clone(s.counts)
			rows = append(rows, c)
		}
	}
	f.mu.Unlock()
	if collect != nil {
		collect(func(v float64, values ...string) {
			if len(values) != len(f.labels) {
				panic(fmt.Sprintf("metrics: %s wants %d label values, got %d", f.name, len(f.labels), len(values)))
			}
			rows = append(rows, series{values: slices.Clone(values), value: v})
		})
	}
	sort.Slice(rows, func(i, j int) bool { return slices.Compare(rows[i].values, rows[j].values) < 0 })
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", f.name, escapeHelp(f.help), f.name, f.kind)
	for _, s := range rows {
		if f.kind != kindHistogram {
			fmt.Fprintf(w, "%s%s %s\n", f.name, labelText(f.labels, s.values, "", ""), formatValue(s.value))
			continue
		}
		var cum uint64
		for i, ub := range f.buckets {
			if s.counts != nil {
				cum += s.counts[i]
			}
			fmt.Fprintf(w, "%s_bucket%s %d\n", f.name, labelText(f.labels, s.values, "le", formatValue(ub)), cum)
		}
		fmt.Fprintf(w, "%s_bucket%s %d\n", f.name, labelText(f.labels, s.values, "le", "+Inf"), s.count)
		fmt.Fprintf(w, "%s_sum%s %s\n", f.name, labelText(f.labels, s.values, "", ""), formatValue(s.sum))
		fmt.Fprintf(w, "%s_count%s %d\n", f.name, labelText(f.labels, s.values, "", ""), s.count)
	}
}

func labelText(names, values []string, extraName, extraValue string) string {
	if len(names) == 0 && extraName == "" {
		return ""
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, n := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(n)
		b.WriteString(`="`)
		b.WriteString(escapeLabel(values[i]))
		b.WriteByte('"')
	}
	if extraName != "" {
		if len(names) > 0 {
			b.WriteByte(',')
		}
		b.WriteString(extraName + `="` + extraValue + `"`)
	}
	b.WriteByte('}')
	return b.String()
}

var (
	labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
)

func escapeLabel(s string) string { return labelEscaper.Replace(s) }
func escapeHelp(s string) string  { return helpEscaper.Replace(s) }

func formatValue(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// validName reports whether s is a valid metric or label name.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		ok := c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9')
		if !ok {
			return false
		}
	}
	return true
}
