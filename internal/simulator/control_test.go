package simulator

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/usage"
)

func TestChannelRateLimit(t *testing.T) {
	h := newHarness(t, Config{Seed: 1})
	chs := h.sim.Channels()
	ch := chs[0]
	path := usagePath(ch, testNow.Add(-2*time.Hour).Unix(), testNow.Unix(), "half_hour")
	t0 := h.clock.Now()
	for i := 0; i < ChannelLimitPerHour; i++ {
		if r := h.get(t, path); r.status != http.StatusOK {
			t.Fatalf("request %d: status %d: %s", i+1, r.status, r.body)
		}
		h.clock.Advance(time.Minute)
	}
	// 11th request at t0+10m: the first slot frees at t0+60m.
	r := h.get(t, path)
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("11th request: status %d, want 429", r.status)
	}
	if got := r.header.Get("Retry-After"); got != strconv.Itoa(50*60) {
		t.Errorf("Retry-After %q, want %d", got, 50*60)
	}
	var e struct{ Detail string }
	decodeExact(t, r.body, &e)
	if !strings.HasPrefix(e.Detail, "Rate limit exceeded") {
		t.Errorf("detail %q", e.Detail)
	}
	// Other channels are not affected.
	if r := h.get(t, usagePath(chs[1], t0.Unix(), t0.Unix(), "daily")); r.status != http.StatusOK {
		t.Errorf("another channel: status %d", r.status)
	}
	// Refused requests do not use up budget: one second before the slot frees, still refused.
	h.clock.Set(t0.Add(time.Hour - time.Second))
	if r := h.get(t, path); r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "1" {
		t.Errorf("1 s before the slot frees: status %d, Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
	h.clock.Set(t0.Add(time.Hour))
	if r := h.get(t, path); r.status != http.StatusOK {
		t.Errorf("after the clock advanced: status %d", r.status)
	}
	if r := h.get(t, path); r.status != http.StatusTooManyRequests {
		t.Errorf("only one slot freed, yet status %d", r.status)
	}

	st := h.sim.Stats()
	if st.UsageByChannel[ch.ID] != 14 || st.TooMany != 3 || len(st.Violations) != 3 {
		t.Errorf("stats: %d requests, %d 429s, %d violations", st.UsageByChannel[ch.ID], st.TooMany, len(st.Violations))
	}
	for _, v := range st.Violations {
		if v.Limit != "channel" || v.ChannelID != ch.ID || v.WABAID != ch.WABAID {
			t.Errorf("violation %+v", v)
		}
	}
}

func TestWABARateLimit(t *testing.T) {
	h := newHarness(t, Config{Seed: 1, Clients: 1, ChannelsPerWABA: 21})
	w := h.sim.Clients()[0].WABAs[0]
	if len(w.Channels) != 21 {
		t.Fatalf("%d channels in the WABA", len(w.Channels))
	}
	for i, ch := range w.Channels[:20] {
		for k := 0; k < ChannelLimitPerHour; k++ {
			if r := h.get(t, usagePath(ch, testNow.Unix()-3600, testNow.Unix(), "daily")); r.status != http.StatusOK {
				t.Fatalf("channel %d request %d: status %d", i, k, r.status)
			}
		}
		h.clock.Advance(time.Second)
	}
	// The 21st channel has its own budget left but the WABA's 200 are spent.
	last := w.Channels[20]
	r := h.get(t, usagePath(last, testNow.Unix()-3600, testNow.Unix(), "daily"))
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("201st request in the WABA: status %d", r.status)
	}
	// The first 10 requests were at t0; now is t0+20s.
	if got := r.header.Get("Retry-After"); got != strconv.Itoa(3600-20) {
		t.Errorf("Retry-After %q, want %d", got, 3600-20)
	}
	st := h.sim.Stats()
	if len(st.Violations) != 1 || st.Violations[0].Limit != "waba" || st.UsageByWABA[w.ID] != 201 {
		t.Errorf("violations %+v, WABA requests %d", st.Violations, st.UsageByWABA[w.ID])
	}
	h.clock.Advance(time.Hour)
	if r := h.get(t, usagePath(last, testNow.Unix()-3600, testNow.Unix(), "daily")); r.status != http.StatusOK {
		t.Errorf("an hour later: status %d", r.status)
	}
}

func TestDisableRateLimits(t *testing.T) {
	h := newHarness(t, Config{Seed: 1, DisableRateLimits: true})
	ch := h.sim.Channels()[0]
	for i := 0; i < 3*ChannelLimitPerHour; i++ {
		if r := h.get(t, usagePath(ch, testNow.Unix()-3600, testNow.Unix(), "daily")); r.status != http.StatusOK {
			t.Fatalf("request %d: status %d", i, r.status)
		}
	}
	if st := h.sim.Stats(); st.UsageByChannel[ch.ID] != 30 || len(st.Violations) != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestFaults(t *testing.T) {
	h := newHarness(t, Config{Seed: 1})
	chs := h.sim.Channels()
	ch, other := chs[0], chs[1]
	usageOf := func(c Channel) string { return usagePath(c, testNow.Unix()-3600, testNow.Unix(), "half_hour") }

	t.Run("server error twice", func(t *testing.T) {
		h.sim.InjectFault(Fault{Kind: FaultServerError, Path: "/info/usage", Times: 2})
		for i, want := range []int{500, 500, 200} {
			if r := h.get(t, usageOf(ch)); r.status != want {
				t.Errorf("request %d: status %d, want %d", i, r.status, want)
			}
		}
	})
	t.Run("malformed for one channel", func(t *testing.T) {
		h.sim.InjectFault(Fault{Kind: FaultMalformed, ChannelID: ch.ID, Times: 1})
		if r := h.get(t, usageOf(other)); r.status != 200 || !json.Valid(r.body) {
			t.Errorf("other channel affected: %d %s", r.status, truncate(r.body))
		}
		r := h.get(t, usageOf(ch))
		if r.status != 200 || json.Valid(r.body) {
			t.Errorf("want 200 with invalid JSON, got %d %s", r.status, r.body)
		}
	})
	t.Run("injected 429", func(t *testing.T) {
		h.sim.InjectFault(Fault{Kind: FaultRateLimit, Path: "/channels", RetryAfter: 6500 * time.Millisecond, Times: 1})
		r := h.get(t, "/partners/demoPA/channels")
		if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "7" {
			t.Errorf("status %d Retry-After %q", r.status, r.header.Get("Retry-After"))
		}
		if r := h.get(t, "/partners/demoPA/channels"); r.status != 200 {
			t.Errorf("fault not used up: %d", r.status)
		}
	})
	t.Run("slow until the client gives up", func(t *testing.T) {
		h.sim.InjectFault(Fault{Kind: FaultSlow, Path: "/clients", Delay: 2 * time.Second})
		defer h.sim.ClearFaults()
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.srv.URL+"/partners/demoPA/clients", nil)
		req.Header.Set("X-API-Key", DefaultAPIKey)
		start := time.Now()
		resp, err := h.srv.Client().Do(req)
		if err == nil {
			resp.Body.Close()
			t.Fatalf("slow request answered %d within the timeout", resp.StatusCode)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("client waited %v", d)
		}
	})
	t.Run("slow then normal answer", func(t *testing.T) {
		h.sim.InjectFault(Fault{Kind: FaultSlow, Path: "/balance", Delay: 50 * time.Millisecond, Times: 1})
		start := time.Now()
		r := h.get(t, "/partners/demoPA/balance")
		if r.status != 200 || time.Since(start) < 50*time.Millisecond {
			t.Errorf("status %d after %v", r.status, time.Since(start))
		}
	})
	st := h.sim.Stats()
	if st.Faults != 6 { // 2 server errors, 1 malformed, 1 injected 429, 2 slow
		t.Errorf("Stats.Faults = %d, want 6", st.Faults)
	}
	if len(st.Violations) != 0 {
		t.Errorf("faults counted as violations: %+v", st.Violations)
	}
}

func TestRevise(t *testing.T) {
	h := newHarness(t, Config{Seed: 6})
	ch := h.sim.Channels()[0]
	b := time.Date(2026, 11, 24, 11, 0, 0, 0, time.UTC)
	before := h.sim.UsagePoints(ch.ID, b, b.Add(30*time.Minute))
	var price int64
	var n int
	for _, p := range before {
		if p.Category == usage.CategoryUtility {
			price = p.CostNanos / p.Volume
			n++
		}
	}
	if n == 0 {
		t.Fatal("no utility points in the bucket")
	}
	if err := h.sim.Revise(ch.ID, b.Add(10*time.Minute), usage.CategoryUtility, 4321); err != nil {
		t.Fatal(err)
	}
	w := h.usage(t, ch, b.Unix(), b.Unix(), "half_hour")
	got := 0
	for _, p := range w.points(t) {
		if p.PricingCategory == string(usage.CategoryUtility) {
			got++
			if p.Volume != 4321 || nanos(t, p.Cost) != 4321*price {
				t.Errorf("revised point %+v, want volume 4321 cost %d", p, 4321*price)
			}
		}
	}
	if got != n {
		t.Errorf("%d utility points after revision, want %d", got, n)
	}
	for _, p := range h.sim.UsagePoints(ch.ID, b, b.Add(30*time.Minute)) {
		if p.Category == usage.CategoryUtility && p.Volume != 4321 {
			t.Errorf("ground truth not revised: %+v", p)
		}
	}
	// The neighbouring bucket is untouched.
	next := b.Add(30 * time.Minute)
	for _, p := range h.sim.UsagePoints(ch.ID, next, next.Add(30*time.Minute)) {
		if p.Volume == 4321 {
			t.Errorf("revision leaked into %v", p.Start)
		}
	}
	// Revising to zero removes the points.
	if err := h.sim.Revise(ch.ID, b, usage.CategoryUtility, 0); err != nil {
		t.Fatal(err)
	}
	for _, p := range h.sim.UsagePoints(ch.ID, b, b.Add(30*time.Minute)) {
		if p.Category == usage.CategoryUtility {
			t.Errorf("point left after revising to 0: %+v", p)
		}
	}
	for _, bad := range []struct {
		name string
		err  error
	}{
		{"unknown channel", h.sim.Revise("nope", b, usage.CategoryUtility, 1)},
		{"category the channel lacks", h.sim.Revise(ch.ID, b, "NO_SUCH", 1)},
		{"negative volume", h.sim.Revise(ch.ID, b, usage.CategoryUtility, -1)},
	} {
		if bad.err == nil {
			t.Errorf("%s: no error", bad.name)
		}
	}
}

func TestUnknownCategory(t *testing.T) {
	h := newHarness(t, Config{Seed: 8})
	ch := h.sim.Channels()[1]
	if err := h.sim.AddUnknownCategory(ch.ID, "NEW_CATEGORY_X"); err != nil {
		t.Fatal(err)
	}
	if err := h.sim.AddUnknownCategory("nope", "NEW_CATEGORY_X"); err == nil {
		t.Error("unknown channel accepted")
	}
	w := h.usage(t, ch, testNow.Add(-24*time.Hour).Unix(), testNow.Unix(), "daily")
	var vol int64
	for _, p := range w.points(t) {
		if p.PricingCategory == "NEW_CATEGORY_X" {
			vol += p.Volume
			if p.PricingType != "REGULAR" || p.Tier == nil || nanos(t, p.Cost) <= 0 {
				t.Errorf("new-category point %+v", p)
			}
		}
	}
	var truth int64
	// The window [start_date, end_date] is inclusive: [start, end+1s) here.
	for _, p := range h.sim.UsagePoints(ch.ID, testNow.Add(-24*time.Hour), testNow.Add(time.Second)) {
		if p.Category == "NEW_CATEGORY_X" {
			truth += p.Volume
		}
	}
	if vol == 0 || vol != truth {
		t.Errorf("NEW_CATEGORY_X volume %d over HTTP, %d in ground truth", vol, truth)
	}
	// Other channels do not report it.
	for _, p := range h.sim.UsagePoints(h.sim.Channels()[0].ID, testNow.Add(-24*time.Hour), testNow) {
		if p.Category == "NEW_CATEGORY_X" {
			t.Fatal("another channel reports the new category")
		}
	}
}

func TestServeShutsDownOnCancel(t *testing.T) {
	sim := New(Config{Seed: 1, Logger: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- sim.ListenAndServe(ctx, "127.0.0.1:0") }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("ListenAndServe: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ListenAndServe did not return after cancel")
	}
}

// BenchmarkUsage90DaysHalfHour measures one backfill-sized request.
func BenchmarkUsage90DaysHalfHour(b *testing.B) {
	sim := New(Config{Seed: 1, DisableRateLimits: true, Now: func() time.Time { return testNow }})
	ch := sim.Channels()[0]
	path := usagePath(ch, testNow.AddDate(0, 0, -90).Unix(), testNow.Unix(), "half_hour")
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("X-API-Key", DefaultAPIKey)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
