package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
)

// TestUsageAPIRollupMatchesRaw asks for the same period, in UTC and in zones
// east and west of it, by day and by month (served from the daily rollups)
// and by half hour (raw points): the totals, the previous period and the
// per-day volumes agree.
func TestUsageAPIRollupMatchesRaw(t *testing.T) {
	t.Parallel()
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
		for _, tz := range []string{"UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"} {
			checkRollupMatchesRaw(t, h, tz)
		}
	})
}

// checkRollupMatchesRaw compares the usage API by day and month with its
// answer by half hour, in zone tz.
func checkRollupMatchesRaw(t *testing.T, h http.Handler, tz string) {
	t.Helper()
	get := func(g string) usageResponse {
		t.Helper()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet,
			"/api/v1/usage?from=2026-03-02&to=2026-03-10&tz="+url.QueryEscape(tz)+"&granularity="+g, nil))
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
			t.Errorf("%s %s: totals %+v / %d / previous %+v; raw %+v / %d / %+v", tz, name, r.Totals, r.CostMissing,
				r.Previous, raw.Totals, raw.CostMissing, raw.Previous)
		}
	}
	if got, want := perDay(day), perDay(raw); !reflect.DeepEqual(got, want) {
		t.Errorf("%s: per-day volumes: rollup %v, raw %v", tz, got, want)
	}
}
