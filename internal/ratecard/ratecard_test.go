package ratecard

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/usage"
)

func day(s string) usage.Date {
	d, err := usage.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestBuiltinCardInForce(t *testing.T) {
	b := Builtin()
	for _, cur := range []string{"USD", "EUR", "GBP", "INR", "BRL", "AED", "AUD"} {
		if !b.Has(cur) {
			t.Errorf("built-in book lacks %s", cur)
		}
	}
	if b.DefaultCurrency() != "USD" {
		t.Errorf("default currency %q, want USD", b.DefaultCurrency())
	}
	tests := []struct {
		day, currency, id string
	}{
		{"2025-06-30", "USD", ""},
		{"2025-07-01", "USD", "built-in 2025-07-01 USD"},
		{"2026-06-30", "eur", "built-in 2025-07-01 EUR"},
		{"2026-07-01", "EUR", "built-in 2026-07-01 EUR"},
		{"2026-09-30", "USD", "built-in 2026-07-01 USD"},
		{"2026-10-01", "USD", "built-in 2026-10-01 USD"},
		{"2026-11-15", "EUR", "built-in 2026-10-01 EUR"},
		{"2030-01-01", "", "built-in 2026-10-01 USD"},
		{"2026-11-15", "JPY", ""},
	}
	for _, tt := range tests {
		c := b.For(day(tt.day), tt.currency)
		got := ""
		if c != nil {
			got = c.ID
		}
		if got != tt.id {
			t.Errorf("For(%s, %q) = %q, want %q", tt.day, tt.currency, got, tt.id)
		}
	}
	if c := b.At(time.Date(2026, 9, 30, 23, 59, 0, 0, time.UTC), "USD"); c == nil || c.ID != "built-in 2026-07-01 USD" {
		t.Errorf("At(2026-09-30 23:59 UTC) = %v", c)
	}
	if c := b.Pick(day("2026-11-15"), "JPY"); c == nil || c.Currency != "USD" {
		t.Errorf("Pick in a currency the book lacks = %v, want the USD card", c)
	}
	if got := b.Currency("JPY"); got != "USD" {
		t.Errorf("Currency(JPY) = %q", got)
	}
	if got := b.Currency("eur"); got != "EUR" {
		t.Errorf("Currency(eur) = %q", got)
	}
}

// Service is free on the 2025 card and billed at the utility rate from
// 2026-10-01; free pricing types stay free on every card.
func TestServiceBilledFromOctober2026(t *testing.T) {
	b := Builtin()
	for _, cur := range b.Currencies() {
		old, late, now := b.For(day("2026-09-30"), cur), b.For(day("2026-10-01"), cur), b.For(day("2026-11-15"), cur)
		for _, country := range []string{"DE", "IN", "BR", "KE"} {
			util, ok := late.Rate(usage.CategoryUtility, country)
			if !ok || util <= 0 {
				t.Fatalf("%s %s: no utility rate", cur, country)
			}
			if n, c := old.MessageCost(usage.CategoryService, usage.PricingRegular, country); n != 0 || c != cur {
				t.Errorf("%s %s service 2026-09-30 = %d %s, want free", cur, country, n, c)
			}
			for _, c := range []*Card{late, now} {
				if n, got := c.MessageCost(usage.CategoryService, usage.PricingRegular, country); n != util || got != cur {
					t.Errorf("%s %s service on %s = %d %s, want %d", cur, country, c.ID, n, got, util)
				}
				for _, pt := range []usage.PricingType{usage.PricingFreeEntryPoint, usage.PricingFreeCustomerService} {
					if n, _ := c.MessageCost(usage.CategoryService, pt, country); n != 0 {
						t.Errorf("%s %s %s on %s = %d, want 0", cur, country, pt, c.ID, n)
					}
				}
			}
		}
	}
}

func TestBuiltinRates(t *testing.T) {
	c := Builtin().For(day("2026-11-15"), "USD")
	tests := []struct {
		name    string
		cat     usage.Category
		pt      usage.PricingType
		country string
		nanos   int64
		cur     string
	}{
		{"marketing DE", usage.CategoryMarketing, usage.PricingRegular, "DE", 136_500_000, "USD"},
		{"marketing lower-case country", usage.CategoryMarketing, usage.PricingRegular, "gb", 52_900_000, "USD"},
		{"marketing lite priced as marketing", usage.CategoryMarketingLite, usage.PricingRegular, "DE", 136_500_000, "USD"},
		{"marketing rest of world", usage.CategoryMarketing, usage.PricingRegular, "KE", 60_400_000, "USD"},
		{"marketing unknown country", usage.CategoryMarketing, usage.PricingRegular, "", 60_400_000, "USD"},
		{"authentication international IN", usage.CategoryAuthenticationInternational, usage.PricingRegular, "IN", 28_000_000, "USD"},
		{"authentication international falls back", usage.CategoryAuthenticationInternational, usage.PricingRegular, "DE", 45_600_000, "USD"},
		{"service regular paid", usage.CategoryService, usage.PricingRegular, "DE", 45_600_000, "USD"},
		{"referral conversion", usage.CategoryReferralConversion, usage.PricingRegular, "BR", 0, "USD"},
		{"free entry point marketing", usage.CategoryMarketing, usage.PricingFreeEntryPoint, "DE", 0, "USD"},
		{"unknown free type", usage.CategoryMarketing, usage.PricingType("FREE_NEW"), "DE", 0, "USD"},
		{"empty pricing type is paid", usage.CategoryUtility, "", "FR", 30_000_000, "USD"},
		{"agent per token", usage.CategoryMetaBusinessAgent, usage.PricingRegular, "DE", 2_000, "USD"},
		{"unknown category has no rate", usage.Category("NEW_CATEGORY"), usage.PricingRegular, "DE", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n, cur := c.MessageCost(tt.cat, tt.pt, tt.country); n != tt.nanos || cur != tt.cur {
				t.Errorf("MessageCost = %d %q, want %d %q", n, cur, tt.nanos, tt.cur)
			}
		})
	}
	if u := c.Unit(usage.CategoryMetaBusinessAgent); u != UnitToken {
		t.Errorf("agent unit %q", u)
	}
	if u := c.Unit(usage.CategoryUtility); u != UnitMessage {
		t.Errorf("utility unit %q", u)
	}
	if _, ok := Builtin().For(day("2026-06-30"), "USD").Rate(usage.CategoryMetaBusinessAgent, "DE"); ok {
		t.Error("agent rate before 2026-07-01")
	}
	// 56 s = 10 pulses of 6 s = 1 minute at 0.033; inbound free; no rate for nil.
	if n, cur := c.CallCost(usage.DirectionOutbound, "DE", 56); n != 33_000_000 || cur != "USD" {
		t.Errorf("call DE = %d %s", n, cur)
	}
	if n, cur := c.CallCost(usage.DirectionOutbound, "KE", 120); n != 40_000_000 || cur != "USD" {
		t.Errorf("call KE = %d %s", n, cur)
	}
	if n, cur := c.CallCost(usage.DirectionInbound, "DE", 600); n != 0 || cur != "USD" {
		t.Errorf("inbound = %d %s", n, cur)
	}
	var nilCard *Card
	if n, cur := nilCard.MessageCost(usage.CategoryMarketing, usage.PricingRegular, "DE"); n != 0 || cur != "" {
		t.Errorf("nil card = %d %q", n, cur)
	}
}

func TestTiers(t *testing.T) {
	c := Builtin().For(day("2026-11-15"), "USD")
	ts := c.TiersFor(usage.CategoryUtility, "IN")
	if len(ts) < 3 || ts[0].String() != "0:750000" || ts[len(ts)-1].To != 0 {
		t.Fatalf("IN utility tiers %v", ts)
	}
	base, _ := c.Rate(usage.CategoryUtility, "IN")
	if ts[0].Rate != base || ts[1].Rate >= base {
		t.Errorf("tier rates %v, base %d", ts, base)
	}
	tests := []struct {
		volume   int64
		tier     string
		next     string
		nextOK   bool
		category usage.Category
		country  string
	}{
		{0, "0:750000", "750001:2000000", true, usage.CategoryUtility, "IN"},
		{750_000, "0:750000", "750001:2000000", true, usage.CategoryUtility, "IN"},
		{750_001, "750001:2000000", "2000001:5000000", true, usage.CategoryUtility, "IN"},
		{90_000_000, "50000001:MAX", "", false, usage.CategoryUtility, "IN"},
		{5, "0:MAX", "", false, usage.CategoryMarketing, "IN"},
		{5, "0:MAX", "", false, usage.CategoryUtility, "KE"},
	}
	for _, tt := range tests {
		got, ok := c.TierAt(tt.category, tt.country, tt.volume)
		if !ok || got.String() != tt.tier {
			t.Errorf("TierAt(%s %s %d) = %v %v, want %s", tt.category, tt.country, tt.volume, got, ok, tt.tier)
		}
		next, ok := c.NextTier(tt.category, tt.country, tt.volume)
		if ok != tt.nextOK || (ok && next.String() != tt.next) {
			t.Errorf("NextTier(%s %s %d) = %v %v, want %s", tt.category, tt.country, tt.volume, next, ok, tt.next)
		}
	}
	for s, want := range map[string]string{"0:750000": "0:750000", "25000001:50000000": "25000001:50000000", "0:max": "0:MAX"} {
		if tr, ok := ParseTier(s); !ok || tr.String() != want {
			t.Errorf("ParseTier(%q) = %v %v", s, tr, ok)
		}
	}
	for _, s := range []string{"", "0", "a:b", "5:3", "-1:5", "0:0"} {
		if tr, ok := ParseTier(s); ok {
			t.Errorf("ParseTier(%q) = %v, want not ok", s, tr)
		}
	}
}

func writeFile(t *testing.T, name, data string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// The single-card format of earlier versions still loads and applies from
// 2000-01-01.
func TestLoadOldFormat(t *testing.T) {
	path := writeFile(t, "rates.json", `{
	  "currency": "eur",
	  "messages": {"marketing": {"de": "0.12", "*": "0.05"}, "utility": {"DE": "0.000000001"}},
	  "calls_per_minute": {"DE": "0.024"},
	  "comment": "ignored"
	}`)
	b, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got := b.For(usage.Date{Year: 1999, Month: 12, Day: 31}, "EUR"); got != nil {
		t.Errorf("card before 2000: %v", got.ID)
	}
	c := b.For(day("2026-11-15"), "EUR")
	if c == nil || c.ID != "file rates.json 2000-01-01 EUR" || b.DefaultCurrency() != "EUR" {
		t.Fatalf("card %+v", c)
	}
	if n, cur := c.MessageCost(usage.CategoryMarketingLite, usage.PricingRegular, "IN"); n != 50_000_000 || cur != "EUR" {
		t.Errorf("marketing lite IN = %d %s", n, cur)
	}
	if n, cur := c.MessageCost(usage.CategoryUtility, usage.PricingRegular, "IN"); n != 0 || cur != "" {
		t.Errorf("utility IN without rate = %d %q", n, cur)
	}
	if n, cur := c.MessageCost(usage.CategoryUtility, usage.PricingFreeEntryPoint, "IN"); n != 0 || cur != "EUR" {
		t.Errorf("free without rate = %d %q", n, cur)
	}
	if n, _ := c.CallCost(usage.DirectionOutbound, "DE", 56); n != 24_000_000 {
		t.Errorf("call DE = %d", n)
	}
}

func TestLoadDatedCards(t *testing.T) {
	path := writeFile(t, "card.json", `{"cards": [
	  {"effective_from": "2026-10-01", "currency": "EUR",
	   "messages": {"SERVICE": {"*": "0.01"}, "UTILITY": {"IN": "0.004"}, "META_BUSINESS_AGENT": {"*": "0.000001"}},
	   "units": {"meta_business_agent": "TOKEN"},
	   "tiers": {"utility": {"in": [{"from": 0, "to": 10, "rate": "0.004"}, {"from": 11, "rate": "0.003"}]}}},
	  {"effective_from": "2025-07-01", "currency": "EUR", "messages": {"SERVICE": {"*": "0"}}},
	  {"effective_from": "2025-07-01", "currency": "USD", "messages": {"SERVICE": {"*": "0"}}}
	]}`)
	b, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if b.DefaultCurrency() != "EUR" || len(b.Cards()) != 3 {
		t.Errorf("default %s, %d cards", b.DefaultCurrency(), len(b.Cards()))
	}
	for d, want := range map[string]int64{"2026-09-30": 0, "2026-10-01": 10_000_000} {
		c := b.For(day(d), "EUR")
		if n, _ := c.MessageCost(usage.CategoryService, usage.PricingRegular, "DE"); n != want {
			t.Errorf("service on %s (%s) = %d, want %d", d, c.ID, n, want)
		}
	}
	c := b.For(day("2026-10-01"), "EUR")
	if c.ID != "file card.json 2026-10-01 EUR" || c.Unit(usage.CategoryMetaBusinessAgent) != UnitToken {
		t.Errorf("card %s, unit %s", c.ID, c.Unit(usage.CategoryMetaBusinessAgent))
	}
	if tr, _ := c.TierAt(usage.CategoryUtility, "IN", 11); tr.String() != "11:MAX" || tr.Rate != 3_000_000 {
		t.Errorf("tier at 11 = %v", tr)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name     string
		data     string
		contains []string
	}{
		{"invalid JSON", `{"currency":`, []string{"parse"}},
		{"rates not strings", `{"currency":"USD","messages":{"MARKETING":{"DE":0.12}}}`, []string{"parse"}},
		{"missing currency", `{"messages":{}}`, []string{`currency: ""`}},
		{"old format with a date", `{"currency":"USD","effective_from":"2026-10-01"}`, []string{`"cards"`}},
		{"empty list", `{"cards":[]}`, []string{"empty list"}},
		{
			"every bad rate reported",
			`{"currency":"USD","messages":{"MARKETING":{"DE":"abc","Germany":"0.1","FR":"-0.1","IT":"0.0000000001"},"":{"DE":"1"}},"calls_per_minute":{"DE":"x"}}`,
			[]string{"messages.MARKETING.DE", "messages.MARKETING.Germany", "negative", "more than 9 decimal places", "empty category", "calls_per_minute.DE"},
		},
		{
			"bad dates and duplicates",
			`{"cards":[{"effective_from":"2026-08-01","currency":"USD"},{"currency":"USD"},
			  {"effective_from":"2026-10-01","currency":"USD"},{"effective_from":"2026-10-01","currency":"usd"},
			  {"effective_from":"2026-13-01","currency":"USD"}]}`,
			[]string{"cards[0].effective_from: 2026-08-01 is not a day Meta changes prices on", "cards[1].effective_from: missing",
				"cards[3].effective_from: cards[2] has the same currency and date", "cards[4].effective_from: not a date"},
		},
		{
			"bad tiers and units",
			`{"cards":[{"effective_from":"2026-10-01","currency":"USD","messages":{"UTILITY":{"IN":"0.004","BR":"0.008"}},
			  "units":{"META_BUSINESS_AGENT":"kilotoken"},
			  "tiers":{"UTILITY":{
			    "IN":[{"from":0,"to":100,"rate":"0.004"},{"from":50,"to":200,"rate":"0.003"},{"from":201,"rate":"x"}],
			    "BR":[{"from":0,"rate":"0.008"},{"from":1,"rate":"0.007"}],
			    "DE":[{"from":0,"rate":"0.01"}],
			    "Brazil":[{"from":0,"rate":"0.01"}]}}}]}`,
			[]string{`cards[0].units.META_BUSINESS_AGENT: "kilotoken"`, "cards[0].tiers.UTILITY.IN[1].from: 50, want 101",
				"cards[0].tiers.UTILITY.IN[2].rate", "cards[0].tiers.UTILITY.BR[0].to: missing",
				"cards[0].tiers.UTILITY.DE: messages.UTILITY.DE has no rate", "cards[0].tiers.UTILITY.Brazil: country"},
		},
		{
			"first tier differs from the rate",
			`{"cards":[{"effective_from":"2026-10-01","currency":"USD","messages":{"UTILITY":{"IN":"0.004"}},
			  "tiers":{"UTILITY":{"IN":[{"from":0,"rate":"0.005"}]}}}]}`,
			[]string{"cards[0].tiers.UTILITY.IN[0].rate: 0.005 differs from messages.UTILITY.IN (0.004)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, strings.ReplaceAll(tt.name, " ", "_")+".json", tt.data)
			b, err := Load(path)
			if err == nil {
				t.Fatalf("Load = %+v, want an error", b.Cards())
			}
			for _, s := range append(tt.contains, path, "ratecard:") {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
		})
	}
	_, err := Load(filepath.Join(t.TempDir(), "missing.json"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: error %v, want fs.ErrNotExist", err)
	}
}

func TestNewBook(t *testing.T) {
	a := &Card{ID: "a", Currency: "USD", EffectiveFrom: day("2026-10-01")}
	b := &Card{ID: "b", Currency: "USD", EffectiveFrom: day("2026-10-01")}
	if _, err := NewBook(a, b); err == nil || !strings.Contains(err.Error(), "a, b") {
		t.Errorf("duplicate: %v", err)
	}
	if _, err := NewBook(); err == nil {
		t.Error("empty book accepted")
	}
	var nb *Book
	if nb.For(day("2026-10-01"), "USD") != nil || nb.Pick(day("2026-10-01"), "USD") != nil || nb.DefaultCurrency() != "" {
		t.Error("nil book knows a card")
	}
	one := Single(&Card{ID: "x", Currency: "EUR"})
	if c := one.For(day("2001-01-01"), ""); c == nil || c.ID != "x" {
		t.Errorf("Single: %v", c)
	}
	// Each Builtin call is a fresh copy.
	c := Builtin().For(day("2026-11-15"), "USD")
	c.Messages[usage.CategoryMarketing]["DE"] = 1
	if n, _ := Builtin().For(day("2026-11-15"), "USD").Rate(usage.CategoryMarketing, "DE"); n != 136_500_000 {
		t.Errorf("Builtin shares state: %d", n)
	}
}

// The built-in rates stay within the orders of magnitude the reference
// gives (USD cards).
func TestBuiltinRanges(t *testing.T) {
	const cent = usage.NanosPerUnit / 100
	bounds := map[usage.Category][2]int64{
		usage.CategoryMarketing:                   {1 * cent, 14 * cent},
		usage.CategoryUtility:                     {cent * 3 / 10, 5 * cent},
		usage.CategoryAuthentication:              {cent * 3 / 10, 5 * cent},
		usage.CategoryAuthenticationInternational: {cent, 5 * cent},
		usage.CategoryReferralConversion:          {0, 0},
	}
	for _, c := range Builtin().Cards() {
		if c.Currency != "USD" {
			continue
		}
		for cat, b := range bounds {
			for country, r := range c.Messages[cat] {
				if r < b[0] || r > b[1] {
					t.Errorf("%s %s %s = %s, outside %s–%s", c.ID, cat, country, usage.FormatDecimal(r), usage.FormatDecimal(b[0]), usage.FormatDecimal(b[1]))
				}
			}
		}
	}
}
