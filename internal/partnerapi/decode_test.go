package partnerapi

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/usage"
)

func TestDecodeUsageWrappings(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		wantPoints []int64 // volumes, in order
		wantCalls  []int64 // counts, in order
	}{
		{"no pricing, empty calls", `{"channel_id": "ch", "currency": "USD", "call_analytics": {"data": []}}`, nil, nil},
		{"empty pricing, no calls", `{"currency": "USD", "pricing_analytics": {"data": [{"data_points": []}]}}`, nil, nil},
		{"empty data_points", `{"currency": "USD", "pricing_analytics": {"data_points": []}, "call_analytics": {"granularity": "DAILY", "data_points": []}}`, nil, nil},
		{"null analytics", `{"currency": "USD", "pricing_analytics": null, "call_analytics": null}`, nil, nil},
		{"null lists", `{"currency": "USD", "pricing_analytics": {"data": null, "data_points": null}, "call_analytics": {"data": [{"data_points": null}]}}`, nil, nil},
		{"pricing as data[].data_points, calls as data_points", `{"currency": "USD",
			"pricing_analytics": {"data": [
				{"data_points": [{"start": 1761955200, "pricing_category": "MARKETING", "volume": 1, "cost": 0.1}]},
				{"data_points": [{"start": 1761957000, "pricing_category": "UTILITY", "volume": 2, "cost": 0.2},
				                 {"start": 1761958800, "pricing_category": "UTILITY", "volume": 3, "cost": 0.3}]}]},
			"call_analytics": {"data_points": [{"start": 1761955200, "direction": "USER_INITIATED", "count": 4, "average_duration": 10}]}}`,
			[]int64{1, 2, 3}, []int64{4}},
		{"pricing as data_points, calls as data[].data_points", `{"currency": "USD",
			"pricing_analytics": {"data_points": [{"start": 1761955200, "pricing_category": "MARKETING", "volume": 5}]},
			"call_analytics": {"data": [{"data_points": [{"start": 1761955200, "direction": "BUSINESS_INITIATED", "count": 6, "average_duration": 1}]}]}}`,
			[]int64{5}, []int64{6}},
		{"both wrappings at once", `{"currency": "USD",
			"pricing_analytics": {"data": [{"data_points": [{"start": 1761955200, "pricing_category": "MARKETING", "volume": 7}]}],
			                      "data_points": [{"start": 1761957000, "pricing_category": "MARKETING", "volume": 8}]}}`,
			[]int64{7, 8}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := decodeUsage(context.Background(), []byte(tt.body), usage.HalfHour)
			if err != nil {
				t.Fatal(err)
			}
			var vols, counts []int64
			for _, p := range u.Points {
				vols = append(vols, p.Volume)
			}
			for _, c := range u.Calls {
				counts = append(counts, c.Count)
			}
			if !equal(vols, tt.wantPoints) || !equal(counts, tt.wantCalls) {
				t.Errorf("volumes %v calls %v, want %v and %v", vols, counts, tt.wantPoints, tt.wantCalls)
			}
		})
	}
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestDecodeUsageRepeatedNames: when a member name repeats, the last member
// counts, objects and lists included (they are not merged).
func TestDecodeUsageRepeatedNames(t *testing.T) {
	body := `{"currency": "USD", "currency": "eur",
		"pricing_analytics": {"data_points": [{"start": 1761955200, "pricing_category": "MARKETING", "volume": 1}]},
		"pricing_analytics": {"data": [{"data_points": [{"start": 1761957000, "pricing_category": "UTILITY", "volume": 2, "volume": 3}]}]}}`
	u, err := decodeUsage(context.Background(), []byte(body), usage.HalfHour)
	if err != nil {
		t.Fatal(err)
	}
	if u.Currency != "EUR" || len(u.Points) != 1 || u.Points[0].Category != usage.CategoryUtility || u.Points[0].Volume != 3 {
		t.Errorf("usage = %+v", u)
	}
}

func TestDecodeUsageUnknownValuesKept(t *testing.T) {
	body := `{"currency": "usd", "pricing_analytics": {"data_points": [
		{"start": 1761955200, "pricing_category": "marketing_super", "pricing_type": "FREE_TRIAL", "country": "br", "volume": 3, "cost": 0.18}]},
	  "call_analytics": {"data_points": [{"start": 1761955200, "direction": "AGENT_TRANSFERRED", "country": "in", "count": 1, "average_duration": 30}]}}`
	u, err := decodeUsage(context.Background(), []byte(body), usage.HalfHour)
	if err != nil {
		t.Fatal(err)
	}
	p := u.Points[0]
	if p.Category != "MARKETING_SUPER" || p.Category.Known() || p.PricingType != "FREE_TRIAL" || p.Country != "BR" || p.Currency != "USD" {
		t.Errorf("point = %+v", p)
	}
	cp := u.Calls[0]
	if cp.Direction != "AGENT_TRANSFERRED" || cp.Country != "IN" || cp.Seconds != 30 || cp.CostKnown {
		t.Errorf("call = %+v", cp)
	}
}

func TestDecodeUsageCostExact(t *testing.T) {
	tests := []struct {
		cost      string
		wantNanos int64
		wantKnown bool
	}{
		{"13.0812", 13_081_200_000, true},
		{"0.1", 100_000_000, true},
		{"0.2", 200_000_000, true},
		{"0.30000000000000004", 300_000_000, true}, // float printing noise, rounded to the nano
		{"0.0000000005", 1, true},                  // half a nano rounds away from zero
		{"-0.0000000005", -1, true},
		{"1.3081e1", 13_081_000_000, true},
		{"1E-3", 1_000_000, true},
		{`"0.0547"`, 54_700_000, true}, // a decimal sent as a string
		{"0", 0, true},
		{"-1.25", -1_250_000_000, true}, // a credit
		{"null", 0, false},
		{"", 0, false}, // absent
		{"1234567890.123456789", 1_234_567_890_123_456_789, true},
	}
	for _, tt := range tests {
		t.Run(tt.cost, func(t *testing.T) {
			cost := ""
			if tt.cost != "" {
				cost = `, "cost": ` + tt.cost
			}
			body := `{"currency": "EUR", "pricing_analytics": {"data_points": [{"start": 1761955200, "pricing_category": "UTILITY", "volume": 1` + cost + `}]}}`
			u, err := decodeUsage(context.Background(), []byte(body), usage.Day)
			if err != nil {
				t.Fatal(err)
			}
			p := u.Points[0]
			if p.CostNanos != tt.wantNanos || p.CostKnown != tt.wantKnown {
				t.Errorf("cost %s → %d known=%v, want %d known=%v", tt.cost, p.CostNanos, p.CostKnown, tt.wantNanos, tt.wantKnown)
			}
		})
	}

	// 0.1 + 0.2 summed in nano-units is exactly 0.3, which float64 gets wrong.
	body := `{"currency": "EUR", "pricing_analytics": {"data_points": [
		{"start": 1761955200, "pricing_category": "UTILITY", "volume": 1, "cost": 0.1},
		{"start": 1761957000, "pricing_category": "UTILITY", "volume": 1, "cost": 0.2}]}}`
	u, err := decodeUsage(context.Background(), []byte(body), usage.HalfHour)
	if err != nil {
		t.Fatal(err)
	}
	if sum := u.Points[0].CostNanos + u.Points[1].CostNanos; sum != 300_000_000 || usage.FormatDecimal(sum) != "0.30" {
		t.Errorf("0.1 + 0.2 = %d nanos (%s)", sum, usage.FormatDecimal(sum))
	}
}

func TestDecodeUsageNullCostWithoutCurrency(t *testing.T) {
	// Unknown costs need no currency; nothing is invented.
	body := `{"pricing_analytics": {"data_points": [{"start": 1761955200, "pricing_category": "UTILITY", "volume": 1, "cost": null}]},
	  "call_analytics": {"data_points": [{"start": 1761955200, "direction": "USER_INITIATED", "count": 0}]}}`
	u, err := decodeUsage(context.Background(), []byte(body), usage.HalfHour)
	if err != nil {
		t.Fatal(err)
	}
	if p := u.Points[0]; p.CostKnown || p.CostNanos != 0 || p.Currency != "" {
		t.Errorf("point = %+v", p)
	}
	if c := u.Calls[0]; c.CostKnown || c.Seconds != 0 {
		t.Errorf("call = %+v", c)
	}
}

func TestDecodeUsageBuckets(t *testing.T) {
	start := time.Date(2025, 11, 30, 0, 0, 0, 0, time.UTC) // 1764460800
	tests := []struct {
		name    string
		gran    string // response granularity; "" uses the requested one
		asked   usage.Granularity
		end     string // "" when absent
		wantG   usage.Granularity
		wantEnd time.Time
	}{
		{"half hour derived", "", usage.HalfHour, "", usage.HalfHour, start.Add(30 * time.Minute)},
		{"day derived", "daily", usage.HalfHour, "", usage.Day, start.AddDate(0, 0, 1)},
		{"month derived", "MONTHLY", usage.Day, "", usage.Month, time.Date(2025, 12, 30, 0, 0, 0, 0, time.UTC)},
		{"end given", "half_hour", usage.HalfHour, `, "end": 1764462600`, usage.HalfHour, start.Add(30 * time.Minute)},
		{"end as string", "", usage.Day, `, "end": "1764547200"`, usage.Day, start.AddDate(0, 0, 1)},
		{"end RFC 3339", "", usage.Day, `, "end": "2025-12-01T00:00:00Z"`, usage.Day, start.AddDate(0, 0, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := ""
			if tt.gran != "" {
				g = `"granularity": "` + tt.gran + `", `
			}
			body := `{` + g + `"currency": "EUR", "pricing_analytics": {"data_points": [{"start": 1764460800` + tt.end + `, "pricing_category": "UTILITY", "volume": 1}]},
				"call_analytics": {"data_points": [{"start": 1764460800` + tt.end + `, "count": 0}]}}`
			u, err := decodeUsage(context.Background(), []byte(body), tt.asked)
			if err != nil {
				t.Fatal(err)
			}
			p, c := u.Points[0], u.Calls[0]
			if u.Granularity != tt.wantG || p.Granularity != tt.wantG || c.Granularity != tt.wantG {
				t.Errorf("granularity usage %q point %q call %q, want %q", u.Granularity, p.Granularity, c.Granularity, tt.wantG)
			}
			if !p.Start.Equal(start) || !p.End.Equal(tt.wantEnd) || !c.End.Equal(tt.wantEnd) {
				t.Errorf("point [%v, %v) call end %v, want end %v", p.Start, p.End, c.End, tt.wantEnd)
			}
			if p.Start.Location() != time.UTC || p.End.Location() != time.UTC {
				t.Error("not UTC")
			}
		})
	}
}

func TestDecodeCallSeconds(t *testing.T) {
	tests := []struct {
		count, avg string
		want       int64
	}{
		{"7", "95", 665},
		{"3", "20.5", 62},   // 61.5 rounds up
		{"3", "10.1", 30},   // 30.3 rounds down
		{"2", "0.25", 1},    // 0.5 rounds up
		{"0", "0", 0},       //
		{"1", "56", 56},     //
		{"4", "\"15\"", 60}, // a string
		{"3", "33.333333333333336", 100},
	}
	for _, tt := range tests {
		t.Run(tt.count+"x"+tt.avg, func(t *testing.T) {
			body := `{"currency": "EUR", "call_analytics": {"granularity": "HALF_HOUR", "data_points": [{"start": 1761955200, "direction": "BUSINESS_INITIATED", "count": ` +
				tt.count + `, "average_duration": ` + tt.avg + `, "cost": 0.0123}]}}`
			u, err := decodeUsage(context.Background(), []byte(body), usage.Day)
			if err != nil {
				t.Fatal(err)
			}
			if c := u.Calls[0]; c.Seconds != tt.want || c.CostNanos != 12_300_000 || !c.CostKnown || c.Granularity != usage.HalfHour {
				t.Errorf("call = %+v, want %d seconds", c, tt.want)
			}
		})
	}
}

func TestDecodeUsageMalformed(t *testing.T) {
	const pt = `"start": 1761955200, "pricing_category": "UTILITY", "volume": 1`
	const call = `"start": 1761955200, "direction": "USER_INITIATED"`
	tests := []struct {
		name  string
		body  string
		field string
		msg   string // part of the message
	}{
		{"empty body", ``, "", "empty body"},
		{"empty object", `{}`, "", "neither pricing_analytics nor call_analytics"},
		{"only the envelope", `{"channel_id": "ch", "currency": "USD", "granularity": "half_hour"}`, "", "neither pricing_analytics nor call_analytics"},
		{"analytics under other names", `{"currency": "USD", "pricingAnalytics": {"data": []}, "calls": []}`, "", "neither pricing_analytics nor call_analytics"},
		{"empty pricing object", `{"pricing_analytics": {}}`, "pricing_analytics", "neither data nor data_points"},
		{"calls without a list", `{"pricing_analytics": {"data": []}, "call_analytics": {"granularity": "DAILY"}}`, "call_analytics", "neither data nor data_points"},
		{"list under another name", `{"pricing_analytics": {"rows": [{` + pt + `}]}}`, "pricing_analytics", "neither data nor data_points"},
		{"group without data_points", `{"pricing_analytics": {"data": [{"data_points": []}, {"points": [{` + pt + `}]}]}}`, "pricing_analytics.data[1].data_points", "missing"},
		{"invalid JSON", `{"currency": "EUR",`, "", "invalid JSON"},
		{"trailing garbage", `{"currency": "EUR"} x`, "", "invalid JSON"},
		{"invalid JSON after a wrong type", `{"currency": true, "pricing_analytics": {"data": [}`, "", "invalid JSON"},
		{"two JSON values", `{"currency": "EUR"} {}`, "", "invalid JSON"},
		{"array body", `[1, 2]`, "", "want a JSON object"},
		{"HTML body", `<html>oops</html>`, "", "invalid JSON"},
		{"currency not a code", `{"currency": "US Dollar"}`, "currency", "not a currency code"},
		{"currency a bool", `{"currency": true}`, "currency", "want a string, got a boolean"},
		{"unknown granularity", `{"granularity": "weekly"}`, "granularity", "unknown granularity"},
		{"cost but no currency", `{"pricing_analytics": {"data_points": [{` + pt + `, "cost": 1}]}}`, "currency",
			"pricing_analytics.data_points[0].cost reports a cost"},
		{"analytics a string", `{"pricing_analytics": "none"}`, "pricing_analytics", "want an object"},
		{"data an object", `{"pricing_analytics": {"data": {}}}`, "pricing_analytics.data", "want an array"},
		{"point null", `{"pricing_analytics": {"data_points": [null]}}`, "pricing_analytics.data_points[0]", "want an object, got null"},
		{"point a number", `{"pricing_analytics": {"data": [{"data_points": [{` + pt + `}, 5]}]}}`, "pricing_analytics.data[0].data_points[1]", "want an object"},
		{"cost a word", `{"currency": "EUR", "pricing_analytics": {"data": [{"data_points": []}, {"data_points": [{` + pt + `}, {` + pt + `, "country": "AT"}, {` + pt + `, "country": "DE"}, {` + pt + `, "country": "FR", "cost": "abc"}]}]}}`,
			"pricing_analytics.data[1].data_points[3].cost", "not a number"},
		{"cost a bool", `{"currency": "EUR", "pricing_analytics": {"data_points": [{` + pt + `, "cost": true}]}}`, "pricing_analytics.data_points[0].cost", "not a number"},
		{"cost huge", `{"currency": "EUR", "pricing_analytics": {"data_points": [{` + pt + `, "cost": 1e300}]}}`, "pricing_analytics.data_points[0].cost", "out of range"},
		{"cost beyond int64", `{"currency": "EUR", "pricing_analytics": {"data_points": [{` + pt + `, "cost": 92233720368}]}}`, "pricing_analytics.data_points[0].cost", "out of range"},
		{"cost hex string", `{"currency": "EUR", "pricing_analytics": {"data_points": [{` + pt + `, "cost": "0x10"}]}}`, "pricing_analytics.data_points[0].cost", "not a number"},
		{"volume missing", `{"pricing_analytics": {"data_points": [{"start": 1761955200, "pricing_category": "UTILITY"}]}}`, "pricing_analytics.data_points[0].volume", "missing"},
		{"volume negative", `{"pricing_analytics": {"data_points": [{"start": 1761955200, "pricing_category": "UTILITY", "volume": -1}]}}`, "pricing_analytics.data_points[0].volume", "negative"},
		{"volume fractional", `{"pricing_analytics": {"data_points": [{"start": 1761955200, "pricing_category": "UTILITY", "volume": 1.5}]}}`, "pricing_analytics.data_points[0].volume", "not a whole number"},
		{"volume a string word", `{"pricing_analytics": {"data_points": [{"start": 1761955200, "pricing_category": "UTILITY", "volume": "ten"}]}}`, "pricing_analytics.data_points[0].volume", "not a number"},
		{"start missing", `{"pricing_analytics": {"data_points": [{"pricing_category": "UTILITY", "volume": 1}]}}`, "pricing_analytics.data_points[0].start", "missing"},
		{"start negative", `{"pricing_analytics": {"data_points": [{"start": -5, "pricing_category": "UTILITY", "volume": 1}]}}`, "pricing_analytics.data_points[0].start", "out of range"},
		{"start in ms", `{"pricing_analytics": {"data_points": [{"start": 1761955200000, "pricing_category": "UTILITY", "volume": 1}]}}`, "pricing_analytics.data_points[0].start", "out of range"},
		{"start fractional", `{"pricing_analytics": {"data_points": [{"start": 1761955200.5, "pricing_category": "UTILITY", "volume": 1}]}}`, "pricing_analytics.data_points[0].start", "whole number"},
		{"start an object", `{"pricing_analytics": {"data_points": [{"start": {}, "pricing_category": "UTILITY", "volume": 1}]}}`, "pricing_analytics.data_points[0].start", "not a number"},
		{"start between half hours", `{"pricing_analytics": {"data_points": [{"start": 1761956100, "pricing_category": "UTILITY", "volume": 1}]}}`, "pricing_analytics.data_points[0].start", "not on a half hour"},
		{"end before start", `{"pricing_analytics": {"data_points": [{` + pt + `, "end": 1761955200}]}}`, "pricing_analytics.data_points[0].end", "not after start"},
		{"category missing", `{"pricing_analytics": {"data_points": [{"start": 1761955200, "volume": 1}]}}`, "pricing_analytics.data_points[0].pricing_category", "missing"},
		{"category empty", `{"pricing_analytics": {"data_points": [{"start": 1761955200, "volume": 1, "pricing_category": " "}]}}`, "pricing_analytics.data_points[0].pricing_category", "missing"},
		{"category an array", `{"pricing_analytics": {"data_points": [{"start": 1761955200, "volume": 1, "pricing_category": ["A"]}]}}`, "pricing_analytics.data_points[0].pricing_category", "want a string"},
		{"call count missing", `{"call_analytics": {"data_points": [{` + call + `}]}}`, "call_analytics.data_points[0].count", "missing"},
		{"call count a word", `{"call_analytics": {"data": [{"data_points": [{` + call + `, "count": "x"}]}]}}`, "call_analytics.data[0].data_points[0].count", "not a number"},
		{"call average missing", `{"call_analytics": {"data_points": [{` + call + `, "count": 2}]}}`, "call_analytics.data_points[0].average_duration", "missing"},
		{"call average negative", `{"call_analytics": {"data_points": [{` + call + `, "count": 2, "average_duration": -3}]}}`, "call_analytics.data_points[0].average_duration", "negative"},
		{"call granularity", `{"call_analytics": {"granularity": "YEARLY", "data_points": []}}`, "call_analytics.granularity", "unknown granularity"},
		{"call cost", `{"currency": "EUR", "call_analytics": {"data_points": [{` + call + `, "count": 1, "average_duration": 3, "cost": [1]}]}}`, "call_analytics.data_points[0].cost", "not a number"},
		{"exponent bomb", `{"call_analytics": {"data_points": [{` + call + `, "count": 1, "average_duration": 1e999999999}]}}`, "call_analytics.data_points[0].average_duration", "out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := decodeUsage(context.Background(), []byte(tt.body), usage.HalfHour)
			if err == nil {
				t.Fatalf("no error; got %+v", u)
			}
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("want *DecodeError, got %T: %v", err, err)
			}
			if de.Field != tt.field {
				t.Errorf("Field = %q, want %q (%v)", de.Field, tt.field, err)
			}
			if errors.Unwrap(de) == nil {
				t.Error("DecodeError has no cause")
			}
			if !strings.Contains(err.Error(), tt.field) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("message %q should name %q and say %q", err, tt.field, tt.msg)
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	tests := []struct{ body, want string }{
		{`{"detail": "Invalid token"}`, "Invalid token"},
		{`{"error": "nope", "detail": null}`, "nope"},
		{`{"error": {"message": "deep", "code": 4}}`, "deep"},
		{`{"detail": [{"msg": "field required"}]}`, `[{"msg": "field required"}]`},
		{`{"message": "plain"}`, "plain"},
		{"  Bad\n Gateway  ", "Bad Gateway"},
		{``, ""},
		{strings.Repeat("é", 400), strings.Repeat("é", 150) + "…"},
	}
	for _, tt := range tests {
		if got := errorMessage([]byte(tt.body)); got != tt.want {
			t.Errorf("errorMessage(%.40q) = %q, want %q", tt.body, got, tt.want)
		}
	}
}

func TestDecodeClientsPageMalformed(t *testing.T) {
	tests := []struct{ body, field string }{
		{`{"clients": [{"name": "no id"}]}`, "clients[0].id"},
		{`{"clients": [{"id": "a"}, {"id": "b", "name": {"first": "x"}}]}`, "clients[1].name"},
		{`{"clients": [{"id": "a", "status": false}]}`, "clients[0].status"},
		{`{"clients": [{"id": "a", "organisation": []}]}`, "clients[0].organisation"},
		{`{"clients": [{"id": "a", "meta_info": "Europe/Berlin"}]}`, "clients[0].meta_info"},
		{`{"clients": [{"id": "a", "meta_info": {"timezone": 1.5e}}]}`, ""}, // invalid JSON
		{`{"clients": [{"id": "a", "meta_info": {"timezone": {}}}]}`, "clients[0].meta_info.timezone"},
		{`{"clients": [{"id": "a", "contact_info": 7}]}`, "clients[0].contact_info"},
		{`{"clients": [{"id": "a", "contact_info": {"country": ["DE"]}}]}`, "clients[0].contact_info.country"},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			_, _, err := decodeClientsPage([]byte(tt.body))
			var de *DecodeError
			if !errors.As(err, &de) || de.Field != tt.field {
				t.Fatalf("err = %v, want a DecodeError on %q", err, tt.field)
			}
		})
	}
}

// TestDecodeInvalidUTF8 sends strings that are not valid UTF-8: raw bytes
// and escaped lone surrogates. Names people read keep a U+FFFD; ids, codes
// and the dimensions of usage points, which become keys, are refused.
func TestDecodeInvalidUTF8(t *testing.T) {
	const bad, surrogate = "Acme \xff\xfe GmbH", `Acme \ud800 GmbH`
	t.Run("names are replaced", func(t *testing.T) {
		_, cs, err := decodeClientsPage([]byte(`{"clients": [{"id": "c1", "name": "` + bad + `", "organisation": "` + surrogate +
			`", "contact_info": {"country": "` + "D\xffE" + `"}}]}`))
		if err != nil {
			t.Fatal(err)
		}
		if c := cs[0]; c.Name != "Acme \uFFFD\uFFFD GmbH" || c.Organisation != "Acme \uFFFD GmbH" || c.Country != "D\uFFFDE" {
			t.Errorf("client = %+q", c)
		}
		_, chs, err := decodeChannelsPage([]byte(`{"partner_channels": [{"id": "ch1", "client_id": "c1", "setup_info": {"phone_name": "` + bad + `"}}]}`))
		if err != nil {
			t.Fatal(err)
		}
		if chs[0].PhoneName != "Acme \uFFFD\uFFFD GmbH" {
			t.Errorf("phone name = %q", chs[0].PhoneName)
		}
	})
	pt := func(cat string) string {
		return `{"currency": "EUR", "pricing_analytics": {"data_points": [{"start": 1761955200, "volume": 1, "pricing_category": "` + cat + `"}]}}`
	}
	refused := []struct {
		name, field string
		decode      func() error
	}{
		{"client id", "clients[0].id", func() error {
			_, _, err := decodeClientsPage([]byte(`{"clients": [{"id": "` + "c\xff1" + `"}]}`))
			return err
		}},
		{"channel id, lone surrogate", "partner_channels[0].id", func() error {
			_, _, err := decodeChannelsPage([]byte(`{"partner_channels": [{"id": "ch\udc00", "client_id": "c1"}]}`))
			return err
		}},
		{"WABA id", "partner_channels[0].waba_account.id", func() error {
			_, _, err := decodeChannelsPage([]byte(`{"partner_channels": [{"id": "ch1", "client_id": "c1", "waba_account": {"id": "` + "w\xc3" + `"}}]}`))
			return err
		}},
		{"U+FFFD sent as it is", "partner_channels[0].client_id", func() error {
			_, _, err := decodeChannelsPage([]byte(`{"partner_channels": [{"id": "ch1", "client_id": "c` + "\uFFFD" + `"}]}`))
			return err
		}},
		{"pricing category", "pricing_analytics.data_points[0].pricing_category", func() error {
			_, err := decodeUsage(context.Background(), []byte(pt("MARKET\xffING")), usage.HalfHour)
			return err
		}},
		{"pricing category, lone surrogate", "pricing_analytics.data_points[0].pricing_category", func() error {
			_, err := decodeUsage(context.Background(), []byte(pt(`MARKETING\ud83d`)), usage.HalfHour)
			return err
		}},
		{"call direction", "call_analytics.data_points[0].direction", func() error {
			_, err := decodeUsage(context.Background(), []byte(`{"call_analytics": {"data_points": [{"start": 1761955200, "count": 0, "direction": "`+"IN\xe2\x82"+`"}]}}`), usage.HalfHour)
			return err
		}},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.decode()
			var de *DecodeError
			if !errors.As(err, &de) || de.Field != tt.field || !strings.Contains(err.Error(), "not valid UTF-8") {
				t.Fatalf("err = %v, want a DecodeError on %q saying not valid UTF-8", err, tt.field)
			}
		})
	}
	// Valid multi-byte text is no fault.
	u, err := decodeUsage(context.Background(), []byte(pt("MARKETING_ÉTÉ_日本")), usage.HalfHour)
	if err != nil || string(u.Points[0].Category) != "MARKETING_ÉTÉ_日本" {
		t.Errorf("valid UTF-8 category: %v, %+v", err, u)
	}
}

// TestDecodeUsageDuplicatePoints sends one bucket twice: the store would add
// the two, so the answer is refused, naming both.
func TestDecodeUsageDuplicatePoints(t *testing.T) {
	const p = `"start": 1761955200, "pricing_category": "UTILITY", "pricing_type": "REGULAR", "country": "DE", "tier": "0:750000", "volume": 1`
	const c = `"start": 1761955200, "direction": "BUSINESS_INITIATED", "country": "DE", "count": 1, "average_duration": 5`
	tests := []struct {
		name, body, field, first string
	}{
		{"pricing in one list", `{"pricing_analytics": {"data_points": [{` + p + `}, {` + p + `, "volume": 2}]}}`,
			"pricing_analytics.data_points[1]", "pricing_analytics.data_points[0]"},
		{"pricing across wrappings", `{"pricing_analytics": {"data": [{"data_points": [{` + p + `}]}], "data_points": [{` + p + `}]}}`,
			"pricing_analytics.data_points[0]", "pricing_analytics.data[0].data_points[0]"},
		{"pricing, country in other case", `{"pricing_analytics": {"data_points": [{` + p + `}, {` + p + `, "country": "de"}]}}`,
			"pricing_analytics.data_points[1]", "pricing_analytics.data_points[0]"},
		{"pricing, other end", `{"pricing_analytics": {"data_points": [{` + p + `, "end": 1761957000}, {` + p + `, "end": 1761958800}]}}`,
			"pricing_analytics.data_points[1]", "pricing_analytics.data_points[0]"},
		{"calls", `{"call_analytics": {"data": [{"data_points": [{` + c + `}]}, {"data_points": [{` + c + `}]}]}}`,
			"call_analytics.data[1].data_points[0]", "call_analytics.data[0].data_points[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeUsage(context.Background(), []byte(tt.body), usage.HalfHour)
			var de *DecodeError
			if !errors.As(err, &de) || de.Field != tt.field || !strings.Contains(err.Error(), "repeats "+tt.first) {
				t.Fatalf("err = %v, want a DecodeError on %q naming %q", err, tt.field, tt.first)
			}
		})
	}
	// Points that differ in any part of the key are no duplicates.
	distinct := `{"pricing_analytics": {"data_points": [{` + p + `}, {` + p + `, "tier": "750001:2000000"}, {` + p + `, "country": "AT"},
		{` + p + `, "pricing_type": "FREE_CUSTOMER_SERVICE"}, {` + p + `, "pricing_category": "MARKETING"}, {` + p + `, "start": 1761957000}]},
		"call_analytics": {"data_points": [{` + c + `}, {` + c + `, "direction": "USER_INITIATED"}, {` + c + `, "country": "AT"}]}}`
	u, err := decodeUsage(context.Background(), []byte(distinct), usage.HalfHour)
	if err != nil || len(u.Points) != 6 || len(u.Calls) != 3 {
		t.Fatalf("distinct points: %v, %+v", err, u)
	}
}
