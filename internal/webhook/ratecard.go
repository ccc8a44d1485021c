package webhook

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/insights-dev/insights/internal/usage"
)

// AnyCountry is the rate-card key that applies to every country without a
// rate of its own.
const AnyCountry = "*"

// RateCard holds the rates Insights uses to estimate what webhook events cost
// before the Partner API reports the real figures. Estimates are labelled as
// such; volume tiers are not modelled (the base rate is used).
//
// A rate-card file (INSIGHTS_RATE_CARD) is JSON. Rates are decimal strings in
// the card's currency, read exactly (never through floating point); category
// keys are Meta categories in either case; country keys are ISO 3166-1
// alpha-2 codes or "*" for all others; unknown keys such as "note" are
// ignored:
//
//	{
//	  "currency": "USD",
//	  "messages": {
//	    "MARKETING": {"DE": "0.1365", "IN": "0.0118", "*": "0.0604"},
//	    "UTILITY":   {"DE": "0.0456", "*": "0.0077"},
//	    "SERVICE":   {"*": "0"}
//	  },
//	  "calls_per_minute": {"DE": "0.03", "*": "0.02"}
//	}
//
// The built-in card (DefaultRateCard) is in this format in ratecard_default.json.
type RateCard struct {
	// Currency is the ISO 4217 code of every rate on the card.
	Currency string
	// Messages holds the rate per message in nano-units, by category, then by
	// country (or AnyCountry).
	Messages map[usage.Category]map[string]int64
	// CallPerMinute holds the rate per minute of a business-initiated call in
	// nano-units, by called country (or AnyCountry).
	CallPerMinute map[string]int64
}

//go:embed ratecard_default.json
var defaultRateCardJSON []byte

// DefaultRateCard returns the built-in card, in USD: marketing, utility,
// authentication (and authentication-international) rates for common markets
// (DE, IN, BR, ID, GB, US, ES, IT, MX, FR, NL, AR, CO, TR, SA, AE, ZA, NG, EG)
// with a rest-of-world rate, free service and referral conversions, and
// per-minute call rates. They are orders of magnitude for estimates, not
// Meta's authoritative price list. Each call returns a fresh copy.
func DefaultRateCard() *RateCard {
	c, err := ParseRateCard(defaultRateCardJSON)
	if err != nil {
		// The embedded file is part of the source and covered by tests.
		panic(fmt.Sprintf("webhook: built-in rate card: %v", err))
	}
	return c
}

// LoadRateCard reads a rate-card file in the format described on RateCard.
func LoadRateCard(path string) (*RateCard, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("webhook: read rate card: %w", err)
	}
	c, err := ParseRateCard(data)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return c, nil
}

// ParseRateCard reads a rate card from JSON in the format described on
// RateCard, reporting every bad rate at once.
func ParseRateCard(data []byte) (*RateCard, error) {
	var w struct {
		Currency       string                       `json:"currency"`
		Messages       map[string]map[string]string `json:"messages"`
		CallsPerMinute map[string]string            `json:"calls_per_minute"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("webhook: parse rate card: %w", err)
	}
	var errs []error
	c := &RateCard{
		Currency:      usage.NormalizeCurrency(w.Currency),
		Messages:      make(map[usage.Category]map[string]int64, len(w.Messages)),
		CallPerMinute: make(map[string]int64, len(w.CallsPerMinute)),
	}
	if !isCurrencyCode(c.Currency) {
		errs = append(errs, fmt.Errorf("currency %q is not a three-letter ISO 4217 code", w.Currency))
	}
	for _, catKey := range sortedKeys(w.Messages) {
		cat := usage.ParseCategory(catKey)
		if cat == "" {
			errs = append(errs, errors.New("messages: empty category"))
			continue
		}
		rates := c.Messages[cat]
		if rates == nil {
			rates = make(map[string]int64, len(w.Messages[catKey]))
			c.Messages[cat] = rates
		}
		for _, country := range sortedKeys(w.Messages[catKey]) {
			if err := addRate(rates, country, w.Messages[catKey][country]); err != nil {
				errs = append(errs, fmt.Errorf("messages.%s.%s: %w", catKey, country, err))
			}
		}
	}
	for _, country := range sortedKeys(w.CallsPerMinute) {
		if err := addRate(c.CallPerMinute, country, w.CallsPerMinute[country]); err != nil {
			errs = append(errs, fmt.Errorf("calls_per_minute.%s: %w", country, err))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("webhook: parse rate card: %w", errors.Join(errs...))
	}
	return c, nil
}

func addRate(rates map[string]int64, country, value string) error {
	key := strings.ToUpper(strings.TrimSpace(country))
	if key != AnyCountry && !isAlpha(key, 2) {
		return errors.New("country must be an ISO 3166-1 alpha-2 code or \"*\"")
	}
	n, err := usage.ParseDecimal(value)
	if err != nil {
		return fmt.Errorf("rate: %w", err)
	}
	if n < 0 {
		return fmt.Errorf("rate %s is negative", value)
	}
	rates[key] = n
	return nil
}

// MessageCost estimates the cost of one counted message of category cat and
// pricing type pt sent to country. Free pricing types cost 0. Marketing Lite
// without a rate of its own is priced as marketing, authentication
// international as authentication. The currency is empty when the card has
// no rate for the message: the cost is then unknown, not zero.
func (c *RateCard) MessageCost(cat usage.Category, pt usage.PricingType, country string) (nanos int64, currency string) {
	if c == nil {
		return 0, ""
	}
	if pt.Free() {
		return 0, c.Currency
	}
	country = strings.ToUpper(strings.TrimSpace(country))
	for _, k := range []usage.Category{cat, fallbackCategory(cat)} {
		if k == "" {
			continue
		}
		if rate, ok := lookup(c.Messages[k], country); ok {
			return rate, c.Currency
		}
	}
	return 0, ""
}

// CallCost estimates the cost of a call of seconds to country: business
// initiated calls are billed in 6-second pulses at the country's per-minute
// rate (usage.CallCost); user-initiated calls are free. The currency is empty
// when a billed call has no rate on the card.
func (c *RateCard) CallCost(dir usage.Direction, country string, seconds int64) (nanos int64, currency string) {
	if c == nil {
		return 0, ""
	}
	if dir != usage.DirectionOutbound {
		return 0, c.Currency
	}
	rate, ok := lookup(c.CallPerMinute, strings.ToUpper(strings.TrimSpace(country)))
	if !ok {
		return 0, ""
	}
	return usage.CallCost(dir, max(seconds, 0), rate), c.Currency
}

func lookup(rates map[string]int64, country string) (int64, bool) {
	if country != "" {
		if r, ok := rates[country]; ok {
			return r, true
		}
	}
	r, ok := rates[AnyCountry]
	return r, ok
}

func fallbackCategory(cat usage.Category) usage.Category {
	switch cat {
	case usage.CategoryMarketingLite:
		return usage.CategoryMarketing
	case usage.CategoryAuthenticationInternational:
		return usage.CategoryAuthentication
	}
	return ""
}

func isCurrencyCode(s string) bool { return isAlpha(s, 3) }

func isAlpha(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
