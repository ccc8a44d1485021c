package server_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
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

// spendFixture is a store holding 50 days of two simulated clients up to
// simNow, with one balance reading, and a server on it.
type spendFixture struct {
	st     *store.Store
	sim    *simulator.Simulator
	h      http.Handler
	client simulator.Client
}

func newSpendFixture(t *testing.T) spendFixture {
	t.Helper()
	cfg := simulator.Config{Seed: 11, Clients: 2, Now: func() time.Time { return simNow }}
	sim := simulator.New(cfg)
	st := storetest.OpenSeeded(t, cfg, simNow.AddDate(0, 0, -35), simNow)
	cl := sim.Clients()[0]
	ch := cl.WABAs[0].Channels[0]
	bal, thr := sim.Balance(ch.ID)
	if err := st.SaveBalance(context.Background(), store.BalanceReading{ChannelID: ch.ID, ReadAt: simNow.Add(-time.Minute), Currency: ch.Currency, BalanceNanos: bal, ThresholdNanos: &thr}); err != nil {
		t.Fatal(err)
	}
	h := server.New(server.Options{Store: st, Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return simNow }, AllowAnonymous: true}).Handler()
	return spendFixture{st: st, sim: sim, h: h, client: cl}
}

func TestSpendAPI(t *testing.T) {
	t.Parallel()
	fx := newSpendFixture(t)

	t.Run("balances", func(t *testing.T) { checkSpendBalances(t, fx) })
	t.Run("forecast", func(t *testing.T) { checkSpendForecast(t, fx) })
	t.Run("bad parameters", func(t *testing.T) { checkSpendBadParameters(t, fx) })
	t.Run("alerts", func(t *testing.T) { checkSpendAlerts(t, fx) })
}

// checkSpendBalances checks /api/v1/balances shows the client's own balance
// reading, with every documented key, and nothing of another client.
func checkSpendBalances(t *testing.T, fx spendFixture) {
	cl := fx.client
	ch := cl.WABAs[0].Channels[0]
	var raw map[string][]map[string]any
	if code := getJSON(t, fx.h, "/api/v1/balances?client="+cl.ID, &raw); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	bs := raw["balances"]
	if len(bs) != 1 {
		t.Fatalf("balances = %v", raw)
	}
	b := bs[0]
	bal, thr := fx.sim.Balance(ch.ID)
	want := map[string]any{"client": cl.ID, "channel": ch.ID, "balance": usage.FormatDecimal(bal), "currency": ch.Currency,
		"threshold": usage.FormatDecimal(thr), "read_at": simNow.Add(-time.Minute).Format(time.RFC3339)}
	for k, v := range want {
		if b[k] != v {
			t.Errorf("%s = %v, want %v", k, b[k], v)
		}
	}
	if d, ok := b["runway_days"].(float64); !ok || d <= 0 {
		t.Errorf("runway_days = %v, want a positive number", b["runway_days"])
	}
	if len(b) != 7 {
		t.Errorf("keys = %v, want exactly the 7 documented ones", b)
	}
	var other map[string][]map[string]any
	getJSON(t, fx.h, "/api/v1/balances?client="+fx.sim.Clients()[1].ID, &other)
	if len(other["balances"]) != 0 {
		t.Errorf("another client's balances: %v", other)
	}
}

// checkSpendForecast checks /api/v1/forecast: the month to date equals the
// simulator's, the forecast lies within its range, with every documented key.
func checkSpendForecast(t *testing.T, fx spendFixture) {
	cl := fx.client
	loc, _ := time.LoadLocation(cl.Timezone)
	var mtd int64
	for _, c := range fx.sim.Channels() {
		if c.ClientID != cl.ID {
			continue
		}
		for _, p := range fx.sim.UsagePoints(c.ID, time.Date(2026, 11, 1, 0, 0, 0, 0, loc), simNow) {
			mtd += p.CostNanos
		}
	}
	var f map[string]any
	if code := getJSON(t, fx.h, "/api/v1/forecast?client="+cl.ID, &f); code != http.StatusOK {
		t.Fatalf("status %d: %v", code, f)
	}
	if f["client"] != cl.ID || f["month"] != "2026-11" || f["tz"] != cl.Timezone || f["currency"] != cl.Currency || f["budget"] != nil {
		t.Errorf("forecast = %v", f)
	}
	if f["to_date"] != usage.FormatDecimal(mtd) {
		t.Errorf("to_date = %v, want %s", f["to_date"], usage.FormatDecimal(mtd))
	}
	nanos := func(k string) int64 {
		n, err := usage.ParseDecimal(f[k].(string))
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		return n
	}
	if !(nanos("low") <= nanos("forecast") && nanos("forecast") <= nanos("high") && nanos("forecast") > mtd) {
		t.Errorf("forecast %v not within [low, high] or not above to date", f)
	}
	if len(f) != 9 {
		t.Errorf("keys = %v, want exactly the 9 documented ones", f)
	}
	var oct map[string]any
	getJSON(t, fx.h, "/api/v1/forecast?client="+cl.ID+"&month=2026-10", &oct)
	if oct["month"] != "2026-10" {
		t.Errorf("october = %v", oct)
	}
}

// checkSpendBadParameters checks a missing or unknown client and a bad month
// are a 400 naming the parameter.
func checkSpendBadParameters(t *testing.T, fx spendFixture) {
	cl := fx.client
	for _, tc := range []struct{ path, field string }{
		{"/api/v1/forecast", "client"},
		{"/api/v1/forecast?client=nobody", "client"},
		{"/api/v1/forecast?client=" + cl.ID + "&month=2026-13", "month"},
		{"/api/v1/balances?client=nobody", "client"},
	} {
		var e map[string]string
		if code := getJSON(t, fx.h, tc.path, &e); code != http.StatusBadRequest || e["field"] != tc.field || e["error"] == "" {
			t.Errorf("GET %s = %d %v; want 400 naming %s", tc.path, code, e, tc.field)
		}
	}
}

// checkSpendAlerts checks /api/v1/alerts lists a fired alert and nothing
// before.
func checkSpendAlerts(t *testing.T, fx spendFixture) {
	cl := fx.client
	var a map[string][]map[string]any
	getJSON(t, fx.h, "/api/v1/alerts", &a)
	if list, ok := a["alerts"]; !ok || len(list) != 0 {
		t.Fatalf("alerts = %v, want an empty list", a)
	}
	fired := simNow.Add(-time.Hour)
	if _, _, err := fx.st.FireAlert(context.Background(), store.Alert{Kind: "low_runway", ClientID: cl.ID, Message: "2.5 days left", FiredAt: fired}, nil); err != nil {
		t.Fatal(err)
	}
	getJSON(t, fx.h, "/api/v1/alerts", &a)
	if len(a["alerts"]) != 1 {
		t.Fatalf("alerts = %v", a)
	}
	got := a["alerts"][0]
	if got["kind"] != "low_runway" || got["client"] != cl.ID || got["state"] != "firing" || got["since"] != fired.Format(time.RFC3339) || got["message"] != "2.5 days left" || got["id"] == nil {
		t.Errorf("alert = %v", got)
	}
}

// TestSpendPanelAndBudgetForm checks the spend section of the client view
// and the CSRF-protected budget form end to end.
func TestSpendPanelAndBudgetForm(t *testing.T) {
	t.Parallel()
	fx := newSpendFixture(t)
	cl := fx.client
	path := "/clients/" + cl.ID

	doc, cookies := getPage(t, fx.h, path, nil)
	sec := doc.Find(`[data-testid="section-spend"]`)
	if sec.Length() != 1 {
		t.Fatal("no spend section on the client view")
	}
	if got := sec.Find(`[data-testid="kpi-forecast"] [data-testid="kpi-label"]`).Text(); !strings.Contains(got, "Forecast for November") {
		t.Errorf("forecast KPI label = %q", got)
	}
	if sec.Find(`[data-testid="chart-forecast"] [data-testid="chart"]`).Length() != 1 {
		t.Error("no forecast chart")
	}
	if n := sec.Find(`[data-testid="balance-row"]`).Length(); n != 1 {
		t.Errorf("balance rows = %d, want 1", n)
	}
	if !strings.HasSuffix(strings.TrimSpace(sec.Find(`[data-testid="runway"]`).Text()), "days") {
		t.Errorf("runway = %q", sec.Find(`[data-testid="runway"]`).Text())
	}
	if sec.Find(`[data-testid="budget-progress"]`).Length() != 0 || sec.Find(`[data-testid="margins"]`).Length() != 0 {
		t.Error("budget progress or margins shown without a budget or prices")
	}
	form := sec.Find(`form[data-testid="budget-form"]`)
	token, _ := form.Find(`input[name="_csrf"]`).Attr("value")
	if token == "" {
		t.Fatal("budget form without a CSRF token")
	}

	post := func(vals url.Values, withCookies bool) *http.Response {
		req := httptest.NewRequest(http.MethodPost, path+"/budget", strings.NewReader(vals.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if withCookies {
			for _, c := range cookies {
				req.AddCookie(c)
			}
		}
		rec := httptest.NewRecorder()
		fx.h.ServeHTTP(rec, req)
		return rec.Result()
	}
	if res := post(url.Values{"amount": {"500"}}, true); res.StatusCode < 400 {
		t.Errorf("POST without a CSRF token: %d, want refused", res.StatusCode)
	}
	if _, err := fx.st.GetBudget(context.Background(), store.AllClients(), cl.ID); err == nil {
		t.Fatal("budget saved without a CSRF token")
	}
	for _, bad := range []string{"abc", "0x10", "1_000", "1e5", "1,0,0", "12,50"} {
		if res := post(url.Values{"amount": {bad}, "_csrf": {token}}, true); res.StatusCode != http.StatusBadRequest {
			t.Errorf("amount %q: %d, want 400", bad, res.StatusCode)
		}
	}
	if _, err := fx.st.GetBudget(context.Background(), store.AllClients(), cl.ID); err == nil {
		t.Fatal("a refused amount saved a budget")
	}
	res := post(url.Values{"amount": {"1,250.50"}, "_csrf": {token}}, true)
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), path+"?budget=saved") {
		t.Fatalf("POST budget = %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	b, err := fx.st.GetBudget(context.Background(), store.AllClients(), cl.ID)
	if err != nil || b.AmountNanos != 1_250_500_000_000 || b.Currency != cl.Currency {
		t.Fatalf("budget = %+v, %v", b, err)
	}

	// A small budget: the forecast is over it, and the page says so.
	if err := fx.st.SetBudget(context.Background(), store.Budget{ClientID: cl.ID, Currency: cl.Currency, AmountNanos: 1_000_000_000}); err != nil {
		t.Fatal(err)
	}
	markup := int64(2000)
	if err := fx.st.SetClientPrice(context.Background(), store.ClientPrice{ClientID: cl.ID, MarkupBasisPoints: &markup}); err != nil {
		t.Fatal(err)
	}
	doc, _ = getPage(t, fx.h, path+"?budget=saved", cookies)
	if over, _ := doc.Find(`[data-testid="budget-progress"]`).Attr("data-over"); over != "true" {
		t.Errorf("budget progress over = %q, want true", over)
	}
	if doc.Find(`[data-testid="kpi-budget"]`).Length() != 1 || doc.Find(`[data-testid="budget-message"]`).Text() != "Budget saved." {
		t.Error("budget KPI or confirmation missing")
	}
	if got := doc.Find(`[data-testid="margins"]`).Text(); !strings.Contains(got, "Markup 20 %") {
		t.Errorf("margins for partner staff = %q", got)
	}
	var api map[string]any
	getJSON(t, fx.h, "/api/v1/forecast?client="+cl.ID, &api)
	if api["budget"] != "1.00" {
		t.Errorf("API budget = %v, want 1.00", api["budget"])
	}

	// Amount 0 removes the budget.
	if res := post(url.Values{"amount": {"0"}, "_csrf": {token}}, true); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: %d", res.StatusCode)
	}
	if _, err := fx.st.GetBudget(context.Background(), store.AllClients(), cl.ID); err == nil {
		t.Error("budget not removed")
	}
}

func getPage(t *testing.T, h http.Handler, target string, cookies []*http.Cookie) (*goquery.Document, []*http.Cookie) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s = %d\n%s", target, rec.Code, rec.Body.String())
	}
	doc, err := goquery.NewDocumentFromReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	if cookies == nil {
		cookies = rec.Result().Cookies()
	}
	return doc, cookies
}

var _ = json.Marshal

func TestAlertsPage(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	ctx := context.Background()
	if err := st.UpsertClients(ctx, []store.Client{{ID: "c1", Name: "Nordlicht Mode"}}); err != nil {
		t.Fatal(err)
	}
	h := server.New(server.Options{Store: st, Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return simNow }, AllowAnonymous: true}).Handler()
	doc, _ := getPage(t, h, "/alerts", nil)
	if doc.Find(`[data-testid="alerts-current"] [data-testid="empty-state"]`).Length() != 1 {
		t.Error("no empty state without alerts")
	}
	fired := simNow.Add(-3 * time.Hour)
	if _, _, err := st.FireAlert(ctx, store.Alert{Kind: "low_runway", ClientID: "c1", Message: "1.5 days left", FiredAt: fired}, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.FireAlert(ctx, store.Alert{Kind: "polling_stalled", ClientID: "c1", Message: "no poll", FiredAt: fired}, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.ResolveAlert(ctx, "polling_stalled", "c1", "", fired.Add(time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	doc, _ = getPage(t, h, "/alerts", nil)
	cur := doc.Find(`[data-testid="alerts-current"] [data-testid="alert-row"]`)
	if cur.Length() != 1 || cur.AttrOr("data-kind", "") != "low_runway" || !strings.Contains(cur.Text(), "Nordlicht Mode") || !strings.Contains(cur.Text(), "3h0m0s") {
		t.Errorf("current = %q", cur.Text())
	}
	past := doc.Find(`[data-testid="alerts-past"] [data-testid="alert-row"]`)
	if past.Length() != 1 || past.AttrOr("data-kind", "") != "polling_stalled" || !strings.Contains(past.Text(), "Polling stalled") {
		t.Errorf("past = %q", past.Text())
	}
}
