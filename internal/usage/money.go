package usage

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
)

// NanosPerUnit is the number of nano-units in one major currency unit.
const NanosPerUnit = 1_000_000_000

// maxFractionDigits is the precision of the nano-unit representation.
const maxFractionDigits = 9

// ErrInexact is returned when a decimal needs more precision than nano-units hold.
var ErrInexact = errors.New("more than 9 decimal places")

// Money is an exact amount in one currency. Nanos counts 1e-9 of the major
// unit (so 13.0812 USD is Nanos 13_081_200_000, Currency "USD").
type Money struct {
	Currency string
	Nanos    int64
}

// NormalizeCurrency upper-cases and trims an ISO 4217 code ("eur" → "EUR").
func NormalizeCurrency(c string) string { return strings.ToUpper(strings.TrimSpace(c)) }

// ParseDecimal reads a decimal number such as "13.0812", "-0.5" or "1e-3"
// exactly into nano-units. It never goes through float64.
func ParseDecimal(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty number")
	}
	if n, ok := parsePlainNanos(s); ok {
		return n, nil
	}
	return parseRatNanos(s)
}

// parsePlainNanos is ParseDecimal for the usual form of an amount, without
// big.Rat: an optional minus, at most nine whole digits and at most nine
// decimals ("13.0812", "-0.5"). ok is false for any other text.
func parsePlainNanos(s string) (n int64, ok bool) {
	i := 0
	if s[0] == '-' {
		i++
	}
	whole := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		n = n*10 + int64(s[i]-'0')
		whole++
	}
	frac := 0
	if i < len(s) && s[i] == '.' {
		for i++; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			n = n*10 + int64(s[i]-'0')
			frac++
		}
		if frac == 0 {
			return 0, false
		}
	}
	if i != len(s) || whole == 0 || whole > maxFractionDigits || frac > maxFractionDigits {
		return 0, false
	}
	for ; frac < maxFractionDigits; frac++ {
		n *= 10
	}
	if s[0] == '-' {
		n = -n
	}
	return n, true
}

// parseRatNanos is ParseDecimal for every other form, exactly through big.Rat.
func parseRatNanos(s string) (int64, error) {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0, fmt.Errorf("not a decimal number: %q", s)
	}
	r.Mul(r, big.NewRat(NanosPerUnit, 1))
	if !r.IsInt() {
		return 0, fmt.Errorf("%q: %w", s, ErrInexact)
	}
	n := r.Num()
	if !n.IsInt64() {
		return 0, fmt.Errorf("%q: out of range", s)
	}
	return n.Int64(), nil
}

// ParsePlainDecimal reads an amount a person typed: digits with an optional
// minus sign and decimal point ("500", "1250.50", "-0.5"), nothing else —
// no exponents, hex, underscores, fractions or signs that ParseDecimal
// accepts from machine-written JSON — so what is stored is what the person
// meant. The result is in nano-units, like ParseDecimal's.
func ParsePlainDecimal(s string) (int64, error) {
	s = strings.TrimSpace(s)
	digits := strings.TrimPrefix(s, "-")
	whole, frac, dot := strings.Cut(digits, ".")
	if !allDigits(whole) || dot && !allDigits(frac) {
		return 0, fmt.Errorf("not a plain decimal number (digits and one decimal point): %q", s)
	}
	return ParseDecimal(s)
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// FormatDecimal writes nano-units as a plain decimal string with at least two
// fraction digits and no trailing zeros beyond them ("13.0812", "0.00", "-1.50").
func FormatDecimal(nanos int64) string {
	return formatNanos(nanos, 2)
}

// FormatFixed writes nano-units rounded half away from zero to exactly digits
// fraction digits, for display ("13.08").
func FormatFixed(nanos int64, digits int) string {
	if digits < 0 || digits > maxFractionDigits {
		digits = 2
	}
	step := int64(math.Pow10(maxFractionDigits - digits))
	q, r := nanos/step, nanos%step
	if 2*abs64(r) >= step {
		if nanos < 0 {
			q--
		} else {
			q++
		}
	}
	s := formatNanos(q*step, digits)
	if i := strings.IndexByte(s, '.'); i >= 0 && len(s)-i-1 > digits {
		s = s[:i+1+digits]
	}
	if digits == 0 {
		s = strings.TrimSuffix(s, ".")
	}
	return s
}

func formatNanos(nanos int64, minDigits int) string {
	neg := nanos < 0
	u := uint64(nanos)
	if neg {
		u = uint64(-nanos)
	}
	whole := u / NanosPerUnit
	frac := fmt.Sprintf("%09d", u%NanosPerUnit)
	frac = strings.TrimRight(frac, "0")
	for len(frac) < minDigits {
		frac += "0"
	}
	s := strconv.FormatUint(whole, 10)
	if frac != "" {
		s += "." + frac
	}
	if neg {
		s = "-" + s
	}
	return s
}

func abs64(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// MulRate returns volume × rate exactly, in nano-units (rate in nano-units per item).
func MulRate(volume, rateNanos int64) int64 { return volume * rateNanos }

// String formats as "13.0812 USD".
func (m Money) String() string { return FormatDecimal(m.Nanos) + " " + m.Currency }

// Totals sums money per currency; different currencies are never added.
type Totals map[string]int64

// Add adds nanos in currency.
func (t Totals) Add(currency string, nanos int64) { t[currency] += nanos }

// Currencies lists the currencies present, sorted.
func (t Totals) Currencies() []string {
	out := make([]string, 0, len(t))
	for c := range t {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// List returns the totals as Money values sorted by currency.
func (t Totals) List() []Money {
	out := make([]Money, 0, len(t))
	for _, c := range t.Currencies() {
		out = append(out, Money{Currency: c, Nanos: t[c]})
	}
	return out
}
