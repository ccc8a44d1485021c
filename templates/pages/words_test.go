package pages

import (
	"strings"
	"testing"
)

// Every kind a handler can hand over must have words: a new kind added
// without them would show an empty label on a page.

func TestEveryMeasureHasALabel(t *testing.T) {
	for m := MeasureMessages; m <= MeasureOpen; m++ {
		if m.label("EUR", "November") == "" {
			t.Errorf("measure %d has no label", m)
		}
		if reportKPILabel(ReportKPI{Measure: m, Currency: "EUR"}) == "" {
			t.Errorf("measure %d has no statement label", m)
		}
	}
	if got := kpiLabel(KPI{Measure: MeasureCost, Currency: "USD"}); got != "Total cost (USD)" {
		t.Errorf("cost label = %q", got)
	}
	if got := kpiLabel(KPI{Measure: MeasureBudget, Month: "March"}); got != "Budget for March" {
		t.Errorf("budget label = %q", got)
	}
}

func TestEverySubKindHasWords(t *testing.T) {
	for k := SubShareOfMessages; k <= SubOpenCall; k++ {
		if (Sub{Kind: k, A: "1", B: "2", N: 3, M: 4}).text("EUR") == "" {
			t.Errorf("sub kind %d has no words", k)
		}
	}
	if got := (Sub{Kind: SubActiveOf, N: 2000, M: 1}).text(""); got != "of 2,000 clients · 1 channel" {
		t.Errorf("active-of sub = %q", got)
	}
	if got := (Sub{}).text(""); got != "" {
		t.Errorf("no sub = %q, want none", got)
	}
}

func TestEveryChartAndTableHasWords(t *testing.T) {
	for k := ChartMessages; k <= ChartForecast; k++ {
		p := ChartPanel{Kind: k, Currency: "EUR", Zone: "UTC", Period: "1 – 30 Nov 2026"}
		title, text := chartEmpty(p)
		if chartTitle(p) == "" || chartSubtitle(p) == "" || title == "" || text == "" {
			t.Errorf("chart kind %d lacks words", k)
		}
	}
	for k := ByChannel; k <= Margins; k++ {
		title, dim, caption, cols := breakdownHead(Breakdown{Kind: k, Currency: "EUR", Period: "1 – 30 Nov 2026"})
		if title == "" || dim == "" || caption == "" || len(cols) == 0 {
			t.Errorf("breakdown kind %d lacks words", k)
		}
	}
	for d := ReportByCategory; d <= ReportByCurrency; d++ {
		title, dim, caption, cols := reportHead(ReportTable{By: d, Months: Months{Cur: "November 2026", Prev: "October 2026", CurShort: "Nov", PrevShort: "Oct"}})
		if title == "" || dim == "" || !strings.Contains(caption, "compared with October 2026") || len(cols) != 6 {
			t.Errorf("statement table by %d lacks words: %q %q %q %q", d, title, dim, caption, cols)
		}
	}
	_, _, _, cols := reportHead(ReportTable{By: ReportByCountry, VolumesOnly: true, Months: Months{CurShort: "Nov", PrevShort: "Oct"}})
	if strings.Join(cols, "|") != "Nov messages|Oct|Change" {
		t.Errorf("volumes-only columns = %q", cols)
	}
}

func TestEveryNoticeHasWords(t *testing.T) {
	for k := NoticeCurrencies; k <= NoticeNoWebhookDays; k++ {
		n := Notice{Kind: k, Currencies: []string{"EUR", "USD"}, Count: "1,234", Days: 2, Of: 5, Until: "15 Mar 2026, 13:00 CET", Zone: "Asia/Kathmandu"}
		if reportNoticeText(n, "March 2026") == "" {
			t.Errorf("notice kind %d has no words", k)
		}
	}
	if got := noticeText(Notice{Kind: NoticeCostMissing, Count: "1,234"}); !strings.Contains(got, "1,234 data points without a cost") {
		t.Errorf("cost-missing notice = %q", got)
	}
	if got := noticeText(Notice{Kind: NoticeNoWebhookDays, Days: 2, Of: 5}); !strings.Contains(got, "2 of the 5 days") || !strings.Contains(got, "the other 3") {
		t.Errorf("webhook-days notice = %q", got)
	}
}

func TestDeltaWords(t *testing.T) {
	seen := map[string]NoChange{}
	for why := NoPrevious; why <= BudgetMonthly; why++ {
		d := Delta{Text: "n/a", Class: "delta--na", Why: why}
		title := d.Title()
		if title == "" || d.Label() == "" {
			t.Errorf("no change %d lacks words", why)
		}
		if prev, dup := seen[title]; dup {
			t.Errorf("no change %d and %d share the title %q", prev, why, title)
		}
		seen[title] = why
	}
	if got := (Delta{Text: "+12.3%", Class: "delta--up"}).Title(); got != "up 12.3% on the previous period" {
		t.Errorf("up title = %q", got)
	}
	if got := (Delta{Text: "−4.0%", Class: "delta--down"}).Title(); got != "down 4.0% on the previous period" {
		t.Errorf("down title = %q", got)
	}
	if got := (Delta{Text: "n/a", Class: "delta--na", Why: NoBudget}).Label(); got != "no budget" {
		t.Errorf("no-budget label = %q", got)
	}
}

func TestFilterOptionWords(t *testing.T) {
	for name, want := range map[string]string{"waba": "All WABAs", "channel": "All channels", "category": "All categories", "country": "All countries"} {
		if got := optionLabel(name, Option{}); got != want {
			t.Errorf("all-option of %s = %q, want %q", name, got, want)
		}
	}
	if got := optionLabel("tz", Option{Value: "Europe/Berlin", Default: true}); got != "Europe/Berlin (default)" {
		t.Errorf("default zone = %q", got)
	}
	if got := optionLabel("country", Option{Value: "DE"}); got != "Germany (DE)" {
		t.Errorf("country option = %q", got)
	}
	if got := optionLabel("granularity", Option{Value: "half_hour"}); got != "Half-hour" {
		t.Errorf("granularity option = %q", got)
	}
	for _, key := range []string{"today", "yesterday", "last_7_days", "last_30_days", "last_90_days", "month_to_date", "this_month", "last_month"} {
		if presetLabel(key) == key {
			t.Errorf("preset %s has no label", key)
		}
	}
}
