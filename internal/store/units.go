package store

import (
	"slices"
	"strings"

	"github.com/insights-dev/insights/internal/usage"
)

// Units of volume in SQL. The volume of a token category
// (usage.TokenCategories: Meta Business Agent) counts tokens, not messages:
// every read sums it apart, as units, and never into the message volume;
// the rollups without a category column (usage_channel_daily,
// usage_client_daily) hold message volume only. The costs of every
// category are summed as before.

// tokenList is the SQL list of the token categories, "('META_BUSINESS_AGENT')":
// constants of package usage, quoted, never user input.
func tokenList() string {
	cats := usage.TokenCategories()
	quoted := make([]string, len(cats))
	for i, c := range cats {
		quoted[i] = "'" + strings.ReplaceAll(string(c), "'", "''") + "'"
	}
	return "(" + strings.Join(quoted, ", ") + ")"
}

// messagesOf is the SQL of value for a row whose category column is col
// when it counts messages, else 0.
func messagesOf(col, value string) string {
	return "CASE WHEN " + col + " IN " + tokenList() + " THEN 0 ELSE " + value + " END"
}

// unitsOf is the SQL of value for a row whose category column is col when
// it counts tokens, else 0.
func unitsOf(col, value string) string {
	return "CASE WHEN " + col + " IN " + tokenList() + " THEN " + value + " ELSE 0 END"
}

// categoryUnits says which units the categories a filter keeps count:
// messages, tokens, or both (also when it keeps every category).
func categoryUnits(cats []string) (messages, tokens bool) {
	if len(cats) == 0 {
		return true, true
	}
	for _, c := range cats {
		if usage.Category(c).Unit() == usage.UnitMessage {
			messages = true
		} else {
			tokens = true
		}
	}
	return messages, tokens
}

// volumeSums are the select expressions of src's message volume and units
// for f: the categories f keeps decide which of the two can be non-zero
// (a plain SUM where only one can), and units are summed only when the rows
// are kept apart by category, so that every source answers alike (the
// category-less rollups have no units to give).
func (src usageSource) volumeSums(f UsageFilter, groups []usage.GroupField) (volume, units string) {
	if src.categoryless {
		return "SUM(" + src.volume + ")", "0"
	}
	messages, tokens := categoryUnits(f.Categories)
	switch {
	case !tokens:
		volume = "SUM(" + src.volume + ")"
	case !messages:
		volume = "0"
	default:
		volume = "SUM(" + messagesOf("u.category", src.volume) + ")"
	}
	switch {
	case !tokens || !slices.Contains(groups, usage.ByCategory):
		units = "0"
	case !messages:
		units = "SUM(" + src.volume + ")"
	default:
		units = "SUM(" + unitsOf("u.category", src.volume) + ")"
	}
	return volume, units
}
