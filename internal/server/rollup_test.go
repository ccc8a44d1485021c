package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
)

func TestDailyOK(t *testing.T) {
	load := func(name string) *time.Location {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		return loc
	}
	d := func(s string) usage.Date {
		v, err := usage.ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name     string
		from, to string
		loc      *time.Location
		g        usage.Granularity
		want     bool
	}{
		{"UTC days", "2026-03-01", "2026-03-31", time.UTC, usage.Day, true},
		{"UTC months", "2026-01-01", "2026-12-31", time.UTC, usage.Month, true},
		{"UTC half hours", "2026-03-01", "2026-03-02", time.UTC, usage.HalfHour, false},
		{"Berlin", "2026-01-01", "2026-01-31", load("Europe/Berlin"), usage.Day, false},
		{"London in winter", "2026-01-01", "2026-01-31", load("Europe/London"), usage.Day, true},
		{"London across the spring change", "2026-03-01", "2026-04-30", load("Europe/London"), usage.Day, false},
		{"London in summer", "2026-06-01", "2026-06-30", load("Europe/London"), usage.Month, false},
		{"Abidjan, always UTC", "2026-01-01", "2026-12-31", load("Africa/Abidjan"), usage.Month, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := usage.NewPeriod(d(tt.from), d(tt.to), tt.loc)
			if err != nil {
				t.Fatal(err)
			}
			if got := dailyOK(p, tt.g); got != tt.want {
				t.Errorf("dailyOK(%s, %s) = %v, want %v", p, tt.g, got, tt.want)
			}
		})
	}
}

// TestUsageAPIRollupMatchesRaw asks for the same UTC period by day and by
// month (served from the daily rollup) and by half hour (raw points): the
// totals, the previous period and the per-day volumes agree.
func TestUsageAPIRollupMatchesRaw(t *testing.T) {
	storetest.ForEachDB(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		s := newWebhookServer(t, st, func(o *Options) { o.AllowAnonymous = true })
		h := s.Handler()
		start := time.Date(2026, 2, 20, 0, 0, 0, 0, time.UTC) // previous period and current one
		var pts []usage.Point
		for slot := 0; slot < 20*48; slot += 7 {
			b := start.Add(time.Duration(slot) * 30 * time.Minute)
			for i, cat := range []usage.Category{usage.CategoryMarketing, usage.CategoryUtility} {
				p := usage.Point{Start: b, End: b.Add(30 * time.Minute), Granularity: usage.HalfHour, Category: cat,
					PricingType: usage.PricingRegular, Country: "DE", Tier: "0:MAX", Volume: int64(slot%13 + i + 1),
					Currency: "EUR", CostNanos: int64(slot%13+i+1) * 110_000_000, CostKnown: slot%5 != 0}
				pts = append(pts, p)
			}
		}
		if err := st.SaveUsageWindow(ctx, store.UsageWindow{ChannelID: "ch1", Start: start, End: start.AddDate(0, 0, 20),
			Granularity: usage.HalfHour, Points: pts}); err != nil {
			t.Fatal(err)
		}
		get := func(g string) usageResponse {
			t.Helper()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet,
				"/api/v1/usage?from=2026-03-02&to=2026-03-10&tz=UTC&granularity="+g, nil))
			if rec.Code != http.StatusOK {
				t.Fatalf("granularity %s: %d %s", g, rec.Code, rec.Body.String())
			}
			var r usageResponse
			if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
				t.Fatal(err)
			}
			return r
		}
		perDay := func(r usageResponse) map[string]float64 {
			out := map[string]float64{}
			for _, e := range r.Series {
				out[fmt.Sprint(e["bucket"])[:10]] += e["volume"].(float64)
			}
			return out
		}
		raw, day, month := get("half_hour"), get("day"), get("month")
		if len(raw.Totals) == 0 || raw.Totals[0].Volume == 0 || raw.CostMissing == 0 {
			t.Fatalf("raw answer has no data or no unknown costs: %+v", raw.Totals)
		}
		for name, r := range map[string]usageResponse{"day": day, "month": month} {
			if !reflect.DeepEqual(r.Totals, raw.Totals) || r.CostMissing != raw.CostMissing ||
				!reflect.DeepEqual(r.Previous, raw.Previous) {
				t.Errorf("%s: totals %+v / %d / previous %+v; raw %+v / %d / %+v", name, r.Totals, r.CostMissing,
					r.Previous, raw.Totals, raw.CostMissing, raw.Previous)
			}
		}
		if got, want := perDay(day), perDay(raw); !reflect.DeepEqual(got, want) {
			t.Errorf("per-day volumes: rollup %v, raw %v", got, want)
		}
	})
}
