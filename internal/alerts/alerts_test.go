package alerts_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/alerts"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
)

// smtpServer is a tiny in-process SMTP server (RFC 5321 subset: EHLO, HELO,
// MAIL, RCPT, DATA, RSET, NOOP, QUIT) that keeps every message it accepts.
type smtpServer struct {
	ln   net.Listener
	mu   sync.Mutex
	msgs []mail
	wg   sync.WaitGroup
}

type mail struct {
	from string
	to   []string
	data string
}

func startSMTP(t *testing.T) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() { defer s.wg.Done(); s.serve(conn) }()
		}
	}()
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s
}

func (s *smtpServer) addr() string { return s.ln.Addr().String() }

func (s *smtpServer) serve(conn net.Conn) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	tp := textproto.NewConn(conn)
	reply := func(code int, msg string) { _ = tp.PrintfLine("%d %s", code, msg) }
	reply(220, "insights-test ESMTP")
	var cur mail
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			_ = tp.PrintfLine("250-insights-test")
			_ = tp.PrintfLine("250 8BITMIME")
		case "HELO", "NOOP":
			reply(250, "ok")
		case "MAIL":
			cur = mail{from: addrOf(arg)}
			reply(250, "ok")
		case "RCPT":
			cur.to = append(cur.to, addrOf(arg))
			reply(250, "ok")
		case "DATA":
			reply(354, "go ahead")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			cur.data = string(data)
			s.mu.Lock()
			s.msgs = append(s.msgs, cur)
			s.mu.Unlock()
			reply(250, "queued")
		case "RSET":
			cur = mail{}
			reply(250, "ok")
		case "QUIT":
			reply(221, "bye")
			return
		default:
			reply(502, "not implemented")
		}
	}
}

// addrOf is the address in "FROM:<a@b> BODY=8BITMIME" or "TO:<a@b>".
func addrOf(arg string) string {
	_, rest, _ := strings.Cut(arg, "<")
	addr, _, _ := strings.Cut(rest, ">")
	return addr
}

func (s *smtpServer) messages() []mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]mail(nil), s.msgs...)
}

// receiver is an httptest webhook receiver that checks signatures and can
// fail its first requests.
type receiver struct {
	srv      *httptest.Server
	failNext atomic.Int32
	mu       sync.Mutex
	got      []alerts.Payload
	badSig   atomic.Int32
	requests atomic.Int32
}

func startReceiver(t *testing.T, secret string) *receiver {
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.requests.Add(1)
		body, _ := io.ReadAll(req.Body)
		if req.Header.Get(alerts.SignatureHeader) != alerts.Sign(secret, body) {
			r.badSig.Add(1)
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		if r.failNext.Load() > 0 {
			r.failNext.Add(-1)
			http.Error(w, "try later", http.StatusServiceUnavailable)
			return
		}
		var p alerts.Payload
		if err := json.Unmarshal(body, &p); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		r.got = append(r.got, p)
		r.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) payloads() []alerts.Payload {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]alerts.Payload(nil), r.got...)
}

// clock is a settable clock shared by evaluators.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// now: Friday 20 Nov 2026, 12:00 UTC.
var t0 = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// seed makes client c1 (Europe/Berlin, EUR) with one channel and five weeks
// of marketing traffic: 200 messages a day at 0.05 EUR, except yesterday
// (Thursday 19 Nov), when a campaign sent 1,000.
func seed(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	if err := st.UpsertClients(ctx, []store.Client{{ID: "c1", Name: "Nordlicht", Timezone: "Europe/Berlin"}}); err != nil {
		t.Fatal(err)
	}
	if err := st.UpsertChannels(ctx, []store.Channel{{ID: "ch1", ClientID: "c1", Currency: "EUR", Timezone: "Europe/Berlin"}}); err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC)
	var pts []usage.Point
	for d := from; d.Before(t0); d = d.AddDate(0, 0, 1) {
		vol := int64(200)
		if d.Day() == 19 && d.Month() == time.November {
			vol = 1000
		}
		start := d.Add(11 * time.Hour)
		pts = append(pts, usage.Point{ChannelID: "ch1", Start: start, End: start.Add(30 * time.Minute), Granularity: usage.HalfHour,
			Category: usage.CategoryMarketing, PricingType: usage.PricingRegular, Country: "DE", Tier: "0:MAX",
			Volume: vol, Currency: "EUR", CostNanos: vol * 50_000_000, CostKnown: true})
	}
	if err := st.SaveUsageWindow(ctx, store.UsageWindow{ChannelID: "ch1", Start: from, End: t0, Granularity: usage.HalfHour, Points: pts}); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordPollRun(ctx, store.PollRun{ChannelID: "ch1", Kind: store.PollRecent, StartedAt: t0.Add(-10 * time.Minute), Outcome: store.OutcomeOK}); err != nil {
		t.Fatal(err)
	}
}

func firing(t *testing.T, st *store.Store) map[string]store.Alert {
	t.Helper()
	list, err := st.ListAlerts(context.Background(), store.AllClients(), store.AlertFilter{State: store.AlertFiring})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.Alert{}
	for _, a := range list {
		out[a.Kind] = a
	}
	return out
}

// TestEvaluateFiresAndResolves drives every condition from known inputs.
func TestEvaluateFiresAndResolves(t *testing.T) {
	st := storetest.Open(t)
	seed(t, st)
	ctx := context.Background()
	clk := &clock{t: t0}
	ev := alerts.New(alerts.Config{Store: st, Now: clk.Now, Logger: slog.New(slog.DiscardHandler)})

	if err := ev.Evaluate(ctx); err != nil {
		t.Fatal(err)
	}
	got := firing(t, st)
	if len(got) != 1 || !strings.Contains(got[alerts.KindVolumeSpike].Message, "1000 messages") {
		t.Fatalf("firing = %+v; want only the volume spike of yesterday", got)
	}

	// Budget far under the forecast; a balance with 2 days of runway; the
	// last successful poll 7 hours ago.
	if err := st.SetBudget(ctx, store.Budget{ClientID: "c1", Currency: "EUR", AmountNanos: 50_000_000_000}); err != nil {
		t.Fatal(err)
	}
	thr := int64(5_000_000_000)
	// Daily spend over the last 7 days: (6×200 + 1000) × 0.05 / 7 ≈ 15.71 EUR; 30 EUR ≈ 1.9 days.
	if err := st.SaveBalance(ctx, store.BalanceReading{ChannelID: "ch1", ReadAt: t0, Currency: "EUR", BalanceNanos: 30_000_000_000, ThresholdNanos: &thr}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(7 * time.Hour)
	if err := ev.Evaluate(ctx); err != nil {
		t.Fatal(err)
	}
	got = firing(t, st)
	for _, k := range []string{alerts.KindForecastOverBudget, alerts.KindLowRunway, alerts.KindVolumeSpike, alerts.KindPollingStalled} {
		if _, ok := got[k]; !ok {
			t.Errorf("%s not firing; firing: %v", k, got)
		}
	}
	if m := got[alerts.KindLowRunway].Message; !strings.Contains(m, "1.9 days") {
		t.Errorf("low runway message = %q", m)
	}
	first := got[alerts.KindForecastOverBudget].ID
	// Evaluating again opens nothing new.
	if err := ev.Evaluate(ctx); err != nil {
		t.Fatal(err)
	}
	if again := firing(t, st); again[alerts.KindForecastOverBudget].ID != first || len(again) != len(got) {
		t.Errorf("re-evaluation changed the open alerts: %v", again)
	}

	// Clear the conditions: they resolve.
	if err := st.SetBudget(ctx, store.Budget{ClientID: "c1"}); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordPollRun(ctx, store.PollRun{ChannelID: "ch1", Kind: store.PollRecent, StartedAt: clk.Now(), Outcome: store.OutcomeOK}); err != nil {
		t.Fatal(err)
	}
	if err := ev.Evaluate(ctx); err != nil {
		t.Fatal(err)
	}
	got = firing(t, st)
	if _, ok := got[alerts.KindForecastOverBudget]; ok {
		t.Error("forecast_over_budget still firing without a budget")
	}
	if _, ok := got[alerts.KindPollingStalled]; ok {
		t.Error("polling_stalled still firing after a fresh poll")
	}
	all, _ := st.ListAlerts(ctx, store.AllClients(), store.AlertFilter{State: store.AlertResolved})
	if len(all) != 2 {
		t.Errorf("resolved = %+v, want 2", all)
	}
}

func TestVolumeDrop(t *testing.T) {
	st := storetest.Open(t)
	seed(t, st)
	ctx := context.Background()
	// Yesterday's 1,000 replaced by 20.
	start := time.Date(2026, 11, 19, 11, 0, 0, 0, time.UTC)
	if err := st.SaveUsageWindow(ctx, store.UsageWindow{ChannelID: "ch1", Start: start, End: start.Add(30 * time.Minute), Granularity: usage.HalfHour,
		Points: []usage.Point{{ChannelID: "ch1", Start: start, End: start.Add(30 * time.Minute), Granularity: usage.HalfHour,
			Category: usage.CategoryMarketing, PricingType: usage.PricingRegular, Country: "DE", Tier: "0:MAX",
			Volume: 20, Currency: "EUR", CostNanos: 1_000_000_000, CostKnown: true}}}); err != nil {
		t.Fatal(err)
	}
	ev := alerts.New(alerts.Config{Store: st, Now: func() time.Time { return t0 }, Logger: slog.New(slog.DiscardHandler)})
	if err := ev.Evaluate(ctx); err != nil {
		t.Fatal(err)
	}
	got := firing(t, st)
	if _, ok := got[alerts.KindVolumeDrop]; !ok || len(got) != 1 {
		t.Errorf("firing = %v, want only volume_drop", got)
	}
}

// TestDeliveryExactlyOnce: a real SMTP server gets exactly one mail per
// alert event, a signed webhook receiver one request per event, across two
// evaluators on one database and a restart.
func TestDeliveryExactlyOnce(t *testing.T) {
	storetest.ForEachDB(t, func(t *testing.T, st *store.Store) {
		seed(t, st)
		ctx := context.Background()
		mailer := startSMTP(t)
		const secret = "s3cret"
		rcv := startReceiver(t, secret)
		clk := &clock{t: t0}
		newEval := func() *alerts.Evaluator {
			return alerts.New(alerts.Config{Store: st, Now: clk.Now, Logger: slog.New(slog.DiscardHandler),
				Email:   &alerts.Email{Addr: mailer.addr(), From: "insights@example.test", To: []string{"ops@example.test"}},
				Webhook: &alerts.Webhook{URL: rcv.srv.URL, Secret: secret}})
		}
		a, b := newEval(), newEval()
		if err := a.Evaluate(ctx); err != nil {
			t.Fatal(err)
		}
		if err := b.Evaluate(ctx); err != nil { // the second instance finds the alert already open
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var sent atomic.Int64
		for _, ev := range []*alerts.Evaluator{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := ev.Deliver(ctx)
				if err != nil {
					t.Error(err)
				}
				sent.Add(int64(n))
			}()
		}
		wg.Wait()
		if sent.Load() != 2 {
			t.Errorf("sent = %d, want 2 (one mail, one webhook)", sent.Load())
		}
		msgs := mailer.messages()
		if len(msgs) != 1 {
			t.Fatalf("mails = %d, want exactly 1", len(msgs))
		}
		if m := msgs[0]; m.from != "insights@example.test" || len(m.to) != 1 || m.to[0] != "ops@example.test" ||
			!strings.Contains(m.data, "volume spike") || !strings.Contains(m.data, "1000 messages") {
			t.Errorf("mail = %+v", m)
		}
		ps := rcv.payloads()
		if len(ps) != 1 || ps[0].Kind != alerts.KindVolumeSpike || ps[0].Client != "c1" || ps[0].Event != "firing" || ps[0].Since != t0.Format(time.RFC3339) {
			t.Fatalf("webhook payloads = %+v", ps)
		}
		if rcv.badSig.Load() != 0 {
			t.Errorf("%d requests with a bad signature", rcv.badSig.Load())
		}

		// A restart: a new evaluator on the same database sends nothing again.
		clk.Advance(time.Hour)
		c := newEval()
		if n, err := c.Deliver(ctx); err != nil || n != 0 {
			t.Errorf("after restart: sent %d, %v; want 0", n, err)
		}
		if len(mailer.messages()) != 1 || rcv.requests.Load() != 1 {
			t.Errorf("re-sent after restart: %d mails, %d webhook requests", len(mailer.messages()), rcv.requests.Load())
		}
	})
}

// TestDeliveryRetries: a failing receiver gets the delivery again with
// backoff until it accepts it; then it is sent and never again.
func TestDeliveryRetries(t *testing.T) {
	st := storetest.Open(t)
	seed(t, st)
	ctx := context.Background()
	rcv := startReceiver(t, "k")
	rcv.failNext.Store(2)
	clk := &clock{t: t0}
	ev := alerts.New(alerts.Config{Store: st, Now: clk.Now, Logger: slog.New(slog.DiscardHandler),
		Webhook: &alerts.Webhook{URL: rcv.srv.URL, Secret: "k"}, RetryBase: time.Minute})
	if err := ev.Evaluate(ctx); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		advance  time.Duration
		sent     int
		requests int32
	}{
		{0, 0, 1},                // attempt 1 fails
		{30 * time.Second, 0, 1}, // not due yet (1 minute backoff)
		{31 * time.Second, 0, 2}, // attempt 2 fails
		{time.Minute, 0, 2},      // not due yet (2 minutes)
		{61 * time.Second, 1, 3}, // attempt 3 succeeds
		{time.Hour, 0, 3},        // never again
	}
	for i, s := range steps {
		clk.Advance(s.advance)
		n, err := ev.Deliver(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != s.sent || rcv.requests.Load() != s.requests {
			t.Errorf("step %d: sent %d, requests %d; want %d, %d", i, n, rcv.requests.Load(), s.sent, s.requests)
		}
	}
	if len(rcv.payloads()) != 1 {
		t.Errorf("payloads = %d, want 1", len(rcv.payloads()))
	}
}

func TestBackoffGivesUp(t *testing.T) {
	st := storetest.Open(t)
	seed(t, st)
	ctx := context.Background()
	rcv := startReceiver(t, "k")
	rcv.failNext.Store(100)
	clk := &clock{t: t0}
	ev := alerts.New(alerts.Config{Store: st, Now: clk.Now, Logger: slog.New(slog.DiscardHandler),
		Webhook: &alerts.Webhook{URL: rcv.srv.URL, Secret: "k"}, MaxAttempts: 3})
	if err := ev.Evaluate(ctx); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if _, err := ev.Deliver(ctx); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Hour)
	}
	if rcv.requests.Load() != 3 {
		t.Errorf("requests = %d, want 3 (MaxAttempts)", rcv.requests.Load())
	}
	counts, _ := st.DeliveryCounts(ctx)
	if counts[store.DeliveryFailed] != 1 {
		t.Errorf("counts = %v, want one failed", counts)
	}
}
