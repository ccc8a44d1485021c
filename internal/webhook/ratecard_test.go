package webhook

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/insights-dev/insights/internal/usage"
)

func TestDefaultRateCardMessageCost(t *testing.T) {
	c := DefaultRateCard()
	tests := []struct {
		name     string
		cat      usage.Category
		pt       usage.PricingType
		country  string
		nanos    int64
		currency string
	}{
		{"marketing DE", usage.CategoryMarketing, usage.PricingRegular, "DE", 136_500_000, "USD"},
		{"marketing IN", usage.CategoryMarketing, usage.PricingRegular, "IN", 11_800_000, "USD"},
		{"marketing BR", usage.CategoryMarketing, usage.PricingRegular, "BR", 62_500_000, "USD"},
		{"marketing lower-case country", usage.CategoryMarketing, usage.PricingRegular, "gb", 52_900_000, "USD"},
		{"marketing lite priced as marketing", usage.CategoryMarketingLite, usage.PricingRegular, "DE", 136_500_000, "USD"},
		{"marketing rest of world", usage.CategoryMarketing, usage.PricingRegular, "KE", 60_400_000, "USD"},
		{"marketing unknown country", usage.CategoryMarketing, usage.PricingRegular, "", 60_400_000, "USD"},
		{"utility IN", usage.CategoryUtility, usage.PricingRegular, "IN", 4_000_000, "USD"},
		{"utility US", usage.CategoryUtility, usage.PricingRegular, "US", 4_000_000, "USD"},
		{"authentication MX", usage.CategoryAuthentication, usage.PricingRegular, "MX", 24_000_000, "USD"},
		{"authentication international IN", usage.CategoryAuthenticationInternational, usage.PricingRegular, "IN", 28_000_000, "USD"},
		{"authentication international falls back", usage.CategoryAuthenticationInternational, usage.PricingRegular, "DE", 45_600_000, "USD"},
		{"service regular still free", usage.CategoryService, usage.PricingRegular, "DE", 0, "USD"},
		{"referral conversion", usage.CategoryReferralConversion, usage.PricingRegular, "BR", 0, "USD"},
		{"free customer service", usage.CategoryService, usage.PricingFreeCustomerService, "DE", 0, "USD"},
		{"free entry point marketing", usage.CategoryMarketing, usage.PricingFreeEntryPoint, "DE", 0, "USD"},
		{"unknown free type", usage.CategoryMarketing, usage.PricingType("FREE_NEW"), "DE", 0, "USD"},
		{"empty pricing type priced", usage.CategoryUtility, "", "FR", 30_000_000, "USD"},
		{"unknown category has no rate", usage.Category("NEW_CATEGORY"), usage.PricingRegular, "DE", 0, ""},
		{"empty category has no rate", "", usage.PricingRegular, "DE", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, cur := c.MessageCost(tt.cat, tt.pt, tt.country)
			if n != tt.nanos || cur != tt.currency {
				t.Errorf("MessageCost = %d %q, want %d %q", n, cur, tt.nanos, tt.currency)
			}
		})
	}
}

func TestDefaultRateCardCallCost(t *testing.T) {
	c := DefaultRateCard()
	tests := []struct {
		name     string
		dir      usage.Direction
		country  string
		seconds  int64
		nanos    int64
		currency string
	}{
		// 56 s = 10 pulses of 6 s = 1 minute at 0.03.
		{"outbound DE 56s", usage.DirectionOutbound, "DE", 56, 30_000_000, "USD"},
		// 61 s = 11 pulses = 1.1 minutes at 0.01.
		{"outbound IN 61s", usage.DirectionOutbound, "IN", 61, 11_000_000, "USD"},
		{"outbound one second is one pulse", usage.DirectionOutbound, "NL", 1, 6_000_000, "USD"},
		{"outbound zero seconds", usage.DirectionOutbound, "DE", 0, 0, "USD"},
		{"outbound negative seconds", usage.DirectionOutbound, "DE", -5, 0, "USD"},
		{"outbound rest of world", usage.DirectionOutbound, "KE", 120, 40_000_000, "USD"},
		{"inbound is free", usage.DirectionInbound, "DE", 600, 0, "USD"},
		{"unknown direction is free", usage.Direction("SIDEWAYS"), "DE", 600, 0, "USD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, cur := c.CallCost(tt.dir, tt.country, tt.seconds)
			if n != tt.nanos || cur != tt.currency {
				t.Errorf("CallCost = %d %q, want %d %q", n, cur, tt.nanos, tt.currency)
			}
		})
	}
}

// The built-in rates stay within the orders of magnitude the reference gives.
func TestDefaultRateCardRanges(t *testing.T) {
	c := DefaultRateCard()
	if c.Currency != "USD" {
		t.Fatalf("currency %q, want USD", c.Currency)
	}
	const cent = usage.NanosPerUnit / 100
	bounds := map[usage.Category][2]int64{
		usage.CategoryMarketing:                   {1 * cent, 14 * cent},
		usage.CategoryUtility:                     {cent * 4 / 10, 5 * cent},
		usage.CategoryAuthentication:              {cent * 4 / 10, 5 * cent},
		usage.CategoryAuthenticationInternational: {cent * 4 / 10, 5 * cent},
		usage.CategoryService:                     {0, 0},
		usage.CategoryReferralConversion:          {0, 0},
	}
	for cat, b := range bounds {
		rates := c.Messages[cat]
		if len(rates) == 0 {
			t.Errorf("no rates for %s", cat)
		}
		for country, r := range rates {
			if r < b[0] || r > b[1] {
				t.Errorf("%s %s = %s, outside %s–%s", cat, country, usage.FormatDecimal(r), usage.FormatDecimal(b[0]), usage.FormatDecimal(b[1]))
			}
		}
	}
	for _, cc := range []string{"DE", "IN", "BR", "ID", "GB", "US", "ES", "IT", "MX", "FR"} {
		for _, cat := range []usage.Category{usage.CategoryMarketing, usage.CategoryUtility, usage.CategoryAuthentication} {
			if _, ok := c.Messages[cat][cc]; !ok {
				t.Errorf("no %s rate for %s", cat, cc)
			}
		}
		if r, ok := c.CallPerMinute[cc]; !ok || r < cent || r > 6*cent {
			t.Errorf("call rate for %s = %d (present %v), want 0.01–0.06", cc, r, ok)
		}
	}
	// Each call returns its own copy.
	c.Messages[usage.CategoryMarketing]["DE"] = 1
	if n, _ := DefaultRateCard().MessageCost(usage.CategoryMarketing, usage.PricingRegular, "DE"); n != 136_500_000 {
		t.Errorf("DefaultRateCard shares state: %d", n)
	}
}

func TestLoadRateCard(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rates.json")
	data := `{
	  "currency": "eur",
	  "messages": {
	    "marketing": {"de": "0.12", "*": "0.05"},
	    "utility": {"DE": "0.000000001"}
	  },
	  "calls_per_minute": {"DE": "0.024"},
	  "comment": "ignored"
	}`
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := LoadRateCard(path)
	if err != nil {
		t.Fatalf("LoadRateCard: %v", err)
	}
	check := func(name string, gotN int64, gotC string, wantN int64, wantC string) {
		t.Helper()
		if gotN != wantN || gotC != wantC {
			t.Errorf("%s = %d %q, want %d %q", name, gotN, gotC, wantN, wantC)
		}
	}
	n, cur := c.MessageCost(usage.CategoryMarketing, usage.PricingRegular, "DE")
	check("marketing DE", n, cur, 120_000_000, "EUR")
	n, cur = c.MessageCost(usage.CategoryMarketingLite, usage.PricingRegular, "IN")
	check("marketing lite IN via *", n, cur, 50_000_000, "EUR")
	n, cur = c.MessageCost(usage.CategoryUtility, usage.PricingRegular, "DE")
	check("utility DE", n, cur, 1, "EUR")
	n, cur = c.MessageCost(usage.CategoryUtility, usage.PricingRegular, "IN")
	check("utility IN: no rate", n, cur, 0, "")
	n, cur = c.MessageCost(usage.CategoryUtility, usage.PricingFreeEntryPoint, "IN")
	check("free type without rate", n, cur, 0, "EUR")
	n, cur = c.CallCost(usage.DirectionOutbound, "DE", 56)
	check("call DE", n, cur, 24_000_000, "EUR")
	n, cur = c.CallCost(usage.DirectionOutbound, "FR", 56)
	check("call FR: no rate", n, cur, 0, "")

	var nilCard *RateCard
	if n, cur := nilCard.MessageCost(usage.CategoryMarketing, usage.PricingRegular, "DE"); n != 0 || cur != "" {
		t.Errorf("nil card MessageCost = %d %q", n, cur)
	}
	if n, cur := nilCard.CallCost(usage.DirectionOutbound, "DE", 60); n != 0 || cur != "" {
		t.Errorf("nil card CallCost = %d %q", n, cur)
	}
}

func TestLoadRateCardErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name     string
		data     string
		contains []string
	}{
		{"invalid JSON", `{"currency":`, []string{"parse rate card"}},
		{"rates not strings", `{"currency":"USD","messages":{"MARKETING":{"DE":0.12}}}`, []string{"parse rate card"}},
		{"missing currency", `{"messages":{}}`, []string{`currency ""`}},
		{"bad currency", `{"currency":"dollars"}`, []string{`currency "dollars"`}},
		{
			"every bad rate reported",
			`{"currency":"USD","messages":{"MARKETING":{"DE":"abc","Germany":"0.1","FR":"-0.1","IT":"0.0000000001"},"":{"DE":"1"}},"calls_per_minute":{"DE":"x"}}`,
			[]string{"messages.MARKETING.DE", "messages.MARKETING.Germany", "negative", "more than 9 decimal places", "empty category", "calls_per_minute.DE"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".json")
			if err := os.WriteFile(path, []byte(tt.data), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := LoadRateCard(path)
			if err == nil {
				t.Fatalf("LoadRateCard = %+v, want an error", c)
			}
			for _, s := range append(tt.contains, path, "webhook:") {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
		})
	}
	_, err := LoadRateCard(filepath.Join(dir, "missing.json"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: error %v, want fs.ErrNotExist", err)
	}
}
