//go:build ignore

// gen writes the built-in rate cards (one JSON file per effective date, each
// holding the card in every built-in currency) from the USD rates below.
// Run it with `go generate ./internal/ratecard/` after changing a rate.
//
// Non-USD cards are the USD card converted at fixed exchange rates and
// rounded half up to four decimals (token rates to nine). The rates are
// orders of magnitude for estimates and for the simulator, not Meta's
// authoritative price list.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"sort"
	"strconv"
	"strings"
)

// perUSD is how many units of a currency one USD buys, in thousandths.
var perUSD = map[string]int64{
	"USD": 1000, "EUR": 920, "GBP": 790, "INR": 83000, "BRL": 5400, "AED": 3673, "AUD": 1520,
}

// usd rates in nano-USD by category, then market.
var (
	marketing = map[string]int64{
		"DE": 136_500_000, "AT": 131_400_000, "CH": 125_000_000, "NL": 140_000_000, "BR": 62_500_000,
		"PT": 51_200_000, "AR": 61_800_000, "IN": 11_800_000, "AE": 38_400_000, "NP": 22_000_000,
		"SA": 45_500_000, "US": 25_000_000, "CA": 25_000_000, "MX": 30_500_000, "GB": 52_900_000,
		"IE": 51_200_000, "FR": 85_900_000, "NZ": 73_700_000, "AU": 73_700_000, "ID": 41_100_000,
		"SG": 78_700_000, "MY": 86_000_000, "ES": 61_500_000, "IT": 69_100_000, "CO": 20_000_000,
		"TR": 20_000_000, "ZA": 37_900_000, "NG": 51_600_000, "EG": 107_300_000, "*": 60_400_000,
	}
	utility = map[string]int64{
		"DE": 45_600_000, "AT": 45_600_000, "CH": 45_600_000, "NL": 50_000_000, "BR": 8_000_000,
		"PT": 30_000_000, "AR": 26_000_000, "IN": 4_000_000, "AE": 15_700_000, "NP": 4_000_000,
		"SA": 10_700_000, "US": 4_000_000, "CA": 4_000_000, "MX": 8_500_000, "GB": 22_000_000,
		"IE": 30_000_000, "FR": 30_000_000, "NZ": 5_300_000, "AU": 5_300_000, "ID": 25_000_000,
		"SG": 14_000_000, "MY": 14_000_000, "ES": 20_000_000, "IT": 30_000_000, "CO": 4_000_000,
		"TR": 5_300_000, "ZA": 7_600_000, "NG": 6_700_000, "EG": 5_200_000, "*": 7_700_000,
	}
	authentication = map[string]int64{
		"DE": 45_600_000, "AT": 41_000_000, "CH": 41_000_000, "NL": 50_000_000, "BR": 31_500_000,
		"PT": 27_000_000, "AR": 26_000_000, "IN": 4_000_000, "AE": 15_700_000, "NP": 3_600_000,
		"SA": 10_700_000, "US": 13_500_000, "CA": 13_500_000, "MX": 24_000_000, "GB": 35_800_000,
		"IE": 27_000_000, "FR": 41_800_000, "NZ": 4_800_000, "AU": 4_800_000, "ID": 30_000_000,
		"SG": 12_600_000, "MY": 12_600_000, "ES": 33_800_000, "IT": 37_800_000, "CO": 7_700_000,
		"TR": 8_300_000, "ZA": 7_600_000, "NG": 6_700_000, "EG": 5_200_000, "*": 7_700_000,
	}
	authInternational = map[string]int64{
		"IN": 28_000_000, "ID": 13_600_000, "MY": 41_800_000, "SA": 26_900_000, "AE": 40_000_000,
		"NG": 50_000_000, "EG": 50_000_000, "ZA": 50_000_000, "PK": 50_000_000,
	}
	callsPerMinute = map[string]int64{
		"DE": 33_000_000, "BR": 16_000_000, "IN": 4_000_000, "US": 15_000_000, "NP": 20_000_000,
		"GB": 24_000_000, "CA": 15_000_000, "AE": 30_000_000, "NZ": 28_000_000, "ID": 18_000_000,
		"ES": 30_000_000, "IT": 30_000_000, "MX": 20_000_000, "FR": 40_000_000, "NL": 60_000_000,
		"*": 20_000_000,
	}
	// agentPerToken is the Meta Business Agent rate per token (nano-USD).
	agentPerToken = map[string]int64{"*": 2_000}
)

// tierMarkets get volume tiers for utility and authentication; tierSteps are
// the tier bounds (0 = no upper bound) and each tier's share of the base rate.
var (
	tierMarkets = []string{"IN", "ID", "BR", "MX", "US", "DE", "GB"}
	tierSteps   = []struct{ from, to, pct int64 }{
		{0, 750_000, 100}, {750_001, 2_000_000, 95}, {2_000_001, 5_000_000, 90},
		{5_000_001, 25_000_000, 85}, {25_000_001, 50_000_000, 80}, {50_000_001, 0, 75},
	}
)

type tier struct {
	From int64  `json:"from"`
	To   int64  `json:"to,omitempty"`
	Rate string `json:"rate"`
}

type card struct {
	EffectiveFrom  string                       `json:"effective_from"`
	Currency       string                       `json:"currency"`
	Messages       map[string]map[string]string `json:"messages"`
	Units          map[string]string            `json:"units,omitempty"`
	Tiers          map[string]map[string][]tier `json:"tiers,omitempty"`
	CallsPerMinute map[string]string            `json:"calls_per_minute"`
}

type file struct {
	Note  string `json:"note"`
	Cards []card `json:"cards"`
}

// convert turns nano-USD into cur, rounded half up to 10^-digits.
func convert(usd int64, cur string, digits int) string {
	n := usd * perUSD[cur] / 1000
	step := int64(1)
	for i := digits; i < 9; i++ {
		step *= 10
	}
	n = (n + step/2) / step * step
	s := strconv.FormatInt(n/1_000_000_000, 10)
	frac := fmt.Sprintf("%09d", n%1_000_000_000)
	frac = strings.TrimRight(frac, "0")
	if frac != "" {
		s += "." + frac
	}
	return s
}

func rates(m map[string]int64, cur string, digits int) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = convert(v, cur, digits)
	}
	return out
}

func tiers(m map[string]int64, cur string) map[string][]tier {
	out := map[string][]tier{}
	for _, c := range tierMarkets {
		for _, s := range tierSteps {
			out[c] = append(out[c], tier{From: s.from, To: s.to, Rate: convert(m[c]*s.pct/100, cur, 4)})
		}
	}
	return out
}

// makeCard builds the card of one date and currency; serviceBilled and agent
// say whether service messages are billed (at the utility rate) and whether
// Meta Business Agent tokens have a rate.
func makeCard(date, cur string, serviceBilled, agent bool) card {
	c := card{
		EffectiveFrom: date, Currency: cur,
		Messages: map[string]map[string]string{
			"MARKETING":                    rates(marketing, cur, 4),
			"UTILITY":                      rates(utility, cur, 4),
			"AUTHENTICATION":               rates(authentication, cur, 4),
			"AUTHENTICATION_INTERNATIONAL": rates(authInternational, cur, 4),
			"SERVICE":                      {"*": "0"},
			"REFERRAL_CONVERSION":          {"*": "0"},
		},
		Tiers:          map[string]map[string][]tier{"UTILITY": tiers(utility, cur), "AUTHENTICATION": tiers(authentication, cur)},
		CallsPerMinute: rates(callsPerMinute, cur, 4),
	}
	if serviceBilled {
		c.Messages["SERVICE"] = rates(utility, cur, 4)
	}
	if agent {
		c.Messages["META_BUSINESS_AGENT"] = rates(agentPerToken, cur, 9)
		c.Units = map[string]string{"META_BUSINESS_AGENT": "token"}
	}
	return c
}

func main() {
	currencies := make([]string, 0, len(perUSD))
	for c := range perUSD {
		if c != "USD" {
			currencies = append(currencies, c)
		}
	}
	sort.Strings(currencies)
	currencies = append([]string{"USD"}, currencies...)
	dates := []struct {
		date, note     string
		service, agent bool
	}{
		{"2025-07-01", "Per-message pricing: templates by category and market, service free, volume tiers for utility and authentication.", false, false},
		{"2026-07-01", "As 2025-07-01, plus a per-token rate for Meta Business Agent replies (Meta bills the tokens from 2026-08-01).", false, true},
		{"2026-10-01", "Service messages billed per message at the market's utility rate; utility templates inside the customer-service window billed again.", true, true},
	}
	for _, d := range dates {
		f := file{Note: d.note + " Orders of magnitude for estimates, not Meta's authoritative rates."}
		for _, cur := range currencies {
			f.Cards = append(f.Cards, makeCard(d.date, cur, d.service, d.agent))
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", " ")
		if err := enc.Encode(f); err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(d.date+".json", buf.Bytes(), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
