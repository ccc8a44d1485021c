package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/insights-dev/insights/internal/poller"
	"github.com/insights-dev/insights/internal/simulator"
)

// demoWebhookWindow is how much recent traffic the demo replays at start.
const demoWebhookWindow = 24 * time.Hour

// randomSecret makes the webhook secret of a demo run.
func randomSecret() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// loopbackURL turns a listen address into a URL the process can call itself on.
func loopbackURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// feedDemoWebhooks plays the simulator's webhook traffic into our own
// receiver over HTTP, as 360dialog would, so demo mode shows the webhook
// counters and the reconciliation page with data. It starts after the
// poller's first pass (webhooks map to channels the poller has discovered),
// replays the last day, then sends each newly completed half hour.
func feedDemoWebhooks(ctx context.Context, log *slog.Logger, sim *simulator.Simulator, p *poller.Poller, addr, secret string) {
	log = log.With("component", "demo-webhooks")
	for p.Status().LastPass.IsZero() {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
	target := loopbackURL(addr) + "/webhooks/whatsapp?token=" + url.QueryEscape(secret)
	client := &http.Client{Timeout: 10 * time.Second}
	from := time.Now().UTC().Truncate(30 * time.Minute).Add(-demoWebhookWindow)
	ticker := time.NewTicker(time.Minute)
	defer ticker.Stop()
	for {
		to := time.Now().UTC().Truncate(30 * time.Minute)
		if to.After(from) {
			sent, err := sendDemoWebhooks(ctx, client, sim, target, from, to)
			if err != nil {
				log.Warn("replaying simulated webhooks", "err", err)
			} else {
				log.Info("replayed simulated webhooks", "from", from, "to", to, "deliveries", sent)
				from = to
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

func sendDemoWebhooks(ctx context.Context, client *http.Client, sim *simulator.Simulator, target string, from, to time.Time) (int, error) {
	sent := 0
	for _, ch := range sim.Channels() {
		for _, body := range sim.WebhookEvents(ch.ID, from, to) {
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
			if err != nil {
				return sent, err
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				return sent, fmt.Errorf("post: %w", err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return sent, fmt.Errorf("post: status %d", resp.StatusCode)
			}
			sent++
		}
	}
	return sent, nil
}
