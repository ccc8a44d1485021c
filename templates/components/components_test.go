package components

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"

	"github.com/insights-dev/insights/internal/charts"
	"github.com/insights-dev/insights/internal/usage"
)

func render(t *testing.T, c templ.Component) *goquery.Document {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func text(s *goquery.Selection) string { return strings.Join(strings.Fields(s.Text()), " ") }

func TestKPICard(t *testing.T) {
	tests := []struct {
		name                    string
		delta, class, previous  string
		wantClass               string
		wantDelta, wantPrevious bool
	}{
		{"up", "+12.5%", DeltaUp, "vs 1,000", "delta delta--up", true, true},
		{"down with prefix", "−3.0%", "delta--down", "vs 9", "delta delta--down", true, true},
		{"no comparison", "", "", "", "", false, false},
		{"n/a", "n/a", DeltaNA, "no previous data", "delta delta--na", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := render(t, KPICard("Messages", "1,125", tt.delta, tt.class, tt.previous, "kpi-messages"))
			card := doc.Find(`[data-testid="kpi-messages"]`)
			if card.Length() != 1 {
				t.Fatal("card missing")
			}
			if got := text(card.Find(`[data-testid="kpi-label"]`)); got != "Messages" {
				t.Errorf("label = %q", got)
			}
			if got := text(card.Find(`[data-testid="kpi-value"]`)); got != "1,125" {
				t.Errorf("value = %q", got)
			}
			d := card.Find(`[data-testid="kpi-delta"]`)
			if (d.Length() == 1) != tt.wantDelta {
				t.Fatalf("delta shown = %v", d.Length() == 1)
			}
			if tt.wantDelta {
				if cls, _ := d.Attr("class"); cls != tt.wantClass {
					t.Errorf("class = %q, want %q", cls, tt.wantClass)
				}
				if got := text(d); got != tt.delta {
					t.Errorf("delta = %q", got)
				}
				if l, _ := d.Attr("aria-label"); l == "" {
					t.Errorf("delta without aria-label")
				}
			}
			if p := card.Find(`[data-testid="kpi-previous"]`); (p.Length() == 1) != tt.wantPrevious || (tt.wantPrevious && text(p) != tt.previous) {
				t.Errorf("previous = %q", text(p))
			}
		})
	}
}

func TestDelta(t *testing.T) {
	tests := []struct {
		cur, prev           int64
		wantClass, wantText string
	}{
		{125, 100, DeltaUp, "+25.0%"},
		{75, 100, DeltaDown, "\u221225.0%"},
		{100, 100, DeltaFlat, "0.0%"},
		{5, 0, DeltaNA, "n/a"},
		{0, 0, DeltaNA, "n/a"},
	}
	for _, tt := range tests {
		ch := usage.Compare(tt.cur, tt.prev)
		if got := DeltaClass(ch); got != tt.wantClass {
			t.Errorf("DeltaClass(%d,%d) = %q, want %q", tt.cur, tt.prev, got, tt.wantClass)
		}
		if got := DeltaText(ch); got != tt.wantText {
			t.Errorf("DeltaText(%d,%d) = %q, want %q", tt.cur, tt.prev, got, tt.wantText)
		}
	}
}

func sampleChart(t *testing.T) charts.Chart {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	d1 := time.Date(2026, 11, 1, 0, 0, 0, 0, loc)
	d2 := d1.AddDate(0, 0, 1)
	series := []usage.Entry{
		{Bucket: d1, Key: usage.GroupKey{Category: usage.CategoryMarketing}, Currency: "EUR", Volume: 1200},
		{Bucket: d2, Key: usage.GroupKey{Category: usage.CategoryUtility}, Currency: "EUR", Volume: 30},
	}
	return charts.MessagesByCategory(series, []time.Time{d1, d2}, loc, usage.Day)
}

func TestChartCard(t *testing.T) {
	c := sampleChart(t)
	doc := render(t, ChartCard(c))
	card := doc.Find(`[data-testid="chart-card-chart_messages_by_category"]`)
	if card.Length() != 1 {
		t.Fatal("card missing")
	}
	if got := text(card.Find(`[data-testid="chart-title"]`)); got != "Messages by category" {
		t.Errorf("title = %q", got)
	}
	if got := text(card.Find(`[data-testid="chart-zone"]`)); got != "Times in Europe/Berlin" {
		t.Errorf("zone = %q", got)
	}
	if l, _ := card.Attr("aria-labelledby"); card.Find("#"+l).Length() != 1 {
		t.Errorf("aria-labelledby %q points nowhere", l)
	}
	plot := card.Find(`[data-testid="chart"]`)
	if plot.Find("#chart_messages_by_category").Length() != 1 {
		t.Errorf("chart element missing")
	}
	// The option block that app.js draws from: data, not code.
	s := plot.Find(`script[type="application/json"][data-chart-for="chart_messages_by_category"]`)
	if s.Length() != 1 || plot.Find("script").Length() != 1 || !json.Valid([]byte(s.Text())) {
		t.Errorf("chart option block missing")
	}
	details := card.Find(`details[data-testid="chart-data"]`)
	if details.Length() != 1 {
		t.Fatal("data table details missing")
	}
	if _, open := details.Attr("open"); open {
		t.Errorf("data table open by default")
	}
	table := details.Find(`table[data-testid="chart-table"]`)
	var header []string
	table.Find("thead th").Each(func(_ int, s *goquery.Selection) { header = append(header, text(s)) })
	if want := "Start (Europe/Berlin)|Marketing|Utility|Total"; strings.Join(header, "|") != want {
		t.Errorf("header = %v", header)
	}
	var rows []string
	table.Find("tbody tr").Each(func(_ int, s *goquery.Selection) {
		var cells []string
		s.Children().Each(func(_ int, c *goquery.Selection) { cells = append(cells, text(c)) })
		rows = append(rows, strings.Join(cells, "|"))
	})
	if want := []string{"2026-11-01|1,200|0|1,200", "2026-11-02|0|30|30"}; strings.Join(rows, ";") != strings.Join(want, ";") {
		t.Errorf("rows = %v, want %v", rows, want)
	}
	var foot []string
	table.Find("tfoot tr").Children().Each(func(_ int, c *goquery.Selection) { foot = append(foot, text(c)) })
	if got := strings.Join(foot, "|"); got != "Total|1,200|30|1,230" {
		t.Errorf("foot = %q", got)
	}
	if cls, _ := table.Find("tbody td").First().Attr("class"); cls != "num" {
		t.Errorf("numeric cell class = %q", cls)
	}
	if got := text(table.Find("caption")); got != c.Table.Caption {
		t.Errorf("caption = %q", got)
	}
}

func TestChartCardEmpty(t *testing.T) {
	c := charts.CallsByDirection(nil, nil, time.UTC, usage.Day)
	doc := render(t, ChartCard(c))
	card := doc.Find(`[data-testid="chart-card-chart_calls_by_direction"]`)
	if card.Find(`[data-testid="empty-state"]`).Length() != 1 {
		t.Error("empty state missing")
	}
	if card.Find("script").Length() != 0 || card.Find(`[data-testid="chart-data"]`).Length() != 0 {
		t.Error("empty chart still has a script or data table")
	}
	if got := text(card.Find(`[data-testid="chart-zone"]`)); got != "Times in UTC" {
		t.Errorf("zone = %q", got)
	}
}

func TestFreshnessAndEmptyState(t *testing.T) {
	doc := render(t, Freshness("Data as of 14:30 (Europe/Berlin)"))
	f := doc.Find(`[data-testid="freshness"]`)
	if text(f) != "Data as of 14:30 (Europe/Berlin)" {
		t.Errorf("freshness = %q", text(f))
	}
	if st, _ := f.Attr("data-state"); st != "fresh" {
		t.Errorf("state = %q", st)
	}
	doc = render(t, FreshnessState("Last poll failed 2 h ago", "failed"))
	if cls, _ := doc.Find(`[data-testid="freshness"]`).Attr("class"); cls != "freshness freshness--failed" {
		t.Errorf("class = %q", cls)
	}
	doc = render(t, EmptyState("No clients yet", "Add a client to see data."))
	if text(doc.Find(`[data-testid="empty-state-title"]`)) != "No clients yet" ||
		text(doc.Find(`[data-testid="empty-state-text"]`)) != "Add a client to see data." {
		t.Errorf("empty state = %q", text(doc.Find(`[data-testid="empty-state"]`)))
	}
}

func TestTableAndSparkline(t *testing.T) {
	tbl := charts.Table{Columns: []string{"Client", "Messages"}, Numeric: []bool{false, true},
		Rows: [][]string{{"<Acme>", "5"}}}
	doc := render(t, Table(tbl, "clients-table"))
	tb := doc.Find(`table[data-testid="clients-table"]`)
	if got := text(tb.Find("tbody th")); got != "<Acme>" {
		t.Errorf("cell = %q (must be escaped text)", got)
	}
	if tb.Find("tfoot").Length() != 0 || tb.Find("caption").Length() != 0 {
		t.Errorf("empty foot or caption rendered")
	}
	doc = render(t, Sparkline(charts.Sparkline([]int64{1, 2, 3})))
	if doc.Find(`[data-testid="sparkline"] svg polyline`).Length() != 1 {
		t.Errorf("sparkline svg missing")
	}
	doc = render(t, Sparkline(charts.Sparkline(nil)))
	if doc.Find(`[data-testid="sparkline-empty"]`).Length() != 1 {
		t.Errorf("empty sparkline placeholder missing")
	}
	doc = render(t, KPIGrid())
	if doc.Find(`[data-testid="kpi-grid"]`).Length() != 1 {
		t.Errorf("kpi grid missing")
	}
	doc = render(t, CSRFField("abc"))
	if v, _ := doc.Find(`input[type="hidden"][name="_csrf"]`).Attr("value"); v != "abc" {
		t.Errorf("csrf field = %q", v)
	}
}
