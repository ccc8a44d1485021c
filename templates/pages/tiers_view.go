package pages

import "strconv"

// TiersPanel is the "Volume tiers" section of a client's Insights view:
// per market and category, the month's volume, the current volume tier,
// how far the next one is and what it would cost per message.
type TiersPanel struct {
	// Show is false when the view has no tiers section (a channel view, a
	// share link whose dates leave out the month so far, or an error).
	Show bool
	// Month names the month ("November 2026"); Zone is the client's zone.
	Month, Zone string
	Rows        []TierRowView
	// WABAs is the number of WABAs the client's channels span; with more
	// than one the panel says that Meta counts tiers per business portfolio.
	WABAs int
	// Card names the rate card the rates come from.
	Card string
}

// TierRowView is one market and category of the tiers table, formatted.
type TierRowView struct {
	// Country is the market's ISO code (named "India (IN)"), or "" for a
	// market that is one of Meta's regions (Region names it).
	Country  string
	Region   string
	Category string
	Volume   string // "700,000"
	Tier     string // "0:750000"
	// Source says where the tier comes from: "usage", "webhook" or "card".
	Source   string
	NextAt   string // where the next tier starts ("750,001"); "—" in the last tier
	ToGo     string // "50,000"; "—" without an upper bound
	PriceNow string // "$0.004"; "—" when the card has no rate
	// PriceNext is the next tier's rate; "" when there is no next tier.
	PriceNext string
	// PaceVolume is the month's volume at the current pace ("2,100,000"),
	// "" when not known; PaceSaving what the messages past the next tier's
	// start would save at its rate ("$675.00"), "" when the pace does not
	// reach it.
	PaceVolume, PaceSaving string
	// Flat marks a market and category without volume tiers (one tier
	// from 0 to MAX): one rate whatever the volume.
	Flat bool
}

func intString(n int) string { return strconv.Itoa(n) }

// tierSource names where a tier comes from.
func tierSource(source string) string {
	switch source {
	case "usage":
		return "from usage"
	case "webhook":
		return "from a tier update"
	default:
		return "from the rate card"
	}
}

// tierMarket names a tier row's market.
func tierMarket(r TierRowView) string {
	if r.Country != "" {
		return countryName(r.Country) + " (" + r.Country + ")"
	}
	return r.Region
}
