package partnerapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/insights-dev/insights/internal/usage"
)

// FuzzDecodeUsage feeds arbitrary bodies to the usage decoder: it must never
// panic, and it must return either a *DecodeError or points that hold up.
// encoding/json is the reference for the JSON itself: a body is refused as
// invalid JSON exactly when encoding/json finds it invalid, and an accepted
// body has as many points as encoding/json reads in its two wrappings.
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
			syntax := de.Field == "" && (strings.Contains(de.Error(), "invalid JSON") || strings.Contains(de.Error(), "empty body"))
			if syntax == json.Valid(body) {
				t.Fatalf("encoding/json says valid=%v, decoder says %v", json.Valid(body), err)
			}
			return
		}
		if n := referencePointCount(t, body); n != len(u.Points)+len(u.Calls) {
			t.Fatalf("%d points, encoding/json reads %d", len(u.Points)+len(u.Calls), n)
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

// referencePointCount counts the points of a body as encoding/json reads it.
func referencePointCount(t *testing.T, body []byte) int {
	var root map[string]any
	if err := json.Unmarshal(body, &root); err != nil {
		t.Fatalf("decoded a body that encoding/json refuses: %v", err)
	}
	n := 0
	for _, key := range []string{"pricing_analytics", "call_analytics"} {
		a, _ := root[key].(map[string]any)
		groups, _ := a["data"].([]any)
		for _, g := range groups {
			pts, _ := g.(map[string]any)["data_points"].([]any)
			n += len(pts)
		}
		pts, _ := a["data_points"].([]any)
		n += len(pts)
	}
	return n
}

// FuzzDecodeUsageAgrees builds valid answers from fuzzed values with
// encoding/json, in both wrappings and with numbers sent as numbers or as
// strings, and checks that the decoder reads back exactly those values, or
// refuses exactly the values the contract refuses.
func FuzzDecodeUsageAgrees(f *testing.F) {
	f.Add(uint16(0), uint32(3), int64(87_800_000), "MARKETING", "in", "0:750000", uint8(0))
	f.Add(uint16(47), uint32(0), int64(-1_250_000_000), " utility ", "DE", "", uint8(0b1111))
	f.Add(uint16(1), uint32(1<<31), int64(9_223_372_036_854_775_807), "Ünïcode_日本", "", "1:2", uint8(0b0110))
	f.Add(uint16(2), uint32(7), int64(1), "MARKETING", "de", "t", uint8(0b10000))
	f.Add(uint16(3), uint32(7), int64(1), "bad\xffbyte", "\xed\xa0\x80", "", uint8(0))
	f.Fuzz(func(t *testing.T, slot uint16, volume uint32, nanos int64, category, country, tier string, form uint8) {
		start := int64(1761955200) + int64(slot)*usage.HalfHourSeconds
		cost := decimalText(nanos)
		point := map[string]any{"pricing_category": category, "country": country, "tier": tier,
			"start":  numberForm(strconv.FormatInt(start, 10), form&1 != 0),
			"volume": numberForm(strconv.FormatUint(uint64(volume), 10), form&2 != 0),
			"cost":   numberForm(cost, form&4 != 0)}
		points := []any{point}
		if form&16 != 0 {
			points = append(points, point)
		}
		analytics := map[string]any{"data_points": points}
		if form&8 != 0 {
			analytics = map[string]any{"data": []any{map[string]any{"data_points": points}}}
		}
		body, err := json.Marshal(map[string]any{"currency": "eur", "pricing_analytics": analytics})
		if err != nil {
			t.Skip(err)
		}
		u, err := decodeUsage(context.Background(), body, usage.HalfHour)

		clean := func(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, utf8.RuneError) }
		var de *DecodeError
		switch {
		case !clean(category) || !clean(country) || !clean(tier):
			if !errors.As(err, &de) || !strings.Contains(err.Error(), "not valid UTF-8") {
				t.Fatalf("invalid UTF-8 in a dimension: got %v", err)
			}
			return
		case strings.TrimSpace(category) == "":
			if !errors.As(err, &de) || !strings.HasSuffix(de.Field, ".pricing_category") {
				t.Fatalf("empty category: got %v", err)
			}
			return
		case form&16 != 0:
			if !errors.As(err, &de) || !strings.Contains(err.Error(), "repeats") {
				t.Fatalf("repeated point: got %v", err)
			}
			return
		case err != nil:
			t.Fatalf("%s: %v", body, err)
		}
		want := usage.Point{Granularity: usage.HalfHour, Currency: "EUR",
			Start: time.Unix(start, 0).UTC(), End: time.Unix(start+usage.HalfHourSeconds, 0).UTC(),
			Category: usage.ParseCategory(strings.TrimSpace(category)), Country: strings.ToUpper(strings.TrimSpace(country)),
			Tier: strings.TrimSpace(tier), Volume: int64(volume), CostNanos: nanos, CostKnown: true}
		if len(u.Points) != 1 || u.Points[0] != want {
			t.Fatalf("%s\ngot  %+v\nwant %+v", body, u.Points, want)
		}
	})
}

// decimalText writes nano-units as an exact decimal, as an API would.
func decimalText(nanos int64) string {
	sign, abs := "", uint64(nanos)
	if nanos < 0 {
		sign, abs = "-", uint64(-nanos) // -MinInt64 wraps to its own magnitude as uint64
	}
	return fmt.Sprintf("%s%d.%09d", sign, abs/usage.NanosPerUnit, abs%usage.NanosPerUnit)
}

// numberForm sends a number's text as a JSON number or as a string.
func numberForm(text string, asString bool) any {
	if asString {
		return text
	}
	return json.Number(text)
}
