package server_test

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/server"
	"github.com/insights-dev/insights/internal/simulator"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
)

// simNow is the simulated "now" of the API tests: a few weeks after the
// European and US daylight-saving changes of 2026.
var simNow = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// seededFrom and seededTo bound the simulator data the long tests share (one
// seeded database per test binary and dialect, copied per test): September
// and October in every zone (UTC−5 … UTC+5:30) and the first week of
// November, so the usage test's period and the one before it are covered.
var (
	seededFrom = time.Date(2026, 8, 31, 12, 0, 0, 0, time.UTC)
	seededTo   = time.Date(2026, 11, 7, 0, 0, 0, 0, time.UTC)
)

func getJSON(t *testing.T, h http.Handler, path string, into any) int {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	if into != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), into); err != nil {
			t.Fatalf("GET %s: %d, body not JSON: %v\n%s", path, rec.Code, err, rec.Body.String())
		}
	}
	return rec.Code
}

type usageJSON struct {
	From, To, TZ string
	Totals       []struct {
		Currency string
		Volume   int64
		Cost     string
	}
	Units []struct {
		Category, Unit string
		Volume         int64
	}
	Previous struct {
		From, To string
		Totals   []struct {
			Currency string
			Volume   int64
			Cost     string
		}
	}
	Series []map[string]any
}

type callsJSON struct {
	Totals struct {
		Calls, Inbound, Outbound int64
		AverageDurationSeconds   int64 `json:"average_duration_seconds"`
		Cost                     []struct{ Currency, Amount string }
	}
}

// TestUsageAPIMatchesSimulatorTotals checks /api/v1/usage and /api/v1/calls
// against the simulator's own ground truth, to the nano-unit, for clients in
// several currencies and zones (Berlin and New York across their DST change,
// Kolkata's half-hour offset), on SQLite and PostgreSQL.
func TestUsageAPIMatchesSimulatorTotals(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("-short: seeds 50 days of the simulated partner")
	}
	cfg := simulator.Config{Seed: 11, Now: func() time.Time { return simNow }}
	storetest.ForEachSeededDB(t, cfg, seededFrom, seededTo, func(t *testing.T, st *store.Store) {
		sim := simulator.New(cfg)
		h := server.New(server.Options{Store: st, AllowAnonymous: true, Now: func() time.Time { return simNow }}).Handler()

		checked := map[string]bool{}
		for _, c := range sim.Clients() {
			if checked[c.Timezone] {
				continue
			}
			checked[c.Timezone] = true
			t.Run(c.Name, func(t *testing.T) {
				loc, err := time.LoadLocation(c.Timezone)
				if err != nil {
					t.Fatal(err)
				}
				// 2026-10-20 … 2026-11-05 spans the end of summer time in Europe (Oct 25) and the US (Nov 1).
				p := usage.Period{From: usage.Date{Year: 2026, Month: 10, Day: 20}, To: usage.Date{Year: 2026, Month: 11, Day: 5}, Loc: loc}
				want := simulatorTruth(sim, c, p)
				wantVol, wantTokens, wantCost := want.messages, want.tokens, want.cost
				wantCalls, wantInbound, wantCallCost := want.calls, want.inbound, want.callCost
				q := url.Values{"from": {p.From.String()}, "to": {p.To.String()}, "tz": {c.Timezone}, "client": {c.ID}, "group_by": {"category"}}
				var u usageJSON
				if code := getJSON(t, h, "/api/v1/usage?"+q.Encode(), &u); code != http.StatusOK {
					t.Fatalf("status %d", code)
				}
				if len(u.Totals) != 1 || u.Totals[0].Currency != c.Currency {
					t.Fatalf("totals %+v, want one entry in %s", u.Totals, c.Currency)
				}
				if u.Totals[0].Volume != wantVol || u.Totals[0].Cost != usage.FormatDecimal(wantCost) {
					t.Errorf("totals: got %d msgs %s, want %d msgs %s", u.Totals[0].Volume, u.Totals[0].Cost, wantVol, usage.FormatDecimal(wantCost))
				}
				var seriesVol, seriesTokens int64
				for _, e := range u.Series {
					seriesVol += int64(e["volume"].(float64))
					if units, ok := e["units"].(float64); ok {
						seriesTokens += int64(units)
					}
				}
				if seriesVol != wantVol || seriesTokens != wantTokens {
					t.Errorf("series adds up to %d messages and %d tokens, want %d and %d", seriesVol, seriesTokens, wantVol, wantTokens)
				}
				var unitTokens int64
				for _, un := range u.Units {
					unitTokens += un.Volume
				}
				if unitTokens != wantTokens {
					t.Errorf("units %+v, want %d tokens", u.Units, wantTokens)
				}
				if u.Previous.From != "2026-10-03" || u.Previous.To != "2026-10-19" {
					t.Errorf("previous period %s … %s", u.Previous.From, u.Previous.To)
				}

				var cj callsJSON
				q.Del("group_by")
				if code := getJSON(t, h, "/api/v1/calls?"+q.Encode(), &cj); code != http.StatusOK {
					t.Fatalf("calls status %d", code)
				}
				if cj.Totals.Calls != wantCalls || cj.Totals.Inbound != wantInbound || cj.Totals.Outbound != wantCalls-wantInbound {
					t.Errorf("calls: got %+v, want %d calls (%d inbound)", cj.Totals, wantCalls, wantInbound)
				}
				if wantCalls > 0 && (len(cj.Totals.Cost) != 1 || cj.Totals.Cost[0].Amount != usage.FormatDecimal(wantCallCost)) {
					t.Errorf("call cost %+v, want %s", cj.Totals.Cost, usage.FormatDecimal(wantCallCost))
				}
			})
		}
		if !checked["Asia/Kolkata"] || !checked["Europe/Berlin"] || !checked["America/New_York"] {
			t.Fatalf("the simulated partner lacks a zone this test relies on: %v", checked)
		}

		// Storing a stored window again (two weeks across both daylight-saving
		// changes) changes no total.
		before := map[string]any{}
		getJSON(t, h, "/api/v1/usage?from=2026-09-01&to=2026-11-06", &before)
		storetest.SeedFromSimulator(t, st, sim, time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC))
		after := map[string]any{}
		getJSON(t, h, "/api/v1/usage?from=2026-09-01&to=2026-11-06", &after)
		if b, _ := json.Marshal(before["totals"]); string(b) != mustJSON(after["totals"]) {
			t.Errorf("re-poll changed totals: %s → %s", b, mustJSON(after["totals"]))
		}
	})
}

// truth is what the simulator itself holds for a client over a period.
type truth struct {
	messages, tokens, cost, calls, inbound, callCost int64
}

// simulatorTruth sums the simulator's own points of client c over p:
// tokens apart from messages, as the API must.
func simulatorTruth(sim *simulator.Simulator, c simulator.Client, p usage.Period) truth {
	var t truth
	for _, w := range c.WABAs {
		for _, ch := range w.Channels {
			for _, pt := range sim.UsagePoints(ch.ID, p.Start().UTC(), p.End().UTC()) {
				if pt.Category.Unit() == usage.UnitMessage {
					t.messages += pt.Volume
				} else {
					t.tokens += pt.Volume // units, never messages
				}
				t.cost += pt.CostNanos
			}
			for _, cp := range sim.CallPoints(ch.ID, p.Start().UTC(), p.End().UTC()) {
				t.calls += cp.Count
				t.callCost += cp.CostNanos
				if cp.Direction == usage.DirectionInbound {
					t.inbound += cp.Count
				}
			}
		}
	}
	return t
}

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

// TestUsageAPIRejectsBadParameters checks every bad parameter gets a 400
// whose JSON names it.
func TestUsageAPIRejectsBadParameters(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	h := server.New(server.Options{Store: st, AllowAnonymous: true}).Handler()
	tests := []struct{ query, field string }{
		{"to=2026-11-01", "from"},
		{"from=2026-11-01", "to"},
		{"from=2026-13-01&to=2026-11-02", "from"},
		{"from=2026-11-05&to=2026-11-01", "to"},
		{"from=2026-11-01&to=2026-11-02&tz=Mars/Olympus", "tz"},
		{"from=2026-11-01&to=2026-11-02&granularity=weekly", "granularity"},
		{"from=2026-11-01&to=2026-11-02&group_by=colour", "group_by"},
		{"from=2026-11-01&to=2026-11-02&country=Germany", "country"},
		{"from=2026-11-01&to=2026-11-02&source=guess", "source"},
		{"from=2020-01-01&to=2026-11-02", "from"},
		{"from=2026-01-01&to=2026-11-02&granularity=half_hour", "granularity"},
	}
	for _, path := range []string{"/api/v1/usage?", "/api/v1/calls?"} {
		for _, tt := range tests {
			t.Run(path+tt.query, func(t *testing.T) {
				var e struct{ Error, Field string }
				if code := getJSON(t, h, path+tt.query, &e); code != http.StatusBadRequest {
					t.Fatalf("status %d, want 400", code)
				}
				if e.Field != tt.field || e.Error == "" {
					t.Errorf("got field %q error %q, want field %q", e.Field, e.Error, tt.field)
				}
			})
		}
	}
}

// TestUsageAPIKeepsCurrenciesApart checks a partner-wide query answers one
// total per currency and never adds them.
func TestUsageAPIKeepsCurrenciesApart(t *testing.T) {
	t.Parallel()
	cfg := simulator.Config{Seed: 11, Now: func() time.Time { return simNow }}
	sim := simulator.New(cfg)
	st := storetest.OpenSeeded(t, cfg, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC))
	h := server.New(server.Options{Store: st, AllowAnonymous: true}).Handler()
	var u usageJSON
	getJSON(t, h, "/api/v1/usage?from=2026-11-01&to=2026-11-02&group_by=client,category", &u)
	currencies := map[string]bool{}
	for _, c := range sim.Clients() {
		currencies[c.Currency] = true
	}
	if len(u.Totals) != len(currencies) {
		t.Fatalf("got %d currency totals, want %d: %+v", len(u.Totals), len(currencies), u.Totals)
	}
	for _, tot := range u.Totals {
		if !currencies[tot.Currency] || tot.Volume == 0 {
			t.Errorf("unexpected total %+v", tot)
		}
	}
}

// TestUnknownCategorySurvivesEndToEnd checks a category Meta introduces
// after this code was written is kept from the API response to the JSON API.
func TestUnknownCategorySurvivesEndToEnd(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	sim := simulator.New(simulator.Config{Seed: 11, Now: func() time.Time { return simNow }})
	ch := sim.Channels()[0]
	if err := sim.AddUnknownCategory(ch.ID, "NEW_CATEGORY_X"); err != nil {
		t.Fatal(err)
	}
	storetest.SeedFromSimulator(t, st, sim, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC))
	h := server.New(server.Options{Store: st, AllowAnonymous: true}).Handler()
	var u usageJSON
	getJSON(t, h, "/api/v1/usage?from=2026-11-01&to=2026-11-02&group_by=category&channel="+ch.ID, &u)
	var found int64
	for _, e := range u.Series {
		if e["category"] == "NEW_CATEGORY_X" {
			found += int64(e["volume"].(float64))
		}
	}
	if found == 0 {
		t.Fatalf("NEW_CATEGORY_X missing from the series: %v", u.Series)
	}
}

// TestUsageCSVMatchesJSON checks /export/usage.csv has a header row and one
// row per series entry of /api/v1/usage with the same figures.
func TestUsageCSVMatchesJSON(t *testing.T) {
	t.Parallel()
	cfg := simulator.Config{Seed: 11, Now: func() time.Time { return simNow }}
	st := storetest.OpenSeeded(t, cfg, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC))
	h := server.New(server.Options{Store: st, AllowAnonymous: true}).Handler()
	q := "from=2026-11-01&to=2026-11-02&tz=Asia/Kolkata&group_by=client,category"
	var u usageJSON
	getJSON(t, h, "/api/v1/usage?"+q, &u)

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/export/usage.csv?"+q, nil))
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("status %d, type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	rows, err := csv.NewReader(rec.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"bucket", "client", "category", "currency", "volume", "cost", "cost_estimated", "unit", "units"}; strings.Join(rows[0], ",") != strings.Join(want, ",") {
		t.Fatalf("header %v, want %v", rows[0], want)
	}
	if len(rows)-1 != len(u.Series) || len(u.Series) == 0 {
		t.Fatalf("%d CSV rows, %d series entries", len(rows)-1, len(u.Series))
	}
	tokens := 0
	for i, e := range u.Series {
		got := rows[i+1]
		unit, units := "", ""
		if u, ok := e["unit"].(string); ok {
			unit, units = u, strconv.FormatInt(int64(e["units"].(float64)), 10)
			tokens++
		}
		want := []string{e["bucket"].(string), e["client"].(string), e["category"].(string), e["currency"].(string),
			strconv.FormatInt(int64(e["volume"].(float64)), 10), e["cost"].(string), strconv.FormatBool(e["cost_estimated"].(bool)), unit, units}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("row %d = %v, want %v", i+1, got, want)
		}
	}
	if tokens == 0 {
		t.Error("no entry with units: the simulated agent client's tokens are missing")
	}
	// A bad parameter is a JSON error naming it, as on the API.
	var e struct{ Error, Field string }
	if code := getJSON(t, h, "/export/usage.csv?from=2026-11-01", &e); code != http.StatusBadRequest || e.Field != "to" {
		t.Errorf("bad parameter: %d %+v", code, e)
	}
}
