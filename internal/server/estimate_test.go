package server_test

import (
	"context"
	"encoding/csv"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/partnerapi"
	"github.com/insights-dev/insights/internal/pdf"
	"github.com/insights-dev/insights/internal/poller"
	"github.com/insights-dev/insights/internal/ratecard"
	"github.com/insights-dev/insights/internal/server"
	"github.com/insights-dev/insights/internal/simulator"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
)

// TestMissingCostIsEstimatedEndToEnd polls the simulated Partner API, whose
// credit-line client (Himal Treks) reports usage without a cost, and checks
// that those costs are estimated from the rate card, never zero, and flagged
// as estimates everywhere: the JSON API (totals and series), the CSV export,
// the client's page, the overview, the statement and its PDF text.
func TestMissingCostIsEstimatedEndToEnd(t *testing.T) {
	t.Parallel()
	f := newEstimateFixture(t)
	t.Run("API", func(t *testing.T) { checkEstimatedAPI(t, f) })
	t.Run("CSV", func(t *testing.T) { checkEstimatedCSV(t, f) })
	t.Run("pages", func(t *testing.T) { checkEstimatedPages(t, f) })
	t.Run("statement", func(t *testing.T) { checkEstimatedStatement(t, f) })
	t.Run("PDF", func(t *testing.T) { checkEstimatedPDF(t, f) })
}

// estimateNotice begins the notice of estimated costs on every page.
const estimateNotice = "Costs include estimates from the rate card (built-in 2026-10-01 USD) for "

// estimateFixture is a store polled from the simulator, its credit-line
// client (no costs reported) and the estimate the built-in cards give.
type estimateFixture struct {
	sim       *simulator.Simulator
	st        *store.Store
	clock     func() time.Time
	himal     simulator.Client
	raw       []usage.Point
	wantNanos int64
	h         http.Handler
	q         url.Values
}

func (f estimateFixture) statement() string {
	return "/reports/monthly?client=" + url.QueryEscape(f.himal.ID) + "&month=2026-11"
}

func newEstimateFixture(t *testing.T) estimateFixture {
	t.Helper()
	now := time.Date(2026, 11, 4, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	sim := simulator.New(simulator.Config{Seed: 3, Clients: 5, Now: clock, Logger: slog.New(slog.DiscardHandler)})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	api, err := partnerapi.New(partnerapi.Config{BaseURL: srv.URL, PartnerID: sim.PartnerID(), APIKey: sim.APIKey(),
		MaxRetries: -1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	st := storetest.Open(t)
	p := poller.New(poller.Options{API: api, Store: st, Logger: slog.New(slog.DiscardHandler), Now: clock, BackfillDays: 4})
	res, err := p.RunOnce(context.Background())
	if err != nil || res.Failed != 0 || res.Points == 0 {
		t.Fatalf("poll: %+v, %v", res, err)
	}

	var himal simulator.Client
	for _, c := range sim.Clients() {
		if c.Name == "Himal Treks" {
			himal = c
		}
	}
	if himal.ID == "" {
		t.Fatal("the simulator has no credit-line client")
	}
	// What the source reported: no cost at all; priced from the built-in
	// cards, the expected estimate.
	from, to := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 4, 0, 0, 0, 0, time.UTC)
	var raw []usage.Point
	for _, w := range himal.WABAs {
		for _, ch := range w.Channels {
			raw = append(raw, sim.UsagePoints(ch.ID, from, to)...)
		}
	}
	for _, pt := range raw {
		if pt.CostKnown {
			t.Fatalf("the credit-line client reports a cost: %+v", pt)
		}
	}
	estimated, n := ratecard.EstimatePoints(ratecard.Builtin(), raw, "")
	var wantNanos int64
	for _, pt := range estimated {
		wantNanos += pt.CostNanos
	}
	if n != len(raw) || n == 0 || wantNanos == 0 {
		t.Fatalf("%d of %d points estimable, %d nanos: the test proves nothing", n, len(raw), wantNanos)
	}

	return estimateFixture{sim: sim, st: st, clock: clock, himal: himal, raw: raw, wantNanos: wantNanos,
		h: server.New(server.Options{Store: st, AllowAnonymous: true, Now: clock}).Handler(),
		q: url.Values{"from": {"2026-11-01"}, "to": {"2026-11-03"}, "tz": {"UTC"}, "client": {himal.ID}, "group_by": {"category"}}}

}

func checkEstimatedAPI(t *testing.T, f estimateFixture) {
	var u struct {
		Totals []struct {
			Currency, Cost string
			CostEstimated  bool `json:"cost_estimated"`
		}
		CostEstimatedPoints int64 `json:"cost_estimated_points"`
		CostUnknownPoints   int64 `json:"cost_unknown_points"`
		Series              []map[string]any
	}
	if code := getJSON(t, f.h, "/api/v1/usage?"+f.q.Encode(), &u); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	if len(u.Totals) != 1 || u.Totals[0].Currency != "USD" || !u.Totals[0].CostEstimated {
		t.Fatalf("totals %+v, want one USD total flagged cost_estimated", u.Totals)
	}
	if got, _ := usage.ParseDecimal(u.Totals[0].Cost); got != f.wantNanos || got == 0 {
		t.Errorf("total cost %s, want the rate card's %s", u.Totals[0].Cost, usage.FormatDecimal(f.wantNanos))
	}
	if u.CostEstimatedPoints != int64(len(f.raw)) || u.CostUnknownPoints != 0 {
		t.Errorf("cost_estimated_points %d, cost_unknown_points %d; want %d and 0", u.CostEstimatedPoints, u.CostUnknownPoints, len(f.raw))
	}
	if len(u.Series) == 0 {
		t.Fatal("empty series")
	}
	for _, e := range u.Series {
		if e["cost_estimated"] != true {
			t.Errorf("series row %v is not flagged cost_estimated", e)
		}
	}
	// Another client reports its costs: nothing of it is flagged.
	other := url.Values{"from": {"2026-11-01"}, "to": {"2026-11-03"}, "client": {f.sim.Clients()[0].ID}}
	var o struct {
		Totals []struct {
			CostEstimated bool `json:"cost_estimated"`
		}
		CostEstimatedPoints int64 `json:"cost_estimated_points"`
	}
	getJSON(t, f.h, "/api/v1/usage?"+other.Encode(), &o)
	if len(o.Totals) == 0 || o.Totals[0].CostEstimated || o.CostEstimatedPoints != 0 {
		t.Errorf("a client with costs: %+v", o)
	}
}

func checkEstimatedCSV(t *testing.T, f estimateFixture) {
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/export/usage.csv?"+f.q.Encode(), nil))
	rows, err := csv.NewReader(rec.Body).ReadAll()
	if err != nil || rec.Code != http.StatusOK || len(rows) < 2 {
		t.Fatalf("status %d, %d rows, %v", rec.Code, len(rows), err)
	}
	col := -1
	for i, name := range rows[0] {
		if name == "cost_estimated" {
			col = i
		}
	}
	if col < 0 {
		t.Fatalf("header %v lacks cost_estimated", rows[0])
	}
	for _, r := range rows[1:] {
		if r[col] != "true" {
			t.Errorf("row %v: cost_estimated %q, want true", r, r[col])
		}
	}
}

func checkEstimatedPages(t *testing.T, f estimateFixture) {
	wantNotice := estimateNotice
	for _, path := range []string{
		"/clients/" + url.PathEscape(f.himal.ID) + "?from=2026-11-01&to=2026-11-03",
		"/?from=2026-11-01&to=2026-11-03",
	} {
		doc := reportDoc(t, f.h, path)
		notice := strings.Join(strings.Fields(doc.Find(byTestID("cost-estimate-notice")).Text()), " ")
		if !strings.HasPrefix(notice, wantNotice) || !strings.HasSuffix(notice, " data points the source reported without a cost.") {
			t.Errorf("%s: notice %q, want %q…", path, notice, wantNotice)
		}
		if txt := doc.Find(byTestID("notice")).Text(); strings.Contains(txt, "leave them out") {
			t.Errorf("%s still says the costs leave points out: %q", path, txt)
		}
	}
	// The client's page counts exactly the credit-line points of its period.
	doc := reportDoc(t, f.h, "/clients/"+url.PathEscape(f.himal.ID)+"?from=2026-11-01&to=2026-11-03&tz=UTC")
	want := wantNotice + formatCount(int64(len(f.raw))) + " data points"
	if got := strings.Join(strings.Fields(doc.Find(byTestID("cost-estimate-notice")).Text()), " "); !strings.HasPrefix(got, want) {
		t.Errorf("client page in UTC: notice %q, want %q…", got, want)
	}
	// A client that reports its costs has no such notice.
	doc = reportDoc(t, f.h, "/clients/"+url.PathEscape(f.sim.Clients()[0].ID)+"?from=2026-11-01&to=2026-11-03")
	if doc.Find(byTestID("cost-estimate-notice")).Length() != 0 {
		t.Error("a client with costs shows the estimate notice")
	}
}

func checkEstimatedStatement(t *testing.T, f estimateFixture) {
	wantNotice, statement := estimateNotice, f.statement()
	doc := reportDoc(t, f.h, statement)
	if got := strings.Join(strings.Fields(doc.Find(byTestID("report-cost-estimate")).Text()), " "); !strings.HasPrefix(got, wantNotice) {
		t.Errorf("statement notice %q, want %q…", got, wantNotice)
	}
	rec, body := reportGet(t, f.h, statement+"&format=csv")
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || rec.Code != http.StatusOK || len(rows) < 2 {
		t.Fatalf("statement CSV: %d, %v", rec.Code, err)
	}
	days := 0
	for _, r := range rows[1:] {
		if r[0] == "day" {
			days++
			if cost, _ := usage.ParseDecimal(r[8]); r[9] != "true" || (cost == 0 && r[3] != string(usage.CategoryService)) {
				t.Errorf("statement CSV row %v: want an estimated cost", r)
			}
		}
	}
	if days == 0 {
		t.Errorf("statement CSV has no day rows:\n%s", body)
	}
}

func checkEstimatedPDF(t *testing.T, f estimateFixture) {
	wantNotice, statement := estimateNotice, f.statement()
	chromium := needTool(t, os.Getenv("INSIGHTS_CHROMIUM"), "/usr/bin/chromium", "chromium", "chromium-browser")
	needTool(t, "pdftotext")
	r := &pdf.Renderer{ExecPath: chromium}
	t.Cleanup(r.Close)
	ph := server.New(server.Options{Store: f.st, AllowAnonymous: true, Now: f.clock, PDF: r}).Handler()
	rec, _ := reportGet(t, ph, statement+"&format=pdf")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/pdf" {
		t.Fatalf("format=pdf: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	path := filepath.Join(t.TempDir(), "statement.pdf")
	if err := os.WriteFile(path, rec.Body.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	if text := strings.Join(strings.Fields(string(out)), " "); !strings.Contains(text, wantNotice) {
		t.Errorf("PDF text lacks %q:\n%.3000s", wantNotice, text)
	}
}

// TestEstimatedCallCosts: a call point whose cost is an estimate is flagged
// in /api/v1/calls, in the statement's calls_month CSV row and in the
// statement's notice; the same call with the source's cost is not.
func TestEstimatedCallCosts(t *testing.T) {
	t.Parallel()
	h, st := edgeServer(t, server.Options{})
	ctx := context.Background()
	call := usage.CallPoint{Start: time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 10, 9, 30, 0, 0, time.UTC),
		Granularity: usage.HalfHour, Direction: usage.DirectionOutbound, Country: "US", Count: 2, Seconds: 100, Currency: "USD",
		CostNanos: 30_000_000, CostKnown: true, CostEstimated: true}
	save := func(c usage.CallPoint) {
		t.Helper()
		if err := st.SaveUsageWindow(ctx, store.UsageWindow{ChannelID: "ch-nyc", Granularity: usage.HalfHour,
			Start: c.Start, End: c.End, Calls: []usage.CallPoint{c}}); err != nil {
			t.Fatal(err)
		}
	}
	type callsJSON struct {
		Totals struct {
			Cost []struct {
				Currency, Amount string
			}
			CostEstimated       bool  `json:"cost_estimated"`
			CostEstimatedPoints int64 `json:"cost_estimated_points"`
		}
	}
	check := func(stage string, estimated bool) {
		t.Helper()
		var c callsJSON
		getJSON(t, h, "/api/v1/calls?from=2026-11-10&to=2026-11-10&client=nyc", &c)
		wantPoints := int64(0)
		if estimated {
			wantPoints = 1
		}
		if c.Totals.CostEstimated != estimated || c.Totals.CostEstimatedPoints != wantPoints || len(c.Totals.Cost) != 1 {
			t.Errorf("%s: calls totals %+v, want cost_estimated %v", stage, c.Totals, estimated)
		}
		_, body := reportGet(t, h, "/reports/monthly?client=nyc&month=2026-11&format=csv")
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, r := range rows {
			if r[0] == "calls_month" {
				found = true
				if r[9] != strconv.FormatBool(estimated) {
					t.Errorf("%s: calls_month row %v, want cost_estimated %v", stage, r, estimated)
				}
			}
		}
		if !found {
			t.Errorf("%s: no calls_month row:\n%s", stage, body)
		}
		doc := reportDoc(t, h, "/reports/monthly?client=nyc&month=2026-11")
		if got := doc.Find(byTestID("report-cost-estimate")).Length() == 1; got != estimated {
			t.Errorf("%s: statement estimate notice shown %v, want %v", stage, got, estimated)
		}
	}
	save(call)
	check("estimated", true)
	call.CostEstimated, call.CostNanos = false, 36_000_000
	save(call)
	check("the source's cost", false)
}
