package config

import (
	"strings"
	"testing"
)

func TestRetentionSettings(t *testing.T) {
	c, _, err := Load(env(nil), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Retention{WebhookEvents: 400 * Day, PollRuns: 90 * Day, Audit: 400 * Day}); c.Retention != want {
		t.Errorf("defaults = %+v, want %+v", c.Retention, want)
	}

	c, _, err = Load(env(map[string]string{"INSIGHTS_WEBHOOK_EVENTS_RETENTION_DAYS": "30", "INSIGHTS_AUDIT_RETENTION_DAYS": "0"}),
		[]string{"--poll-runs-retention-days", " 14 "}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Retention{WebhookEvents: 30 * Day, PollRuns: 14 * Day}); c.Retention != want {
		t.Errorf("retention = %+v, want %+v (0 keeps for good)", c.Retention, want)
	}

	for _, tc := range []struct {
		name, webhook, polls, audit string
		want                        []string
	}{
		{"not numbers", "a year", "1.5", "-1", []string{
			`INSIGHTS_WEBHOOK_EVENTS_RETENTION_DAYS: not a whole number of days from 0 (keep for good) to 36500: "a year"`,
			`INSIGHTS_POLL_RUNS_RETENTION_DAYS: not a whole number`, `INSIGHTS_AUDIT_RETENTION_DAYS: not a whole number`}},
		{"too short", "7", "1", "400", []string{
			"INSIGHTS_WEBHOOK_EVENTS_RETENTION_DAYS: 7 is under the minimum of 30 days (Meta re-delivers",
			"INSIGHTS_POLL_RUNS_RETENTION_DAYS: 1 is under the minimum of 2 days"}},
		{"too long", "36501", "90", "400", []string{"INSIGHTS_WEBHOOK_EVENTS_RETENTION_DAYS: not a whole number"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Load(env(map[string]string{"INSIGHTS_WEBHOOK_EVENTS_RETENTION_DAYS": tc.webhook,
				"INSIGHTS_POLL_RUNS_RETENTION_DAYS": tc.polls, "INSIGHTS_AUDIT_RETENTION_DAYS": tc.audit}), nil, nil)
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not say %q:\n%v", w, err)
				}
			}
			if tc.audit == "400" && strings.Contains(err.Error(), "INSIGHTS_AUDIT_RETENTION_DAYS") {
				t.Errorf("a good audit retention was reported:\n%v", err)
			}
		})
	}
}
