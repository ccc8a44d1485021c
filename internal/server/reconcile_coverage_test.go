package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
)

// TestReconcileDaysWithoutWebhooks checks a day no webhook event was counted
// for is shown as "No webhook data" and never flagged, while a covered day
// that differs is.
func TestReconcileDaysWithoutWebhooks(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	s := newWebhookServer(t, st, nil)
	h := s.Handler()
	// The API reports 50 marketing messages at noon on the 9th and on the
	// 10th (Berlin days), and one at 23:30 on the 10th, so both days are
	// reported in full.
	var pts []usage.Point
	for _, at := range []struct {
		b   time.Time
		vol int64
	}{{whDay.Add(-12 * time.Hour), 50}, {whDay.Add(12 * time.Hour), 50}, {whDay.Add(22*time.Hour + 30*time.Minute), 1}} {
		b := at.b
		pts = append(pts, usage.Point{ChannelID: "ch1", Start: b, End: b.Add(30 * time.Minute), Granularity: usage.HalfHour,
			Category: usage.CategoryMarketing, PricingType: usage.PricingRegular, Country: "DE", Tier: "0:MAX", Volume: at.vol,
			Currency: "EUR", CostNanos: at.vol * 100_000_000, CostKnown: true})
	}
	if err := st.SaveUsageWindow(context.Background(), store.UsageWindow{ChannelID: "ch1", Start: whDay.Add(-24 * time.Hour),
		End: whDay.Add(24 * time.Hour), Granularity: usage.HalfHour, Points: pts}); err != nil {
		t.Fatal(err)
	}
	// Webhooks counted one message on the 10th only: a difference of 49 there.
	body := statusesBody(whPhone, whPhoneID, status{"m1", "delivered", 12 * time.Hour, "marketing", "regular", ""})
	if r := postWebhook(t, h, tokenURL, body, nil); r.code != http.StatusOK {
		t.Fatalf("POST: %d %s", r.code, r.raw)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/reconcile?client=c1&month=2026-03", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]string{}
	doc.Find(`[data-testid="reconcile-row"]`).Each(func(_ int, r *goquery.Selection) {
		day, _ := r.Attr("data-day")
		status[day] = strings.TrimSpace(r.Find(`[data-testid="row-status"]`).Text())
	})
	if status["2026-03-09"] != "No webhook data" || status["2026-03-10"] != "Differs" {
		t.Errorf("row statuses = %v", status)
	}
	if n, _ := doc.Find(`[data-testid="reconcile-flagged"]`).Attr("data-flagged"); n != "1" {
		t.Errorf("flagged rows = %s, want 1", n)
	}
}
