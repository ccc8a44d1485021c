package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
)

// The client price seeded for acme: a 17.3 % markup and 0.1337 EUR per
// marketing message. Over March 2026 (seedPages) that is, per category:
//
//	marketing       100 messages × 0.1337 = 13.37 against 12.50: margin 0.87
//	service          40 messages, cost 0 × 1.173 = 0:          margin 0
//	utility          10 messages, 0.30 × 1.173 = 0.3519:        margin 0.0519
//	authentication    5 messages, 0.60 × 1.173 = 0.7038:        margin 0.1038
//	total                          14.4257 against 13.40:       margin 1.0257
const (
	seedMarkupBP       = 1730
	seedMarketingPrice = "0.1337"
)

// marginMarkers are what margin data looks like in a response: the blocks,
// the words and the seeded client price's figures.
var marginMarkers = []string{
	`data-testid="margins"`, `data-testid="margin-table"`, `data-testid="report-margins"`, `data-testid="pricing-form"`,
	"Margin", "margin_", "Client price", "client price", "Markup 17.3",
	"14.4257", "1.0257", "0.0519", "0.1038", "0.1337",
	"€14.43", "€1.03", "€13.37", "€0.87",
}

func seedMarginPrice(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	bp, price := int64(seedMarkupBP), eur(seedMarketingPrice)
	for _, p := range []store.ClientPrice{
		{ClientID: "acme", MarkupBasisPoints: &bp},
		{ClientID: "acme", Category: usage.CategoryMarketing, PriceNanos: &price},
	} {
		if err := st.SetClientPrice(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
}

// assertNoMargins fails when body shows any margin data.
func assertNoMargins(t *testing.T, where, body string) {
	t.Helper()
	for _, m := range marginMarkers {
		if strings.Contains(body, m) {
			t.Errorf("%s shows margin data %q to a viewer who is not partner staff", where, m)
		}
	}
}

// TestMarginsOnlyForStaff: with a client price set, partner staff see client
// price, cost and margin on the client view and in its statement; client
// viewers, their API tokens and share links see none of it anywhere.
func TestMarginsOnlyForStaff(t *testing.T) {
	t.Parallel()
	f := newAccessFixture(t)
	seedMarginPrice(t, f.st)
	const statement = "/reports/monthly?client=acme&month=2026-03"
	for _, p := range []string{"admin", "member", "client-acme", "token-acme", "share-acme"} {
		staff := p == "admin" || p == "member"
		for _, target := range []string{"/clients/acme", statement, statement + "&format=csv", "/api/v1/forecast?client=acme", "/api/v1/usage?client=acme&from=2026-03-01&to=2026-03-14"} {
			t.Run(p+" "+target, func(t *testing.T) {
				rec := f.do(http.MethodGet, target, f.creds[p], nil)
				if rec.Code != http.StatusOK {
					t.Fatalf("status %d\n%.400s", rec.Code, rec.Body.String())
				}
				body := rec.Body.String()
				html := !strings.Contains(target, "format=csv") && !strings.HasPrefix(target, "/api/")
				if !staff || !html {
					assertNoMargins(t, target, body)
					return
				}
				doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				m := doc.Find(`[data-testid="margins"]`)
				if m.Length() != 1 {
					t.Fatalf("partner staff see no margins block")
				}
				if !strings.Contains(m.Text(), "Markup 17.3 % and a price list") {
					t.Errorf("margin basis missing: %q", m.Text())
				}
				if target == statement {
					want := map[string][]string{
						"MARKETING":      {"100", "13.37 EUR", "12.50 EUR", "0.87 EUR"},
						"SERVICE":        {"40", "0.00 EUR", "0.00 EUR", "0.00 EUR"},
						"UTILITY":        {"10", "0.3519 EUR", "0.30 EUR", "0.0519 EUR"},
						"AUTHENTICATION": {"5", "0.7038 EUR", "0.60 EUR", "0.1038 EUR"},
					}
					rows := m.Find(`[data-testid="report-row"]`)
					if rows.Length() != len(want) {
						t.Errorf("margin rows = %d, want %d", rows.Length(), len(want))
					}
					rows.Each(func(_ int, r *goquery.Selection) {
						key, _ := r.Attr("data-key")
						if got := exactCells(r); strings.Join(got, "|") != strings.Join(want[key], "|") {
							t.Errorf("margin row %s = %v, want %v", key, got, want[key])
						}
					})
					if got := exactCells(m.Find(`[data-testid="report-total"]`)); strings.Join(got, "|") != "155|14.4257 EUR|13.40 EUR|1.0257 EUR" {
						t.Errorf("margin total = %v", got)
					}
					if got := m.Find(`[data-testid="report-total"]`).Text(); !strings.Contains(got, "€14.43") || !strings.Contains(got, "€1.03") {
						t.Errorf("margin total text = %q", got)
					}
					return
				}
				// The client view: month to date (15 March) in the spend section.
				tot := m.Find(`tfoot`).Text()
				if !strings.Contains(tot, "€14.43") || !strings.Contains(tot, "€13.40") || !strings.Contains(tot, "€1.03") {
					t.Errorf("client view margin total = %q", tot)
				}
				if (doc.Find(`form[data-testid="pricing-form"]`).Length() == 1) != (p == "admin") {
					t.Errorf("pricing form shown = %v for %s, want it for admins only", doc.Find(`form[data-testid="pricing-form"]`).Length() == 1, p)
				}
			})
		}
	}
}

func exactCells(s *goquery.Selection) []string {
	var out []string
	s.Find("td").Each(func(_ int, td *goquery.Selection) {
		v, _ := td.Attr("data-value")
		out = append(out, v)
	})
	return out
}

// TestPricingForm sets, validates and clears a client price through the
// admin form on the client view.
func TestPricingForm(t *testing.T) {
	t.Parallel()
	f := newAccessFixture(t)
	admin := f.creds["admin"]
	ctx := context.Background()

	checkPricingFormEmpty(t, f, admin)

	for _, tc := range []struct {
		name  string
		form  url.Values
		field string
	}{
		{"markup not a number", url.Values{"markup": {"abc"}}, "markup"},
		{"negative markup", url.Values{"markup": {"-5"}}, "markup"},
		{"markup too precise", url.Values{"markup": {"12.345"}}, "markup"},
		{"markup too large", url.Values{"markup": {"1000.01"}}, "markup"},
		{"decimal comma", url.Values{"price_UTILITY": {"0,05"}}, "price_UTILITY"},
		{"negative price", url.Values{"price_MARKETING": {"-0.1"}}, "price_MARKETING"},
		{"price beyond nano-units", url.Values{"price_MARKETING": {"0.0000000001"}}, "price_MARKETING"},
		{"unknown category", url.Values{"price_PIGEON": {"1"}}, "price_PIGEON"},
		{"unknown action", url.Values{"action": {"delete"}}, "action"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := f.do(http.MethodPost, "/clients/acme/pricing", admin, tc.form)
			if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "field “"+tc.field+"”") {
				t.Errorf("status %d, want 400 naming %s\n%.600s", rec.Code, tc.field, rec.Body.String())
			}
			if got, _ := f.st.ClientPrices(ctx, store.AllClients(), "acme"); len(got) != 0 {
				t.Errorf("an invalid form stored %v", got)
			}
		})
	}

	// Without the CSRF token: refused, nothing stored.
	req := f.do(http.MethodPost, "/clients/acme/pricing", cred{}, url.Values{"markup": {"15"}})
	if req.Code < 400 {
		t.Errorf("anonymous POST: %d", req.Code)
	}

	save := func(form url.Values, want string) {
		t.Helper()
		rec := f.do(http.MethodPost, "/clients/acme/pricing", admin, form)
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/clients/acme?pricing="+want+"#pricing-title" {
			t.Fatalf("POST pricing %v = %d → %q\n%.400s", form, rec.Code, rec.Header().Get("Location"), rec.Body.String())
		}
	}
	save(url.Values{"action": {"save"}, "markup": {"17.3 %"}, "price_MARKETING": {" 0.1337 "}, "price_UTILITY": {"0.000000001"}}, "saved")
	got, err := f.st.ClientPrices(ctx, store.AllClients(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Category != "" || *got[0].MarkupBasisPoints != 1730 ||
		got[1].Category != usage.CategoryMarketing || *got[1].PriceNanos != 133_700_000 ||
		got[2].Category != usage.CategoryUtility || *got[2].PriceNanos != 1 {
		t.Fatalf("stored prices = %+v", got)
	}
	checkPricingFormSaved(t, f, admin)

	// Saving again replaces: the utility price left empty goes away.
	save(url.Values{"markup": {"17.3"}, "price_MARKETING": {"0.1337"}, "price_UTILITY": {""}}, "saved")
	if got, _ := f.st.ClientPrices(ctx, store.AllClients(), "acme"); len(got) != 2 {
		t.Errorf("after replacing: %+v", got)
	}
	// A member may not change it.
	if rec := f.do(http.MethodPost, "/clients/acme/pricing", f.creds["member"], url.Values{"action": {"clear"}}); rec.Code != http.StatusForbidden {
		t.Errorf("member POST: %d, want 403", rec.Code)
	}
	save(url.Values{"action": {"clear"}, "markup": {"99"}}, "cleared")
	if got, _ := f.st.ClientPrices(ctx, store.AllClients(), "acme"); len(got) != 0 {
		t.Errorf("after clearing: %+v", got)
	}
	if rec := f.do(http.MethodPost, "/clients/nobody/pricing", admin, url.Values{"markup": {"5"}}); rec.Code != http.StatusNotFound {
		t.Errorf("unknown client: %d", rec.Code)
	}
	// The quiet client has a channel with a currency; a price list for it is fine.
	save2 := f.do(http.MethodPost, "/clients/quiet/pricing", admin, url.Values{"price_SERVICE": {"0.01"}})
	if save2.Code != http.StatusSeeOther {
		t.Errorf("quiet price list: %d", save2.Code)
	}
}

// checkPricingFormEmpty checks the client page's pricing form before any
// client price: where it posts, its CSRF token and fields, no margins and
// no clear button.
func checkPricingFormEmpty(t *testing.T, f *accessFixture, admin cred) {
	t.Helper()
	rec := f.do(http.MethodGet, "/clients/acme", admin, nil)
	doc, err := goquery.NewDocumentFromReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	form := doc.Find(`form[data-testid="pricing-form"]`)
	if action, _ := form.Attr("action"); action != "/clients/acme/pricing" {
		t.Fatalf("pricing form action = %q", action)
	}
	if tok, _ := form.Find(`input[name="_csrf"]`).Attr("value"); tok == "" {
		t.Error("pricing form without a CSRF token")
	}
	if form.Find(`input[name="price_MARKETING"]`).Length() != 1 || form.Find(`input[name="markup"]`).Length() != 1 {
		t.Error("pricing form lacks the markup or a category's price field")
	}
	if doc.Find(`[data-testid="margins"]`).Length() != 0 || form.Find(`[data-testid="pricing-clear"]`).Length() != 0 {
		t.Error("margins or a clear button without a client price")
	}
}

// checkPricingFormSaved checks the client page after a save shows the
// saved markup and price, the confirmation, a clear button and the margins.
func checkPricingFormSaved(t *testing.T, f *accessFixture, admin cred) {
	t.Helper()
	rec := f.do(http.MethodGet, "/clients/acme?pricing=saved", admin, nil)
	doc, _ := goquery.NewDocumentFromReader(rec.Body)
	form := doc.Find(`form[data-testid="pricing-form"]`)
	if v, _ := form.Find(`input[name="markup"]`).Attr("value"); v != "17.3" {
		t.Errorf("markup shown = %q, want 17.3", v)
	}
	if v, _ := form.Find(`input[name="price_MARKETING"]`).Attr("value"); v != "0.1337" {
		t.Errorf("marketing price shown = %q", v)
	}
	if form.Find(`[data-testid="pricing-message"]`).Text() != "Client price saved." || form.Find(`[data-testid="pricing-clear"]`).Length() != 1 {
		t.Error("no confirmation or clear button after saving")
	}
	if doc.Find(`[data-testid="margins"]`).Length() != 1 {
		t.Error("no margins after setting a client price")
	}
}

func TestFormatBasisPoints(t *testing.T) {
	t.Parallel()
	for bp, want := range map[int64]string{0: "0", 1500: "15", 1250: "12.5", 1730: "17.3", 1: "0.01", 100000: "1000"} {
		if got := formatBasisPoints(bp); got != want {
			t.Errorf("formatBasisPoints(%d) = %q, want %q", bp, got, want)
		}
	}
}
