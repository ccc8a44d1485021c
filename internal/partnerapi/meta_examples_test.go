package partnerapi

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/usage"
)

// serveFile answers every request with the bytes of a testdata file.
func serveFile(t *testing.T, name string) *Client {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, string(body)) })
	return newClient(t, srv.URL)
}

// TestMetaPricingExample: Meta's documented pricing_analytics answer, as it
// stands, decodes field by field; its cost is in the channel's currency.
func TestMetaPricingExample(t *testing.T) {
	c := serveFile(t, "meta_pricing_analytics.json")
	u, err := c.ChannelUsage(context.Background(), UsageRequest{ClientID: "cl", ChannelID: "ch", Currency: "usd",
		Start: time.Unix(1748736000, 0), End: time.Unix(1749340800, 0), Granularity: usage.Day})
	if err != nil {
		t.Fatal(err)
	}
	if u.Currency != "USD" || u.Granularity != usage.Day || len(u.Calls) != 0 {
		t.Errorf("usage: currency %q granularity %q calls %d", u.Currency, u.Granularity, len(u.Calls))
	}
	want := []usage.Point{
		{ChannelID: "ch", Start: time.Unix(1749106800, 0).UTC(), End: time.Unix(1749193200, 0).UTC(), Granularity: usage.Day,
			Category: usage.CategoryAuthenticationInternational, PricingType: usage.ParsePricingType("REGULAR"),
			Country: "IN", Tier: "0:750000", Volume: 2, Currency: "USD", CostNanos: 4_600_000_000, CostKnown: true},
		{ChannelID: "ch", Start: time.Unix(1748847600, 0).UTC(), End: time.Unix(1748934000, 0).UTC(), Granularity: usage.Day,
			Category: usage.CategoryService, PricingType: usage.ParsePricingType("FREE_ENTRY_POINT"),
			Country: "US", Tier: "", Volume: 6, Currency: "USD", CostNanos: 0, CostKnown: true},
	}
	if len(u.Points) != len(want) {
		t.Fatalf("points: got %d, want %d: %+v", len(u.Points), len(want), u.Points)
	}
	for i := range want {
		if u.Points[i] != want[i] {
			t.Errorf("point %d:\n got %+v\nwant %+v", i, u.Points[i], want[i])
		}
	}
	if u.Points[0].PricingType != "REGULAR" || u.Points[1].PricingType != "FREE_ENTRY_POINT" {
		t.Errorf("pricing types %q %q", u.Points[0].PricingType, u.Points[1].PricingType)
	}
}

// TestMetaPricingExampleWithoutCurrency: with no currency in the answer and
// none known for the channel, a cost cannot be kept.
func TestMetaPricingExampleWithoutCurrency(t *testing.T) {
	c := serveFile(t, "meta_pricing_analytics.json")
	_, err := c.ChannelUsage(context.Background(), UsageRequest{ClientID: "cl", ChannelID: "ch",
		Start: time.Unix(1748736000, 0), End: time.Unix(1749340800, 0), Granularity: usage.Day})
	var de *DecodeError
	if !errors.As(err, &de) || de.Field != "currency" {
		t.Fatalf("want a DecodeError on currency, got %v", err)
	}
}

// TestMetaCallExample: Meta's documented call_analytics answer, in the
// current flat wrapping and the older nested one, decodes field by field:
// the direction comes from the object's "directions".
func TestMetaCallExample(t *testing.T) {
	for _, file := range []string{"meta_call_analytics.json", "meta_call_analytics_nested.json"} {
		t.Run(file, func(t *testing.T) {
			c := serveFile(t, file)
			u, err := c.ChannelUsage(context.Background(), UsageRequest{ClientID: "cl", ChannelID: "ch", Currency: "EUR",
				Start: time.Unix(1765929600, 0), End: time.Unix(1766102400, 0), Granularity: usage.Day})
			if err != nil {
				t.Fatal(err)
			}
			if u.Currency != "EUR" || len(u.Points) != 0 || len(u.Calls) != 1 {
				t.Fatalf("usage: currency %q points %d calls %d", u.Currency, len(u.Points), len(u.Calls))
			}
			want := usage.CallPoint{ChannelID: "ch", Start: time.Unix(1765958400, 0).UTC(), End: time.Unix(1766044800, 0).UTC(),
				Granularity: usage.Day, Direction: usage.DirectionInbound, Count: 35, Seconds: 35 * 106,
				Currency: "EUR", CostNanos: 477_950_000, CostKnown: true}
			if u.Calls[0] != want {
				t.Errorf("call point:\n got %+v\nwant %+v", u.Calls[0], want)
			}
		})
	}
}

// TestCallDirectionOwnWins: a point's own direction wins over the object's
// "directions"; a list of several directions gives no default.
func TestCallDirectionOwnWins(t *testing.T) {
	body := `{"currency": "USD", "call_analytics": {"directions": ["USER_INITIATED", "BUSINESS_INITIATED"], "data_points": [
		{"start": 1765958400, "direction": "BUSINESS_INITIATED", "count": 1, "average_duration": 10},
		{"start": 1765958400, "count": 2, "average_duration": 10}]}}`
	u, err := decodeUsage(context.Background(), []byte(body), usage.Day)
	if err != nil {
		t.Fatal(err)
	}
	if u.Calls[0].Direction != usage.DirectionOutbound || u.Calls[1].Direction != "" {
		t.Errorf("directions %q %q", u.Calls[0].Direction, u.Calls[1].Direction)
	}
	one := `{"currency": "USD", "call_analytics": {"directions": ["business_initiated"], "data_points": [{"start": 1765958400, "count": 2, "average_duration": 10}]}}`
	if u, err = decodeUsage(context.Background(), []byte(one), usage.Day); err != nil || u.Calls[0].Direction != usage.DirectionOutbound {
		t.Errorf("one direction in a list: %+v, %v", u, err)
	}
}

// TestMetaExamplesHaveTheCheckedShape: the strict check of "insights check"
// expects every member of Meta's documented answers.
func TestMetaExamplesHaveTheCheckedShape(t *testing.T) {
	for _, file := range []string{"meta_pricing_analytics.json", "meta_call_analytics.json", "meta_call_analytics_nested.json"} {
		body, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		if m := checkShape(body, reflect.TypeFor[usageWire]()); len(m) != 0 {
			t.Errorf("%s: %v", file, m)
		}
	}
}
