package pages

// The words of the dashboard's chart cards and breakdown tables: handlers
// say which chart or table (a Kind) and hand over the figures.

// ChartKind is which chart a chart card shows.
type ChartKind int

// The dashboard's charts.
const (
	ChartMessages     ChartKind = iota + 1 // messages by category
	ChartCosts                             // messaging costs in one currency
	ChartCalls                             // calls, inbound against outbound
	ChartCallDuration                      // call minutes
	ChartForecast                          // the month's running cost and its forecast
)

// costNote is the label every cost on the dashboard carries.
const costNote = "Estimated — Meta's monthly invoice is final."

func chartTitle(p ChartPanel) string {
	switch p.Kind {
	case ChartMessages:
		return "Messages by category"
	case ChartCosts:
		if p.Currency == "" {
			return "Messaging costs"
		}
		return "Messaging costs (" + p.Currency + ")"
	case ChartCalls:
		return "Calls: inbound vs outbound"
	case ChartCallDuration:
		return "Total call duration"
	case ChartForecast:
		return "Month to date and forecast (" + p.Currency + ")"
	}
	return ""
}

// chartSubtitle is the bucket size and the zone of a chart.
func chartSubtitle(p ChartPanel) string {
	per := "per " + granularityNoun(p.Per) + " · " + p.Zone
	switch p.Kind {
	case ChartCallDuration:
		return "minutes " + per
	case ChartForecast:
		return "running total per day · " + p.Zone
	}
	return per
}

// chartEstimated reports whether a chart shows estimated costs.
func chartEstimated(p ChartPanel) bool { return p.Kind == ChartCosts || p.Kind == ChartForecast }

// chartEmpty is the honest empty state of a chart: a title and a sentence.
func chartEmpty(p ChartPanel) (string, string) {
	switch p.Kind {
	case ChartMessages:
		return "No messages in this period", "Nothing was delivered for this scope between " + p.Period + ". Try a longer range or fewer filters."
	case ChartCosts:
		return "No costs in this period", "No billed messages for this scope between " + p.Period + "."
	case ChartCalls:
		return "No calls in this period", "No calls were reported for this scope between " + p.Period + "."
	case ChartCallDuration:
		return "No call minutes in this period", "No call minutes were reported for this scope between " + p.Period + "."
	case ChartForecast:
		return "Nothing to forecast yet", "No usage has been read for this month or the weeks before it."
	}
	return "", ""
}

// BreakdownKind is which table a breakdown is.
type BreakdownKind int

// The dashboard's breakdown tables.
const (
	ByChannel          BreakdownKind = iota + 1 // messages and cost per channel
	ByCountry                                   // per recipient country
	ByPricing                                   // per pricing type
	TodayByCategory                             // webhook-counted messages today, per category
	CallDurations                               // completed webhook calls per duration bucket
	ForecastByCategory                          // the month's forecast per category
	Margins                                     // client price, cost and margin per category
)

// breakdownHead is a table's title, the heading of its label column, its
// caption and the headings of its figure columns.
func breakdownHead(b Breakdown) (title, dimension, caption string, columns []string) {
	switch b.Kind {
	case ByChannel:
		return "By channel", "Channel", "Messages and estimated cost per phone number, " + b.Period,
			[]string{"Messages", "Paid", "Free", "Cost", "Share of messages"}
	case ByCountry:
		return "By country", "Country", "Messages and estimated cost per recipient country",
			[]string{"Messages", "Paid", "Cost", "Share of messages"}
	case ByPricing:
		return "By pricing type", "Pricing type", "Paid and free messages", []string{"Messages", "Cost", "Share of messages"}
	case TodayByCategory:
		return "Today's messages by category", "Category", "Messages counted from webhooks today, by pricing category",
			[]string{"Messages", "Estimated cost"}
	case CallDurations:
		return "Duration of completed calls", "Duration", "Completed calls by duration", []string{"Calls", "Minutes", "Share of calls"}
	case ForecastByCategory:
		return "Forecast by category", "Category", "Month to date and projected month total per category, " + b.Currency,
			[]string{"Messages to date", "Messages forecast", "Cost to date", "Cost forecast"}
	case Margins:
		return "Client price, cost and margin", "Category",
			"Month to date in " + b.Currency + ": what the client is charged, what Meta bills, and the difference",
			[]string{"Messages", "Client price", "Cost", "Margin"}
	}
	return "", "", "", nil
}

// RowName is how a table row is named.
type RowName int

// The ways rows are named.
const (
	RowLabel      RowName = iota // by its Label
	RowUnreported                // a value the source did not report
	RowCountry                   // by the country of its Key (an ISO code, shown beneath)
	RowDuration                  // by the duration bucket of its Key
)

// RowText is the name of a row named so (for the statement's CSV too).
func RowText(name RowName, key, label string) string { return rowLabel(name, key, label) }

// rowLabel and rowSub are a row's name and its muted second line.
func rowLabel(name RowName, key, label string) string {
	switch name {
	case RowUnreported:
		return "Not reported"
	case RowCountry:
		return countryName(key)
	case RowDuration:
		return durationLabel(key)
	}
	return label
}

func rowSub(r BreakdownRow) string {
	switch {
	case r.Name == RowCountry:
		return r.Key
	case r.WABA != "":
		return r.Sub + " · WABA " + r.WABA
	}
	return r.Sub
}

// durationLabel names a bucket of the call duration distribution.
func durationLabel(key string) string {
	switch key {
	case "lt30s":
		return "Under 30 s"
	case "30s-1m":
		return "30 s – 1 min"
	case "1-3m":
		return "1 – 3 min"
	case "3-10m":
		return "3 – 10 min"
	case "ge10m":
		return "10 min or more"
	}
	return key
}
