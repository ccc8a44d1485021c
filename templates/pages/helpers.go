package pages

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/a-h/templ"
)

func boolString(b bool) string { return strconv.FormatBool(b) }

// freshnessText is the freshness line: how current the data is and, when
// the Partner API has paused channels of the scope, until when.
func freshnessText(f Freshness) string {
	s := "Data up to " + dataUntil(f) + " · last successful poll " + lastPoll(f) + " · " + freshnessLabel(f.State)
	if f.PausedChannels > 0 {
		s += " · " + plural(f.PausedChannels, "channel", "channels") + " paused by the Partner API until " + f.PausedUntil
	}
	return s
}

func dataUntil(f Freshness) string {
	if f.DataUntil == "" {
		return "no data yet"
	}
	return f.DataUntil
}

func lastPoll(f Freshness) string {
	if f.LastPoll == "" {
		return "never"
	}
	return f.LastPoll
}

// freshnessLabel is a short word for a freshness state.
func freshnessLabel(state string) string {
	switch state {
	case "fresh":
		return "up to date"
	case "stale":
		return "stale"
	case "failed":
		return "polling failing"
	}
	return "not polled yet"
}

// plural writes a count with its noun ("1 client", "2,000 clients").
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return groupDigits(strconv.Itoa(n)) + " " + many
}

// groupDigits groups a non-negative integer's digits in thousands ("2,000").
func groupDigits(digits string) string {
	for i := len(digits) - 3; i > 0; i -= 3 {
		digits = digits[:i] + "," + digits[i:]
	}
	return digits
}

func pollErrorSummary(n int) string {
	if n == 1 {
		return "1 poll error in the last 24 hours"
	}
	return strconv.Itoa(n) + " poll errors in the last 24 hours"
}

func channelCount(n int) string {
	if n == 1 {
		return "1 channel"
	}
	return strconv.Itoa(n) + " channels"
}

// shareWidth is the inline width of a share bar, clamped to 0–100 %.
func shareWidth(pct int) templ.SafeCSS {
	pct = max(0, min(100, pct))
	return templ.SafeCSS("display:block;height:100%;background:var(--accent);width:" + strconv.Itoa(pct) + "%")
}

func clientCount(n int) string {
	if n == 1 {
		return "1 client"
	}
	return strconv.Itoa(n) + " clients"
}

// csvHref turns a /api/v1/usage link into the same query's CSV export.
func csvHref(apiHref string) string {
	return strings.Replace(apiHref, "/api/v1/usage", "/export/usage.csv", 1)
}

// joinLabels lists names in a sentence ("New Thing (NEW_THING), Other (OTHER)").
func joinLabels(labels []string) string { return strings.Join(labels, ", ") }

// errorTitle is the heading of the error page, in words rather than codes.
func errorTitle(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "That filter doesn't work"
	case http.StatusNotFound:
		return "Not found"
	case http.StatusServiceUnavailable:
		return "Temporarily unavailable"
	case http.StatusNotImplemented:
		return "Not available in this build"
	case http.StatusInternalServerError:
		return "Something went wrong"
	}
	return http.StatusText(status)
}
