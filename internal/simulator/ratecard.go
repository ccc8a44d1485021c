package simulator

import "github.com/insights-dev/insights/internal/usage"

// The simulator's rate card: USD prices per delivered message, in nano-units,
// by category and recipient market, converted to the WABA currency with fixed
// exchange rates and rounded to four decimals. The numbers are of the right
// order for Meta's per-message pricing, not authoritative.

// usdPerUnit is how many units of a currency one USD buys, in thousandths.
var usdPerUnit = map[string]int64{
	"USD": 1000, "EUR": 920, "GBP": 790, "BRL": 5400, "INR": 83000,
	"CAD": 1360, "NZD": 1650, "AED": 3673,
}

// marketingUSD is the marketing price per market (nano-USD).
var marketingUSD = map[string]int64{
	"DE": 136_500_000, "AT": 131_400_000, "CH": 125_000_000, "NL": 159_700_000,
	"BR": 62_500_000, "PT": 51_200_000, "AR": 61_800_000,
	"IN": 10_700_000, "AE": 38_400_000, "NP": 22_000_000, "SA": 45_500_000,
	"US": 25_000_000, "CA": 25_000_000, "MX": 30_500_000,
	"GB": 52_900_000, "IE": 51_200_000, "FR": 143_200_000,
	"NZ": 73_700_000, "AU": 73_700_000, "ID": 41_100_000, "SG": 78_700_000, "MY": 86_000_000,
}

// utilityUSD is the utility (and, at the same level, authentication) price per market.
var utilityUSD = map[string]int64{
	"DE": 55_000_000, "AT": 55_000_000, "CH": 55_000_000, "NL": 50_000_000,
	"BR": 8_000_000, "PT": 30_000_000, "AR": 26_000_000,
	"IN": 1_400_000, "AE": 15_700_000, "NP": 4_000_000, "SA": 11_500_000,
	"US": 4_000_000, "CA": 4_000_000, "MX": 10_000_000,
	"GB": 22_000_000, "IE": 30_000_000, "FR": 30_000_000,
	"NZ": 5_300_000, "AU": 5_300_000, "ID": 20_000_000, "SG": 14_000_000, "MY": 14_000_000,
}

// authInternationalUSD is the authentication-international price (only some markets charge it).
var authInternationalUSD = map[string]int64{"IN": 28_000_000, "ID": 13_600_000, "MY": 41_800_000, "SA": 26_900_000, "AE": 40_000_000}

// callPerMinuteUSD is the business-initiated calling rate per minute (nano-USD).
var callPerMinuteUSD = map[string]int64{
	"DE": 33_000_000, "BR": 16_000_000, "IN": 4_000_000, "US": 15_000_000, "NP": 20_000_000,
	"GB": 24_000_000, "CA": 15_000_000, "AE": 30_000_000, "NZ": 28_000_000, "ID": 18_000_000,
}

// toCurrency converts a nano-USD price to cur, rounded half up to four decimals.
func toCurrency(usd int64, cur string) int64 {
	fx, ok := usdPerUnit[cur]
	if !ok {
		fx = 1000
	}
	const step = 100_000 // 1e-4 of a unit
	n := usd * fx / 1000
	return (n + step/2) / step * step
}

// messagePrice is the price of one message in cur; 0 when free.
func messagePrice(cat usage.Category, pt usage.PricingType, country, cur string) int64 {
	if pt.Free() {
		return 0
	}
	var usd int64
	switch cat {
	case usage.CategoryMarketing, usage.CategoryMarketingLite:
		usd = lookup(marketingUSD, country, 50_000_000)
	case usage.CategoryAuthentication:
		usd = lookup(utilityUSD, country, 10_000_000) * 9 / 10
	case usage.CategoryAuthenticationInternational:
		usd = lookup(authInternationalUSD, country, 30_000_000)
	case usage.CategoryService:
		return 0
	default: // utility and any new category
		usd = lookup(utilityUSD, country, 10_000_000)
	}
	return toCurrency(usd, cur)
}

// callRate is the per-minute calling rate in cur for calls to country.
func callRate(country, cur string) int64 {
	return toCurrency(lookup(callPerMinuteUSD, country, 20_000_000), cur)
}

// tier is the volume tier reported for a billed message of cat.
func tier(cat usage.Category, pt usage.PricingType) string {
	if pt.Free() {
		return ""
	}
	switch cat {
	case usage.CategoryUtility, usage.CategoryAuthentication:
		return "0:750000"
	}
	return "0:MAX"
}

func lookup(m map[string]int64, k string, def int64) int64 {
	if v, ok := m[k]; ok {
		return v
	}
	return def
}
