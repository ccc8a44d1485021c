package metrics_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/insights-dev/insights/internal/metrics"
)

func scrape(t *testing.T, r *metrics.Registry) (string, metrics.Samples) {
	t.Helper()
	var buf bytes.Buffer
	if err := r.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	s, err := metrics.ParseText(strings.NewReader(buf.String()))
	if err != nil {
		t.Fatalf("ParseText: %v\n%s", err, buf.String())
	}
	return buf.String(), s
}

func TestRegistryExposition(t *testing.T) {
	r := metrics.NewRegistry()
	c := r.Counter("polls_total", "Poll requests.", "kind", "outcome")
	h := r.Histogram("latency_seconds", "Latency.", []float64{0.1, 1}, "route")
	ages := map[string]float64{"ch1": 30, `we"ird\ch`: 7}
	r.GaugeFunc("age_seconds", "Data age.", []string{"channel"}, func(emit func(float64, ...string)) {
		for ch, a := range ages {
			emit(a, ch)
		}
	})
	r.GaugeFunc("up", "Always one.", nil, func(emit func(float64, ...string)) { emit(1) })

	c.Inc("recent", "ok")
	c.Add(2, "recent", "ok")
	c.Inc("week", "rate_limited")
	h.Observe(0.05, "/")
	h.Observe(0.5, "/")
	h.Observe(3, "/")
	if again := r.Counter("polls_total", "Poll requests.", "kind", "outcome"); again.Value("recent", "ok") != 3 {
		t.Errorf("re-registered counter sees %v, want the shared 3", again.Value("recent", "ok"))
	}

	text, got := scrape(t, r)
	want := metrics.Samples{
		`polls_total{kind="recent",outcome="ok"}`:         3,
		`polls_total{kind="week",outcome="rate_limited"}`: 1,
		`latency_seconds_bucket{route="/",le="0.1"}`:      1,
		`latency_seconds_bucket{route="/",le="1"}`:        2,
		`latency_seconds_bucket{route="/",le="+Inf"}`:     3,
		`latency_seconds_sum{route="/"}`:                  3.55,
		`latency_seconds_count{route="/"}`:                3,
		`age_seconds{channel="ch1"}`:                      30,
		`age_seconds{channel="we\"ird\\ch"}`:              7,
		`up`:                                              1,
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d samples, want %d:\n%s", len(got), len(want), text)
	}
	for _, line := range []string{"# TYPE polls_total counter", "# TYPE latency_seconds histogram", "# TYPE age_seconds gauge"} {
		if !strings.Contains(text, line+"\n") {
			t.Errorf("exposition lacks %q", line)
		}
	}

	// Values move between scrapes.
	c.Inc("recent", "ok")
	ages["ch1"] = 90
	_, got = scrape(t, r)
	if got[`polls_total{kind="recent",outcome="ok"}`] != 4 || got[`age_seconds{channel="ch1"}`] != 90 {
		t.Errorf("second scrape: counter %v, gauge %v; want 4 and 90",
			got[`polls_total{kind="recent",outcome="ok"}`], got[`age_seconds{channel="ch1"}`])
	}
}

func TestParseTextRejects(t *testing.T) {
	tests := []struct{ name, in string }{
		{"no type", "x 1\n"},
		{"bad value", "# TYPE x gauge\nx one\n"},
		{"unquoted label", "# TYPE x gauge\nx{a=b} 1\n"},
		{"unterminated label", "# TYPE x gauge\nx{a=\"b} 1\n"},
		{"bad name", "# TYPE x gauge\n1x 1\n"},
		{"duplicate", "# TYPE x gauge\nx 1\nx 2\n"},
		{"bad type", "# TYPE x thing\nx 1\n"},
		{"no value", "# TYPE x gauge\nx{a=\"b\"}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := metrics.ParseText(strings.NewReader(tt.in)); err == nil {
				t.Errorf("ParseText(%q) accepted it", tt.in)
			}
		})
	}
}

func TestMisuse(t *testing.T) {
	r := metrics.NewRegistry()
	r.Counter("a_total", "A.", "x")
	for name, f := range map[string]func(){
		"other labels":     func() { r.Counter("a_total", "A.", "y") },
		"other kind":       func() { r.Histogram("a_total", "A.", nil, "x") },
		"bad name":         func() { r.Counter("a-total", "A.") },
		"wrong arity":      func() { r.Counter("a_total", "A.", "x").Inc() },
		"negative counter": func() { r.Counter("a_total", "A.", "x").Add(-1, "v") },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		})
	}
}
