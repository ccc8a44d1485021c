package charts

import (
	"hash/fnv"

	"github.com/insights-dev/insights/internal/usage"
)

// categoryColors gives every known category the same colour on every page
// and in both themes (mid-tone hues that read on light and dark).
var categoryColors = map[usage.Category]string{
	usage.CategoryMarketing:                   "#5b6cf0",
	usage.CategoryMarketingLite:               "#9aa8ff",
	usage.CategoryUtility:                     "#14b8a6",
	usage.CategoryAuthentication:              "#f59e0b",
	usage.CategoryAuthenticationInternational: "#c2410c",
	usage.CategoryService:                     "#22c55e",
	usage.CategoryReferralConversion:          "#ec4899",
}

// extraColors serve unknown categories and directions, chosen by a hash of
// the name so that a value keeps its colour from page to page.
var extraColors = []string{"#8b5cf6", "#0ea5e9", "#64748b", "#a16207", "#db2777", "#0d9488", "#7c3aed", "#475569"}

// directionColors are the call directions' colours.
var directionColors = map[usage.Direction]string{
	usage.DirectionInbound:  "#14b8a6",
	usage.DirectionOutbound: "#5b6cf0",
}

// CategoryColor is the stable colour of category c.
func CategoryColor(c usage.Category) string {
	if col, ok := categoryColors[c]; ok {
		return col
	}
	return hashColor(string(c))
}

// DirectionColor is the stable colour of call direction d.
func DirectionColor(d usage.Direction) string {
	if col, ok := directionColors[d]; ok {
		return col
	}
	return hashColor(string(d))
}

func hashColor(s string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(s))
	return extraColors[h.Sum32()%uint32(len(extraColors))]
}
