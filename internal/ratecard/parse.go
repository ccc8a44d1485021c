package ratecard

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/insights-dev/insights/internal/usage"
)

// legacyFrom is the day a card in the single-card format applies from.
var legacyFrom = usage.Date{Year: 2000, Month: time.January, Day: 1}

type tierJSON struct {
	From *int64 `json:"from"`
	To   *int64 `json:"to"`
	Rate string `json:"rate"`
}

type cardJSON struct {
	EffectiveFrom  string                           `json:"effective_from"`
	Currency       string                           `json:"currency"`
	Messages       map[string]map[string]string     `json:"messages"`
	Units          map[string]string                `json:"units"`
	Tiers          map[string]map[string][]tierJSON `json:"tiers"`
	CallsPerMinute map[string]string                `json:"calls_per_minute"`
}

// Parse reads rate cards from JSON in the format described in the package
// doc (a list of dated cards, or one card in the older format), reporting
// every problem at once. source names where the cards come from in their
// ids ("built-in", "file card.json").
func Parse(data []byte, source string) ([]*Card, error) {
	var probe struct {
		Cards json.RawMessage `json:"cards"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("ratecard: parse: %w", err)
	}
	var raw []cardJSON
	legacy := probe.Cards == nil || bytes.Equal(bytes.TrimSpace(probe.Cards), []byte("null"))
	if legacy {
		var one cardJSON
		if err := json.Unmarshal(data, &one); err != nil {
			return nil, fmt.Errorf("ratecard: parse: %w", err)
		}
		if one.EffectiveFrom != "" {
			return nil, errors.New(`ratecard: parse: effective_from needs the "cards" list (see the file format)`)
		}
		one.EffectiveFrom = legacyFrom.String()
		raw = []cardJSON{one}
	} else if err := json.Unmarshal(probe.Cards, &raw); err != nil {
		return nil, fmt.Errorf("ratecard: parse cards: %w", err)
	}
	var errs []error
	cards := make([]*Card, 0, len(raw))
	seen := map[string]int{}
	for i, w := range raw {
		path := fmt.Sprintf("cards[%d].", i)
		if legacy {
			path = ""
		}
		c, cerrs := parseCard(w, path)
		errs = append(errs, cerrs...)
		if c == nil {
			continue
		}
		c.ID = strings.TrimSpace(source+" "+c.EffectiveFrom.String()) + " " + c.Currency
		key := c.Currency + " " + c.EffectiveFrom.String()
		if j, dup := seen[key]; dup {
			errs = append(errs, fmt.Errorf("%seffective_from: cards[%d] has the same currency and date (%s)", path, j, key))
		}
		seen[key] = i
		cards = append(cards, c)
	}
	if len(raw) == 0 {
		errs = append(errs, errors.New("cards: empty list"))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("ratecard: parse: %w", errors.Join(errs...))
	}
	return cards, nil
}

// parseCard checks and converts one card; path prefixes the error places.
func parseCard(w cardJSON, path string) (*Card, []error) {
	var errs []error
	c := &Card{
		Currency:      usage.NormalizeCurrency(w.Currency),
		Messages:      make(map[usage.Category]map[string]int64, len(w.Messages)),
		Tiers:         map[usage.Category]map[string][]Tier{},
		Units:         map[usage.Category]Unit{},
		CallPerMinute: make(map[string]int64, len(w.CallsPerMinute)),
	}
	if !isAlpha(c.Currency, 3) {
		errs = append(errs, fmt.Errorf("%scurrency: %q is not a three-letter ISO 4217 code", path, w.Currency))
	}
	d, err := parseEffective(w.EffectiveFrom)
	if err != nil {
		errs = append(errs, fmt.Errorf("%seffective_from: %w", path, err))
	}
	c.EffectiveFrom = d
	for _, catKey := range sortedKeys(w.Messages) {
		cat := usage.ParseCategory(catKey)
		if cat == "" {
			errs = append(errs, fmt.Errorf("%smessages: empty category", path))
			continue
		}
		if c.Messages[cat] == nil {
			c.Messages[cat] = make(map[string]int64, len(w.Messages[catKey]))
		}
		for _, country := range sortedKeys(w.Messages[catKey]) {
			if err := addRate(c.Messages[cat], country, w.Messages[catKey][country]); err != nil {
				errs = append(errs, fmt.Errorf("%smessages.%s.%s: %w", path, catKey, country, err))
			}
		}
	}
	for _, catKey := range sortedKeys(w.Units) {
		switch u := Unit(strings.ToLower(strings.TrimSpace(w.Units[catKey]))); u {
		case UnitMessage, UnitToken:
			c.Units[usage.ParseCategory(catKey)] = u
		default:
			errs = append(errs, fmt.Errorf("%sunits.%s: %q is neither \"message\" nor \"token\"", path, catKey, w.Units[catKey]))
		}
	}
	errs = append(errs, parseTiers(c, w.Tiers, path)...)
	errs = append(errs, checkTierRates(c, path)...)
	for _, country := range sortedKeys(w.CallsPerMinute) {
		if err := addRate(c.CallPerMinute, country, w.CallsPerMinute[country]); err != nil {
			errs = append(errs, fmt.Errorf("%scalls_per_minute.%s: %w", path, country, err))
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return c, nil
}

// parseEffective reads an effective date, which must be a day Meta changes
// prices on.
func parseEffective(s string) (usage.Date, error) {
	if strings.TrimSpace(s) == "" {
		return usage.Date{}, errors.New("missing (YYYY-MM-DD)")
	}
	d, err := usage.ParseDate(strings.TrimSpace(s))
	if err != nil {
		return usage.Date{}, err
	}
	if d.Day != 1 || (d.Month-1)%3 != 0 {
		return usage.Date{}, fmt.Errorf("%s is not a day Meta changes prices on (January 1, April 1, July 1, October 1)", d)
	}
	return d, nil
}

// parseTiers reads the tiers of a card: each list starts at 0 and runs on
// without gaps or overlaps, only its last tier open-ended.
func parseTiers(c *Card, tiers map[string]map[string][]tierJSON, path string) []error {
	var errs []error
	for _, catKey := range sortedKeys(tiers) {
		cat := usage.ParseCategory(catKey)
		for _, country := range sortedKeys(tiers[catKey]) {
			key := strings.ToUpper(strings.TrimSpace(country))
			place := fmt.Sprintf("%stiers.%s.%s", path, catKey, country)
			if key != AnyCountry && !isAlpha(key, 2) {
				errs = append(errs, fmt.Errorf("%s: country must be an ISO 3166-1 alpha-2 code or \"*\"", place))
				continue
			}
			list, lerrs := parseTierList(tiers[catKey][country], place)
			errs = append(errs, lerrs...)
			if len(lerrs) == 0 && len(list) > 0 {
				if c.Tiers[cat] == nil {
					c.Tiers[cat] = map[string][]Tier{}
				}
				c.Tiers[cat][key] = list
			}
		}
	}
	return errs
}

// checkTierRates makes sure every tier list belongs to a market with a
// message rate, and that its first tier is that rate.
func checkTierRates(c *Card, path string) []error {
	var errs []error
	for cat, byMarket := range c.Tiers {
		for key, list := range byMarket {
			base, ok := c.Messages[cat][key]
			place := fmt.Sprintf("%stiers.%s.%s", path, cat, key)
			switch {
			case !ok:
				errs = append(errs, fmt.Errorf("%s: messages.%s.%s has no rate for these tiers", place, cat, key))
			case list[0].Rate != base:
				errs = append(errs, fmt.Errorf("%s[0].rate: %s differs from messages.%s.%s (%s)", place,
					usage.FormatDecimal(list[0].Rate), cat, key, usage.FormatDecimal(base)))
			}
		}
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	return errs
}

func parseTierList(in []tierJSON, place string) ([]Tier, []error) {
	var errs []error
	out := make([]Tier, 0, len(in))
	next := int64(0)
	for i, w := range in {
		at := fmt.Sprintf("%s[%d]", place, i)
		var t Tier
		switch {
		case w.From == nil:
			errs = append(errs, fmt.Errorf("%s.from: missing", at))
		case *w.From != next:
			errs = append(errs, fmt.Errorf("%s.from: %d, want %d (tiers start at 0 and follow each other without gaps)", at, *w.From, next))
		default:
			t.From = *w.From
		}
		if w.To != nil {
			if *w.To < t.From || *w.To <= 0 {
				errs = append(errs, fmt.Errorf("%s.to: %d is below from", at, *w.To))
			}
			t.To = *w.To
			next = t.To + 1
		} else if i != len(in)-1 {
			errs = append(errs, fmt.Errorf("%s.to: missing (only the last tier has no upper bound)", at))
		}
		n, err := parseRate(w.Rate)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s.rate: %w", at, err))
		}
		t.Rate = n
		out = append(out, t)
	}
	return out, errs
}

func addRate(rates map[string]int64, country, value string) error {
	key := strings.ToUpper(strings.TrimSpace(country))
	if key != AnyCountry && !isAlpha(key, 2) {
		return errors.New("country must be an ISO 3166-1 alpha-2 code or \"*\"")
	}
	n, err := parseRate(value)
	if err != nil {
		return err
	}
	rates[key] = n
	return nil
}

func parseRate(value string) (int64, error) {
	n, err := usage.ParseDecimal(value)
	if err != nil {
		return 0, fmt.Errorf("rate: %w", err)
	}
	if n < 0 {
		return 0, fmt.Errorf("rate %s is negative", value)
	}
	return n, nil
}

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
