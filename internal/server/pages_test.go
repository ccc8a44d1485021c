package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
)

// pageNow is the clock of the page tests: 15 March 2026, midday UTC.
var pageNow = time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func eur(s string) int64 {
	n, err := usage.ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return n
}

func point(start, cat, pt, country string, volume int64, currency, cost string) usage.Point {
	st := at(start)
	return usage.Point{Start: st, End: st.Add(30 * time.Minute), Granularity: usage.HalfHour,
		Category: usage.Category(cat), PricingType: usage.PricingType(pt), Country: country,
		Volume: volume, Currency: currency, CostNanos: eur(cost), CostKnown: true}
}

func callPoint(start string, dir usage.Direction, count, seconds int64, currency, cost string) usage.CallPoint {
	st := at(start)
	return usage.CallPoint{Start: st, End: st.Add(30 * time.Minute), Granularity: usage.HalfHour,
		Direction: dir, Count: count, Seconds: seconds, Currency: currency, CostNanos: eur(cost), CostKnown: true}
}

// seedPages stores three clients with known numbers:
//
//   - acme (Europe/Berlin, EUR): channels ch-a1 (WABA w1) and ch-a2 (WABA w2);
//     messages in March, one of them at 00:30 Berlin on 12 March (23:30 UTC on
//     the 11th), one in February (the previous period), and calls on ch-a1;
//   - globex (Asia/Kolkata, INR): one channel, one point in March, no calls;
//   - quiet: a channel and no usage at all.
func seedPages(t *testing.T) *store.Store {
	t.Helper()
	st := storetest.Open(t)
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.UpsertClients(ctx, []store.Client{
		{ID: "acme", Name: "Acme GmbH", Timezone: "Europe/Berlin"},
		{ID: "globex", Name: "Globex Ltd", Timezone: "Asia/Kolkata"},
		{ID: "quiet", Name: "Quiet Co", Timezone: "UTC"},
	}))
	must(st.UpsertChannels(ctx, []store.Channel{
		{ID: "ch-a1", ClientID: "acme", WABAID: "w1", Currency: "EUR", Timezone: "Europe/Berlin", PhoneNumber: "+49 30 1111", PhoneName: "Acme Support"},
		{ID: "ch-a2", ClientID: "acme", WABAID: "w2", Currency: "EUR", Timezone: "Europe/Berlin", PhoneNumber: "+49 30 2222", PhoneName: "Acme Sales"},
		{ID: "ch-g1", ClientID: "globex", WABAID: "w3", Currency: "INR", Timezone: "Asia/Kolkata", PhoneNumber: "+91 80 3333", PhoneName: "Globex"},
		{ID: "ch-q1", ClientID: "quiet", WABAID: "w4", Currency: "USD", PhoneNumber: "+1 555 0100"},
	}))
	win := func(ch string, pts []usage.Point, calls []usage.CallPoint) store.UsageWindow {
		return store.UsageWindow{ChannelID: ch, Start: at("2026-02-01T00:00:00Z"), End: at("2026-03-15T12:00:00Z"),
			Granularity: usage.HalfHour, Points: pts, Calls: calls}
	}
	must(st.SaveUsageWindow(ctx, win("ch-a1", []usage.Point{
		point("2026-03-10T09:00:00Z", "MARKETING", "REGULAR", "DE", 100, "EUR", "12.50"),
		point("2026-03-10T09:00:00Z", "SERVICE", "FREE_CUSTOMER_SERVICE", "DE", 40, "EUR", "0"),
		point("2026-03-11T22:30:00Z", "UTILITY", "REGULAR", "AT", 10, "EUR", "0.30"),
		point("2026-02-20T10:00:00Z", "MARKETING", "REGULAR", "DE", 50, "EUR", "6.25"),
		point("2026-02-21T10:00:00Z", "SERVICE", "FREE_ENTRY_POINT", "DE", 8, "EUR", "0"),
	}, []usage.CallPoint{
		callPoint("2026-03-10T09:00:00Z", usage.DirectionInbound, 3, 300, "EUR", "0"),
		callPoint("2026-03-10T09:00:00Z", usage.DirectionOutbound, 2, 130, "EUR", "0.50"),
		callPoint("2026-02-20T10:00:00Z", usage.DirectionInbound, 1, 60, "EUR", "0"),
	})))
	must(st.SaveUsageWindow(ctx, win("ch-a2", []usage.Point{
		point("2026-03-11T23:30:00Z", "AUTHENTICATION", "REGULAR", "IN", 5, "EUR", "0.60"),
	}, nil)))
	must(st.SaveUsageWindow(ctx, win("ch-g1", []usage.Point{
		point("2026-03-12T06:00:00Z", "MARKETING", "REGULAR", "IN", 1000, "INR", "785.00"),
	}, nil)))
	must(st.RecordPollRun(ctx, store.PollRun{ChannelID: "ch-a1", Kind: store.PollRecent, StartedAt: pageNow.Add(-20 * time.Minute), Outcome: store.OutcomeOK}))
	must(st.RecordPollRun(ctx, store.PollRun{ChannelID: "ch-a2", Kind: store.PollRecent, StartedAt: pageNow.Add(-10 * time.Minute), Outcome: store.OutcomeError, Error: "partner api: 503 Service Unavailable"}))
	return st
}

func newPageServer(t *testing.T, demo bool) http.Handler {
	t.Helper()
	st := seedPages(t)
	return New(Options{Store: st, Logger: slog.New(slog.DiscardHandler), Demo: demo, AllowAnonymous: true, Now: func() time.Time { return pageNow }}).Handler()
}

func get(t *testing.T, h http.Handler, target string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

func getDoc(t *testing.T, h http.Handler, target string, wantStatus int) *goquery.Document {
	t.Helper()
	res, body := get(t, h, target)
	if res.StatusCode != wantStatus {
		t.Fatalf("GET %s: status %d, want %d; body:\n%.2000s", target, res.StatusCode, wantStatus, body)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("GET %s: content type %q, want HTML", target, ct)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func getJSON(t *testing.T, h http.Handler, target string, v any) {
	t.Helper()
	res, body := get(t, h, target)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", target, res.StatusCode, body)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
}

func testid(id string) string { return `[data-testid="` + id + `"]` }

func text(s *goquery.Selection) string { return strings.Join(strings.Fields(s.Text()), " ") }

// kpi returns the value and delta of a KPI card.
func kpi(t *testing.T, doc *goquery.Document, id string) (value, delta string) {
	t.Helper()
	card := doc.Find(testid(id))
	if card.Length() != 1 {
		t.Fatalf("KPI %s: %d cards", id, card.Length())
	}
	return text(card.Find(testid("kpi-value"))), text(card.Find(testid("kpi-delta")))
}

type apiUsage struct {
	TZ     string `json:"tz"`
	Totals []struct {
		Currency string
		Volume   int64
		Cost     string
	} `json:"totals"`
	Previous struct {
		From, To string
		Totals   []struct {
			Currency string
			Volume   int64
			Cost     string
		} `json:"totals"`
	} `json:"previous"`
	Series []map[string]any `json:"series"`
}

type apiCalls struct {
	Totals struct {
		Calls, Inbound, Outbound int64
		AverageDurationSeconds   int64 `json:"average_duration_seconds"`
		Minutes                  float64
		Cost                     []struct{ Currency, Amount string }
	} `json:"totals"`
	Previous struct {
		Calls int64
	} `json:"previous"`
	Series []struct {
		Bucket, Direction string
		Calls, Seconds    int64
	} `json:"series"`
}

func TestInsightsMatchesAPI(t *testing.T) {
	t.Parallel()
	h := newPageServer(t, false)
	const filters = "from=2026-03-01&to=2026-03-15&tz=Europe/Berlin&granularity=day"
	doc := getDoc(t, h, "/clients/acme?"+filters, http.StatusOK)

	var u apiUsage
	getJSON(t, h, "/api/v1/usage?client=acme&group_by=category&"+filters, &u)
	if len(u.Totals) != 1 || u.Totals[0].Currency != "EUR" {
		t.Fatalf("API totals = %+v", u.Totals)
	}
	// Known numbers: 100 + 40 + 10 + 5 messages, 12.50 + 0.30 + 0.60 EUR;
	// previous period 14–28 Feb: 58 messages, 6.25 EUR.
	if u.Totals[0].Volume != 155 || u.Totals[0].Cost != "13.40" {
		t.Fatalf("API totals = %+v, want 155 messages and 13.40", u.Totals[0])
	}
	t.Run("KPIs equal the API's totals", func(t *testing.T) { checkInsightsKPIs(t, doc, u) })

	t.Run("messages chart table equals the API series", func(t *testing.T) { checkInsightsMessagesTable(t, doc, u) })

	t.Run("cost chart table equals the API series", func(t *testing.T) { checkInsightsCostTable(t, doc, u) })

	t.Run("calls equal the calls API", func(t *testing.T) { checkInsightsCalls(t, h, doc, filters) })

	t.Run("breakdowns", func(t *testing.T) { checkInsightsBreakdowns(t, doc) })

	t.Run("freshness and labels", func(t *testing.T) { checkInsightsFreshness(t, doc) })
}

// checkInsightsKPIs checks the KPI cards show the API's totals, the change
// against the previous period and its value.
func checkInsightsKPIs(t *testing.T, doc *goquery.Document, u apiUsage) {
	v, d := kpi(t, doc, "kpi-messages")
	if v != formatInt(u.Totals[0].Volume) || v != "155" {
		t.Errorf("messages KPI = %q, API %d", v, u.Totals[0].Volume)
	}
	if want := formatChange(usage.Compare(155, u.Previous.Totals[0].Volume)).Text; d != want || d != "+167.2%" {
		t.Errorf("messages delta = %q, want %q", d, want)
	}
	v, d = kpi(t, doc, "kpi-cost")
	if v != "€13.40" {
		t.Errorf("cost KPI = %q, want €13.40 (API %s)", v, u.Totals[0].Cost)
	}
	if d != "+114.4%" { // 13.40 / 6.25 − 1
		t.Errorf("cost delta = %q", d)
	}
	if prev := text(doc.Find(testid("kpi-cost")).Find(testid("kpi-previous"))); !strings.Contains(prev, "€6.25") || !strings.Contains(prev, "14 – 28 Feb 2026") {
		t.Errorf("cost previous = %q, want the previous value and its dates", prev)
	}
	if v, d := kpi(t, doc, "kpi-paid"); v != "115" || d != "+130.0%" {
		t.Errorf("paid KPI = %q %q, want 115 +130.0%%", v, d)
	}
	if v, d := kpi(t, doc, "kpi-free"); v != "40" || d != "+400.0%" {
		t.Errorf("free KPI = %q %q, want 40 +400.0%%", v, d)
	}
}

// checkInsightsMessagesTable checks the messages chart's data table against
// the API series, bucketed in the page's zone.
func checkInsightsMessagesTable(t *testing.T, doc *goquery.Document, u apiUsage) {
	want := map[string]int64{} // "2026-03-10|Marketing" → volume
	for _, e := range u.Series {
		b, _ := time.Parse(time.RFC3339, e["bucket"].(string))
		key := b.Format("2006-01-02") + "|" + usage.Category(e["category"].(string)).Label()
		want[key] += int64(e["volume"].(float64))
	}
	got := chartTable(t, doc, "chart-messages")
	for k, n := range want {
		if got[k] != formatInt(n) {
			t.Errorf("messages %s: table %q, API %d", k, got[k], n)
		}
	}
	// The 23:30 UTC point falls on 12 March in Berlin.
	if got["2026-03-12|Authentication"] != "5" || got["2026-03-11|Utility"] != "10" {
		t.Errorf("zone bucketing: got %v", got)
	}
	if zone := text(doc.Find(testid("chart-messages")).Find(testid("chart-zone"))); !strings.Contains(zone, "Europe/Berlin") {
		t.Errorf("chart zone = %q", zone)
	}
}

// checkInsightsCostTable checks the cost chart's data table against the API
// series, and its note.
func checkInsightsCostTable(t *testing.T, doc *goquery.Document, u apiUsage) {
	got := chartTable(t, doc, "chart-costs-eur")
	for _, e := range u.Series {
		b, _ := time.Parse(time.RFC3339, e["bucket"].(string))
		key := b.Format("2006-01-02") + "|" + usage.Category(e["category"].(string)).Label()
		if cost := e["cost"].(string); got[key] != cost && !(cost == "0.00" && got[key] == "0.00") {
			t.Errorf("cost %s: table %q, API %s", key, got[key], cost)
		}
	}
	note := doc.Find(testid("chart-costs-eur")).Find(testid("chart-note"))
	if title, _ := note.Attr("title"); text(note) != "estimated" || !strings.Contains(title, "Meta's monthly invoice is final") {
		t.Errorf("cost note = %q (%q)", text(note), title)
	}
}

// checkInsightsCalls checks the call KPIs against /api/v1/calls.
func checkInsightsCalls(t *testing.T, h http.Handler, doc *goquery.Document, filters string) {
	var c apiCalls
	getJSON(t, h, "/api/v1/calls?client=acme&"+filters, &c)
	if c.Totals.Calls != 5 {
		t.Fatalf("calls API totals = %+v", c.Totals)
	}
	if v, d := kpi(t, doc, "kpi-calls"); v != formatInt(c.Totals.Calls) || d != "+400.0%" {
		t.Errorf("calls KPI = %q %q, API %d", v, d, c.Totals.Calls)
	}
	if v, _ := kpi(t, doc, "kpi-minutes"); v != "7.1" { // 430 s
		t.Errorf("minutes KPI = %q, API %v", v, c.Totals.Minutes)
	}
	if v, _ := kpi(t, doc, "kpi-avg-duration"); v != formatDuration(c.Totals.AverageDurationSeconds) || v != "1m 26s" {
		t.Errorf("average KPI = %q, API %d s", v, c.Totals.AverageDurationSeconds)
	}
	if v, d := kpi(t, doc, "kpi-call-cost"); v != "€0.50" || d != "n/a" {
		t.Errorf("call cost KPI = %q %q, want €0.50 n/a (API %+v)", v, d, c.Totals.Cost)
	}
	got := chartTable(t, doc, "chart-calls")
	for _, e := range c.Series {
		b, _ := time.Parse(time.RFC3339, e.Bucket)
		key := b.Format("2006-01-02") + "|" + usage.Direction(e.Direction).Label()
		if got[key] != formatInt(e.Calls) {
			t.Errorf("calls %s: table %q, API %d", key, got[key], e.Calls)
		}
	}
}

// checkInsightsBreakdowns checks the rows of the channel, country and
// pricing breakdowns.
func checkInsightsBreakdowns(t *testing.T, doc *goquery.Document) {
	rows := breakdown(doc, "breakdown-channel")
	if got := rows["ch-a1"]; strings.Join(got, "|") != "150|110|40|€12.80|96.8%" {
		t.Errorf("channel ch-a1 row = %v", got)
	}
	if got := rows["ch-a2"]; strings.Join(got, "|") != "5|5|0|€0.60|3.2%" {
		t.Errorf("channel ch-a2 row = %v", got)
	}
	if got := rows["total"]; strings.Join(got, "|") != "155|115|40|€13.40|100.0%" {
		t.Errorf("channel total = %v", got)
	}
	if got := breakdown(doc, "breakdown-country")["DE"]; strings.Join(got, "|") != "140|100|€12.50|90.3%" {
		t.Errorf("country DE row = %v", got)
	}
	pr := breakdown(doc, "breakdown-pricing")
	if got := pr["FREE_CUSTOMER_SERVICE"]; strings.Join(got, "|") != "40|€0.00|25.8%" {
		t.Errorf("pricing free customer service row = %v", got)
	}
	if got := pr["FREE_ENTRY_POINT"]; strings.Join(got, "|") != "0|—|0.0%" {
		t.Errorf("pricing free entry point row = %v", got)
	}
	link, _ := doc.Find(testid("breakdown-channel")).Find(testid("breakdown-link")).First().Attr("href")
	if !strings.HasPrefix(link, "/clients/acme/channels/ch-a1?") || !strings.Contains(link, "from=2026-03-01") {
		t.Errorf("channel link = %q", link)
	}
}

// checkInsightsFreshness checks the freshness line, the poll errors shown
// once, and the labels of a page that is not the demo.
func checkInsightsFreshness(t *testing.T, doc *goquery.Document) {
	fr := text(doc.Find(testid("freshness")))
	if !strings.Contains(fr, "Data up to 12 Mar 2026, 01:00 CET") {
		t.Errorf("freshness = %q", fr)
	}
	if !strings.Contains(fr, "last successful poll 15 Mar 2026, 12:40 CET") {
		t.Errorf("freshness = %q, want the last poll in the client's zone", fr)
	}
	if n := doc.Find(testid("poll-errors")).Length(); n != 1 || !strings.Contains(text(doc.Find(testid("poll-errors"))), "503") {
		t.Errorf("poll errors shown %d times: %q", n, text(doc.Find(testid("poll-errors"))))
	}
	if doc.Find(testid("demo-banner")).Length() != 0 {
		t.Error("demo banner outside demo mode")
	}
	if strings.Contains(doc.Text(), "Globex") {
		t.Error("another client's name appears on Acme's page")
	}
}

// chartTable reads a chart card's data table as "date|column" → cell.
func chartTable(t *testing.T, doc *goquery.Document, card string) map[string]string {
	t.Helper()
	tbl := doc.Find(testid(card)).Find(testid("chart-table"))
	if tbl.Length() != 1 {
		t.Fatalf("%s: no data table", card)
	}
	var cols []string
	tbl.Find("thead th").Each(func(_ int, s *goquery.Selection) { cols = append(cols, text(s)) })
	out := map[string]string{}
	tbl.Find("tbody tr").Each(func(_ int, tr *goquery.Selection) {
		cells := tr.Find("th, td")
		date := text(cells.First())
		cells.Each(func(i int, c *goquery.Selection) {
			if i > 0 && i < len(cols) {
				out[date+"|"+cols[i]] = text(c)
			}
		})
	})
	return out
}

// breakdown reads a breakdown table as row key (data-key) → cells; the
// footer is under "total".
func breakdown(doc *goquery.Document, id string) map[string][]string {
	out := map[string][]string{}
	doc.Find(testid(id)).Find("tbody tr, tfoot tr").Each(func(_ int, tr *goquery.Selection) {
		key, ok := tr.Attr("data-key")
		if tr.Is(testid("breakdown-total")) {
			key, ok = "total", true
		}
		if !ok {
			return
		}
		var cells []string
		tr.Find("td").Each(func(_ int, td *goquery.Selection) { cells = append(cells, text(td)) })
		out[key] = cells
	})
	return out
}

func TestInsightsScopes(t *testing.T) {
	t.Parallel()
	h := newPageServer(t, true)
	t.Run("WABA scope", func(t *testing.T) {
		doc := getDoc(t, h, "/clients/acme?waba=w2&from=2026-03-01&to=2026-03-15", http.StatusOK)
		var u apiUsage
		getJSON(t, h, "/api/v1/usage?client=acme&waba=w2&from=2026-03-01&to=2026-03-15&tz=Europe/Berlin", &u)
		if v, _ := kpi(t, doc, "kpi-messages"); v != formatInt(u.Totals[0].Volume) || v != "5" {
			t.Errorf("WABA messages = %q, API %+v", v, u.Totals)
		}
		if sel, _ := doc.Find(testid("filter-waba")).Find("option[selected]").Attr("value"); sel != "w2" {
			t.Errorf("WABA option selected = %q", sel)
		}
		if doc.Find(testid("calls-empty")).Length() != 1 {
			t.Error("WABA without calls shows no honest empty state")
		}
		if doc.Find(testid("kpi-calls")).Length() != 0 {
			t.Error("call KPIs invented for a scope without calls")
		}
		if doc.Find(testid("demo-banner")).Length() != 1 {
			t.Error("no demo banner in demo mode")
		}
	})
	t.Run("channel scope", func(t *testing.T) {
		doc := getDoc(t, h, "/clients/acme/channels/ch-a1?from=2026-03-01&to=2026-03-15", http.StatusOK)
		if v, _ := kpi(t, doc, "kpi-messages"); v != "150" {
			t.Errorf("channel messages = %q, want 150", v)
		}
		if title := text(doc.Find(testid("page-title"))); title != "Acme Support (+49 30 1111)" {
			t.Errorf("title = %q", title)
		}
		if doc.Find(testid("filter-channel")).Length() != 0 {
			t.Error("the channel view offers a channel filter")
		}
	})
	t.Run("category and country filters", func(t *testing.T) {
		doc := getDoc(t, h, "/clients/acme?from=2026-03-01&to=2026-03-15&category=marketing&country=de", http.StatusOK)
		if v, _ := kpi(t, doc, "kpi-messages"); v != "100" {
			t.Errorf("filtered messages = %q, want 100", v)
		}
		if sel, _ := doc.Find(testid("filter-category")).Find("option[selected]").Attr("value"); sel != "MARKETING" {
			t.Errorf("category selected = %q", sel)
		}
		if sel, _ := doc.Find(testid("filter-country")).Find("option[selected]").Attr("value"); sel != "DE" {
			t.Errorf("country selected = %q", sel)
		}
	})
	t.Run("Kathmandu notes approximate buckets", func(t *testing.T) {
		doc := getDoc(t, h, "/clients/acme?tz=Asia/Kathmandu", http.StatusOK)
		if !strings.Contains(text(doc.Find(testid("zone-note"))), "nearest half hour") {
			t.Error("no note about approximate buckets in a :45 zone")
		}
		if getDoc(t, h, "/clients/acme", http.StatusOK).Find(testid("zone-note")).Length() != 0 {
			t.Error("zone note in a whole-hour zone")
		}
	})
	t.Run("no usage at all", func(t *testing.T) {
		doc := getDoc(t, h, "/clients/quiet", http.StatusOK)
		if n := doc.Find(testid("chart-messages")).Find(testid("empty-state")).Length(); n != 1 {
			t.Errorf("messages chart empty states = %d", n)
		}
		if v, d := kpi(t, doc, "kpi-messages"); v != "0" || d != "n/a" {
			t.Errorf("quiet KPI = %q %q, want 0 n/a", v, d)
		}
		if v, _ := kpi(t, doc, "kpi-cost"); v != "$0.00" {
			t.Errorf("quiet cost = %q, want $0.00 in the client's currency", v)
		}
	})
}

func TestInsightsFiltersRoundTrip(t *testing.T) {
	t.Parallel()
	h := newPageServer(t, false)
	doc := getDoc(t, h, "/clients/acme?from=2026-03-02&to=2026-03-12&granularity=half_hour&tz=Asia/Kolkata&waba=w1&channel=ch-a1&category=UTILITY&country=AT", http.StatusOK)
	form := doc.Find(testid("filters"))
	if m, _ := form.Attr("method"); m != "get" {
		t.Errorf("form method = %q", m)
	}
	// Submitting the form as rendered gives the same view.
	vals := url.Values{}
	form.Find("input[name], select[name]").Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		if s.Is("select") {
			v, _ := s.Find("option[selected]").Attr("value")
			vals.Add(name, v)
			return
		}
		v, _ := s.Attr("value")
		vals.Add(name, v)
	})
	want := map[string]string{"preset": "custom", "from": "2026-03-02", "to": "2026-03-12", "granularity": "half_hour",
		"tz": "Asia/Kolkata", "waba": "w1", "channel": "ch-a1", "category": "UTILITY", "country": "AT"}
	for k, v := range want {
		if vals.Get(k) != v {
			t.Errorf("form field %s = %q, want %q", k, vals.Get(k), v)
		}
	}
	again := getDoc(t, h, "/clients/acme?"+vals.Encode(), http.StatusOK)
	a, _ := kpi(t, doc, "kpi-messages")
	b, _ := kpi(t, again, "kpi-messages")
	if a != b || a != "10" {
		t.Errorf("messages before and after the round trip: %q, %q, want 10", a, b)
	}
	if text(again.Find(testid("period"))) != "2 – 12 Mar 2026" {
		t.Errorf("period = %q", text(again.Find(testid("period"))))
	}

	t.Run("preset button wins over the hidden field", func(t *testing.T) {
		doc := getDoc(t, h, "/clients/acme?preset=custom&from=2026-01-01&to=2026-01-02&preset=last_7_days", http.StatusOK)
		if got := text(doc.Find(testid("period"))); got != "9 – 15 Mar 2026" {
			t.Errorf("period = %q, want the last 7 days", got)
		}
		if p, _ := doc.Find(testid("preset-last_7_days")).Attr("aria-pressed"); p != "true" {
			t.Error("preset not marked as pressed")
		}
	})
}

func TestPagesRejectBadFilters(t *testing.T) {
	t.Parallel()
	h := newPageServer(t, false)
	tests := []struct {
		target string
		status int
		field  string
	}{
		{"/clients/acme?from=2026-13-01&to=2026-03-01", http.StatusBadRequest, "from"},
		{"/clients/acme?from=2026-03-05&to=2026-03-01", http.StatusBadRequest, "to"},
		{"/clients/acme?granularity=hourly", http.StatusBadRequest, "granularity"},
		{"/clients/acme?granularity=half_hour&preset=last_90_days", http.StatusBadRequest, "granularity"},
		{"/clients/acme?tz=Mars/Olympus", http.StatusBadRequest, "tz"},
		{"/clients/acme?country=Germany", http.StatusBadRequest, "country"},
		{"/clients/acme?preset=fortnight", http.StatusBadRequest, "preset"},
		{"/clients/acme?waba=w3", http.StatusBadRequest, "waba"},
		{"/clients/acme?channel=ch-g1", http.StatusBadRequest, "channel"},
		{"/?tz=Nowhere", http.StatusBadRequest, "tz"},
		{"/clients/nobody", http.StatusNotFound, ""},
		{"/clients/acme/channels/ch-g1", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			doc := getDoc(t, h, tt.target, tt.status)
			page := doc.Find(testid("error-page"))
			if page.Length() != 1 {
				t.Fatal("no error page")
			}
			msg := text(page.Find(testid("error-message")))
			if tt.field != "" && !strings.Contains(msg, "“"+tt.field+"”") {
				t.Errorf("message %q does not name the field %q", msg, tt.field)
			}
			if doc.Find(`link[rel="stylesheet"]`).Length() != 1 {
				t.Error("error page without the stylesheet")
			}
		})
	}
}

// TestPagesByDayWhereMidnightIsSkipped checks the pages answer a daily view
// over the day Santiago puts its clocks forward at midnight, instead of
// listing that day's bucket for ever.
func TestPagesByDayWhereMidnightIsSkipped(t *testing.T) {
	t.Parallel()
	h := newPageServer(t, true)
	for _, target := range []string{
		"/?from=2026-09-01&to=2026-09-30&granularity=day&tz=America/Santiago",
		"/clients/acme?from=2026-09-01&to=2026-09-30&granularity=day&tz=America/Santiago",
	} {
		t.Run(target, func(t *testing.T) {
			done := make(chan int, 1)
			go func() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
				done <- rec.Code
			}()
			select {
			case code := <-done:
				if code != http.StatusOK {
					t.Errorf("status %d, want 200", code)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no answer")
			}
		})
	}
}

func TestOverviewMatchesAPI(t *testing.T) {
	t.Parallel()
	h := newPageServer(t, true)
	doc := getDoc(t, h, "/?from=2026-03-01&to=2026-03-15", http.StatusOK)
	var u apiUsage
	getJSON(t, h, "/api/v1/usage?from=2026-03-01&to=2026-03-15&group_by=client", &u)

	rows := doc.Find(testid("client-row"))
	var order []string
	rows.Each(func(_ int, r *goquery.Selection) { id, _ := r.Attr("data-client"); order = append(order, id) })
	// EUR is first (ties broken by code), sorted by cost; clients without usage last.
	if strings.Join(order, ",") != "acme,globex,quiet" {
		t.Errorf("row order = %v", order)
	}
	perClient := map[string]int64{}
	for _, e := range u.Series {
		perClient[e["client"].(string)] += int64(e["volume"].(float64))
	}
	rows.Each(func(_ int, r *goquery.Selection) {
		id, _ := r.Attr("data-client")
		if got := text(r.Find(testid("client-messages"))); got != formatInt(perClient[id]) {
			t.Errorf("%s messages = %q, API %d", id, got, perClient[id])
		}
	})
	acme := doc.Find(`[data-client="acme"]`)
	if got := text(acme.Find(testid("client-cost"))); got != "€13.40" {
		t.Errorf("acme cost = %q", got)
	}
	if got := text(acme.Find(testid("client-share"))); got != "100.0%" {
		t.Errorf("acme share = %q (the only EUR client)", got)
	}
	if got := text(acme.Find(testid("client-cost-delta"))); got != "+114.4%" {
		t.Errorf("acme cost delta = %q", got)
	}
	if href, _ := acme.Find(testid("client-link")).Attr("href"); !strings.HasPrefix(href, "/clients/acme?") {
		t.Errorf("acme link = %q", href)
	}
	if acme.Find(testid("sparkline")).Length() != 1 {
		t.Error("no sparkline for acme")
	}
	if got := text(doc.Find(`[data-client="globex"]`).Find(testid("client-cost"))); got != "₹785.00" {
		t.Errorf("globex cost = %q", got)
	}
	// Totals per currency, never added together.
	if v, _ := kpi(t, doc, "kpi-messages"); v != "1,155" {
		t.Errorf("total messages = %q", v)
	}
	for id, want := range map[string]string{"kpi-cost": "€13.40", "kpi-cost-inr": "₹785.00"} {
		if v, _ := kpi(t, doc, id); v != want {
			t.Errorf("%s = %q, want %q", id, v, want)
		}
	}
	for _, tot := range u.Totals {
		found := false
		doc.Find(testid("kpis")).Find(testid("kpi-value")).Each(func(_ int, s *goquery.Selection) {
			if text(s) == formatMoney(tot.Currency, eur(tot.Cost)) {
				found = true
			}
		})
		if !found {
			t.Errorf("API total %s %s has no KPI card", tot.Cost, tot.Currency)
		}
	}
	if doc.Find(testid("demo-banner")).Length() != 1 {
		t.Error("no demo banner in demo mode")
	}
	if got := text(doc.Find(testid("freshness"))); !strings.Contains(got, "last successful poll 15 Mar 2026, 11:40 UTC") {
		t.Errorf("freshness = %q", got)
	}
}

func TestStaticAssets(t *testing.T) {
	t.Parallel()
	h := newPageServer(t, false)
	doc := getDoc(t, h, "/clients/acme", http.StatusOK)
	css, _ := doc.Find(`link[rel="stylesheet"]`).Attr("href")
	if !strings.HasPrefix(css, "/static/css/app.css?v=") {
		t.Fatalf("stylesheet URL = %q, want a versioned /static URL", css)
	}
	res, _ := get(t, h, css)
	if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Errorf("GET %s: %d, Cache-Control %q", css, res.StatusCode, res.Header.Get("Cache-Control"))
	}
	res, _ = get(t, h, "/static/css/app.css")
	if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") == "public, max-age=31536000, immutable" {
		t.Errorf("unversioned URL: %d, Cache-Control %q", res.StatusCode, res.Header.Get("Cache-Control"))
	}
	doc.Find("script[src], link[href], img[src]").Each(func(_ int, s *goquery.Selection) {
		u := s.AttrOr("src", s.AttrOr("href", ""))
		if strings.Contains(u, "//") {
			t.Errorf("asset from another host: %q", u)
		}
	})
}
