package partnerapi

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/usage"
)

// contractBody is the usage response of the Partner API's documented
// contract, plus fields we ignore.
const contractBody = `{
  "channel_id": "ch_123", "currency": "USD", "granularity": "daily",
  "start_date": 1761955200, "end_date": 1764547199, "unknown_top": {"x": 1},
  "pricing_analytics": {"data": [{"data_points": [
    {"start": 1761955200, "end": 1762041600, "phone_number": "4915112345678", "country": "DE",
     "pricing_type": "REGULAR", "pricing_category": "MARKETING", "tier": "0:MAX", "volume": 120, "cost": 13.0812, "extra": true}
  ]}]},
  "call_analytics": {"granularity": "DAILY", "data_points": [
    {"start": 1761955200, "end": 1762041600, "direction": "BUSINESS_INITIATED", "count": 7,
     "average_duration": 95, "cost": 0.91}
  ]}
}`

var (
	nov1 = time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
	nov2 = nov1.AddDate(0, 0, 1)
	dec1 = time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
)

// usageServer answers every usage request with body and records its query.
func usageServer(t *testing.T, status int, body string) (*Client, func() (string, url.Values)) {
	t.Helper()
	var path string
	var query url.Values
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		path, query = r.URL.Path, r.URL.Query()
		writeJSON(w, status, body)
	})
	return newClient(t, srv.URL), func() (string, url.Values) { return path, query }
}

func TestChannelUsageContract(t *testing.T) {
	c, last := usageServer(t, 200, contractBody)
	u, err := c.ChannelUsage(context.Background(), UsageRequest{
		ClientID: "cl_1", ChannelID: "ch_123", Start: nov1, End: dec1, Granularity: usage.Day,
	})
	if err != nil {
		t.Fatal(err)
	}
	path, q := last()
	if path != "/api/v2/partners/abcdEFPA/clients/cl_1/channels/ch_123/info/usage" {
		t.Errorf("path = %q", path)
	}
	if q.Get("start_date") != "1761955200" || q.Get("end_date") != "1764547199" || q.Get("granularity") != "daily" {
		t.Errorf("query = %v", q)
	}
	if q.Has("countries") {
		t.Errorf("countries sent without being asked: %v", q)
	}
	if u.ChannelID != "ch_123" || u.Currency != "USD" || u.Granularity != usage.Day {
		t.Errorf("usage header = %+v", u)
	}
	wantPoint := usage.Point{
		ChannelID: "ch_123", Start: nov1, End: nov2, Granularity: usage.Day,
		Category: usage.CategoryMarketing, PricingType: usage.PricingRegular, Country: "DE", Tier: "0:MAX",
		Volume: 120, Currency: "USD", CostNanos: 13_081_200_000, CostKnown: true,
	}
	if len(u.Points) != 1 || u.Points[0] != wantPoint {
		t.Errorf("points = %+v, want [%+v]", u.Points, wantPoint)
	}
	wantCall := usage.CallPoint{
		ChannelID: "ch_123", Start: nov1, End: nov2, Granularity: usage.Day, Direction: usage.DirectionOutbound,
		Count: 7, Seconds: 665, Currency: "USD", CostNanos: 910_000_000, CostKnown: true,
	}
	if len(u.Calls) != 1 || u.Calls[0] != wantCall {
		t.Errorf("calls = %+v, want [%+v]", u.Calls, wantCall)
	}
	if u.Points[0].Start.Location() != time.UTC || u.Calls[0].End.Location() != time.UTC {
		t.Error("times not in UTC")
	}
}

func TestChannelUsageQuery(t *testing.T) {
	tests := []struct {
		name      string
		req       UsageRequest
		wantQuery map[string]string
	}{
		{"half hour", UsageRequest{Start: nov1, End: nov1.Add(2 * time.Hour), Granularity: usage.HalfHour},
			map[string]string{"start_date": "1761955200", "end_date": "1761962399", "granularity": "half_hour"}},
		{"month with countries", UsageRequest{Start: nov1, End: dec1, Granularity: usage.Month, Countries: []string{"US", " de"}},
			map[string]string{"start_date": "1761955200", "end_date": "1764547199", "granularity": "monthly", "countries": `["us","de"]`}},
		{"non-UTC times", UsageRequest{Start: nov1.In(time.FixedZone("X", 3600)), End: nov2.In(time.FixedZone("Y", -7200)), Granularity: usage.Day},
			map[string]string{"start_date": "1761955200", "end_date": "1762041599", "granularity": "daily"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, last := usageServer(t, 200, `{"currency": "EUR", "pricing_analytics": {"data": []}}`)
			tt.req.ClientID, tt.req.ChannelID = "cl", "ch"
			u, err := c.ChannelUsage(context.Background(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if len(u.Points) != 0 || len(u.Calls) != 0 {
				t.Errorf("empty response gave %+v", u)
			}
			_, q := last()
			for k, v := range tt.wantQuery {
				if q.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, q.Get(k), v)
				}
			}
			if len(q) != len(tt.wantQuery) {
				t.Errorf("query %v has other parameters than %v", q, tt.wantQuery)
			}
		})
	}
}

func TestChannelUsageRequestErrors(t *testing.T) {
	srv, calls := newServer(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{}`) })
	c := newClient(t, srv.URL)
	ok := UsageRequest{ClientID: "cl", ChannelID: "ch", Start: nov1, End: nov2, Granularity: usage.Day}
	tests := []struct {
		name string
		mod  func(*UsageRequest)
		want string
	}{
		{"no client", func(r *UsageRequest) { r.ClientID = "" }, "client id is empty"},
		{"no channel", func(r *UsageRequest) { r.ChannelID = " " }, "channel id is empty"},
		{"no start", func(r *UsageRequest) { r.Start = time.Time{} }, "start and end are required"},
		{"empty window", func(r *UsageRequest) { r.End = r.Start }, "is empty"},
		{"reversed window", func(r *UsageRequest) { r.End = r.Start.Add(-time.Hour) }, "is empty"},
		{"sub-second window", func(r *UsageRequest) { r.End = r.Start.Add(time.Millisecond) }, "is empty"},
		{"granularity", func(r *UsageRequest) { r.Granularity = "week" }, `unsupported granularity "week"`},
		{"country", func(r *UsageRequest) { r.Countries = []string{"de", "Germany"} }, `country "Germany"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ok
			tt.mod(&r)
			_, err := c.ChannelUsage(context.Background(), r)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
	if calls.Load() != 0 {
		t.Errorf("invalid requests reached the server %d times", calls.Load())
	}
}

func TestApiGranularity(t *testing.T) {
	for g, want := range map[usage.Granularity]string{usage.HalfHour: "half_hour", usage.Day: "daily", usage.Month: "monthly"} {
		got, err := apiGranularity(g)
		if err != nil || got != want {
			t.Errorf("apiGranularity(%q) = %q, %v; want %q", g, got, err, want)
		}
		// What we send, we can read back.
		back, err := usage.ParseGranularity(got)
		if err != nil || back != g {
			t.Errorf("ParseGranularity(%q) = %q, %v", got, back, err)
		}
	}
}

func TestChannelUsageDropsPointsOutsideWindow(t *testing.T) {
	// Window [01:00, 02:00): the API's inclusive end returns the 02:00 bucket,
	// and a misbehaving API might return one before the start.
	start := nov1.Add(time.Hour)
	body := `{"currency": "EUR", "granularity": "half_hour", "pricing_analytics": {"data_points": [
		{"start": 1761955200, "pricing_category": "UTILITY", "volume": 1, "cost": 0.01},
		{"start": 1761958800, "pricing_category": "UTILITY", "volume": 2, "cost": 0.02},
		{"start": 1761960600, "pricing_category": "UTILITY", "volume": 3, "cost": 0.03},
		{"start": 1761962400, "pricing_category": "UTILITY", "volume": 4, "cost": 0.04}]},
	  "call_analytics": {"data_points": [
		{"start": 1761958800, "direction": "USER_INITIATED", "count": 1, "average_duration": 60, "cost": 0},
		{"start": 1761962400, "direction": "USER_INITIATED", "count": 1, "average_duration": 60, "cost": 0}]}}`
	c, _ := usageServer(t, 200, body)
	u, err := c.ChannelUsage(context.Background(), UsageRequest{ClientID: "cl", ChannelID: "ch9", Start: start,
		End: start.Add(time.Hour), Granularity: usage.HalfHour})
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Points) != 2 || u.Points[0].Volume != 2 || u.Points[1].Volume != 3 {
		t.Fatalf("points = %+v, want volumes 2 and 3", u.Points)
	}
	for _, p := range u.Points {
		if p.ChannelID != "ch9" || p.End.Sub(p.Start) != 30*time.Minute || p.Granularity != usage.HalfHour {
			t.Errorf("point = %+v", p)
		}
	}
	if len(u.Calls) != 1 || !u.Calls[0].Start.Equal(start) || u.Calls[0].ChannelID != "ch9" {
		t.Errorf("calls = %+v", u.Calls)
	}
}

func TestChannelUsageKeepsRequestedChannelID(t *testing.T) {
	c, _ := usageServer(t, 200, `{"channel_id": "other", "currency": "EUR", "pricing_analytics": {"data_points": [
		{"start": 1761955200, "pricing_category": "SERVICE", "pricing_type": "FREE_CUSTOMER_SERVICE", "volume": 9, "cost": 0}]}}`)
	u, err := c.ChannelUsage(context.Background(), UsageRequest{ClientID: "cl", ChannelID: "mine", Start: nov1, End: nov2, Granularity: usage.Day})
	if err != nil {
		t.Fatal(err)
	}
	if u.ChannelID != "mine" || u.Points[0].ChannelID != "mine" {
		t.Errorf("channel ids = %q / %q", u.ChannelID, u.Points[0].ChannelID)
	}
	if !u.Points[0].PricingType.Free() || !u.Points[0].CostKnown || u.Points[0].CostNanos != 0 {
		t.Errorf("free point = %+v", u.Points[0])
	}
}

func TestChannelUsageRateLimited(t *testing.T) {
	srv, calls := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "1800")
		writeJSON(w, 429, `{"detail": "10 requests per hour per channel"}`)
	})
	c := newClient(t, srv.URL)
	_, err := c.ChannelUsage(context.Background(), UsageRequest{ClientID: "cl", ChannelID: "ch", Start: nov1, End: nov2, Granularity: usage.Day})
	var rl *RateLimitError
	if !errors.As(err, &rl) || rl.RetryAfter != 30*time.Minute || rl.Message != "10 requests per hour per channel" {
		t.Fatalf("err = %v (%+v)", err, rl)
	}
	if calls.Load() != 1 {
		t.Errorf("429 retried: %d requests", calls.Load())
	}
}

func TestChannelUsageDecodeErrorSurfaces(t *testing.T) {
	c, _ := usageServer(t, 200, `{"currency": "USD", "pricing_analytics": {"data_points": [{"start": 1761955200, "pricing_category": "UTILITY", "volume": 1, "cost": "lots"}]}}`)
	_, err := c.ChannelUsage(context.Background(), UsageRequest{ClientID: "cl", ChannelID: "ch", Start: nov1, End: nov2, Granularity: usage.Day})
	var de *DecodeError
	if !errors.As(err, &de) || de.Field != "pricing_analytics.data_points[0].cost" {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "channel usage ch") || !strings.Contains(err.Error(), "pricing_analytics.data_points[0].cost") {
		t.Errorf("message = %v", err)
	}
}

func TestChannelBalance(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		want  Balance
		field string // DecodeError field expected, when not ""
	}{
		{name: "contract", body: `{"balance": 42.10, "currency": "USD", "threshold": 10.0}`,
			want: Balance{Currency: "USD", BalanceNanos: 42_100_000_000, ThresholdNanos: 10_000_000_000, HasThreshold: true}},
		{name: "lower-case currency, no threshold", body: `{"balance": -3.5, "currency": "eur"}`,
			want: Balance{Currency: "EUR", BalanceNanos: -3_500_000_000}},
		{name: "null threshold", body: `{"balance": 0, "currency": "EUR", "threshold": null, "usage": {"deprecated": true}}`,
			want: Balance{Currency: "EUR"}},
		{name: "missing balance", body: `{"currency": "EUR"}`, field: "balance"},
		{name: "null balance", body: `{"balance": null, "currency": "EUR"}`, field: "balance"},
		{name: "missing currency", body: `{"balance": 1}`, field: "currency"},
		{name: "bad threshold", body: `{"balance": 1, "currency": "EUR", "threshold": {}}`, field: "threshold"},
		{name: "not an object", body: `[{"balance": 1}]`, field: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := usageServer(t, 200, tt.body)
			b, err := c.ChannelBalance(context.Background(), "cl", "ch")
			if tt.field != "" || strings.HasPrefix(tt.body, "[") {
				var de *DecodeError
				if !errors.As(err, &de) || de.Field != tt.field {
					t.Fatalf("err = %v, want DecodeError on %q", err, tt.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if *b != tt.want {
				t.Errorf("balance = %+v, want %+v", *b, tt.want)
			}
		})
	}
	c, _ := usageServer(t, 200, `{}`)
	if _, err := c.ChannelBalance(context.Background(), "", "ch"); err == nil {
		t.Error("empty client id accepted")
	}
}

// TestChannelUsageCurrencyMismatch: an answer in another currency than the
// channel's is refused, so that no window holds money in two currencies.
func TestChannelUsageCurrencyMismatch(t *testing.T) {
	c, _ := usageServer(t, 200, contractBody) // USD
	req := UsageRequest{ClientID: "cl", ChannelID: "ch_123", Start: nov1, End: dec1, Granularity: usage.Day}
	for _, cur := range []string{"", "USD", " usd "} {
		req.Currency = cur
		if u, err := c.ChannelUsage(context.Background(), req); err != nil || len(u.Points) != 1 {
			t.Errorf("channel currency %q: %v, %+v", cur, err, u)
		}
	}
	req.Currency = "EUR"
	_, err := c.ChannelUsage(context.Background(), req)
	var de *DecodeError
	if !errors.As(err, &de) || de.Field != "currency" || !strings.Contains(err.Error(), "USD, but the channel's currency is EUR") {
		t.Fatalf("err = %v, want a DecodeError on currency naming both", err)
	}
	// An answer without a currency (and so without a known cost) is no mismatch.
	c, _ = usageServer(t, 200, `{"pricing_analytics": {"data_points": [{"start": 1761955200, "pricing_category": "UTILITY", "volume": 1}]}}`)
	if _, err := c.ChannelUsage(context.Background(), req); err != nil {
		t.Errorf("answer without a currency: %v", err)
	}
}
