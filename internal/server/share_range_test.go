package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/insights-dev/insights/internal/auth"
	"github.com/insights-dev/insights/internal/usage"
)

// datedShare adds a share link of client limited to [from, to] to the
// fixture and returns how to present it.
func (f *accessFixture) datedShare(t *testing.T, client, from, to string) cred {
	t.Helper()
	d := func(s string) usage.Date {
		v, err := usage.ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	secret, l, err := f.s.acl.auth.CreateShareLink(context.Background(), "test", "", 0,
		auth.NewShare{ClientID: client, From: d(from), To: d(to), ExpiresAt: pageNow.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return cred{cookie: &http.Cookie{Name: shareCookie, Value: auth.ShareCookie(secret, l)}, scope: []string{client}}
}

// TestDatedShareRevealsNothingOutsideItsDates checks a share link limited
// to 1–12 March (the server's today is 15 March; Acme has February data):
// no previous-period figures from February in the API or on the page, no
// forecast, balances or "today" panel (they show days after 12 March), no
// statement of a month it covers only in part, the months it covers whole
// listed alone, and reconciliation clipped to its days.
func TestDatedShareRevealsNothingOutsideItsDates(t *testing.T) {
	t.Parallel()
	f := newAccessFixture(t)
	early := f.datedShare(t, "acme", "2026-03-01", "2026-03-12")
	march := f.datedShare(t, "acme", "2026-03-01", "2026-03-31")

	t.Run("API previous period", func(t *testing.T) {
		for _, path := range []string{"/api/v1/usage", "/api/v1/calls"} {
			rec := f.do(http.MethodGet, path+"?from=2026-02-01&to=2026-03-12", early, nil)
			var body struct {
				From     string
				Previous map[string]any
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != http.StatusOK {
				t.Fatalf("%s: %d %s", path, rec.Code, rec.Body.String())
			}
			if body.From != "2026-03-01" || body.Previous["hidden"] == nil {
				t.Errorf("%s: from %s, previous %v: want the range clamped and the previous period hidden", path, body.From, body.Previous)
			}
			if tot, ok := body.Previous["totals"].([]any); ok && len(tot) > 0 {
				t.Errorf("%s: previous totals %v leak February", path, tot)
			}
			if c, ok := body.Previous["calls"].(float64); ok && c != 0 {
				t.Errorf("%s: previous calls %v leak February", path, c)
			}
		}
	})

	t.Run("client page", func(t *testing.T) {
		rec := f.do(http.MethodGet, "/clients/acme?from=2026-03-01&to=2026-03-12", early, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d", rec.Code)
		}
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(rec.Body.String()))
		if err != nil {
			t.Fatal(err)
		}
		if n := doc.Find(`[data-testid="kpi-previous"]`).Length(); n != 0 {
			t.Errorf("%d previous-period figures shown", n)
		}
		if got := doc.Find(`[data-testid="previous-period"]`).Text(); !strings.Contains(got, "outside this shared view") {
			t.Errorf("previous period label %q", got)
		}
		for _, id := range []string{"webhook-today", "kpi-forecast", "chart-forecast"} {
			if doc.Find(`[data-testid="`+id+`"]`).Length() != 0 {
				t.Errorf("%s shown to a share that ends on 12 March", id)
			}
		}
	})

	t.Run("statements", func(t *testing.T) {
		if rec := f.do(http.MethodGet, "/reports/monthly?client=acme&month=2026-03", early, nil); rec.Code != http.StatusBadRequest {
			t.Errorf("March for a share of 1–12 March: %d, want 400", rec.Code)
		}
		rec := f.do(http.MethodGet, "/reports/monthly?client=acme&month=2026-03&format=csv", march, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("March for a share of March: %d %s", rec.Code, rec.Body.String())
		}
		rec = f.do(http.MethodGet, "/reports/monthly?client=acme&month=2026-03", march, nil)
		doc, _ := goquery.NewDocumentFromReader(strings.NewReader(rec.Body.String()))
		if got := doc.Find(`[data-testid="report-kpi-messages"]`).Text(); strings.Contains(got, "58") || !strings.Contains(got, "n/a") {
			t.Errorf("messages KPI %q: February's 58 messages or a comparison shown", got)
		}
		list := f.do(http.MethodGet, "/reports", early, nil).Body.String()
		if strings.Contains(list, "month=2026-03") || strings.Contains(list, "month=2026-02") {
			t.Errorf("the reports list of a 1–12 March share offers a month it does not cover whole")
		}
		if list := f.do(http.MethodGet, "/reports", march, nil).Body.String(); !strings.Contains(list, "month=2026-03") || strings.Contains(list, "month=2026-02") {
			t.Errorf("the reports list of a March share should list March only")
		}
	})

	t.Run("forecast and balances", func(t *testing.T) {
		if rec := f.do(http.MethodGet, "/api/v1/forecast?client=acme", early, nil); rec.Code != http.StatusBadRequest {
			t.Errorf("forecast for a share ending 12 March: %d, want 400", rec.Code)
		}
		if rec := f.do(http.MethodGet, "/api/v1/balances", early, nil); rec.Code != http.StatusBadRequest {
			t.Errorf("balances for a share ending 12 March: %d, want 400", rec.Code)
		}
		if rec := f.do(http.MethodGet, "/api/v1/forecast?client=acme", march, nil); rec.Code != http.StatusOK {
			t.Errorf("forecast for a share of March: %d %s", rec.Code, rec.Body.String())
		}
	})

	t.Run("reconcile clipped", func(t *testing.T) {
		rec := f.do(http.MethodGet, "/reconcile?client=acme&month=2026-03", early, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d", rec.Code)
		}
		if body := rec.Body.String(); strings.Contains(body, "13 Mar") || strings.Contains(body, "31 Mar") {
			t.Errorf("reconciliation shows days after 12 March")
		}
	})
}

// TestViewerOfSeveralClients checks a client viewer of two clients gets a
// statement of just those two (HTML and CSV) and a forecast of each.
func TestViewerOfSeveralClients(t *testing.T) {
	t.Parallel()
	f := newAccessFixture(t)
	ctx := context.Background()
	if _, err := f.s.acl.auth.CreateUser(ctx, "test", "", auth.NewUser{Email: "two@example.com", Role: auth.RoleClient,
		Password: "two-clients-pass-1", ClientIDs: []string{"acme", "globex"}}); err != nil {
		t.Fatal(err)
	}
	secret, _, err := f.s.acl.auth.Login(ctx, "two@example.com", "two-clients-pass-1", "192.0.2.9")
	if err != nil {
		t.Fatal(err)
	}
	two := cred{cookie: &http.Cookie{Name: sessionCookie, Value: secret}, scope: []string{"acme", "globex"}}

	rec := f.do(http.MethodGet, "/reports/monthly?month=2026-03", two, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("statement: %d %s", rec.Code, rec.Body.String())
	}
	body := rec.Body.String()
	if !strings.Contains(body, "Acme GmbH") || !strings.Contains(body, "Globex Ltd") || strings.Contains(body, "Quiet Co") {
		t.Errorf("statement of two clients does not show exactly Acme and Globex")
	}
	csv := f.do(http.MethodGet, "/reports/monthly?month=2026-03&format=csv", two, nil)
	if csv.Code != http.StatusOK || !strings.Contains(csv.Body.String(), "globex") || strings.Contains(csv.Body.String(), "quiet") {
		t.Errorf("statement CSV: %d\n%s", csv.Code, csv.Body.String())
	}
	if rec := f.do(http.MethodGet, "/reports/monthly?month=2026-03&client=acme,quiet", two, nil); rec.Code != http.StatusNotFound {
		t.Errorf("naming a client outside the scope: %d, want 404", rec.Code)
	}

	rec = f.do(http.MethodGet, "/api/v1/forecast", two, nil)
	var out struct {
		Forecasts []struct{ Client string }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || rec.Code != http.StatusOK || len(out.Forecasts) != 2 {
		t.Fatalf("forecasts: %d %s", rec.Code, rec.Body.String())
	}
	for _, fc := range out.Forecasts {
		if fc.Client != "acme" && fc.Client != "globex" {
			t.Errorf("forecast of %q", fc.Client)
		}
	}
}
