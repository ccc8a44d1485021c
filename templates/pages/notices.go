package pages

import (
	"fmt"
	"strings"
)

// Notice is an honest remark above a page's figures (mixed currencies,
// data points without a cost, a month still running). Handlers say which
// (Kind) and hand over its figures; the templates word it.
type Notice struct {
	Kind NoticeKind
	// Currencies are the currencies the figures are in (NoticeCurrencies,
	// NoticeClientCurrencies); for NoticeCostsNotCompared the rate card's
	// currency, then the Partner API's.
	Currencies []string
	// Count is the number of data points without a cost (NoticeCostMissing), formatted.
	Count string
	// Days and Of: the days without webhook events, of the days shown (NoticeNoWebhookDays).
	Days, Of int
	// Until is the instant a running month's figures reach (NoticeMonthRunning).
	Until string
	// Zone is a time zone not a whole number of half hours from UTC (NoticeApproxZone).
	Zone string
}

// NoticeKind is which remark a notice makes.
type NoticeKind int

// The notices of the pages.
const (
	NoticeCurrencies       NoticeKind = iota + 1 // the scope is billed in several currencies
	NoticeClientCurrencies                       // the partner's clients are billed in several currencies (overview)
	NoticeCostMissing                            // the source reported data points without a cost
	NoticeMonthRunning                           // a statement's month is not over yet
	NoticeApproxZone                             // day boundaries are to the nearest half hour
	NoticeCostsNotCompared                       // reconciliation: the two sources' currencies differ
	NoticeNoAPIData                              // reconciliation: the Partner API reported nothing yet
	NoticeNoWebhookDays                          // reconciliation: days without any webhook event
)

// noticeText words a notice of the dashboard and the reconciliation page.
func noticeText(n Notice) string {
	switch n.Kind {
	case NoticeCurrencies:
		return "This scope is billed in more than one currency (" + strings.Join(n.Currencies, ", ") +
			"); costs are shown per currency and never added together."
	case NoticeClientCurrencies:
		return "Clients are billed in " + strings.Join(n.Currencies, ", ") + ": totals and shares are per currency and never added together."
	case NoticeCostMissing:
		return "The source reported " + n.Count + " data points without a cost; the costs shown leave them out."
	case NoticeCostsNotCompared:
		return "Costs are not compared: the rate card's currency (" + nth(n.Currencies, 0) +
			") differs from the currency the Partner API reports (" + nth(n.Currencies, 1) + ")."
	case NoticeNoAPIData:
		return "The Partner API has reported nothing for this client yet."
	case NoticeNoWebhookDays:
		return fmt.Sprintf("No webhook event was counted on %d of the %d days shown: "+
			"those days are listed but not flagged, and the month summary compares only the other %d.", n.Days, n.Of, n.Of-n.Days)
	}
	return ""
}

// reportNoticeText words a notice of a monthly statement, whose month is
// Month.
func reportNoticeText(n Notice, month string) string {
	switch n.Kind {
	case NoticeCurrencies:
		return "Billed in more than one currency (" + strings.Join(n.Currencies, ", ") + "): costs are shown per currency and never added together."
	case NoticeMonthRunning:
		return month + " is not over yet: the figures cover it up to " + n.Until + "."
	case NoticeApproxZone:
		return n.Zone + " is not a whole number of half hours from UTC: the source reports half hours, so day boundaries are to the nearest half hour."
	}
	return noticeText(n)
}

func nth(list []string, i int) string {
	if i < len(list) {
		return list[i]
	}
	return ""
}
