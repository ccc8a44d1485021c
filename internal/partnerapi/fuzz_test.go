package partnerapi

import (
	"context"
	"errors"
	"testing"

	"github.com/insights-dev/insights/internal/usage"
)

// FuzzDecodeUsage feeds arbitrary bodies to the usage decoder: it must never
// panic, and it must return either a *DecodeError or points that hold up.
func FuzzDecodeUsage(f *testing.F) {
	for _, seed := range []string{
		contractBody,
		`{}`,
		`{"channel_id": "ch", "currency": "EUR", "granularity": "half_hour", "pricing_analytics": {"data_points": [
			{"start": 1761955200, "end": 1761957000, "country": "IN", "pricing_type": "FREE_CUSTOMER_SERVICE", "pricing_category": "SERVICE", "volume": 40, "cost": 0},
			{"start": 1761957000, "country": "IN", "pricing_type": "REGULAR", "pricing_category": "AUTHENTICATION_INTERNATIONAL", "tier": "0:750000", "volume": 3, "cost": 0.0878}]}}`,
		`{"currency": "usd", "granularity": "monthly", "pricing_analytics": {"data": [{"data_points": [
			{"start": 1761955200, "pricing_category": "MARKETING_LITE", "volume": 1e3, "cost": null}]}]},
		  "call_analytics": {"data": [{"data_points": [{"start": 1761955200, "direction": "USER_INITIATED", "count": 2, "average_duration": 12.5}]}]}}`,
		`{"currency": "EUR", "pricing_analytics": {"data_points": [{"start": "1761955200", "pricing_category": "UTILITY", "volume": "7", "cost": "0.30000000000000004"}]}}`,
		`{"pricing_analytics": {"data_points": [{"start": 1761955200, "pricing_category": "UTILITY", "volume": -1}]}}`,
		`{"call_analytics": {"granularity": "DAILY", "data_points": [{"start": 1761955200, "end": 1761955200, "count": 1, "average_duration": 1e40}]}}`,
		`{"pricing_analytics": null, "call_analytics": {"data": null}}`,
		`[]`, `null`, `"x"`, `{"currency": 5}`, `{`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		u, err := decodeUsage(context.Background(), body, usage.HalfHour)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error is not a *DecodeError: %T %v", err, err)
			}
			if de.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if u == nil {
			t.Fatal("nil usage without error")
		}
		if _, err := apiGranularity(u.Granularity); err != nil {
			t.Fatalf("invalid granularity %q", u.Granularity)
		}
		known := false
		for _, p := range u.Points {
			if p.Start.Location().String() != "UTC" || p.End.Location().String() != "UTC" || !p.End.After(p.Start) {
				t.Fatalf("bad bucket [%v, %v)", p.Start, p.End)
			}
			if p.Volume < 0 || p.Category == "" || p.Granularity != u.Granularity || p.Currency != u.Currency {
				t.Fatalf("bad point %+v", p)
			}
			if !p.CostKnown && p.CostNanos != 0 {
				t.Fatalf("unknown cost carries a value: %+v", p)
			}
			known = known || p.CostKnown
		}
		for _, c := range u.Calls {
			if c.Start.Location().String() != "UTC" || !c.End.After(c.Start) || c.Count < 0 || c.Seconds < 0 {
				t.Fatalf("bad call point %+v", c)
			}
			if _, err := apiGranularity(c.Granularity); err != nil {
				t.Fatalf("bad call granularity %+v", c)
			}
			if !c.CostKnown && c.CostNanos != 0 {
				t.Fatalf("unknown cost carries a value: %+v", c)
			}
			known = known || c.CostKnown
		}
		if known && u.Currency == "" {
			t.Fatal("a known cost without a currency")
		}
	})
}
