package server

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
)

// statValue returns the value and second line of a stat card inside sel.
func statValue(t *testing.T, sel *goquery.Selection, id string) (value, sub string) {
	t.Helper()
	card := sel.Find(testid(id))
	if card.Length() != 1 {
		t.Fatalf("stat %s: %d cards", id, card.Length())
	}
	return text(card.Find(testid("stat-value"))), text(card.Find(testid("stat-sub")))
}

// tableRows reads a breakdown table inside sel: row key → cells.
func tableRows(sel *goquery.Selection, id string) map[string][]string {
	out := map[string][]string{}
	sel.Find(testid(id)).Find(testid("breakdown-row")).Each(func(_ int, r *goquery.Selection) {
		key, _ := r.Attr("data-key")
		var cells []string
		r.Find("td").Each(func(_ int, c *goquery.Selection) { cells = append(cells, text(c)) })
		out[key] = cells
	})
	return out
}

// seedWebhookInsights sends the events of TestInsightsWebhookSections: the
// server's now is 11 Mar 2026 12:00 UTC, 13:00 in Berlin, so "today" starts
// at whDay+23h.
func seedWebhookInsights(t *testing.T, h http.Handler) {
	t.Helper()
	sts := statusesBody(whPhone, whPhoneID,
		status{"m1", "delivered", 24 * time.Hour, "marketing", "regular", ""},
		status{"m2", "read", 25 * time.Hour, "utility", "regular", ""},
		status{"m3", "sent", 30 * time.Hour, "marketing", "regular", ""},
		status{"m3", "delivered", 30*time.Hour + time.Second, "marketing", "regular", ""},
		status{"m4", "delivered", 22 * time.Hour, "marketing", "regular", ""}, // 23:00 on the 10th in Berlin: yesterday
		status{"m5", "failed", 26 * time.Hour, "marketing", "regular", ""},    // never counted
		status{"m6", "delivered", 27 * time.Hour, "authentication", "regular", ""},
	)
	if r := postWebhook(t, h, tokenURL, sts, nil); r.code != http.StatusOK || r.body.Stored != 7 {
		t.Fatalf("POST statuses: %d %+v %s", r.code, r.body, r.raw)
	}
	in, out := string(usage.DirectionInbound), string(usage.DirectionOutbound)
	calls := callsBody(whPhone,
		call{"c1", "connect", out, "", 28*time.Hour - 56*time.Second, 0},
		call{"c1", "terminate", out, "COMPLETED", 28 * time.Hour, 56},
		call{"c2", "terminate", in, "COMPLETED", 29 * time.Hour, 300},
		call{"c3", "terminate", out, "FAILED", 29*time.Hour + 30*time.Minute, 0},
		call{"c4", "connect", in, "", 30 * time.Hour, 0}, // still open
		call{"c5", "terminate", in, "NO_ANSWER", 29*time.Hour + 45*time.Minute, 0},
		call{"c6", "terminate", in, "COMPLETED", 10 * time.Hour, 700}, // yesterday: in the period, not today
		call{"c7", "terminate", out, "COMPLETED", 31 * time.Hour, 20},
	)
	if r := postWebhook(t, h, tokenURL, calls, nil); r.code != http.StatusOK || r.body.Stored != 8 {
		t.Fatalf("POST calls: %d %+v %s", r.code, r.body, r.raw)
	}
}

func TestInsightsWebhookSections(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	s := newWebhookServer(t, st, nil)
	// A second channel, in another WABA, that no webhook event is for.
	if err := st.UpsertChannels(context.Background(), []store.Channel{{ID: "ch2", ClientID: "c1", WABAID: "w2", Currency: "EUR",
		PhoneNumber: "+4930111222", Status: "ready"}}); err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	seedWebhookInsights(t, h)

	const period = "?from=2026-03-10&to=2026-03-11"
	for _, tc := range []struct {
		name, target string
		empty        bool
	}{
		{"client", "/clients/c1" + period, false},
		{"waba", "/clients/c1" + period + "&waba=w1", false},
		{"channel", "/clients/c1/channels/ch1" + period, false},
		{"other waba", "/clients/c1" + period + "&waba=w2", true},
		{"other channel", "/clients/c1/channels/ch2" + period, true},
	} {
		t.Run(tc.name, func(t *testing.T) { checkWebhookSections(t, h, tc.target, tc.empty) })
	}
}

// checkWebhookSections checks the page at target links to the reconciliation
// and shows today's webhook section and the call detail, empty when no event
// is for its scope.
func checkWebhookSections(t *testing.T, h http.Handler, target string, empty bool) {
	doc := getDoc(t, h, target, http.StatusOK)
	if href, _ := doc.Find(testid("reconcile-link")).Attr("href"); href != "/reconcile?client=c1&month=2026-03" {
		t.Errorf("reconciliation link = %q", href)
	}
	today := doc.Find(testid("webhook-today"))
	if today.Length() != 1 {
		t.Fatalf("webhook-today: %d sections", today.Length())
	}
	if got := text(today.Find("h2").First()); !strings.Contains(got, "Today so far (from webhooks)") || !strings.Contains(got, "estimate") {
		t.Errorf("today title = %q", got)
	}
	if got := text(today.Find(testid("webhook-today-since"))); !strings.Contains(got, "11 Mar 2026 (Europe/Berlin)") ||
		!strings.Contains(got, "ahead of the Partner API") {
		t.Errorf("today note = %q", got)
	}
	detail := doc.Find(testid("call-detail"))
	if detail.Length() != 1 {
		t.Fatalf("call-detail: %d blocks", detail.Length())
	}
	if empty {
		if e, _ := today.Attr("data-empty"); e != "true" || today.Find(testid("webhook-today-empty")).Length() != 1 {
			t.Errorf("today: data-empty %q, want the empty state", e)
		}
		if got := text(today.Find(testid("empty-state-text"))); !strings.Contains(got, "not configured") {
			t.Errorf("today empty text = %q", got)
		}
		if e, _ := detail.Attr("data-empty"); e != "true" || !strings.Contains(text(detail), "No webhook calls in this period") {
			t.Errorf("call detail: data-empty %q, text %q", e, text(detail))
		}
		return
	}

	// Today: m1, m2, m3 and m6; m4 was yesterday in Berlin, m5 failed.
	if v, _ := statValue(t, today, "today-messages"); v != "4" {
		t.Errorf("messages today = %q, want 4", v)
	}
	if v, _ := statValue(t, today, "today-cost-eur"); v != "€0.27" {
		t.Errorf("cost today = %q, want €0.27", v)
	}
	if v, sub := statValue(t, today, "today-calls"); v != "3" || sub != "1 inbound · 2 outbound" {
		t.Errorf("calls today = %q (%q), want 3 (1 inbound · 2 outbound)", v, sub)
	}
	if v, _ := statValue(t, today, "today-minutes"); v != "6.2" { // 56 + 300 + 20 s
		t.Errorf("minutes today = %q, want 6.2", v)
	}
	cats := tableRows(today, "webhook-today-category")
	want := map[string][]string{
		"MARKETING": {"2", "€0.20"}, "UTILITY": {"1", "€0.02"}, "AUTHENTICATION": {"1", "€0.05"},
	}
	if len(cats) != len(want) {
		t.Errorf("categories today = %v", cats)
	}
	for k, w := range want {
		if strings.Join(cats[k], "|") != strings.Join(w, "|") {
			t.Errorf("today %s = %v, want %v", k, cats[k], w)
		}
	}

	// Period: c1, c2, c6, c7 completed; c3 failed; c5 missed; c4 open.
	for id, w := range map[string]string{"calls-completed": "4", "calls-failed": "1", "calls-missed": "1", "calls-open": "1"} {
		if v, _ := statValue(t, detail, id); v != w {
			t.Errorf("%s = %q, want %s", id, v, w)
		}
	}
	dur := tableRows(detail, "call-durations")
	wantDur := map[string][]string{
		"lt30s": {"1", "0.3", "25.0%"}, "30s-1m": {"1", "0.9", "25.0%"}, "1-3m": {"0", "0.0", "0.0%"},
		"3-10m": {"1", "5.0", "25.0%"}, "ge10m": {"1", "11.6", "25.0%"},
	}
	for k, w := range wantDur {
		if strings.Join(dur[k], "|") != strings.Join(w, "|") {
			t.Errorf("duration %s = %v, want %v", k, dur[k], w)
		}
	}
	var foot []string
	detail.Find(testid("breakdown-total")).Find("td").Each(func(_ int, c *goquery.Selection) { foot = append(foot, text(c)) })
	if got := strings.Join(foot, "|"); got != "4|17.9|100.0%" {
		t.Errorf("duration total = %q, want 4|17.9|100.0%%", got)
	}
}

func TestInsightsWebhookSectionsEmpty(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, secret, want string
	}{
		{"webhooks not configured", "", "INSIGHTS_WEBHOOK_SECRET is not set"},
		{"nothing arrived today", whSecret, "no message status or call event has arrived today"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := storetest.Open(t)
			s := newWebhookServer(t, st, func(o *Options) { o.WebhookSecret = tc.secret })
			h := s.Handler()
			if tc.secret != "" {
				// An event from yesterday (Berlin) is not today's.
				body := statusesBody(whPhone, whPhoneID, status{"old", "delivered", 2 * time.Hour, "marketing", "regular", ""})
				if r := postWebhook(t, h, tokenURL, body, nil); r.code != http.StatusOK || r.body.Stored != 1 {
					t.Fatalf("POST: %d %+v", r.code, r.body)
				}
			}
			doc := getDoc(t, h, "/clients/c1?from=2026-03-11&to=2026-03-11", http.StatusOK)
			today := doc.Find(testid("webhook-today"))
			if e, _ := today.Attr("data-empty"); e != "true" {
				t.Fatalf("webhook-today data-empty = %q, want true", e)
			}
			if today.Find(testid("webhook-today-stats")).Length() != 0 {
				t.Error("empty section still shows figures")
			}
			if got := text(today.Find(testid("empty-state-title"))); got != "No webhook events today" {
				t.Errorf("empty title = %q", got)
			}
			if got := text(today.Find(testid("empty-state-text"))); !strings.Contains(got, tc.want) {
				t.Errorf("empty text = %q, want it to contain %q", got, tc.want)
			}
			detail := doc.Find(testid("call-detail"))
			if e, _ := detail.Attr("data-empty"); e != "true" || detail.Find(testid("call-durations")).Length() != 0 {
				t.Errorf("call detail: data-empty %q, want the empty state", e)
			}
		})
	}
}
