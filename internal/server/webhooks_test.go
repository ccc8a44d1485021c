package server

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/insights-dev/insights/internal/ratecard"
	"github.com/insights-dev/insights/internal/simulator"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
	"github.com/insights-dev/insights/internal/webhook"
)

const (
	whSecret  = "s3cret-token"
	whKey     = "platform-secret"
	whPhone   = "4915112345678"
	whPhoneID = "1055"
)

// whDay is the day the webhook tests send events for.
var whDay = time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)

// whCard prices marketing at 0.10 and utility at 0.02 anywhere, authentication
// in DE at 0.05, and calls to DE at 0.06 a minute, in EUR.
func whCard(t testing.TB) *ratecard.Book {
	t.Helper()
	c, err := ratecard.Parse([]byte(`{"currency":"EUR",
		"messages":{"MARKETING":{"*":"0.10"},"UTILITY":{"*":"0.02"},"AUTHENTICATION":{"DE":"0.05"}},
		"calls_per_minute":{"DE":"0.06"}}`), "test")
	if err != nil {
		t.Fatal(err)
	}
	return ratecard.Single(c[0])
}

// newWebhookServer seeds one client with channel ch1 and returns the server.
func newWebhookServer(t *testing.T, st *store.Store, mod func(*Options)) *Server {
	t.Helper()
	ctx := context.Background()
	if err := st.UpsertClients(ctx, []store.Client{{ID: "c1", Name: "Acme", Timezone: "Europe/Berlin"}}); err != nil {
		t.Fatal(err)
	}
	if err := st.UpsertChannels(ctx, []store.Channel{{ID: "ch1", ClientID: "c1", WABAID: "w1", Currency: "EUR",
		PhoneNumber: "+" + whPhone, PhoneNumberID: whPhoneID, Status: "ready"}}); err != nil {
		t.Fatal(err)
	}
	opts := Options{Store: st, Logger: slog.New(slog.DiscardHandler), AllowAnonymous: true, WebhookSecret: whSecret, RateCard: whCard(t),
		Now: func() time.Time { return whDay.Add(36 * time.Hour) }}
	if mod != nil {
		mod(&opts)
	}
	s := New(opts)
	t.Cleanup(func() {
		if err := s.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return s
}

type whResp struct {
	code int
	body webhookResponse
	err  apiError
	raw  string
}

func postWebhook(t testing.TB, h http.Handler, target string, body []byte, header map[string]string) whResp {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	r := whResp{code: rec.Code, raw: rec.Body.String()}
	if rec.Code == http.StatusOK {
		if err := json.Unmarshal(rec.Body.Bytes(), &r.body); err != nil {
			t.Fatalf("POST %s: body %q: %v", target, r.raw, err)
		}
	} else {
		if err := json.Unmarshal(rec.Body.Bytes(), &r.err); err != nil {
			t.Fatalf("POST %s: %d, error body not JSON: %q", target, rec.Code, r.raw)
		}
	}
	return r
}

// status is one status in a test payload.
type status struct {
	id, status string
	at         time.Duration // after whDay
	cat, typ   string        // pricing; empty for none
	to         string
}

func statusesBody(display, phoneID string, sts ...status) []byte {
	var list []map[string]any
	for _, s := range sts {
		to := s.to
		if to == "" {
			to = "4917600000001"
		}
		m := map[string]any{"id": s.id, "status": s.status, "timestamp": fmt.Sprint(whDay.Add(s.at).Unix()), "recipient_id": to}
		if s.cat != "" {
			m["pricing"] = map[string]any{"billable": true, "pricing_model": "PMP", "category": s.cat, "type": s.typ}
		}
		if s.status == "failed" {
			m["errors"] = []map[string]any{{"code": 131026, "title": "undeliverable"}}
		}
		list = append(list, m)
	}
	return envelope("messages", display, phoneID, "statuses", list)
}

type call struct {
	id, event, dir, status string
	at                     time.Duration
	duration               int64
}

func callsBody(display string, cs ...call) []byte {
	var list []map[string]any
	for _, c := range cs {
		from, to := "4917600000002", whPhone
		if c.dir == string(usage.DirectionOutbound) {
			from, to = to, from
		}
		m := map[string]any{"id": c.id, "event": c.event, "direction": c.dir, "from": from, "to": to,
			"timestamp": whDay.Add(c.at).Unix()}
		if c.event == "terminate" {
			m["status"], m["duration"] = c.status, c.duration
			m["start_time"] = fmt.Sprint(whDay.Add(c.at).Unix() - c.duration)
			m["end_time"] = fmt.Sprint(whDay.Add(c.at).Unix())
		}
		list = append(list, m)
	}
	return envelope("calls", display, "", "calls", list)
}

func envelope(field, display, phoneID, key string, list any) []byte {
	b, _ := json.Marshal(map[string]any{"object": "whatsapp_business_account", "entry": []any{map[string]any{
		"id": "waba-ext-1", "changes": []any{map[string]any{"field": field, "value": map[string]any{
			"messaging_product": "whatsapp",
			"metadata":          map[string]any{"display_phone_number": display, "phone_number_id": phoneID},
			key:                 list,
		}}}}}})
	return b
}

var tokenURL = "/webhooks/whatsapp?token=" + whSecret

func sign(body []byte) string {
	m := hmac.New(sha256.New, []byte(whKey))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// webhookUsage reads /api/v1/usage?source=webhooks for whDay, grouped by
// category and pricing type: "CATEGORY/TYPE" → volume and cost.
func webhookUsage(t *testing.T, h http.Handler) (map[string]int64, map[string]string, usageResponse) {
	t.Helper()
	var resp usageResponse
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/usage?source=webhooks&from=2026-03-10&to=2026-03-10&group_by=category,pricing_type", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("usage: %d %s", rec.Code, rec.Body.String())
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatal(err)
	}
	vol, cost := map[string]int64{}, map[string]string{}
	for _, e := range resp.Series {
		k := fmt.Sprint(e["category"], "/", e["pricing_type"])
		vol[k] += int64(e["volume"].(float64))
		cost[k] = e["cost"].(string)
	}
	return vol, cost, resp
}

func TestWebhookCountsEveryStatusCategoryAndType(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, st *store.Store) {
		s := newWebhookServer(t, st, nil)
		h := s.Handler()
		var sts []status
		want := map[string]int64{}
		n := 0
		cats := append(append([]usage.Category{}, usage.KnownCategories...), "BRAND_NEW_CATEGORY")
		for _, cat := range cats {
			for _, pt := range usage.KnownPricingTypes {
				c, p := strings.ToLower(string(cat)), strings.ToLower(string(pt))
				id := func(k string) string { n++; return fmt.Sprintf("wamid.%s.%s.%s.%d", c, p, k, n) }
				// delivered (with read after it), read only, failed, and sent only.
				d := id("d")
				sts = append(sts, status{d, "sent", time.Hour, c, p, ""}, status{d, "delivered", time.Hour + time.Second, c, p, ""},
					status{d, "read", 2 * time.Hour, "", "", ""})
				r := id("r")
				sts = append(sts, status{r, "sent", time.Hour, c, p, ""}, status{r, "read", time.Hour + 5*time.Second, c, p, ""})
				f := id("f")
				sts = append(sts, status{f, "sent", time.Hour, c, p, ""}, status{f, "failed", time.Hour + time.Second, "", "", ""})
				sts = append(sts, status{id("s"), "sent", time.Hour, c, p, ""})
				want[string(cat)+"/"+string(pt)] = 2
				if cat.Unit() != usage.UnitMessage {
					// A token category's statuses are not messages: the
					// API's message volume leaves them out, so do the counts.
					want[string(cat)+"/"+string(pt)] = 0
				}
			}
		}
		// An unknown status value is stored but never counts.
		sts = append(sts, status{"wamid.odd", "deleted", time.Hour, "marketing", "regular", ""})
		resp := postWebhook(t, h, tokenURL, statusesBody(whPhone, whPhoneID, sts...), nil)
		if resp.code != 200 || resp.body.Stored != len(sts) || resp.body.Duplicates != 0 {
			t.Fatalf("POST: %d %+v %s", resp.code, resp.body, resp.raw)
		}
		vol, cost, full := webhookUsage(t, h)
		if len(vol) != len(want) {
			t.Errorf("got %d category/type pairs, want %d: %v", len(vol), len(want), vol)
		}
		for k, w := range want {
			if vol[k] != w {
				t.Errorf("%s: volume %d, want %d", k, vol[k], w)
			}
		}
		// Regular marketing: two messages at 0.10; free ones cost nothing;
		// unknown categories have no rate, so their cost is unknown (0, flagged).
		if cost["MARKETING/REGULAR"] != "0.20" || cost["MARKETING/FREE_CUSTOMER_SERVICE"] != "0.00" ||
			cost["UTILITY/REGULAR"] != "0.04" || cost["MARKETING_LITE/REGULAR"] != "0.20" {
			t.Errorf("costs = %v", cost)
		}
		if !full.Estimated || full.Source != "webhooks" || full.CostMissing == 0 {
			t.Errorf("response: estimated %v source %q cost_unknown %d", full.Estimated, full.Source, full.CostMissing)
		}
	})
}

func TestWebhookDuplicatesAndOutOfOrder(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	s := newWebhookServer(t, st, nil)
	h := s.Handler()
	mk := func(id, stat string, at time.Duration, priced bool) status {
		if priced {
			return status{id, stat, at, "marketing", "regular", ""}
		}
		return status{id, stat, at, "", "", ""}
	}
	// Delivered before sent, read before delivered, each in its own delivery.
	deliveries := [][]status{
		{mk("m1", "delivered", time.Hour, true)},
		{mk("m1", "sent", time.Hour-time.Minute, true)},
		{mk("m2", "read", 3*time.Hour, true)},
		{mk("m2", "delivered", time.Hour+time.Minute, false)},
	}
	for _, d := range deliveries {
		body := statusesBody(whPhone, whPhoneID, d...)
		if r := postWebhook(t, h, tokenURL, body, nil); r.code != 200 || r.body.Stored != 1 {
			t.Fatalf("POST: %d %+v", r.code, r.body)
		}
		// 360dialog retries: the same body again changes nothing.
		if r := postWebhook(t, h, tokenURL, body, nil); r.code != 200 || r.body.Stored != 0 || r.body.Duplicates != 1 {
			t.Fatalf("retry: %d %+v", r.code, r.body)
		}
	}
	vol, _, _ := webhookUsage(t, h)
	if vol["MARKETING/REGULAR"] != 2 || len(vol) != 1 {
		t.Fatalf("volumes = %v, want 2 marketing messages", vol)
	}
	// m2 counts at its delivered time (01:01), not at the read that came first (03:00).
	var hh usageResponse
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/usage?source=webhooks&from=2026-03-10&to=2026-03-10&granularity=half_hour", nil))
	if err := json.Unmarshal(rec.Body.Bytes(), &hh); err != nil {
		t.Fatal(err)
	}
	if len(hh.Series) != 1 || hh.Series[0]["bucket"] != "2026-03-10T01:00:00Z" || hh.Series[0]["volume"] != float64(2) {
		t.Errorf("half-hour series = %v", hh.Series)
	}
	if got := s.WebhookStats(); got.Stored != 4 || got.Duplicates != 4 || got.Deliveries != 8 {
		t.Errorf("stats = %+v", got)
	}
}

func TestWebhookCallsBothDirections(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	s := newWebhookServer(t, st, nil)
	h := s.Handler()
	in, out := string(usage.DirectionInbound), string(usage.DirectionOutbound)
	body := callsBody(whPhone,
		call{"wacid.1", "connect", out, "", 10 * time.Hour, 0},
		call{"wacid.1", "terminate", out, "COMPLETED", 10*time.Hour + 56*time.Second, 56},
		call{"wacid.2", "terminate", in, "COMPLETED", 11 * time.Hour, 300}, // terminate only
		call{"wacid.3", "terminate", out, "FAILED", 12 * time.Hour, 0},     // failed: not counted
		call{"wacid.4", "connect", in, "", 13 * time.Hour, 0},              // still open
	)
	if r := postWebhook(t, h, tokenURL, body, nil); r.code != 200 || r.body.Stored != 5 {
		t.Fatalf("POST: %d %+v", r.code, r.body)
	}
	if r := postWebhook(t, h, tokenURL, body, nil); r.code != 200 || r.body.Duplicates != 5 {
		t.Fatalf("retry: %d %+v", r.code, r.body)
	}
	var resp callsResponse
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/calls?source=webhooks&from=2026-03-10&to=2026-03-10", nil))
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatalf("%v: %s", err, rec.Body.String())
	}
	tot := resp.Totals
	// 56 s outbound = 10 pulses at 0.06/min = 0.06 EUR; inbound is free.
	if tot.Calls != 2 || tot.Inbound != 1 || tot.Outbound != 1 || tot.AverageDurationSeconds != 178 ||
		len(tot.Cost) != 1 || tot.Cost[0].Amount != "0.06" || !resp.Estimated {
		t.Errorf("totals = %+v (estimated %v)", tot, resp.Estimated)
	}
	list, err := st.ListWebhookCalls(context.Background(), store.AllClients(), store.UsageFilter{Start: whDay, End: whDay.Add(24 * time.Hour)}, 0)
	if err != nil || len(list) != 4 {
		t.Fatalf("call detail = %+v, %v", list, err)
	}
}

func TestWebhookAuthAndBadInput(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	signed := newWebhookServer(t, st, func(o *Options) { o.WebhookSigningKey = whKey }).Handler()
	good := statusesBody(whPhone, whPhoneID, status{"wamid.a", "delivered", time.Hour, "utility", "regular", ""})

	unconfigured := New(Options{Store: st, Logger: slog.New(slog.DiscardHandler), AllowAnonymous: true})
	t.Cleanup(func() { _ = unconfigured.Close(context.Background()) })

	big := append([]byte(`{"object":"whatsapp_business_account","entry":[],"pad":"`), bytes.Repeat([]byte("x"), webhook.MaxBodyBytes)...)
	big = append(big, `"}`...)
	tests := []struct {
		name   string
		h      http.Handler
		target string
		body   []byte
		header map[string]string
		code   int
		field  string
		inMsg  string
	}{
		{"not configured", unconfigured.Handler(), tokenURL, good, nil, 503, "", "INSIGHTS_WEBHOOK_SECRET"},
		{"missing token", signed, "/webhooks/whatsapp", good, map[string]string{webhook.HeaderSignature360: sign(good)}, 401, "token", "token"},
		{"wrong token", signed, "/webhooks/whatsapp?token=nope", good, map[string]string{webhook.HeaderSignature360: sign(good)}, 401, "token", "token"},
		{"missing signature", signed, tokenURL, good, nil, 401, "", "missing signature"},
		{"bad signature", signed, tokenURL, good, map[string]string{webhook.HeaderSignature360: sign([]byte("other"))}, 401, "", "bad signature"},
		{"oversized", signed, tokenURL, big, map[string]string{webhook.HeaderSignature360: sign(big)}, 413, "", "larger"},
		{"malformed JSON", signed, tokenURL, []byte(`{"object":`), map[string]string{webhook.HeaderSignature360: sign([]byte(`{"object":`))}, 400, "", "invalid JSON"},
		{"bad timestamp", signed, tokenURL, []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"statuses":[{"id":"w","status":"sent","timestamp":"soon"}]}}]}]}`),
			nil, 400, "entry[0].changes[0].value.statuses[0].timestamp", "unix seconds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "bad timestamp" {
				tt.header = map[string]string{webhook.HeaderSignatureHub: "sha256=" + sign(tt.body)}
			}
			r := postWebhook(t, tt.h, tt.target, tt.body, tt.header)
			if r.code != tt.code || r.err.Field != tt.field || !strings.Contains(r.err.Error, tt.inMsg) {
				t.Errorf("got %d %+v, want %d field %q message containing %q", r.code, r.err, tt.code, tt.field, tt.inMsg)
			}
		})
	}
	if n, err := st.WebhookEventCount(context.Background()); err != nil || n != 0 {
		t.Fatalf("rejected deliveries stored %d events (%v)", n, err)
	}

	// Valid signatures in either header, and the token in the header, are accepted.
	r := postWebhook(t, signed, "/webhooks/whatsapp", good, map[string]string{HeaderWebhookToken: whSecret, webhook.HeaderSignature360: sign(good)})
	if r.code != 200 || r.body.Stored != 1 {
		t.Fatalf("signed delivery: %d %s", r.code, r.raw)
	}
	r = postWebhook(t, signed, tokenURL, good, map[string]string{webhook.HeaderSignatureHub: "sha256=" + sign(good)})
	if r.code != 200 || r.body.Duplicates != 1 {
		t.Fatalf("hub-signed retry: %d %s", r.code, r.raw)
	}
}

func TestWebhookIgnoresWhatItCannotCountAndKeepsUnknownChannels(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	s := newWebhookServer(t, st, nil)
	h := s.Handler()
	template := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"message_template_status_update","value":{"event":"APPROVED"}}]}]}`)
	unknownPhone := statusesBody("4930000000", "999", status{"wamid.x", "delivered", time.Hour, "utility", "regular", ""})
	byURL := statusesBody("", "", status{"wamid.y", "delivered", time.Hour, "utility", "regular", ""})
	tests := []struct {
		name                     string
		target                   string
		body                     []byte
		stored, pending, ignored int
	}{
		{"unknown field", tokenURL, template, 0, 0, 1},
		{"unknown channel", tokenURL, unknownPhone, 0, 1, 0},
		{"unknown channel in URL", "/webhooks/whatsapp/nope?token=" + whSecret, byURL, 0, 1, 0},
		{"channel from URL", "/webhooks/whatsapp/ch1?token=" + whSecret, byURL, 1, 0, 0},
		{"channel from display number", tokenURL, statusesBody("+49 151 12345678", "", status{"wamid.z", "read", time.Hour, "utility", "regular", ""}), 1, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := postWebhook(t, h, tt.target, tt.body, nil)
			if r.code != 200 || r.body.Stored != tt.stored || r.body.Pending != tt.pending || r.body.Ignored != tt.ignored {
				t.Errorf("got %d %+v, want stored %d pending %d ignored %d", r.code, r.body, tt.stored, tt.pending, tt.ignored)
			}
		})
	}
}

func TestWebhookGroupCommitAndClose(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	s := newWebhookServer(t, st, func(o *Options) { o.WebhookMaxWait = 5 * time.Millisecond })
	h := s.Handler()
	const senders, each = 16, 20
	var wg sync.WaitGroup
	errs := make(chan string, senders*each)
	for g := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				id := fmt.Sprintf("wamid.g%d.%d", g, i)
				r := postWebhook(t, h, tokenURL, statusesBody(whPhone, whPhoneID, status{id, "delivered", time.Hour, "utility", "regular", ""}), nil)
				if r.code != 200 || r.body.Stored != 1 {
					errs <- fmt.Sprintf("%s: %d %s", id, r.code, r.raw)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	stats := s.WebhookStats()
	if stats.Stored != senders*each || stats.Commits >= stats.Deliveries {
		t.Errorf("stats = %+v: want every event stored, in fewer commits than deliveries", stats)
	}
	if n, _ := st.WebhookEventCount(context.Background()); n != senders*each {
		t.Errorf("stored events = %d", n)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := postWebhook(t, h, tokenURL, statusesBody(whPhone, whPhoneID, status{"wamid.late", "delivered", time.Hour, "utility", "regular", ""}), nil)
	if r.code != http.StatusServiceUnavailable {
		t.Errorf("after Close: %d %s", r.code, r.raw)
	}
}

// whSimNow is the simulator's clock in the reconciliation test.
var whSimNow = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// TestReconcileSimulatorDay sends the simulator's webhooks for one day of one
// client and checks that the webhook counters equal the Partner API's
// numbers, through /api/v1/usage, /api/v1/calls and the reconciliation page.
func TestReconcileSimulatorDay(t *testing.T) {
	t.Parallel()
	cfg := simulator.Config{Seed: 3, Now: func() time.Time { return whSimNow }}
	sim := simulator.New(cfg)
	day := time.Date(2026, 11, 17, 0, 0, 0, 0, time.UTC) // a Tuesday
	st := storetest.OpenSeeded(t, cfg, day, day.Add(24*time.Hour))
	client := sim.Clients()[0]
	card, channels := clientRateCard(sim, client)
	s := New(Options{Store: st, Logger: slog.New(slog.DiscardHandler), AllowAnonymous: true, WebhookSecret: whSecret, RateCard: card,
		Now: func() time.Time { return whSimNow }})
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	h := s.Handler()
	events := 0
	for _, id := range channels {
		for _, body := range sim.WebhookEvents(id, day, day.Add(24*time.Hour)) {
			r := postWebhook(t, h, tokenURL, body, nil)
			if r.code != 200 || r.body.Ignored != 0 {
				t.Fatalf("POST: %d %s", r.code, r.raw)
			}
			events += r.body.Stored
		}
	}
	t.Logf("%d webhook events for %d channels", events, len(channels))

	q := "&from=2026-11-17&to=2026-11-17&tz=UTC&client=" + client.ID
	for _, path := range []string{"/api/v1/usage?group_by=category,pricing_type,country", "/api/v1/calls?x=1"} {
		var api, hooks map[string]any
		for i, src := range []string{"api", "webhooks"} {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path+q+"&source="+src, nil))
			if rec.Code != 200 {
				t.Fatalf("%s %s: %d %s", path, src, rec.Code, rec.Body.String())
			}
			into := &api
			if i == 1 {
				into = &hooks
			}
			if err := json.NewDecoder(rec.Body).Decode(into); err != nil {
				t.Fatal(err)
			}
		}
		// Every webhook cost is an estimate from the rate card, and says
		// so; the Partner API's are the source's. Otherwise they agree.
		if n := dropEstimateFlags(t, []any{api["totals"], api["series"]}, false); n == 0 {
			t.Errorf("%s: the API answer carries no cost_estimated flag", path)
		}
		if n := dropEstimateFlags(t, []any{hooks["totals"], hooks["series"]}, true); n == 0 {
			t.Errorf("%s: the webhook answer carries no cost_estimated flag", path)
		}
		for _, k := range []string{"totals", "series"} {
			a, _ := json.Marshal(api[k])
			w, _ := json.Marshal(hooks[k])
			if string(a) != string(w) {
				t.Errorf("%s %s differ:\napi      %s\nwebhooks %s", path, k, a, w)
			}
		}
	}

	checkReconcileDayAgrees(t, h, client.ID)
}

// dropEstimateFlags removes every cost_estimated and cost_estimated_points
// from a decoded answer, failing the test where a flag is not want (or
// the count is 0 where the flag is set), and returns how many flags it saw.
func dropEstimateFlags(t *testing.T, v any, want bool) int {
	t.Helper()
	n := 0
	switch x := v.(type) {
	case map[string]any:
		if f, ok := x["cost_estimated"]; ok {
			n++
			if f != want {
				t.Errorf("cost_estimated %v in %v, want %v", f, x, want)
			}
			delete(x, "cost_estimated")
		}
		if c, ok := x["cost_estimated_points"]; ok {
			if (c.(float64) > 0) != want {
				t.Errorf("cost_estimated_points %v in %v with the flag %v", c, x, want)
			}
			delete(x, "cost_estimated_points")
		}
		for _, e := range x {
			n += dropEstimateFlags(t, e, want)
		}
	case []any:
		for _, e := range x {
			n += dropEstimateFlags(t, e, want)
		}
	}
	return n
}

// clientRateCard is the book the simulator prices from, and the ids of the
// client's channels.
func clientRateCard(sim *simulator.Simulator, client simulator.Client) (*ratecard.Book, []string) {
	var channels []string
	for _, w := range client.WABAs {
		for _, ch := range w.Channels {
			channels = append(channels, ch.ID)
		}
	}
	return sim.RateBook(), channels
}

// checkReconcileDayAgrees checks the reconciliation page of the client's
// month shows no volume, cost or call difference and nothing flagged.
func checkReconcileDayAgrees(t *testing.T, h http.Handler, clientID string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/reconcile?client="+clientID+"&month=2026-11", nil))
	if rec.Code != 200 {
		t.Fatalf("reconcile: %d %s", rec.Code, rec.Body.String())
	}
	doc, err := goquery.NewDocumentFromReader(io.Reader(rec.Body))
	if err != nil {
		t.Fatal(err)
	}
	rows := doc.Find(`[data-testid="reconcile-days-table"] [data-testid="reconcile-row"]`)
	if rows.Length() == 0 {
		t.Fatal("no reconciliation rows")
	}
	rows.Each(func(_ int, r *goquery.Selection) {
		if d := strings.TrimSpace(r.Find(`[data-testid="volume-diff"]`).Text()); d != "0" || r.AttrOr("data-flagged", "") != "false" {
			t.Errorf("row %s %s: diff %s flagged %s", r.AttrOr("data-day", ""), r.AttrOr("data-category", ""), d, r.AttrOr("data-flagged", ""))
		}
		if c := strings.TrimSpace(r.Find(`[data-testid="cost-diff"]`).Text()); c != "0.00" {
			t.Errorf("row %s %s: cost diff %s", r.AttrOr("data-day", ""), r.AttrOr("data-category", ""), c)
		}
	})
	if f := doc.Find(`[data-testid="reconcile-flagged"]`).AttrOr("data-flagged", ""); f != "0" {
		t.Errorf("flagged = %s", f)
	}
	doc.Find(`[data-testid="reconcile-call-row"]`).Each(func(_ int, r *goquery.Selection) {
		if a, w := r.Find(`[data-testid="api-calls"]`).Text(), r.Find(`[data-testid="webhook-calls"]`).Text(); a != w {
			t.Errorf("calls on %s: api %s, webhooks %s", r.AttrOr("data-day", ""), a, w)
		}
	})
}
