package pages

import (
	"fmt"

	"github.com/insights-dev/insights/templates/layout"
)

// ReconcileView is the reconciliation page: webhook-counted against
// API-reported volume and cost of one client for one month.
type ReconcileView struct {
	Meta       layout.PageMeta
	ClientID   string
	ClientName string
	Month      string // YYYY-MM
	Zone       string
	PrevURL    string
	NextURL    string
	// TolMessages and TolPercent are the tolerance: a difference is
	// flagged beyond both.
	TolMessages, TolPercent int
	// APICurrency and WebhookCurrency name the currencies of the two cost
	// columns; costs are compared only when they are the same.
	APICurrency     string
	WebhookCurrency string
	CostComparable  bool
	Flagged         int
	Notices         []Notice
	// Summary has one row per category for the whole month, then a total row.
	Summary []ReconcileRow
	// Days has one row per day and category with any volume.
	Days  []ReconcileRow
	Calls []ReconcileCallRow
}

// ReconcileRow compares one day (or the month) and category.
type ReconcileRow struct {
	Day           string
	Category      string // the category's label; "" for none (see Total)
	APIVolume     string
	WebhookVolume string
	VolumeDiff    string
	APICost       string
	WebhookCost   string
	CostDiff      string
	// Flagged is true when the volume difference exceeds the tolerance.
	Flagged bool
	// Pending is true for days the Partner API has not reported in full yet.
	Pending bool
	// NoWebhooks is true for days no webhook event was counted for at all
	// (webhooks not pointed here yet): nothing to compare, nothing flagged.
	NoWebhooks bool
	Total      bool
}

// ReconcileCallRow compares one day's completed calls.
type ReconcileCallRow struct {
	Day            string
	APICalls       string
	WebhookCalls   string
	CallsDiff      string
	APIMinutes     string
	WebhookMinutes string
	Flagged        bool
	Pending        bool
	NoWebhooks     bool
}

func reconcileRowClass(r ReconcileRow) string {
	switch {
	case r.Total:
		return "reconcile__total"
	case r.Flagged:
		return "reconcile__flagged"
	case r.Pending:
		return "reconcile__pending muted"
	}
	return ""
}

func reconcileStatus(flagged, pending, noWebhooks bool) string {
	switch {
	case flagged:
		return "Differs"
	case pending:
		return "API pending"
	case noWebhooks:
		return "No webhook data"
	}
	return "OK"
}

// reconcileCategory names a row's category: the month's total row covers
// all of them.
func reconcileCategory(r ReconcileRow) string {
	switch {
	case r.Total:
		return "All categories"
	case r.Category == "":
		return "(none)"
	}
	return r.Category
}

// reconcileTolerance says when a difference is flagged.
func reconcileTolerance(v ReconcileView) string {
	return fmt.Sprintf("%d messages and %d%%", v.TolMessages, v.TolPercent)
}
