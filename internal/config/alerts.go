package config

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// Alerts configures alert evaluation and delivery. E-mail is on when
// SMTPAddr is set, the webhook when WebhookURL is set.
type Alerts struct {
	SMTPAddr, SMTPFrom string
	SMTPUsername       string
	SMTPPassword       Secret
	EmailTo            []string
	WebhookURL         string
	WebhookSecret      Secret
	// RunwayDays: low_runway fires under this many days.
	RunwayDays float64
	// StalledAfter: polling_stalled fires after this long without a successful poll.
	StalledAfter time.Duration
}

// validate reports every problem of the alert settings.
func (a Alerts) validate() error {
	var errs []error
	if a.SMTPAddr != "" {
		if _, _, err := net.SplitHostPort(a.SMTPAddr); err != nil {
			errs = append(errs, fmt.Errorf("INSIGHTS_SMTP_ADDR: %q is not host:port", a.SMTPAddr))
		}
		if a.SMTPFrom == "" {
			errs = append(errs, errors.New("INSIGHTS_SMTP_FROM: required when INSIGHTS_SMTP_ADDR is set"))
		}
		if len(a.EmailTo) == 0 {
			errs = append(errs, errors.New("INSIGHTS_ALERT_EMAIL_TO: required when INSIGHTS_SMTP_ADDR is set"))
		}
	}
	if a.WebhookURL != "" {
		if !strings.HasPrefix(a.WebhookURL, "http://") && !strings.HasPrefix(a.WebhookURL, "https://") {
			errs = append(errs, fmt.Errorf("INSIGHTS_ALERT_WEBHOOK_URL: %q is not an http(s) URL", a.WebhookURL))
		}
		if a.WebhookSecret == "" {
			errs = append(errs, errors.New("INSIGHTS_ALERT_WEBHOOK_SECRET: required when INSIGHTS_ALERT_WEBHOOK_URL is set (receivers check the signature)"))
		}
	}
	return errors.Join(errs...)
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func parsePositive(v string, into *float64) error {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 {
		return fmt.Errorf("not a positive number: %q", v)
	}
	*into = f
	return nil
}

func parseDuration(v string, into *time.Duration) error {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return fmt.Errorf("not a positive duration such as 30m or 6h: %q", v)
	}
	*into = d
	return nil
}
