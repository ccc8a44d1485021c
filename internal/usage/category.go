package usage

import "strings"

// Category is a Meta pricing category as reported by the usage endpoint, in
// upper case. Values Insights does not know are kept as they come.
type Category string

// Known Meta pricing categories.
const (
	CategoryMarketing                   Category = "MARKETING"
	CategoryMarketingLite               Category = "MARKETING_LITE"
	CategoryUtility                     Category = "UTILITY"
	CategoryAuthentication              Category = "AUTHENTICATION"
	CategoryAuthenticationInternational Category = "AUTHENTICATION_INTERNATIONAL"
	CategoryService                     Category = "SERVICE"
	CategoryReferralConversion          Category = "REFERRAL_CONVERSION"
	// CategoryMetaBusinessAgent is the category Insights assumes for replies
	// written by Meta Business Agent, billed per token since 2026-08-01: its
	// volume counts tokens, not messages. Meta has not documented the
	// spelling its analytics use; this one is an assumption.
	CategoryMetaBusinessAgent Category = "META_BUSINESS_AGENT"
)

// KnownCategories lists the known categories in display order.
var KnownCategories = []Category{
	CategoryMarketing, CategoryMarketingLite, CategoryUtility, CategoryAuthentication,
	CategoryAuthenticationInternational, CategoryService, CategoryReferralConversion, CategoryMetaBusinessAgent,
}

var categoryLabels = map[Category]string{
	CategoryMarketing:                   "Marketing",
	CategoryMarketingLite:               "Marketing Lite",
	CategoryUtility:                     "Utility",
	CategoryAuthentication:              "Authentication",
	CategoryAuthenticationInternational: "Authentication International",
	CategoryService:                     "Service",
	CategoryReferralConversion:          "Referral Conversion",
	CategoryMetaBusinessAgent:           "Meta Business Agent",
}

// ParseCategory normalises a category from any source ("marketing_lite" from a
// webhook, "MARKETING_LITE" from the API). Unknown values are kept, upper-cased.
func ParseCategory(s string) Category {
	return Category(strings.ToUpper(strings.TrimSpace(s)))
}

// Label is the human name ("Marketing Lite"); unknown categories are title-cased.
func (c Category) Label() string {
	if l, ok := categoryLabels[c]; ok {
		return l
	}
	return humanize(string(c))
}

// Unit is what the volume of a category counts.
type Unit string

// Units of volume.
const (
	// UnitMessage: one unit is one message, the unit of every category but
	// those billed otherwise (and of categories Insights does not know).
	UnitMessage Unit = "message"
	// UnitToken: one unit is one token of text (Meta Business Agent).
	UnitToken Unit = "token"
)

// Noun is the unit's name for a count of n ("1 token", "2 tokens").
func (u Unit) Noun(n int64) string {
	name := string(u)
	if name == "" {
		name = string(UnitMessage)
	}
	if n == 1 || n == -1 {
		return name
	}
	return name + "s"
}

// tokenCategories are the categories whose volume counts tokens.
var tokenCategories = []Category{CategoryMetaBusinessAgent}

// TokenCategories lists the categories whose volume counts tokens, not
// messages: their volume is never added to message counts (the store keeps
// it apart as units).
func TokenCategories() []Category { return append([]Category(nil), tokenCategories...) }

// Unit is what the volume of c counts: tokens for the token categories,
// messages for every other category, known or not.
func (c Category) Unit() Unit {
	for _, t := range tokenCategories {
		if c == t {
			return UnitToken
		}
	}
	return UnitMessage
}

// Known reports whether c is one of the documented categories.
func (c Category) Known() bool { _, ok := categoryLabels[c]; return ok }

// Rank orders categories for display: known ones first in their order, then others.
func (c Category) Rank() int {
	for i, k := range KnownCategories {
		if k == c {
			return i
		}
	}
	return len(KnownCategories)
}

// PricingType says whether a message was billed (REGULAR) or free and why.
type PricingType string

// Known pricing types.
const (
	PricingRegular             PricingType = "REGULAR"
	PricingFreeCustomerService PricingType = "FREE_CUSTOMER_SERVICE"
	PricingFreeEntryPoint      PricingType = "FREE_ENTRY_POINT"
)

// KnownPricingTypes lists the known pricing types in display order.
var KnownPricingTypes = []PricingType{PricingRegular, PricingFreeCustomerService, PricingFreeEntryPoint}

var pricingTypeLabels = map[PricingType]string{
	PricingRegular:             "Regular (paid)",
	PricingFreeCustomerService: "Free customer service",
	PricingFreeEntryPoint:      "Free entry point",
}

// ParsePricingType normalises a pricing type; unknown values are kept, upper-cased.
func ParsePricingType(s string) PricingType {
	return PricingType(strings.ToUpper(strings.TrimSpace(s)))
}

// Label is the human name of the pricing type.
func (p PricingType) Label() string {
	if l, ok := pricingTypeLabels[p]; ok {
		return l
	}
	return humanize(string(p))
}

// Free reports whether messages of this type are not charged: the FREE_*
// types (FREE_CUSTOMER_SERVICE, FREE_ENTRY_POINT and any new free type).
// Free or paid is decided by the pricing type alone, never by the category:
// a SERVICE message of type REGULAR is paid (since 2026-10-01), and a
// missing type counts as paid.
func (p PricingType) Free() bool { return strings.HasPrefix(string(p), "FREE") }

// Direction is a call's direction as Meta reports it.
type Direction string

// Call directions.
const (
	DirectionInbound  Direction = "USER_INITIATED"     // the user called the business; free
	DirectionOutbound Direction = "BUSINESS_INITIATED" // the business called the user; billed
)

// ParseDirection normalises a direction; unknown values are kept, upper-cased.
func ParseDirection(s string) Direction { return Direction(strings.ToUpper(strings.TrimSpace(s))) }

// Label is "Inbound", "Outbound" or the raw value.
func (d Direction) Label() string {
	switch d {
	case DirectionInbound:
		return "Inbound"
	case DirectionOutbound:
		return "Outbound"
	}
	return humanize(string(d))
}

func humanize(s string) string {
	words := strings.Fields(strings.ReplaceAll(strings.ToLower(s), "_", " "))
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}
