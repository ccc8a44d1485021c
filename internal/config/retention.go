package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Retention says how long serve keeps the rows that would otherwise grow
// for ever before it prunes them; zero keeps them for good. Counters,
// usage points and rollups are never pruned.
type Retention struct {
	// WebhookEvents: the per-event records that make a re-delivered webhook
	// a duplicate; the message and call counters stay.
	WebhookEvents time.Duration
	// PollRuns: the record of each poll request; the newest run of each
	// channel, kind and outcome is always kept.
	PollRuns time.Duration
	// Audit: the audit log.
	Audit time.Duration
}

// Day is the unit of the retention settings.
const Day = 24 * time.Hour

// maxRetentionDays keeps a retention well inside time.Duration.
const maxRetentionDays = 36500

// validate reports retentions too short for what their rows are for.
func (r Retention) validate() error {
	var errs []error
	for _, c := range []struct {
		env     string
		d       time.Duration
		minDays int
		why     string
	}{
		{"INSIGHTS_WEBHOOK_EVENTS_RETENTION_DAYS", r.WebhookEvents, 30,
			"Meta re-delivers a webhook for up to 7 days and these events are what recognises a re-delivery"},
		{"INSIGHTS_POLL_RUNS_RETENTION_DAYS", r.PollRuns, 2, "the status page lists the last day's poll errors"},
		{"INSIGHTS_AUDIT_RETENTION_DAYS", r.Audit, 1, "a day is the shortest retention"},
	} {
		if c.d != 0 && c.d < time.Duration(c.minDays)*Day {
			errs = append(errs, fmt.Errorf("%s: %d is under the minimum of %d days (%s); 0 keeps them for good",
				c.env, c.d/Day, c.minDays, c.why))
		}
	}
	return errors.Join(errs...)
}

// parseDays reads a whole number of days, 0 meaning "keep for good".
func parseDays(v string, into *time.Duration) error {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 || n > maxRetentionDays {
		return fmt.Errorf("not a whole number of days from 0 (keep for good) to %d: %q", maxRetentionDays, v)
	}
	*into = time.Duration(n) * Day
	return nil
}
