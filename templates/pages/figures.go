package pages

import "strconv"

// Measure is what a headline figure (a KPI card, a stat, a statement's
// total) counts; the templates word its label.
type Measure int

// The measures of the dashboard's figures.
const (
	MeasureMessages      Measure = iota + 1 // messages in the period
	MeasureCost                             // cost in KPI.Currency ("" when none was reported)
	MeasurePaid                             // paid messages
	MeasureFree                             // free messages
	MeasureActiveClients                    // clients with messages in the period
	MeasureCalls                            // voice calls
	MeasureMinutes                          // call minutes
	MeasureAvgDuration                      // average call duration
	MeasureForecast                         // the month's cost forecast (KPI.Month)
	MeasureMonthToDate                      // the month's cost so far
	MeasureBudget                           // the month's budget (KPI.Month)
	MeasureMessagesToday                    // webhook-counted messages since midnight
	MeasureEstimatedCost                    // a webhook (rate-card) estimate in Stat.Currency
	MeasureCallsToday                       // webhook-counted completed calls since midnight
	MeasureMinutesToday                     // their minutes
	MeasureCompleted                        // completed calls (call detail)
	MeasureFailed                           // failed calls
	MeasureMissed                           // missed or unanswered calls
	MeasureOpen                             // calls still open
)

// label words a measure on the dashboard, with its currency and month.
func (m Measure) label(currency, month string) string {
	switch m {
	case MeasureMessages:
		return "Total messages"
	case MeasureCost:
		if currency == "" {
			return "Total cost"
		}
		return "Total cost (" + currency + ")"
	case MeasurePaid:
		return "Paid messages"
	case MeasureFree:
		return "Free messages"
	case MeasureActiveClients:
		return "Active clients"
	case MeasureCalls:
		return "Total calls"
	case MeasureMinutes:
		return "Total minutes"
	case MeasureAvgDuration:
		return "Average duration"
	case MeasureForecast:
		return "Forecast for " + month
	case MeasureMonthToDate:
		return "Month to date"
	case MeasureBudget:
		return "Budget for " + month
	case MeasureMessagesToday:
		return "Messages today"
	case MeasureEstimatedCost:
		return "Estimated cost (" + currency + ")"
	case MeasureCallsToday:
		return "Completed calls today"
	case MeasureMinutesToday:
		return "Call minutes today"
	case MeasureCompleted:
		return "Completed"
	case MeasureFailed:
		return "Failed"
	case MeasureMissed:
		return "Missed or not answered"
	case MeasureOpen:
		return "Still open"
	}
	return ""
}

func kpiLabel(k KPI) string   { return k.Measure.label(k.Currency, k.Month) }
func statLabel(s Stat) string { return s.Measure.label(s.Currency, "") }

// kpiPrevious is the comparison line of a KPI card, after "vs".
func kpiPrevious(k KPI) string {
	switch {
	case k.VsBudget:
		return "budget " + k.Previous
	case k.PrevPeriod != "":
		return k.Previous + " in " + k.PrevPeriod
	}
	return k.Previous
}

// Sub is the second line under a figure: Kind says what its figures are.
type Sub struct {
	Kind SubKind
	A, B string // formatted figures, as Kind says
	N, M int    // counts, as Kind says
}

// SubKind is what a figure's second line says.
type SubKind int

// The second lines of figures.
const (
	SubNone            SubKind = iota
	SubShareOfMessages         // A: the share of all messages ("42.5%")
	SubShareOfCalls            // A: the share of all calls
	SubInOut                   // A inbound, B outbound calls
	SubClientsBilled           // N clients billed in the figure's currency
	SubActiveOf                // of N clients, M channels
	SubRange                   // the likely range, A to B
	SubDaysOf                  // N of M days
	SubLeft                    // A left of a budget
	SubWithoutRate             // A messages without a rate, left out of the estimate
	SubMinutes                 // A minutes
	SubOpenCall                // connected, no terminate event yet
)

// text words a second line; currency is the figure's.
func (s Sub) text(currency string) string {
	switch s.Kind {
	case SubShareOfMessages:
		return s.A + " of messages"
	case SubShareOfCalls:
		return s.A + " of calls"
	case SubInOut:
		return s.A + " inbound · " + s.B + " outbound"
	case SubClientsBilled:
		return plural(s.N, "client", "clients") + " billed in " + currency
	case SubActiveOf:
		return "of " + plural(s.N, "client", "clients") + " · " + plural(s.M, "channel", "channels")
	case SubRange:
		return "range " + s.A + " – " + s.B
	case SubDaysOf:
		return strconv.Itoa(s.N) + " of " + strconv.Itoa(s.M) + " days"
	case SubLeft:
		return s.A + " left"
	case SubWithoutRate:
		return s.A + " messages without a rate left out"
	case SubMinutes:
		return s.A + " minutes"
	case SubOpenCall:
		return "connected, no terminate event yet"
	}
	return ""
}
