package pages

import (
	"strings"

	"github.com/insights-dev/insights/internal/usage"
)

// The words of the pieces every dashboard page shares: changes, the filter
// bar. Handlers hand over figures and kinds; these name them.

// Label is what a change badge shows: the change, or a word for why there
// is none.
func (d Delta) Label() string {
	if d.Class == "delta--na" {
		switch d.Why {
		case NoBudget:
			return "no budget"
		case BudgetMonthly:
			return "monthly"
		}
	}
	return d.Text
}

// Title is the sentence behind a change, for tooltips and screen readers.
func (d Delta) Title() string {
	switch d.Class {
	case "delta--up":
		return "up " + strings.TrimPrefix(d.Text, "+") + " on the previous period"
	case "delta--down":
		return "down " + strings.TrimPrefix(d.Text, "−") + " on the previous period"
	case "delta--flat":
		return "unchanged from the previous period"
	}
	switch d.Why {
	case PrevOutsideShare:
		return "No comparison: the previous period lies outside this shared view"
	case MonthOutsideShare:
		return "No comparison: the month before lies outside this shared view"
	case NoCallCosts:
		return "no call costs reported"
	case NoBudget:
		return "No monthly budget is set for this client"
	case BudgetMonthly:
		return "Set by a partner admin"
	}
	return "no previous value to compare with"
}

// presetLabel names a date-range preset.
func presetLabel(key string) string {
	switch key {
	case "today":
		return "Today"
	case "yesterday":
		return "Yesterday"
	case "last_7_days":
		return "Last 7 days"
	case "last_30_days":
		return "Last 30 days"
	case "last_90_days":
		return "Last 90 days"
	case "month_to_date":
		return "Month to date"
	case "this_month":
		return "This month"
	case "last_month":
		return "Last month"
	}
	return key
}

// optionLabel words a choice of the filter bar's field name.
func optionLabel(name string, o Option) string {
	switch {
	case o.Label != "":
		return o.Label
	case o.Value == "":
		return allLabel(name)
	}
	switch name {
	case "granularity":
		return granularityLabel(usage.Granularity(o.Value))
	case "tz":
		if o.Default {
			return o.Value + " (default)"
		}
	case "country":
		return countryName(o.Value) + " (" + o.Value + ")"
	}
	return o.Value
}

// allLabel is the choice of a filter that filters nothing.
func allLabel(name string) string {
	switch name {
	case "waba":
		return "All WABAs"
	case "channel":
		return "All channels"
	case "category":
		return "All categories"
	case "country":
		return "All countries"
	}
	return "All"
}

func granularityLabel(g usage.Granularity) string {
	switch g {
	case usage.HalfHour:
		return "Half-hour"
	case usage.Month:
		return "Month"
	}
	return "Day"
}

// granularityNoun names one bucket of g ("per day").
func granularityNoun(g usage.Granularity) string {
	switch g {
	case usage.HalfHour:
		return "half hour"
	case usage.Month:
		return "month"
	}
	return "day"
}

// overviewTitle heads the overview: the partner's name, or "All clients"
// for an install that kept the default name.
func overviewTitle(partner string) string {
	if partner == "Insights" {
		return "All clients"
	}
	return partner
}

// SparklineTitle names an overview sparkline, for the chart's own
// accessible title: messages per bucket of g for a client.
func SparklineTitle(g usage.Granularity, client string) string {
	return "Messages per " + granularityNoun(g) + " for " + client
}
