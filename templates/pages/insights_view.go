package pages

import "strings"

// The words of the Insights view's heading and of its webhook sections.

// crumbLabel names a step of the breadcrumb trail.
func crumbLabel(c Crumb) string {
	if c.Home {
		return "Overview"
	}
	return c.Label
}

// scopeLine is the subtitle of an Insights view: what it covers.
func scopeLine(s ScopeLine) string {
	switch {
	case len(s.Channels) > 0:
		return "Channel " + strings.Join(s.Channels, ", ")
	case s.Channel != "" && s.WABA != "":
		return "Channel " + s.Channel + " · WABA " + s.WABA
	case s.Channel != "":
		return "Channel " + s.Channel
	case len(s.WABAs) > 0:
		return "WABA " + strings.Join(s.WABAs, ", ")
	}
	return "All channels of the client"
}

// insightsPrevious is the comparison period, or why there is none.
func insightsPrevious(v InsightsView) string {
	if v.PrevHidden {
		return "no earlier period: it lies outside this shared view"
	}
	return v.Previous
}

// webhookTodayNote says what the real-time figures are and are not.
const webhookTodayNote = "Real-time estimates counted from webhook events as they arrive, ahead of the Partner API's own (slower) numbers; " +
	"costs come from the rate card and may differ from Meta's invoice."

// webhookTodayEmpty explains an empty real-time section.
func webhookTodayEmpty(noSecret bool) string {
	if noSecret {
		return "Webhooks are not configured on this server (INSIGHTS_WEBHOOK_SECRET is not set), so there are no real-time counts. " +
			"The Partner API's figures above are unaffected."
	}
	return "Nothing was counted from webhooks for this scope since midnight. Either webhooks are not configured for these numbers " +
		"(point 360dialog at /webhooks/whatsapp), or no message status or call event has arrived today. The Partner API's figures above are unaffected."
}
