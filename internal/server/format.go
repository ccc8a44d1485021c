package server

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/insights-dev/insights/internal/usage"
	"github.com/insights-dev/insights/templates/pages"
)

// Display formatting for pages. The dashboard speaks English with Latin
// digits, so thousands are grouped with commas and the decimal mark is a dot;
// money is formatted from exact nano-units, never through float64.

// currencySymbols maps ISO 4217 codes to the symbol shown before an amount.
// Codes without an entry are shown as "CODE 1,234.00".
var currencySymbols = map[string]string{
	"EUR": "€", "USD": "$", "GBP": "£", "INR": "₹", "BRL": "R$", "JPY": "¥",
	"CNY": "CN¥", "AUD": "A$", "CAD": "CA$", "MXN": "MX$", "NZD": "NZ$", "HKD": "HK$",
	"SGD": "S$", "ILS": "₪", "TRY": "₺", "KRW": "₩", "NGN": "₦", "PHP": "₱",
	"IDR": "Rp", "ZAR": "R", "PLN": "zł ", "CHF": "CHF ", "SEK": "SEK ", "AED": "AED ",
}

// zeroDecimalCurrencies have no minor unit in everyday use.
var zeroDecimalCurrencies = map[string]bool{"JPY": true, "KRW": true, "IDR": true}

// currencySymbol returns the symbol written before an amount in currency.
func currencySymbol(currency string) string {
	currency = usage.NormalizeCurrency(currency)
	if s, ok := currencySymbols[currency]; ok {
		return s
	}
	if currency == "" {
		return ""
	}
	return currency + " "
}

// groupThousands inserts commas into a string of digits ("1234567" → "1,234,567").
func groupThousands(digits string) string {
	if len(digits) <= 3 {
		return digits
	}
	var b strings.Builder
	head := len(digits) % 3
	if head > 0 {
		b.WriteString(digits[:head])
	}
	for i := head; i < len(digits); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

// formatInt writes n with thousands separators ("−1,234" uses a true minus).
func formatInt(n int64) string {
	if n < 0 {
		if n == math.MinInt64 {
			return "−" + groupThousands(strings.TrimPrefix(strconv.FormatInt(n, 10), "-"))
		}
		return "−" + groupThousands(strconv.FormatInt(-n, 10))
	}
	return groupThousands(strconv.FormatInt(n, 10))
}

// formatDecimalString groups the integer part of a plain decimal ("1234.5").
func formatDecimalString(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, hasFrac := strings.Cut(s, ".")
	out := groupThousands(whole)
	if hasFrac {
		out += "." + frac
	}
	if neg && strings.Trim(s, "0.") != "" {
		out = "−" + out
	}
	return out
}

// formatMoney writes an exact amount with its currency symbol, grouped and
// rounded to the currency's usual decimals: "€1,234.57", "R$0.08", "CHF 12.00".
func formatMoney(currency string, nanos int64) string {
	digits := 2
	if zeroDecimalCurrencies[usage.NormalizeCurrency(currency)] {
		digits = 0
	}
	s := formatDecimalString(usage.FormatFixed(nanos, digits))
	if neg := strings.HasPrefix(s, "−"); neg {
		return "−" + currencySymbol(currency) + strings.TrimPrefix(s, "−")
	}
	return currencySymbol(currency) + s
}

// formatChange turns a usage.Change into its display form: signed percent with
// one decimal, "n/a" when the previous value is zero (never infinity). The
// sentence behind it is the view's (pages.Delta.Title).
func formatChange(c usage.Change) pages.Delta {
	if !c.OK {
		return pages.Delta{Text: "n/a", Class: "delta--na", Why: pages.NoPrevious}
	}
	p := math.Round(c.Percent*10) / 10
	switch {
	case p > 0:
		return pages.Delta{Text: "+" + formatPercentNumber(p) + "%", Class: "delta--up"}
	case p < 0:
		return pages.Delta{Text: "−" + formatPercentNumber(-p) + "%", Class: "delta--down"}
	}
	return pages.Delta{Text: "0.0%", Class: "delta--flat"}
}

// noChange is a change that is not shown, and why.
func noChange(why pages.NoChange) pages.Delta {
	return pages.Delta{Text: "n/a", Class: "delta--na", Why: why}
}

// formatPercentNumber writes a non-negative percentage with one decimal and
// thousands separators ("1,250.0").
func formatPercentNumber(p float64) string {
	s := strconv.FormatFloat(p, 'f', 1, 64)
	return formatDecimalString(s)
}

// formatShare writes part/total as a percentage with one decimal ("42.5%");
// "–" when the total is zero.
func formatShare(part, total int64) string {
	if total == 0 {
		return "–"
	}
	return formatPercentNumber(float64(part)*100/float64(total)) + "%"
}

// formatDuration writes seconds as "1h 02m", "4m 05s" or "38s".
func formatDuration(seconds int64) string {
	if seconds < 0 {
		seconds = 0
	}
	h, m, s := seconds/3600, seconds%3600/60, seconds%60
	switch {
	case h > 0:
		return fmt.Sprintf("%sh %02dm", formatInt(h), m)
	case m > 0:
		return fmt.Sprintf("%dm %02ds", m, s)
	}
	return fmt.Sprintf("%ds", s)
}

// formatMinutes writes a duration in seconds as minutes with one decimal,
// rounded down like the API's minutes ("1,234.5").
func formatMinutes(seconds int64) string {
	tenths := seconds * 10 / 60
	return formatInt(tenths/10) + "." + strconv.FormatInt(tenths%10, 10)
}

// formatDate writes a calendar day as "3 Mar 2026".
func formatDate(d usage.Date) string {
	return d.In(time.UTC).Format("2 Jan 2006")
}

// formatPeriod writes a period as "1 – 30 Nov 2026", "3 Oct – 1 Nov 2026" or
// "28 Dec 2025 – 3 Jan 2026", or a single day.
func formatPeriod(p usage.Period) string {
	f, t := p.From.In(time.UTC), p.To.In(time.UTC)
	switch {
	case p.From == p.To:
		return formatDate(p.From)
	case f.Year() != t.Year():
		return f.Format("2 Jan 2006") + " – " + t.Format("2 Jan 2006")
	case f.Month() != t.Month():
		return f.Format("2 Jan") + " – " + t.Format("2 Jan 2006")
	}
	return f.Format("2") + " – " + t.Format("2 Jan 2006")
}

// formatInstant writes an instant in loc as "3 Mar 2026, 14:05 CET".
func formatInstant(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "never"
	}
	return t.In(loc).Format("2 Jan 2006, 15:04 MST")
}
