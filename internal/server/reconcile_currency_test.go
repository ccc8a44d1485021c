package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/ratecard"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
)

// The reconciliation's webhook currency comes from the book for the
// client's currency (its channels bill in EUR): EUR when the book has EUR
// cards, the book's default currency otherwise; webhook estimates are made
// in the same currency, from the card in force on their day.
func TestReconcileCurrencyFromBook(t *testing.T) {
	t.Parallel()
	usdOnly := func() *ratecard.Book {
		var cards []*ratecard.Card
		for _, c := range ratecard.Builtin().Cards() {
			if c.Currency == "USD" {
				cards = append(cards, c)
			}
		}
		b, err := ratecard.NewBook(cards...)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}()
	for _, tt := range []struct {
		name string
		book *ratecard.Book
		want string
	}{{"book with EUR", ratecard.Builtin(), "EUR"}, {"book without EUR", usdOnly, "USD"}} {
		t.Run(tt.name, func(t *testing.T) {
			st := storetest.Open(t)
			s := newWebhookServer(t, st, func(o *Options) { o.RateCard = tt.book })
			h := s.Handler()
			page := func() string {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/reconcile?client=c1&month=2026-03", nil))
				if rec.Code != http.StatusOK {
					t.Fatalf("status %d", rec.Code)
				}
				return rec.Body.String()
			}
			if body := page(); !strings.Contains(body, "rate card ("+tt.want+")") {
				t.Errorf("no webhook yet: page does not name %s as the webhook currency", tt.want)
			}
			body := statusesBody(whPhone, whPhoneID, status{"m1", "delivered", 12 * time.Hour, "marketing", "regular", ""})
			if r := postWebhook(t, h, tokenURL, body, nil); r.code != http.StatusOK {
				t.Fatalf("POST: %d %s", r.code, r.raw)
			}
			rate, _ := tt.book.For(usage.DateOf(whDay), tt.want).Rate(usage.CategoryMarketing, "DE")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/usage?source=webhooks&client=c1&from=2026-03-10&to=2026-03-10&tz=UTC", nil))
			var got struct {
				Totals []usageTotalJSON `json:"totals"`
			}
			if err := json.NewDecoder(rec.Body).Decode(&got); err != nil || len(got.Totals) != 1 {
				t.Fatalf("usage: %v %+v", err, got)
			}
			if c := got.Totals[0]; c.Currency != tt.want || c.Cost != usage.FormatDecimal(rate) || rate == 0 {
				t.Errorf("webhook cost %+v, want %s %s", c, usage.FormatDecimal(rate), tt.want)
			}
			if body := page(); !strings.Contains(body, "rate card ("+tt.want+")") {
				t.Errorf("after a webhook: page does not name %s", tt.want)
			}
		})
	}
}
