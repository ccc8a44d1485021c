// Package components holds the small templ building blocks of Insights
// pages: KPI cards, chart cards with their data tables, data tables,
// freshness lines and empty states. They only display what they are given;
// handlers build the values.
package components

import (
	"fmt"
	"math"
	"strings"

	"github.com/insights-dev/insights/internal/usage"
)

// Delta classes for KPICard. They are neutral on purpose: for a cost, "up"
// is not good news, so the arrow carries the direction and not a colour
// that means good or bad. Use DeltaGood and DeltaBad only where the
// direction truly is better or worse.
const (
	DeltaUp   = "up"
	DeltaDown = "down"
	DeltaFlat = "flat"
	DeltaNA   = "na"
	DeltaGood = "good"
	DeltaBad  = "bad"
)

// DeltaClass is the class of a change: up, down, flat (within ±0.05 %), or
// na when there is no previous value.
func DeltaClass(c usage.Change) string {
	switch {
	case !c.OK:
		return DeltaNA
	case math.Abs(c.Percent) < 0.05:
		return DeltaFlat
	case c.Percent > 0:
		return DeltaUp
	default:
		return DeltaDown
	}
}

// DeltaText writes a change as "+12.3%", "−4.0%", "0.0%" or "n/a" (a
// previous value of zero has no meaningful percentage).
func DeltaText(c usage.Change) string {
	if !c.OK {
		return "n/a"
	}
	switch DeltaClass(c) {
	case DeltaFlat:
		return "0.0%"
	case DeltaUp:
		return fmt.Sprintf("+%.1f%%", c.Percent)
	default:
		return fmt.Sprintf("\u2212%.1f%%", -c.Percent)
	}
}

// deltaClasses turns "up" (or "delta--up") into "delta delta--up".
func deltaClasses(class string) string {
	class = strings.TrimPrefix(strings.TrimSpace(class), "delta--")
	if class == "" {
		class = DeltaFlat
	}
	return "delta delta--" + class
}

// deltaLabel is the spoken form of a delta badge, for screen readers.
func deltaLabel(class, text string) string {
	switch strings.TrimPrefix(class, "delta--") {
	case DeltaUp:
		return "Up " + strings.TrimPrefix(text, "+") + " on the previous period"
	case DeltaDown:
		return "Down " + strings.TrimPrefix(text, "\u2212") + " on the previous period"
	case DeltaNA:
		return "No previous value to compare with"
	}
	return text + " change on the previous period"
}

// chartCardTestID is the data-testid of a chart card.
func chartCardTestID(id string) string { return "chart-card-" + id }

// isNumeric reports whether column i holds numbers (right-aligned, class
// "num"). The cells write their class as a constant: a class expression
// costs templ a CSS-class merge per cell, a third of a long table's render.
func isNumeric(numeric []bool, i int) bool { return i < len(numeric) && numeric[i] }

// freshnessClass maps a state (fresh, stale, failed, unknown) to its class.
func freshnessClass(state string) string {
	switch state {
	case "stale", "failed", "unknown":
		return "freshness freshness--" + state
	}
	return "freshness"
}
