package ratecard

import (
	"embed"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/insights-dev/insights/internal/usage"
)

// Book holds dated rate cards in one or more currencies and answers which one
// is in force on a day. A nil Book knows no prices.
type Book struct {
	// byCurrency holds each currency's cards, oldest first.
	byCurrency map[string][]*Card
	// currencies lists the currencies in the order their first card came.
	currencies []string
}

// NewBook gathers cards into a book. Two cards of one currency and
// effective date are an error.
func NewBook(cards ...*Card) (*Book, error) {
	b := &Book{byCurrency: map[string][]*Card{}}
	for _, c := range cards {
		if c == nil {
			continue
		}
		list := b.byCurrency[c.Currency]
		for _, o := range list {
			if o.EffectiveFrom == c.EffectiveFrom {
				return nil, fmt.Errorf("ratecard: two cards in %s from %s (%s, %s)", c.Currency, c.EffectiveFrom, o.ID, c.ID)
			}
		}
		if list == nil {
			b.currencies = append(b.currencies, c.Currency)
		}
		list = append(list, c)
		sort.SliceStable(list, func(i, j int) bool { return list[i].EffectiveFrom.Before(list[j].EffectiveFrom) })
		b.byCurrency[c.Currency] = list
	}
	if len(b.currencies) == 0 {
		return nil, fmt.Errorf("ratecard: a book needs at least one card")
	}
	return b, nil
}

// For is the card in force on day (UTC) in currency: the latest card of that
// currency whose effective date is not after day. An empty currency means
// the book's default one. Nil when the book has no card of the currency, or
// none yet on that day.
func (b *Book) For(day usage.Date, currency string) *Card {
	if b == nil {
		return nil
	}
	if currency == "" {
		currency = b.DefaultCurrency()
	}
	list := b.byCurrency[usage.NormalizeCurrency(currency)]
	i := sort.Search(len(list), func(i int) bool { return day.Before(list[i].EffectiveFrom) })
	if i == 0 {
		return nil
	}
	return list[i-1]
}

// At is For of the UTC day of t.
func (b *Book) At(t time.Time, currency string) *Card {
	return b.For(usage.DateOf(t.UTC()), currency)
}

// Pick is the card in force on day in currency when the book has that
// currency, else in the book's default currency: what webhook estimates
// use, so that a channel billed in a currency the book lacks is still
// estimated (in another currency, which reconciliation then does not
// compare).
func (b *Book) Pick(day usage.Date, currency string) *Card {
	if b == nil {
		return nil
	}
	if !b.Has(currency) {
		currency = ""
	}
	return b.For(day, currency)
}

// Has reports whether the book holds cards in currency.
func (b *Book) Has(currency string) bool {
	if b == nil {
		return false
	}
	_, ok := b.byCurrency[usage.NormalizeCurrency(currency)]
	return ok
}

// Currency is the currency the book estimates in for a client billed in
// currency: that one when the book has it, else the default currency.
func (b *Book) Currency(currency string) string {
	if b.Has(currency) {
		return usage.NormalizeCurrency(currency)
	}
	return b.DefaultCurrency()
}

// DefaultCurrency is the currency of the book's first card (USD for the
// built-in book); "" for a nil book.
func (b *Book) DefaultCurrency() string {
	if b == nil || len(b.currencies) == 0 {
		return ""
	}
	return b.currencies[0]
}

// Currencies lists the book's currencies, the default one first.
func (b *Book) Currencies() []string {
	if b == nil {
		return nil
	}
	return append([]string(nil), b.currencies...)
}

// Cards lists every card, by currency (default first), oldest first.
func (b *Book) Cards() []*Card {
	if b == nil {
		return nil
	}
	var out []*Card
	for _, cur := range b.currencies {
		out = append(out, b.byCurrency[cur]...)
	}
	return out
}

//go:embed builtin/*.json
var builtinFS embed.FS

// Builtin returns the built-in book (see the package doc). Each call
// returns a fresh copy, which the caller may change.
func Builtin() *Book {
	files, err := builtinFS.ReadDir("builtin")
	if err != nil {
		panic(fmt.Sprintf("ratecard: built-in cards: %v", err))
	}
	var cards []*Card
	for _, f := range files {
		data, err := builtinFS.ReadFile("builtin/" + f.Name())
		if err != nil {
			panic(fmt.Sprintf("ratecard: built-in cards: %v", err))
		}
		cs, err := Parse(data, "built-in")
		if err != nil {
			// The embedded files are part of the source and covered by tests.
			panic(fmt.Sprintf("ratecard: built-in cards (%s): %v", f.Name(), err))
		}
		cards = append(cards, cs...)
	}
	b, err := NewBook(cards...)
	if err != nil {
		panic(fmt.Sprintf("ratecard: built-in cards: %v", err))
	}
	return b
}

// Load reads a rate-card file (INSIGHTS_RATE_CARD) in the format of the
// package doc; its cards are named "file NAME DATE CURRENCY". Errors name
// the file and every bad place in it.
func Load(path string) (*Book, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ratecard: read: %w", err)
	}
	cards, err := Parse(data, "file "+filepath.Base(path))
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	b, err := NewBook(cards...)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return b, nil
}

// Single is a book of one card, for tests and callers that price with one
// card whatever the day: it applies from 2000-01-01.
func Single(c *Card) *Book {
	if c.EffectiveFrom.IsZero() {
		c.EffectiveFrom = legacyFrom
	}
	b, err := NewBook(c)
	if err != nil { // cannot happen with one card
		panic(err)
	}
	return b
}
