package server_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/insights-dev/insights/internal/server"
	"github.com/insights-dev/insights/internal/simulator"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
)

// reportGet fetches path and returns the response and its body.
func reportGet(t *testing.T, h http.Handler, path string) (*httptest.ResponseRecorder, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec, rec.Body.String()
}

// reportDoc fetches an HTML page and parses it, failing unless it is a 200.
func reportDoc(t *testing.T, h http.Handler, path string) *goquery.Document {
	t.Helper()
	rec, body := reportGet(t, h, path)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d\n%.2000s", path, rec.Code, body)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func byTestID(id string) string { return `[data-testid="` + id + `"]` }

// exactOf reads the data-value of the element with data-testid id.
func exactOf(t *testing.T, doc *goquery.Document, id string) string {
	t.Helper()
	sel := doc.Find(byTestID(id))
	if sel.Length() != 1 {
		t.Fatalf("%d elements %s, want 1", sel.Length(), id)
	}
	return sel.AttrOr("data-value", "")
}

// tableExact maps a report table's row keys to the data-value of the first
// figure cell (this month's messages) and of the fourth (this month's cost).
func tableExact(doc *goquery.Document, id string) map[string][2]string {
	out := map[string][2]string{}
	doc.Find(byTestID(id) + ` tr[data-testid="report-row"]`).Each(func(_ int, row *goquery.Selection) {
		cells := row.Find("td")
		out[row.AttrOr("data-key", "")] = [2]string{cells.Eq(0).AttrOr("data-value", ""), cells.Eq(3).AttrOr("data-value", "")}
	})
	return out
}

// apiUsage reads /api/v1/usage for a client's calendar month in zone.
func apiUsage(t *testing.T, h http.Handler, client, zone string, p usage.Period, groupBy string) usageJSON {
	t.Helper()
	q := url.Values{"from": {p.From.String()}, "to": {p.To.String()}, "tz": {zone}}
	if client != "" {
		q.Set("client", client)
	}
	if groupBy != "" {
		q.Set("group_by", groupBy)
	}
	var u usageJSON
	if code := getJSON(t, h, "/api/v1/usage?"+q.Encode(), &u); code != http.StatusOK {
		t.Fatalf("usage API: %d", code)
	}
	return u
}

func apiCalls(t *testing.T, h http.Handler, client, zone string, p usage.Period) callsJSON {
	t.Helper()
	q := url.Values{"from": {p.From.String()}, "to": {p.To.String()}, "tz": {zone}, "client": {client}}
	var c callsJSON
	if code := getJSON(t, h, "/api/v1/calls?"+q.Encode(), &c); code != http.StatusOK {
		t.Fatalf("calls API: %d", code)
	}
	return c
}

// sumSeries adds the API's series volume and cost per value of field.
func sumSeries(u usageJSON, field string) map[string][2]int64 {
	out := map[string][2]int64{}
	for _, e := range u.Series {
		k, _ := e[field].(string)
		cost, _ := usage.ParseDecimal(e["cost"].(string))
		v := out[k]
		v[0] += int64(e["volume"].(float64))
		if units, ok := e["units"].(float64); ok && field == "category" {
			v[0] += int64(units) // the statement's category row shows the tokens
		}
		v[1] += cost
		out[k] = v
	}
	return out
}

// TestMonthlyReportMatchesAPI checks a client statement's figures against
// /api/v1/usage and /api/v1/calls for the same client and calendar month in
// the client's zone (Kolkata, New York, Berlin), for the month and the
// month before, on SQLite and PostgreSQL.
func TestMonthlyReportMatchesAPI(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("-short: seeds two months of the simulated partner")
	}
	cfg := simulator.Config{Seed: 11, Now: func() time.Time { return simNow }}
	storetest.ForEachSeededDB(t, cfg, seededFrom, seededTo, func(t *testing.T, st *store.Store) {
		sim := simulator.New(cfg)
		h := server.New(server.Options{Store: st, AllowAnonymous: true, Now: func() time.Time { return simNow }, PartnerName: "Acme Partners",
			Chromium: "/nonexistent/chromium"}).Handler()

		zones := map[string]bool{}
		for _, c := range sim.Clients() {
			if zones[c.Timezone] {
				continue
			}
			zones[c.Timezone] = true
			t.Run(c.Name, func(t *testing.T) {
				loc, err := time.LoadLocation(c.Timezone)
				if err != nil {
					t.Fatal(err)
				}
				doc := reportDoc(t, h, "/reports/monthly?client="+url.QueryEscape(c.ID)+"&month=2026-10")
				rep := doc.Find(byTestID("report"))
				if got := rep.AttrOr("data-zone", ""); got != c.Timezone {
					t.Errorf("statement zone %q, want %q", got, c.Timezone)
				}
				if got := rep.AttrOr("data-month", ""); got != "2026-10" {
					t.Errorf("statement month %q", got)
				}
				if got := doc.Find(byTestID("report-partner")).Text(); !strings.Contains(got, "Acme Partners") {
					t.Errorf("partner name missing from the header: %q", got)
				}
				if got := doc.Find(byTestID("report-cost-note")).Text(); !strings.Contains(got, "Meta's invoice is final") {
					t.Errorf("cost note %q", got)
				}
				if doc.Find(byTestID("report-pdf-unavailable")).Length() != 1 || doc.Find(byTestID("report-pdf")).Length() != 0 {
					t.Error("without Chromium the page must say to print from the browser instead of offering a PDF")
				}

				oct := usage.MonthPeriod(2026, time.October, loc)
				sep := usage.MonthPeriod(2026, time.September, loc)
				cur := apiUsage(t, h, c.ID, c.Timezone, oct, "category")
				prev := apiUsage(t, h, c.ID, c.Timezone, sep, "")
				if len(cur.Totals) != 1 || len(prev.Totals) != 1 {
					t.Fatalf("API totals %+v / %+v, want one currency", cur.Totals, prev.Totals)
				}
				if got := exactOf(t, doc, "report-kpi-messages"); got != fmt.Sprint(cur.Totals[0].Volume) {
					t.Errorf("messages %s, API %d", got, cur.Totals[0].Volume)
				}
				cc := cur.Totals[0].Currency
				if got, want := exactOf(t, doc, "report-kpi-cost-"+strings.ToLower(cc)), cur.Totals[0].Cost+" "+cc; got != want {
					t.Errorf("cost %s, API %s", got, want)
				}
				// The previous month is the whole calendar month before.
				kpi := doc.Find(byTestID("report-kpi-messages")).Text()
				if want := formatCount(prev.Totals[0].Volume) + " in September 2026"; !strings.Contains(kpi, want) {
					t.Errorf("messages KPI %q lacks %q", kpi, want)
				}
				// By category: every row equals the API's series summed per category.
				rows := tableExact(doc, "report-by-category")
				api := sumSeries(cur, "category")
				if len(rows) != len(api) {
					t.Errorf("category rows %v, API %v", rows, api)
				}
				for cat, v := range api {
					if rows[cat][0] != fmt.Sprint(v[0]) || rows[cat][1] != usage.FormatDecimal(v[1])+" "+cc {
						t.Errorf("category %s: report %v, API %d %s", cat, rows[cat], v[0], usage.FormatDecimal(v[1]))
					}
				}
				// By channel adds up to the total.
				var chSum int64
				for _, v := range tableExact(doc, "report-by-channel") {
					n, _ := strconv.ParseInt(v[0], 10, 64)
					chSum += n
				}
				if chSum != cur.Totals[0].Volume {
					t.Errorf("channels add up to %d, want %d", chSum, cur.Totals[0].Volume)
				}
				// Voice calls.
				calls := apiCalls(t, h, c.ID, c.Timezone, oct)
				if calls.Totals.Calls > 0 {
					if got := exactOf(t, doc, "report-kpi-calls"); got != fmt.Sprint(calls.Totals.Calls) {
						t.Errorf("calls %s, API %d", got, calls.Totals.Calls)
					}
					callRows := tableExact(doc, "report-calls")
					if callRows["inbound"][0] != fmt.Sprint(calls.Totals.Inbound) || callRows["outbound"][0] != fmt.Sprint(calls.Totals.Outbound) {
						t.Errorf("call directions %v, API %+v", callRows, calls.Totals)
					}
					if callRows["average"][0] != fmt.Sprint(calls.Totals.AverageDurationSeconds) {
						t.Errorf("average duration %v, API %d", callRows["average"], calls.Totals.AverageDurationSeconds)
					}
				}
			})
		}
		if !zones["Asia/Kolkata"] || !zones["America/New_York"] {
			t.Fatalf("the simulated partner lacks a zone this test relies on: %v", zones)
		}
	})
}

// formatCount groups thousands with commas, like the pages.
func formatCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// edgeServer stores one Kolkata client with messages on both sides of the
// month boundary: 23:30 IST on 31 October is 18:00 UTC, and 00:30 IST on
// 1 November is still 31 October (19:00 UTC) in UTC.
func edgeServer(t *testing.T, opts server.Options) (http.Handler, *store.Store) {
	t.Helper()
	st := storetest.Open(t)
	ctx := context.Background()
	if err := st.UpsertClients(ctx, []store.Client{{ID: "kir", Name: "Kirana Edge", Timezone: "Asia/Kolkata", Status: "active"},
		{ID: "nyc", Name: "Gotham Dental", Timezone: "America/New_York", Status: "active"}}); err != nil {
		t.Fatal(err)
	}
	if err := st.UpsertChannels(ctx, []store.Channel{
		{ID: "ch-kir", ClientID: "kir", WABAID: "w-kir", Currency: "INR", Timezone: "Asia/Kolkata", PhoneName: "Kirana", PhoneNumber: "+91 98 0000 0000", Status: "ready"},
		{ID: "ch-nyc", ClientID: "nyc", WABAID: "w-nyc", Currency: "USD", Timezone: "America/New_York", PhoneName: "Gotham", PhoneNumber: "+1 212 000 0000", Status: "ready"},
	}); err != nil {
		t.Fatal(err)
	}
	pt := func(start, cat, pricing, country string, vol int64, cur, cost string) usage.Point {
		s, err := time.Parse(time.RFC3339, start)
		if err != nil {
			t.Fatal(err)
		}
		n, err := usage.ParseDecimal(cost)
		if err != nil {
			t.Fatal(err)
		}
		return usage.Point{Start: s, End: s.Add(30 * time.Minute), Granularity: usage.HalfHour, Category: usage.Category(cat),
			PricingType: usage.PricingType(pricing), Country: country, Volume: vol, Currency: cur, CostNanos: n, CostKnown: true}
	}
	windows := []store.UsageWindow{
		{ChannelID: "ch-kir", Start: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), Granularity: usage.HalfHour,
			Points: []usage.Point{
				pt("2026-09-30T18:00:00Z", "MARKETING", "REGULAR", "IN", 7, "INR", "5.6"),           // 23:30 IST 30 Sep: September
				pt("2026-10-31T18:00:00Z", "MARKETING", "REGULAR", "IN", 100, "INR", "80.5"),        // 23:30 IST 31 Oct: October
				pt("2026-10-31T19:00:00Z", "UTILITY", "REGULAR", "IN", 40, "INR", "6.2"),            // 00:30 IST 1 Nov: November (October in UTC)
				pt("2026-11-15T06:00:00Z", "SERVICE", "FREE_CUSTOMER_SERVICE", "AE", 9, "INR", "0"), // November
			},
			Calls: []usage.CallPoint{{Start: time.Date(2026, 10, 31, 19, 0, 0, 0, time.UTC), End: time.Date(2026, 10, 31, 19, 30, 0, 0, time.UTC),
				Granularity: usage.HalfHour, Direction: usage.DirectionOutbound, Count: 3, Seconds: 300, Currency: "INR", CostNanos: 1_500_000_000, CostKnown: true}},
		},
		{ChannelID: "ch-nyc", Start: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), Granularity: usage.HalfHour,
			Points: []usage.Point{
				pt("2026-11-01T02:00:00Z", "MARKETING", "REGULAR", "US", 11, "USD", "0.275"), // 22:00 EDT 31 Oct: October in New York
				pt("2026-11-10T15:00:00Z", "UTILITY", "REGULAR", "US", 5, "USD", "0.02"),
			}},
	}
	for _, w := range windows {
		if err := st.SaveUsageWindow(ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	opts.Store = st
	opts.AllowAnonymous = true
	if opts.Now == nil {
		opts.Now = func() time.Time { return simNow }
	}
	return server.New(opts).Handler(), st
}

// TestMonthlyReportZoneBoundary checks that a statement's month is the
// calendar month in the client's zone, not UTC's, and that the figures equal
// the API's for the same zone.
func TestMonthlyReportZoneBoundary(t *testing.T) {
	t.Parallel()
	h, _ := edgeServer(t, server.Options{Chromium: "/nonexistent/chromium"})
	tests := []struct {
		client, zone, month string
		wantMsgs            int64
		wantCost            string
		wantCalls           string
	}{
		{"kir", "Asia/Kolkata", "2026-10", 100, "80.50 INR", ""},
		{"kir", "Asia/Kolkata", "2026-11", 49, "6.20 INR", "3"},
		{"nyc", "America/New_York", "2026-10", 11, "0.275 USD", ""},
		{"nyc", "America/New_York", "2026-11", 5, "0.02 USD", ""},
	}
	for _, tt := range tests {
		t.Run(tt.client+"/"+tt.month, func(t *testing.T) {
			doc := reportDoc(t, h, "/reports/monthly?client="+tt.client+"&month="+tt.month)
			if got := exactOf(t, doc, "report-kpi-messages"); got != fmt.Sprint(tt.wantMsgs) {
				t.Errorf("messages %s, want %d", got, tt.wantMsgs)
			}
			cur := tt.wantCost[strings.LastIndexByte(tt.wantCost, ' ')+1:]
			if got := exactOf(t, doc, "report-kpi-cost-"+strings.ToLower(cur)); got != tt.wantCost {
				t.Errorf("cost %s, want %s", got, tt.wantCost)
			}
			loc, _ := time.LoadLocation(tt.zone)
			y, _ := strconv.Atoi(tt.month[:4])
			m, _ := strconv.Atoi(tt.month[5:])
			api := apiUsage(t, h, tt.client, tt.zone, usage.MonthPeriod(y, time.Month(m), loc), "")
			if len(api.Totals) != 1 || api.Totals[0].Volume != tt.wantMsgs || api.Totals[0].Cost+" "+cur != tt.wantCost {
				t.Errorf("API totals %+v disagree with the statement", api.Totals)
			}
			// The UTC month differs: the same question in UTC gives another answer.
			utc := apiUsage(t, h, tt.client, "UTC", usage.MonthPeriod(y, time.Month(m), time.UTC), "")
			if len(utc.Totals) == 1 && utc.Totals[0].Volume == tt.wantMsgs {
				t.Errorf("the UTC month has the same %d messages: the fixture does not cross the boundary", tt.wantMsgs)
			}
			calls := doc.Find(byTestID("report-kpi-calls"))
			if tt.wantCalls == "" && calls.Length() != 0 {
				t.Error("a month without calls shows a calls figure")
			}
			if tt.wantCalls != "" && calls.AttrOr("data-value", "") != tt.wantCalls {
				t.Errorf("calls %q, want %s", calls.AttrOr("data-value", ""), tt.wantCalls)
			}
		})
	}

	t.Run("previous month", func(t *testing.T) {
		doc := reportDoc(t, h, "/reports/monthly?client=kir&month=2026-10")
		kpi := doc.Find(byTestID("report-kpi-messages")).Text()
		if !strings.Contains(kpi, "7 in September 2026") {
			t.Errorf("messages KPI %q: want the previous calendar month's 7 messages", kpi)
		}
		if got := doc.Find(byTestID("report-period")).Text(); got != "1 – 31 Oct 2026" {
			t.Errorf("period %q", got)
		}
	})

	t.Run("bad parameters", func(t *testing.T) {
		for _, q := range []string{"client=kir&month=2026-13", "client=kir&month=October", "client=kir&format=xls", "client=kir&paper=legal", "tz=Mars/Base"} {
			rec, _ := reportGet(t, h, "/reports/monthly?"+q)
			if rec.Code != http.StatusBadRequest {
				t.Errorf("%s: %d, want 400", q, rec.Code)
			}
		}
		if rec, _ := reportGet(t, h, "/reports/monthly?client=nobody&month=2026-10"); rec.Code != http.StatusNotFound {
			t.Errorf("unknown client: %d, want 404", rec.Code)
		}
	})

	t.Run("pdf without chromium", func(t *testing.T) {
		rec, body := reportGet(t, h, "/reports/monthly?client=kir&month=2026-10&format=pdf")
		if rec.Code != http.StatusServiceUnavailable || !strings.Contains(body, "Print") || !strings.Contains(body, "INSIGHTS_CHROMIUM") {
			t.Errorf("format=pdf without Chromium: %d\n%.600s", rec.Code, body)
		}
	})
}

// TestMonthlyReportCSV checks the CSV download: header, day × category rows
// that add up to the API's totals in the client's zone, monthly sections.
func TestMonthlyReportCSV(t *testing.T) {
	t.Parallel()
	h, _ := edgeServer(t, server.Options{})
	rec, body := reportGet(t, h, "/reports/monthly?client=kir&month=2026-11&format=csv")
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	if cd := rec.Header().Get("Content-Disposition"); !strings.Contains(cd, `filename="statement-kir-2026-11.csv"`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rows[0], ","); got != "section,date,client,key,label,volume,seconds,currency,cost,cost_estimated,unit,units" {
		t.Fatalf("header %q", got)
	}
	want := [][]string{
		{"day", "2026-11-01", "kir", "UTILITY", "Utility", "40", "", "INR", "6.20", "false", "", ""},
		{"day", "2026-11-15", "kir", "SERVICE", "Service", "9", "", "INR", "0.00", "false", "", ""},
		{"category", "2026-11", "kir", "UTILITY", "Utility", "40", "", "INR", "6.20", "false", "", ""},
		{"category", "2026-11", "kir", "SERVICE", "Service", "9", "", "INR", "0.00", "false", "", ""},
		{"pricing_type", "2026-11", "kir", "FREE_CUSTOMER_SERVICE", "Free customer service", "9", "", "INR", "0.00", "false", "", ""},
		{"pricing_type", "2026-11", "kir", "REGULAR", "Regular (paid)", "40", "", "INR", "6.20", "false", "", ""},
		{"channel", "2026-11", "kir", "ch-kir", "", "49", "", "INR", "6.20", "false", "", ""},
		{"country", "2026-11", "kir", "AE", "United Arab Emirates", "9", "", "INR", "0.00", "false", "", ""},
		{"country", "2026-11", "kir", "IN", "India", "40", "", "INR", "6.20", "false", "", ""},
		{"calls", "2026-11-01", "kir", "BUSINESS_INITIATED", "", "3", "300", "", "", "", "", ""},
		{"calls_month", "2026-11", "kir", "", "", "3", "300", "INR", "1.50", "false", "", ""},
	}
	got := rows[1:]
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d:\n%s", len(got), len(want), body)
	}
	for i := range want {
		if strings.Join(got[i], ",") != strings.Join(want[i], ",") {
			t.Errorf("row %d: %q, want %q", i+1, got[i], want[i])
		}
	}
}

// TestPartnerReport checks the partner-wide statement: a row per client and
// totals per currency that equal the API's, never one sum of currencies.
func TestPartnerReport(t *testing.T) {
	t.Parallel()
	h, _ := edgeServer(t, server.Options{})
	// November in UTC: Kirana (INR) and Gotham (USD).
	doc := reportDoc(t, h, "/reports/monthly?month=2026-11")
	if got := doc.Find(byTestID("report-scope")).Text(); got != "All clients" {
		t.Errorf("scope %q", got)
	}
	if got := doc.Find(byTestID("report-zone")).Text(); got != "UTC" {
		t.Errorf("zone %q", got)
	}
	nov := usage.MonthPeriod(2026, time.November, time.UTC)
	api := apiUsage(t, h, "", "UTC", nov, "client")
	if len(api.Totals) != 2 {
		t.Fatalf("API totals %+v, want INR and USD", api.Totals)
	}
	perCurrency := tableExact(doc, "report-by-currency")
	if len(perCurrency) != len(api.Totals) {
		t.Fatalf("currency rows %v, API totals %+v", perCurrency, api.Totals)
	}
	for _, tot := range api.Totals {
		if r := perCurrency[tot.Currency]; r[0] != fmt.Sprint(tot.Volume) || r[1] != tot.Cost+" "+tot.Currency {
			t.Errorf("%s: report %v, API %d %s", tot.Currency, r, tot.Volume, tot.Cost)
		}
	}
	// Several currencies: no headline cost, and tables whose rows would mix
	// currencies compare volumes only.
	if n := doc.Find(`[data-testid^="report-kpi-cost-"]`).Length(); n != 0 {
		t.Errorf("%d cost KPIs on a multi-currency statement", n)
	}
	if n := doc.Find(byTestID("report-by-category") + " thead th").Length(); n != 4 {
		t.Errorf("by-category table has %d columns, want 4 (no cost)", n)
	}
	clients := tableExact(doc, "report-by-client")
	apiClients := sumSeries(api, "client")
	if len(clients) != len(apiClients) {
		t.Errorf("client rows %v, API %v", clients, apiClients)
	}
	for id, v := range apiClients {
		if clients[id][0] != fmt.Sprint(v[0]) {
			t.Errorf("client %s: report %v, API %d", id, clients[id], v[0])
		}
	}
	foot := doc.Find(byTestID("report-by-client") + ` [data-testid="report-total"]`).Text()
	if !strings.Contains(foot, "—") || strings.Contains(foot, "₹") || strings.Contains(foot, "$") {
		t.Errorf("client total row %q must not sum costs across currencies", foot)
	}
	if !strings.Contains(doc.Find(byTestID("report-notice")).Text(), "never added together") {
		t.Error("a multi-currency statement must say currencies are not added")
	}

	// In UTC, Kirana's 00:30 IST message of 1 November belongs to October.
	oct := tableExact(reportDoc(t, h, "/reports/monthly?month=2026-10"), "report-by-client")
	if oct["kir"][0] != "140" || oct["kir"][1] != "86.70 INR" {
		t.Errorf("kir in UTC October: %v, want 140 messages, 86.70 INR", oct["kir"])
	}
	// And in Kolkata's zone the partner-wide October matches the client's.
	ist := tableExact(reportDoc(t, h, "/reports/monthly?month=2026-10&tz=Asia/Kolkata"), "report-by-client")
	if ist["kir"][0] != "100" {
		t.Errorf("kir in IST October: %v, want 100 messages", ist["kir"])
	}

	// The list page offers each client's months in its zone, and the partner's.
	list := reportDoc(t, h, "/reports")
	var months []string
	list.Find(`[data-testid="reports-client"][data-key="kir"] [data-testid="reports-month"]`).Each(func(_ int, s *goquery.Selection) {
		months = append(months, s.AttrOr("data-month", ""))
	})
	if strings.Join(months, ",") != "2026-11,2026-10,2026-09" {
		t.Errorf("kir months %v", months)
	}
	href := list.Find(`[data-testid="reports-client"][data-key="nyc"] [data-testid="reports-month"] a`).First().AttrOr("href", "")
	if href != "/reports/monthly?client=nyc&month=2026-11" {
		t.Errorf("nyc first link %q", href)
	}
	if list.Find(byTestID("reports-partner")+` [data-testid="reports-month"]`).Length() != 3 {
		t.Error("partner-wide months missing")
	}
}

// TestPartnerCSVCallsPerCurrency checks that a partner statement's
// calls_month rows carry each currency's own calls and seconds, not the
// partner total repeated on every currency's line.
func TestPartnerCSVCallsPerCurrency(t *testing.T) {
	t.Parallel()
	h, st := edgeServer(t, server.Options{})
	// One more window per client, each with its point as before and calls
	// in its own currency: 4 calls in INR, 2 in USD.
	window := func(channel string, start time.Time, p usage.Point, calls, secs int64, cost int64) store.UsageWindow {
		return store.UsageWindow{ChannelID: channel, Start: start, End: start.Add(30 * time.Minute), Granularity: usage.HalfHour,
			Points: []usage.Point{p},
			Calls: []usage.CallPoint{{Start: start, End: start.Add(30 * time.Minute), Granularity: usage.HalfHour, Direction: usage.DirectionOutbound,
				Count: calls, Seconds: secs, Currency: p.Currency, CostNanos: cost, CostKnown: true}}}
	}
	point := func(start time.Time, cat usage.Category, pricing usage.PricingType, country string, vol int64, cur string, cost int64) usage.Point {
		return usage.Point{Start: start, End: start.Add(30 * time.Minute), Granularity: usage.HalfHour, Category: cat,
			PricingType: pricing, Country: country, Volume: vol, Currency: cur, CostNanos: cost, CostKnown: true}
	}
	kir := time.Date(2026, 11, 15, 6, 0, 0, 0, time.UTC)
	nyc := time.Date(2026, 11, 10, 15, 0, 0, 0, time.UTC)
	for _, w := range []store.UsageWindow{
		window("ch-kir", kir, point(kir, usage.CategoryService, usage.PricingFreeCustomerService, "AE", 9, "INR", 0), 4, 240, 2_000_000_000),
		window("ch-nyc", nyc, point(nyc, usage.CategoryUtility, usage.PricingRegular, "US", 5, "USD", 20_000_000), 2, 120, 30_000_000),
	} {
		if err := st.SaveUsageWindow(context.Background(), w); err != nil {
			t.Fatal(err)
		}
	}
	_, body := reportGet(t, h, "/reports/monthly?month=2026-11&format=csv")
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		if r[0] == "calls_month" {
			got = append(got, strings.Join(r, ","))
		}
	}
	want := []string{"calls_month,2026-11,,,,4,240,INR,2.00,false,,", "calls_month,2026-11,,,,2,120,USD,0.03,false,,"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("calls_month rows:\n%s\nwant:\n%s\nbody:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), body)
	}
}
