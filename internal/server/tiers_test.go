package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/insights-dev/insights/internal/ratecard"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
)

// tiersFixture is the access fixture with a test card (Indian utility in
// two tiers, in EUR) and 700,000 utility messages of Acme to India in
// March, in tier 0:750000.
func tiersFixture(t *testing.T) *accessFixture {
	t.Helper()
	card := &ratecard.Card{ID: "test card", Currency: "EUR",
		Messages: map[usage.Category]map[string]int64{usage.CategoryUtility: {"IN": 4_000_000, "*": 9_000_000}},
		Tiers: map[usage.Category]map[string][]ratecard.Tier{usage.CategoryUtility: {"IN": {
			{From: 0, To: 750_000, Rate: 4_000_000}, {From: 750_001, Rate: 3_500_000}}}}}
	f := newAccessFixture(t, func(o *Options) { o.RateCard = ratecard.Single(card) })
	p := point("2026-03-05T10:00:00Z", "UTILITY", "REGULAR", "IN", 700_000, "EUR", "2800")
	p.Tier = "0:750000"
	if err := f.st.SaveUsageWindow(context.Background(), store.UsageWindow{ChannelID: "ch-a1", Granularity: usage.HalfHour,
		Start: p.Start, End: p.End, Points: []usage.Point{p}}); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestTiersAPI(t *testing.T) {
	t.Parallel()
	f := tiersFixture(t)
	rec := f.do(http.MethodGet, "/api/v1/tiers?client=acme", f.creds["admin"], nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
	}
	var got tiersJSON
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Client != "acme" || got.Month != "2026-03" || got.TZ != "Europe/Berlin" {
		t.Errorf("client %q month %q tz %q, want acme, 2026-03 (the current month), Europe/Berlin", got.Client, got.Month, got.TZ)
	}
	if got.PortfolioNote == nil || !strings.Contains(*got.PortfolioNote, "2 WABAs") {
		t.Errorf("portfolio_note = %v, want a note on Acme's two WABAs", got.PortfolioNote)
	}
	var in *tierJSON
	for i, r := range got.Tiers {
		if r.Country == "IN" && r.Category == "UTILITY" {
			in = &got.Tiers[i]
		}
	}
	if in == nil {
		t.Fatalf("tiers = %+v, want a row for Indian utility", got.Tiers)
	}
	if in.Volume != 700_000 || in.Tier != "0:750000" || in.ToNext == nil || *in.ToNext != 50_000 || in.Source != "usage" ||
		in.NextTier == nil || *in.NextTier != "750001:MAX" || in.Rate == nil || *in.Rate != "0.004" ||
		in.NextRate == nil || *in.NextRate != "0.0035" || in.Currency != "EUR" {
		t.Errorf("Indian utility = %s", rec.Body.String())
	}

	// A past month without data has no rows but the same shape.
	rec = f.do(http.MethodGet, "/api/v1/tiers?client=acme&month=2026-01", f.creds["admin"], nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"tiers":[]`) {
		t.Errorf("January: %d %s, want no tiers", rec.Code, rec.Body.String())
	}
	for _, bad := range []string{"2026-13", "March", "9999-01"} {
		rec = f.do(http.MethodGet, "/api/v1/tiers?client=acme&month="+bad, f.creds["admin"], nil)
		var e struct{ Field string }
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || rec.Code != http.StatusBadRequest || e.Field != "month" {
			t.Errorf("month=%s: %d %s, want a 400 naming month", bad, rec.Code, rec.Body.String())
		}
	}
}

func TestTiersAPIAccess(t *testing.T) {
	t.Parallel()
	f := tiersFixture(t)
	for _, who := range []string{"client-acme", "token-acme", "share-acme"} {
		rec := f.do(http.MethodGet, "/api/v1/tiers?client=acme", f.creds[who], nil)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"volume":700000`) {
			t.Errorf("%s on its own client: %d %s", who, rec.Code, rec.Body.String())
		}
		rec = f.do(http.MethodGet, "/api/v1/tiers?client=globex", f.creds[who], nil)
		if rec.Code != http.StatusNotFound && rec.Code != http.StatusForbidden {
			t.Errorf("%s on another client: %d %s, want 404 or 403", who, rec.Code, rec.Body.String())
		}
		if strings.Contains(rec.Body.String(), "Globex") {
			t.Errorf("%s: the other client's name leaks: %s", who, rec.Body.String())
		}
	}
	if rec := f.do(http.MethodGet, "/api/v1/tiers?client=acme", f.creds["anonymous"], nil); rec.Code == http.StatusOK {
		t.Errorf("anonymous: %d, want refused", rec.Code)
	}
	// A share link whose dates end before today does not see the month so far.
	early := f.datedShare(t, "acme", "2026-03-01", "2026-03-12")
	if rec := f.do(http.MethodGet, "/api/v1/tiers?client=acme", early, nil); rec.Code != http.StatusBadRequest ||
		!strings.Contains(rec.Body.String(), `"field":"month"`) {
		t.Errorf("dated share: %d %s, want a 400 naming month", rec.Code, rec.Body.String())
	}
}

func TestTiersPanelOnClientPage(t *testing.T) {
	t.Parallel()
	f := tiersFixture(t)
	rec := f.do(http.MethodGet, "/clients/acme", f.creds["admin"], nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatal(err)
	}
	sec := doc.Find(`[data-testid="section-tiers"]`)
	if sec.Length() != 1 || !strings.Contains(sec.Find("h2").Text(), "Volume tiers · March 2026") {
		t.Fatalf("tiers section: %q", sec.Text())
	}
	if note := sec.Find(`[data-testid="tiers-portfolio-note"]`).Text(); !strings.Contains(note, "span 2 WABAs") {
		t.Errorf("portfolio note = %q", note)
	}
	var row string
	sec.Find(`[data-testid="tier-row"]`).Each(func(_ int, s *goquery.Selection) {
		if strings.Contains(s.Text(), "India (IN)") && strings.Contains(s.Text(), "Utility") {
			row = strings.Join(strings.Fields(s.Text()), " ")
		}
	})
	for _, want := range []string{"700,000", "0:750000", "750,001", "50,000", "€0.004 → €0.0035"} {
		if !strings.Contains(row, want) {
			t.Errorf("Indian utility row %q lacks %q", row, want)
		}
	}
	// A channel view has no tiers section (tiers count per portfolio).
	rec = f.do(http.MethodGet, "/clients/acme/channels/ch-a1", f.creds["admin"], nil)
	if strings.Contains(rec.Body.String(), `data-testid="section-tiers"`) {
		t.Error("channel view shows the tiers section")
	}
}

// TestTiersPanelFollowsThePeriod checks that a view of a past month shows
// that month's tiers, that a market without volume tiers says "not tiered"
// rather than "0:MAX", and that the pace line reads as one sentence.
func TestTiersPanelFollowsThePeriod(t *testing.T) {
	t.Parallel()
	f := tiersFixture(t)
	feb := point("2026-02-10T10:00:00Z", "UTILITY", "REGULAR", "DE", 1_000, "EUR", "9")
	if err := f.st.SaveUsageWindow(context.Background(), store.UsageWindow{ChannelID: "ch-a1", Granularity: usage.HalfHour,
		Start: feb.Start, End: feb.End, Points: []usage.Point{feb}}); err != nil {
		t.Fatal(err)
	}
	section := func(path string) *goquery.Selection {
		t.Helper()
		rec := f.do(http.MethodGet, path, f.creds["admin"], nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: status %d", path, rec.Code)
		}
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(rec.Body.String()))
		if err != nil {
			t.Fatal(err)
		}
		return doc.Find(`[data-testid="section-tiers"]`)
	}
	sec := section("/clients/acme?from=2026-02-01&to=2026-02-28")
	if got := sec.Find("h2").Text(); !strings.Contains(got, "Volume tiers · February 2026") {
		t.Fatalf("a February view shows %q, want February's tiers", got)
	}
	row := strings.Join(strings.Fields(sec.Find(`[data-testid="tier-row"]`).First().Text()), " ")
	if !strings.Contains(row, "Germany (DE)") || !strings.Contains(row, "not tiered") || !strings.Contains(row, "(one rate)") ||
		strings.Contains(row, "0:MAX") || strings.Contains(row, "last tier") {
		t.Errorf("German utility (no tiers on the card) reads %q", row)
	}
	var pace string
	section("/clients/acme").Find(`[data-testid="tier-row"]`).Each(func(_ int, r *goquery.Selection) {
		if strings.Contains(r.Text(), "India (IN)") && strings.Contains(r.Text(), "Utility") {
			pace = strings.Join(strings.Fields(r.Find(`[data-testid="tier-pace"]`).Text()), " ")
		}
	})
	if !strings.Contains(pace, " this month, saving about ") {
		t.Errorf("pace line %q, want one sentence (\"… this month, saving about …\")", pace)
	}
}
