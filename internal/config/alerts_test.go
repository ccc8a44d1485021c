package config

import (
	"strings"
	"testing"
	"time"
)

func TestAlertSettings(t *testing.T) {
	env := map[string]string{
		"INSIGHTS_SMTP_ADDR":            "127.0.0.1:2525",
		"INSIGHTS_SMTP_FROM":            "insights@example.test",
		"INSIGHTS_ALERT_EMAIL_TO":       "ops@example.test, cfo@example.test",
		"INSIGHTS_ALERT_WEBHOOK_URL":    "https://hooks.example.test/insights",
		"INSIGHTS_ALERT_WEBHOOK_SECRET": "k",
		"INSIGHTS_ALERT_RUNWAY_DAYS":    "3.5",
	}
	c, _, err := Load(func(k string) string { return env[k] }, []string{"--alert-stalled-after", "2h"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := c.Alerts
	if a.SMTPAddr != "127.0.0.1:2525" || len(a.EmailTo) != 2 || a.EmailTo[1] != "cfo@example.test" || a.RunwayDays != 3.5 ||
		a.StalledAfter != 2*time.Hour || a.WebhookSecret.Reveal() != "k" {
		t.Errorf("alerts = %+v", a)
	}
	if a.WebhookSecret.String() == "k" {
		t.Error("the webhook secret is not redacted")
	}

	defaults, _, err := Load(func(string) string { return "" }, nil, nil)
	if err != nil || defaults.Alerts.RunwayDays != 7 || defaults.Alerts.StalledAfter != 6*time.Hour {
		t.Errorf("defaults = %+v, %v", defaults.Alerts, err)
	}

	bad := map[string]string{"INSIGHTS_SMTP_ADDR": "nohostport", "INSIGHTS_ALERT_WEBHOOK_URL": "ftp://x", "INSIGHTS_ALERT_RUNWAY_DAYS": "-1"}
	_, _, err = Load(func(k string) string { return bad[k] }, nil, nil)
	for _, want := range []string{"INSIGHTS_SMTP_ADDR", "INSIGHTS_SMTP_FROM", "INSIGHTS_ALERT_EMAIL_TO", "INSIGHTS_ALERT_WEBHOOK_URL", "INSIGHTS_ALERT_WEBHOOK_SECRET", "INSIGHTS_ALERT_RUNWAY_DAYS"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
}
