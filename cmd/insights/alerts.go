package main

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"

	"github.com/insights-dev/insights/internal/alerts"
	"github.com/insights-dev/insights/internal/config"
	"github.com/insights-dev/insights/internal/ratecard"
	"github.com/insights-dev/insights/internal/spend"
	"github.com/insights-dev/insights/internal/store"
)

// startAlerts runs the alert evaluator and sender until ctx is done; wg
// tracks it so serve waits for it before the database closes.
func startAlerts(ctx context.Context, cfg config.Config, log *slog.Logger, st *store.Store, forecasts *spend.ForecastCache, rates *ratecard.Book, wg *sync.WaitGroup) {
	a := cfg.Alerts
	ac := alerts.Config{Store: st, Logger: log, RunwayDays: a.RunwayDays, StalledAfter: a.StalledAfter, Forecasts: forecasts, RateCard: rates}
	if a.SMTPAddr != "" {
		ac.Email = &alerts.Email{Addr: a.SMTPAddr, From: a.SMTPFrom, To: a.EmailTo, Username: a.SMTPUsername, Password: a.SMTPPassword.Reveal()}
	}
	if a.WebhookURL != "" {
		ac.Webhook = &alerts.Webhook{URL: a.WebhookURL, Secret: a.WebhookSecret.Reveal()}
	}
	if ac.Email == nil && ac.Webhook == nil {
		log.Info("alerts are evaluated and listed at /alerts but not sent: set INSIGHTS_SMTP_ADDR or INSIGHTS_ALERT_WEBHOOK_URL", "component", "alerts")
	}
	ev := alerts.New(ac)
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := ev.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("alert evaluator stopped", "component", "alerts", "err", err)
		}
	}()
}

// alertDelivery says where alerts go, for the alerts page.
func alertDelivery(cfg config.Config) string {
	var to []string
	if cfg.Alerts.SMTPAddr != "" {
		to = append(to, "e-mail to "+strings.Join(cfg.Alerts.EmailTo, ", "))
	}
	if cfg.Alerts.WebhookURL != "" {
		to = append(to, "a signed webhook")
	}
	if len(to) == 0 {
		return ""
	}
	return "Each alert is sent once, when it fires and when it resolves, by " + strings.Join(to, " and ") + "."
}
