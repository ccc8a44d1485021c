package charts

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/usage"
)

// option is the part of an ECharts option the tests look at.
type option struct {
	XAxis []struct {
		Data []string `json:"data"`
	} `json:"xAxis"`
	YAxis []struct {
		Name string `json:"name"`
	} `json:"yAxis"`
	Series []struct {
		Name      string `json:"name"`
		Type      string `json:"type"`
		Stack     string `json:"stack"`
		ItemStyle struct {
			Color string `json:"color"`
		} `json:"itemStyle"`
		Data []struct {
			Value json.Number `json:"value"`
		} `json:"data"`
	} `json:"series"`
	Tooltip struct {
		Show    bool   `json:"show"`
		Trigger string `json:"trigger"`
	} `json:"tooltip"`
	Legend struct {
		Show bool `json:"show"`
	} `json:"legend"`
	Animation *bool `json:"animation"`
}

func parseOption(t *testing.T, c Chart) option {
	t.Helper()
	var o option
	dec := json.NewDecoder(strings.NewReader(c.Option))
	dec.UseNumber()
	if err := dec.Decode(&o); err != nil {
		t.Fatalf("option is not JSON: %v\n%s", err, c.Option)
	}
	return o
}

func seriesValues(o option, name string) []string {
	for _, s := range o.Series {
		if s.Name == name {
			out := make([]string, len(s.Data))
			for i, d := range s.Data {
				out[i] = d.Value.String()
			}
			return out
		}
	}
	return nil
}

func seriesNames(o option) []string {
	var out []string
	for _, s := range o.Series {
		out = append(out, s.Name)
	}
	return out
}

// assertLocal checks what every drawn chart must satisfy: no remote host
// anywhere, the element carries the id, and the script is a data block (no
// code) that names the element, the insights theme and the SVG renderer and
// holds the option.
func assertLocal(t *testing.T, c Chart) {
	t.Helper()
	all := string(c.Element) + string(c.Script) + c.Option
	for _, bad := range []string{"https://", "http://", "//go-echarts", "cdn"} {
		if strings.Contains(all, bad) {
			t.Errorf("chart %s references a remote host (%q)", c.ID, bad)
		}
	}
	if !strings.Contains(string(c.Element), `id="`+c.ID+`"`) {
		t.Errorf("element lacks id %q: %s", c.ID, c.Element)
	}
	if !strings.Contains(string(c.Element), "width:100%;height:320px") {
		t.Errorf("element size: %s", c.Element)
	}
	if got := scriptJSON(t, c); !reflect.DeepEqual(jsonValue(t, got), jsonValue(t, c.Option)) {
		t.Errorf("data block holds\n%s\nwant the option\n%s", got, c.Option)
	}
}

// scriptJSON is the content of c's script, which must be a JSON data block
// for c's element and nothing else.
func scriptJSON(t *testing.T, c Chart) string {
	t.Helper()
	open := `<script type="application/json" data-chart-for="` + c.ID + `" data-chart-theme="insights" data-chart-renderer="svg">`
	s := string(c.Script)
	if !strings.HasPrefix(s, open) || !strings.HasSuffix(s, "</script>") {
		t.Fatalf("script is not a JSON data block for %s: %.160s", c.ID, s)
	}
	return strings.TrimSuffix(strings.TrimPrefix(s, open), "</script>")
}

// jsonValue decodes s, keeping numbers as written.
func jsonValue(t *testing.T, s string) any {
	t.Helper()
	var v any
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("not JSON: %v\n%.300s", err, s)
	}
	return v
}

var berlin = mustZone("Europe/Berlin")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func day(d int) time.Time { return time.Date(2026, time.November, d, 0, 0, 0, 0, berlin) }

func entry(d int, c usage.Category, cur string, vol, nanos int64) usage.Entry {
	return usage.Entry{Bucket: day(d), Key: usage.GroupKey{Category: c}, Currency: cur, Volume: vol, CostNanos: nanos}
}

func TestMessagesByCategory(t *testing.T) {
	series := []usage.Entry{
		entry(1, usage.CategoryService, "EUR", 5, 0),
		entry(1, usage.CategoryMarketing, "EUR", 120, 1_569_600_000),
		entry(1, usage.CategoryMarketing, "USD", 30, 400_000_000), // same category, other currency: volumes add
		entry(2, usage.Category("NEW_THING"), "EUR", 7, 0),
		entry(3, usage.CategoryUtility, "EUR", 1_234_567, 0),
		entry(9, usage.CategoryUtility, "EUR", 999, 0), // outside the buckets: left out
	}
	buckets := []time.Time{day(1), day(2), day(3), day(4)}
	c := MessagesByCategory(series, buckets, berlin, usage.Day)
	if c.Empty {
		t.Fatal("chart with data is Empty")
	}
	if c.ID != IDMessagesByCategory || c.Zone != "Europe/Berlin" || c.Title != "Messages by category" {
		t.Errorf("ID, Zone, Title = %q, %q, %q", c.ID, c.Zone, c.Title)
	}
	assertLocal(t, c)
	o := parseOption(t, c)

	if got, want := o.XAxis[0].Data, []string{"Nov 1", "Nov 2", "Nov 3", "Nov 4"}; !reflect.DeepEqual(got, want) {
		t.Errorf("x labels = %v, want %v", got, want)
	}
	// Known categories in KnownCategories order, then unknown ones.
	if got, want := seriesNames(o), []string{"Marketing", "Utility", "Service", "New Thing"}; !reflect.DeepEqual(got, want) {
		t.Errorf("series = %v, want %v", got, want)
	}
	tests := map[string][]string{
		"Marketing": {"150", "0", "0", "0"},
		"Utility":   {"0", "0", "1234567", "0"},
		"Service":   {"5", "0", "0", "0"},
		"New Thing": {"0", "7", "0", "0"},
	}
	for name, want := range tests {
		t.Run(name, func(t *testing.T) {
			if got := seriesValues(o, name); !reflect.DeepEqual(got, want) {
				t.Errorf("values = %v, want %v", got, want)
			}
		})
	}
	for _, s := range o.Series {
		if s.Type != "bar" || s.Stack != "total" {
			t.Errorf("series %s: type %q stack %q", s.Name, s.Type, s.Stack)
		}
	}
	if o.Series[0].ItemStyle.Color != CategoryColor(usage.CategoryMarketing) {
		t.Errorf("marketing colour = %q", o.Series[0].ItemStyle.Color)
	}
	if !o.Tooltip.Show || o.Tooltip.Trigger != "axis" || !o.Legend.Show {
		t.Errorf("tooltip/legend: %+v %+v", o.Tooltip, o.Legend)
	}
	if o.Animation == nil || !*o.Animation {
		t.Errorf("animation should be on by default")
	}

	// The table has the same numbers, with the zone named.
	wantTable := Table{
		Caption: "Messages per day and category, Europe/Berlin",
		Columns: []string{"Start (Europe/Berlin)", "Marketing", "Utility", "Service", "New Thing", "Total"},
		Numeric: []bool{false, true, true, true, true, true},
		Rows: [][]string{
			{"2026-11-01", "150", "0", "5", "0", "155"},
			{"2026-11-02", "0", "0", "0", "7", "7"},
			{"2026-11-03", "0", "1,234,567", "0", "0", "1,234,567"},
			{"2026-11-04", "0", "0", "0", "0", "0"},
		},
		Foot: []string{"Total", "150", "1,234,567", "5", "7", "1,234,729"},
	}
	if !reflect.DeepEqual(c.Table, wantTable) {
		t.Errorf("table =\n%#v\nwant\n%#v", c.Table, wantTable)
	}
}

func TestMessagesByCategoryBucketsFromData(t *testing.T) {
	series := []usage.Entry{entry(3, usage.CategoryUtility, "EUR", 2, 0), entry(1, usage.CategoryUtility, "EUR", 1, 0)}
	o := parseOption(t, MessagesByCategory(series, nil, berlin, usage.Day))
	if got, want := o.XAxis[0].Data, []string{"Nov 1", "Nov 3"}; !reflect.DeepEqual(got, want) {
		t.Errorf("x labels = %v, want %v", got, want)
	}
	if got, want := seriesValues(o, "Utility"), []string{"1", "2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("values = %v, want %v", got, want)
	}
}

func TestLabels(t *testing.T) {
	utc := time.Date(2026, time.November, 3, 13, 30, 0, 0, time.UTC) // 14:30 in Berlin
	kolkata := mustZone("Asia/Kolkata")
	tests := []struct {
		name string
		t    time.Time
		loc  *time.Location
		g    usage.Granularity
		want string
	}{
		{"half hour", utc, berlin, usage.HalfHour, "Nov 3 14:30"},
		{"half hour kolkata", utc, kolkata, usage.HalfHour, "Nov 3 19:00"},
		{"day", day(3), berlin, usage.Day, "Nov 3"},
		{"month", day(1), berlin, usage.Month, "Nov 2026"},
		{"nil zone is UTC", utc, nil, usage.HalfHour, "Nov 3 13:30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Labels([]time.Time{tt.t}, tt.loc, tt.g)[0]; got != tt.want {
				t.Errorf("label = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMessagingCosts(t *testing.T) {
	series := []usage.Entry{
		entry(1, usage.CategoryMarketing, "EUR", 120, 1_569_600_000),    // 1.5696
		entry(1, usage.CategoryMarketing, "EUR", 1, 100_000_001),        // 0.100000001: sums stay exact
		entry(1, usage.CategoryMarketing, "USD", 30, 400_000_000),       // other currency: not in this chart
		entry(2, usage.CategoryAuthentication, "eur", 3, 2_500_000_000), // currency case normalised
		entry(2, usage.CategoryService, "EUR", 9, 0),                    // free service
	}
	c := MessagingCosts(series, []time.Time{day(1), day(2)}, berlin, usage.Day, "EUR")
	if c.ID != "chart_messaging_costs_eur" || c.Title != "Messaging costs (EUR)" || c.Empty {
		t.Fatalf("ID %q Title %q Empty %v", c.ID, c.Title, c.Empty)
	}
	assertLocal(t, c)
	o := parseOption(t, c)
	if got, want := seriesNames(o), []string{"Marketing", "Authentication", "Service"}; !reflect.DeepEqual(got, want) {
		t.Errorf("series = %v, want %v", got, want)
	}
	if got, want := seriesValues(o, "Marketing"), []string{"1.669600001", "0.00"}; !reflect.DeepEqual(got, want) {
		t.Errorf("marketing = %v, want %v", got, want)
	}
	if got, want := seriesValues(o, "Authentication"), []string{"0.00", "2.50"}; !reflect.DeepEqual(got, want) {
		t.Errorf("authentication = %v, want %v", got, want)
	}
	if o.YAxis[0].Name != "EUR" {
		t.Errorf("y axis name = %q", o.YAxis[0].Name)
	}
	if !strings.Contains(c.Option, `"value":1.669600001`) {
		t.Errorf("cost is not an exact number literal in the option: %s", c.Option)
	}
	wantRows := [][]string{{"2026-11-01", "1.669600001", "0.00", "0.00", "1.669600001"}, {"2026-11-02", "0.00", "2.50", "0.00", "2.50"}}
	if !reflect.DeepEqual(c.Table.Rows, wantRows) {
		t.Errorf("rows = %v, want %v", c.Table.Rows, wantRows)
	}
	if want := []string{"Total", "1.669600001", "2.50", "0.00", "4.169600001"}; !reflect.DeepEqual(c.Table.Foot, want) {
		t.Errorf("foot = %v, want %v", c.Table.Foot, want)
	}

	usd := MessagingCosts(series, []time.Time{day(1), day(2)}, berlin, usage.Day, "usd")
	if got := seriesValues(parseOption(t, usd), "Marketing"); !reflect.DeepEqual(got, []string{"0.40", "0.00"}) {
		t.Errorf("usd marketing = %v", got)
	}
	if got := Currencies(series); !reflect.DeepEqual(got, []string{"EUR", "USD"}) {
		t.Errorf("Currencies = %v", got)
	}
	if gbp := MessagingCosts(series, nil, berlin, usage.Day, "GBP"); !gbp.Empty || gbp.Script != "" {
		t.Errorf("GBP chart should be empty without script")
	}
}

func callEntry(d int, dir usage.Direction, n, secs int64) usage.CallEntry {
	return usage.CallEntry{Bucket: day(d), Direction: dir, Count: n, Seconds: secs}
}

func TestCallsByDirection(t *testing.T) {
	calls := []usage.CallEntry{
		callEntry(1, usage.DirectionOutbound, 4, 600),
		callEntry(2, usage.DirectionInbound, 10, 95),
		callEntry(2, usage.Direction("MISSED"), 2, 0),
	}
	buckets := []time.Time{day(1), day(2)}
	c := CallsByDirection(calls, buckets, berlin, usage.Day)
	assertLocal(t, c)
	o := parseOption(t, c)
	if got, want := seriesNames(o), []string{"Inbound", "Outbound", "Missed"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("series = %v, want %v", got, want)
	}
	for name, want := range map[string][]string{"Inbound": {"0", "10"}, "Outbound": {"4", "0"}, "Missed": {"0", "2"}} {
		if got := seriesValues(o, name); !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if want := []string{"Total", "10", "4", "2", "16"}; !reflect.DeepEqual(c.Table.Foot, want) {
		t.Errorf("foot = %v, want %v", c.Table.Foot, want)
	}

	d := CallDuration(calls, buckets, berlin, usage.Day)
	if d.ID != IDCallDuration {
		t.Errorf("ID = %q", d.ID)
	}
	assertLocal(t, d)
	od := parseOption(t, d)
	// 600 s = 10.00 min; 95 s = 1.58 min (rounded down).
	for name, want := range map[string][]string{"Inbound": {"0.00", "1.58"}, "Outbound": {"10.00", "0.00"}} {
		if got := seriesValues(od, name); !reflect.DeepEqual(got, want) {
			t.Errorf("%s minutes = %v, want %v", name, got, want)
		}
	}
	if od.Series[0].Type != "line" || od.Series[0].Stack != "minutes" {
		t.Errorf("duration series: %+v", od.Series[0])
	}
	if want := []string{"2026-11-02", "1.58", "0.00", "0.00", "1.58"}; !reflect.DeepEqual(d.Table.Rows[1], want) {
		t.Errorf("row = %v, want %v", d.Table.Rows[1], want)
	}
}

func TestEmpty(t *testing.T) {
	buckets := []time.Time{day(1)}
	for _, c := range []Chart{
		MessagesByCategory(nil, buckets, berlin, usage.Day),
		MessagingCosts(nil, buckets, berlin, usage.Day, "EUR"),
		CallsByDirection(nil, buckets, berlin, usage.Day),
		CallDuration(nil, buckets, berlin, usage.Day),
		Sparkline(nil),
	} {
		if !c.Empty || c.Element != "" || c.Script != "" {
			t.Errorf("%s: Empty %v, element %q", c.Title, c.Empty, c.Element)
		}
	}
}

func TestOptions(t *testing.T) {
	series := []usage.Entry{entry(1, usage.CategoryUtility, "EUR", 1, 0)}
	c := MessagesByCategory(series, nil, berlin, usage.Day, WithID("other-chart 1"), WithTitle("Mine"), Static())
	if c.ID != "other_chart_1" || c.Title != "Mine" {
		t.Errorf("ID %q Title %q", c.ID, c.Title)
	}
	if o := parseOption(t, c); o.Animation == nil || *o.Animation {
		t.Errorf("Static did not turn animation off")
	}
	if h := MessagesByCategory(series, nil, berlin, usage.Day, WithHeight("200px")); !strings.Contains(string(h.Element), "height:200px") {
		t.Errorf("height: %s", h.Element)
	}
}

func TestScriptEscapesOutsideText(t *testing.T) {
	evil := usage.Category("</SCRIPT><SCRIPT>ALERT(1)</SCRIPT>")
	c := MessagesByCategory([]usage.Entry{entry(1, evil, "EUR", 1, 0)}, nil, berlin, usage.Day)
	s := strings.ToLower(string(c.Script))
	if n := strings.Count(s, "<script"); n != 1 {
		t.Errorf("script has %d opening tags: %s", n, c.Script)
	}
	if n := strings.Count(s, "</script"); n != 1 {
		t.Errorf("script has %d closing tags", n)
	}
	// The option itself still carries the real name.
	if !strings.Contains(c.Option, `"name":"</script><script>alert(1)</script>"`) {
		t.Errorf("option lost the name: %s", c.Option)
	}
	if !strings.Contains(string(c.Script), `"name":"\u003c/script>\u003cscript>alert(1)\u003c/script>"`) {
		t.Errorf("script does not escape the name: %s", c.Script)
	}
	// JSON.parse in the browser reads the real name back.
	var back struct {
		Series []struct {
			Name string `json:"name"`
		} `json:"series"`
	}
	if err := json.Unmarshal([]byte(scriptJSON(t, c)), &back); err != nil || len(back.Series) != 1 || back.Series[0].Name != "</script><script>alert(1)</script>" {
		t.Errorf("data block does not decode to the name: %v %+v", err, back)
	}
}

func TestSparkline(t *testing.T) {
	c := Sparkline([]int64{3, 9, 6})
	if c.Empty || c.Script != "" || c.ID != "" {
		t.Fatalf("Empty %v Script %q ID %q", c.Empty, c.Script, c.ID)
	}
	el := string(c.Element)
	for _, want := range []string{`<svg viewBox="0 0 120 28"`, `points="2.0,26.0 60.0,2.0 118.0,14.0"`, `aria-label="Trend: 3 points from 3 to 6 (low 3, high 9)"`, `data-testid="sparkline"`} {
		if !strings.Contains(el, want) {
			t.Errorf("sparkline lacks %q: %s", want, el)
		}
	}
	if strings.Contains(el, " id=") {
		t.Errorf("sparkline without WithID has an id")
	}
	if want := [][]string{{"1", "3"}, {"2", "9"}, {"3", "6"}}; !reflect.DeepEqual(c.Table.Rows, want) {
		t.Errorf("rows = %v", c.Table.Rows)
	}
	flat := Sparkline([]int64{5}, WithID("s1"))
	if !strings.Contains(string(flat.Element), `points="2,14.0 118,14.0"`) || !strings.Contains(string(flat.Element), `id="s1"`) {
		t.Errorf("single-point sparkline: %s", flat.Element)
	}
}

func TestFormatCount(t *testing.T) {
	for in, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", -1234567: "-1,234,567", 100000: "100,000"} {
		if got := FormatCount(in); got != want {
			t.Errorf("FormatCount(%d) = %q, want %q", in, got, want)
		}
	}
}

// TestSnippetMatchesGoEcharts renders the same chart with fill and with
// go-echarts' own RenderSnippet: the option, the element and the script must
// be the same apart from white space, so a go-echarts upgrade that changes
// its snippet fails here.
func TestSnippetMatchesGoEcharts(t *testing.T) {
	c := newConfig("msgs_1", "Messages", []Option{WithHeight("240px")})
	series := []usage.Entry{{Bucket: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Key: usage.GroupKey{Category: usage.CategoryMarketing}, Volume: 7},
		{Bucket: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), Key: usage.GroupKey{Category: "odd </script> name"}, Volume: 3}}
	build := func() *categorySums {
		cs := sumByCategory(series, nil, time.UTC, usage.Day, func(usage.Entry) bool { return true }, func(e usage.Entry) int64 { return e.Volume })
		return &cs
	}
	var ours Chart
	fill(&ours, build().stackedBars(c, "Messages", func(v int64) any { return v }), c)
	theirs := build().stackedBars(c, "Messages", func(v int64) any { return v }).RenderSnippet()

	squash := func(s string) string { return strings.Join(strings.Fields(s), "") }
	if got, want := squash(ours.Option), squash(theirs.Option); got != want {
		t.Errorf("option:\n%s\nwant go-echarts'\n%s", got, want)
	}
	if got, want := squash(string(ours.Element)), squash(theirs.Element); got != want {
		t.Errorf("element:\n%s\nwant go-echarts'\n%s", got, want)
	}
	// go-echarts' inline script creates the chart with the theme and
	// renderer that the data block hands to app.js.
	init := squash(`echarts.init(document.getElementById('msgs_1'), "` + Theme + `", { renderer: "` + chartRenderer + `" })`)
	if !strings.Contains(squash(theirs.Script), init) {
		t.Errorf("go-echarts' script no longer does %s:\n%s", init, theirs.Script)
	}
	ours.ID = "msgs_1"
	if got := scriptJSON(t, ours); !reflect.DeepEqual(jsonValue(t, got), jsonValue(t, ours.Option)) {
		t.Errorf("data block holds\n%s\nwant the option\n%s", got, ours.Option)
	}
	if strings.Count(string(ours.Script), "</script>") != 1 {
		t.Errorf("script ends early: %s", ours.Script)
	}
}
