package server_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/server"
	"github.com/insights-dev/insights/internal/simulator"
	"github.com/insights-dev/insights/internal/store/storetest"
)

// TestOversizedQueriesAreRefusedByName checks that a query string past the
// limit, or a parameter with more values than allowed, is a 400 that names
// it — before the access guard or a handler reads it (a 750 KB group_by list
// used to cost a minute of CPU; 50,000 client ids a 500 from the database).
func TestOversizedQueriesAreRefusedByName(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	h := server.New(server.Options{Store: st, AllowAnonymous: true}).Handler()
	many := func(key string, n int) string {
		vals := make([]string, n)
		for i := range vals {
			vals[i] = fmt.Sprintf("v%d", i)
		}
		return key + "=" + strings.Join(vals, ",")
	}
	repeated := func(key string, n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprintf("%s=c%d", key, i)
		}
		return strings.Join(parts, "&")
	}
	base := "/api/v1/usage?from=2026-11-01&to=2026-11-02&"
	tests := []struct{ name, target, field string }{
		{"750 KB group_by list", base + "group_by=" + strings.Repeat("category,", 750_000/9), "query"},
		{"50,000 client ids", base + repeated("client", 50_000), "query"},
		{"101 client ids as a list", base + many("client", 101), "client"},
		{"101 client ids repeated", base + repeated("client", 101), "client"},
		{"101 countries", base + many("country", 101), "country"},
		{"101 values on a page", "/clients/c1?" + many("category", 101), "category"},
		{"bad escaping", base + "group_by=%zz", "query"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tt.target, nil)
			req.Header.Set("Accept", "application/json")
			rec := httptest.NewRecorder()
			start := time.Now()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %.200s", rec.Code, rec.Body.String())
			}
			if !strings.Contains(rec.Body.String(), `"field":"`+tt.field+`"`) {
				t.Errorf("body %.300s does not name field %q", rec.Body.String(), tt.field)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("refusing took %s", d)
			}
		})
	}
	t.Run("100 values are still fine", func(t *testing.T) {
		if code := getJSON(t, h, base+many("client", 100), nil); code != http.StatusOK {
			t.Fatalf("status %d, want 200", code)
		}
	})
}

// TestOversizedFormIsRefused checks a form post past the body limit gets a
// 413 and one with too many values of a field a 400 naming it.
func TestOversizedFormIsRefused(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	h := server.New(server.Options{Store: st, AllowAnonymous: true}).Handler()
	post := func(body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	if rec := post("email=" + strings.Repeat("a", 100<<10)); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("100 KiB form: status %d, want 413", rec.Code)
	}
	if rec := post(strings.Repeat("client=x&", 200)); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "client") {
		t.Errorf("200 client values: status %d, want 400 naming client: %.300s", rec.Code, rec.Body.String())
	}
}

// TestCancelledRequestStopsQuietly checks a request whose client has gone
// does no more work than the first read that sees the context and is logged
// as abandoned, not as a server error.
func TestCancelledRequestStopsQuietly(t *testing.T) {
	t.Parallel()
	cfg := simulator.Config{Seed: 11, Now: func() time.Time { return simNow }}
	st := storetest.OpenSeeded(t, cfg, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC))
	var logs bytes.Buffer
	h := server.New(server.Options{Store: st, AllowAnonymous: true,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))}).Handler()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest(http.MethodGet, "/api/v1/usage?from=2026-11-01&to=2026-11-02&group_by=channel", nil).WithContext(ctx)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 499 || rec.Body.Len() != 0 {
		t.Errorf("status %d body %q, want 499 and nothing", rec.Code, rec.Body.String())
	}
	if strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "abandoned") {
		t.Errorf("logs: %s", logs.String())
	}
}

// TestSeriesTooLargeIsRefusedBeforeReading checks a query whose series is
// bound to exceed the limit gets a 400 that says how to narrow it, from the
// JSON API, the CSV export and the calls API.
func TestSeriesTooLargeIsRefusedBeforeReading(t *testing.T) {
	t.Parallel()
	cfg := simulator.Config{Seed: 11, Now: func() time.Time { return simNow }}
	st := storetest.OpenSeeded(t, cfg, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC))
	h := server.New(server.Options{Store: st, AllowAnonymous: true}).Handler()
	var countries []string
	for a := 'A'; a <= 'B'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			countries = append(countries, string([]rune{a, b}))
		}
	}
	// 31 days of half hours (1,488) × 40 countries × every channel.
	q := url.Values{"from": {"2026-10-01"}, "to": {"2026-10-31"}, "granularity": {"half_hour"},
		"group_by": {"country,channel"}, "country": {strings.Join(countries[:40], ",")}}
	for _, path := range []string{"/api/v1/usage?", "/api/v1/calls?", "/export/usage.csv?"} {
		t.Run(path, func(t *testing.T) {
			var e struct{ Error, Field string }
			if code := getJSON(t, h, path+q.Encode(), &e); code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", code)
			}
			if e.Field != "group_by" || !strings.Contains(e.Error, "narrow it") || !strings.Contains(e.Error, "50000") {
				t.Errorf("got %+v", e)
			}
		})
	}
	q.Set("granularity", "day")
	if code := getJSON(t, h, "/api/v1/usage?"+q.Encode(), nil); code != http.StatusOK {
		t.Errorf("the same by day: status %d, want 200", code)
	}
}

// TestYearsOutsideTheRangeAreBadRequests checks dates and months before
// 2000 or after 2100 are a 400 naming the parameter on every route that
// takes one.
func TestYearsOutsideTheRangeAreBadRequests(t *testing.T) {
	t.Parallel()
	cfg := simulator.Config{Seed: 11, Now: func() time.Time { return simNow }}
	sim := simulator.New(cfg)
	st := storetest.OpenSeeded(t, cfg, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC))
	h := server.New(server.Options{Store: st, AllowAnonymous: true}).Handler()
	client := sim.Clients()[0].ID
	tests := []struct{ target, field string }{
		{"/api/v1/usage?from=1999-12-31&to=2000-01-02", "from"},
		{"/api/v1/usage?from=2101-01-01&to=2101-01-02", "from"},
		{"/api/v1/calls?from=2026-01-01&to=9999-01-02", "to"},
		{"/export/usage.csv?from=0001-01-01&to=0001-01-02", "from"},
		{"/api/v1/forecast?client=" + client + "&month=9999-01", "month"},
		{"/api/v1/forecast?client=" + client + "&month=1969-12", "month"},
		{"/reports/monthly?client=" + client + "&month=2101-01&format=csv", "month"},
		{"/reconcile?client=" + client + "&month=0001-01", "month"},
		{"/clients/" + client + "?from=1900-01-01&to=1900-01-31", "from"},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tt.target, nil)
			req.Header.Set("Accept", "application/json")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `"field":"`+tt.field+`"`) {
				t.Errorf("status %d body %.300s, want 400 naming %q", rec.Code, rec.Body.String(), tt.field)
			}
		})
	}
}
