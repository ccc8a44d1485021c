package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"

	"github.com/labstack/echo/v4"

	"github.com/insights-dev/insights/internal/ingest"
	"github.com/insights-dev/insights/internal/webhook"
)

// The webhook receiver: POST /webhooks/whatsapp[/:channel].
//
// A delivery is authenticated (shared secret, then, when a signing key is
// set, the HMAC signature of the raw body), read up to webhook.MaxBodyBytes,
// parsed all or nothing, and handed to the ingest pipeline (internal/ingest),
// which maps its events to channels and commits the batches of many
// concurrent deliveries in one transaction. The handler answers 200 only
// after that commit: an acknowledged event is durable. Events whose channel
// Insights does not know are answered 200 too and kept pending; the pipeline
// asks the poller to discover channels (Options.RequestDiscovery).

// HeaderWebhookToken carries the shared webhook secret when the sender cannot
// put it in the token query parameter.
const HeaderWebhookToken = "X-Insights-Token"

// WebhookStats counts what the receiver did since the process started.
type WebhookStats struct {
	Deliveries int64 // accepted deliveries (200)
	Stored     int64 // new events stored
	Duplicates int64 // events already stored (or already pending)
	Pending    int64 // new events kept until their channel is known
	Ignored    int64 // changes Insights does not count (unused fields, account updates other than tier updates)
	Rejected   int64 // deliveries answered 4xx or 5xx
	Commits    int64 // group-commit transactions
}

// webhookReceiver is the HTTP side of the receiver: the secret, the
// rejection count, and the pipeline it hands deliveries to.
type webhookReceiver struct {
	s         *Server
	secretSum [sha256.Size]byte
	pipeline  *ingest.Pipeline
	rejected  atomic.Int64
}

func newWebhookReceiver(s *Server, log *slog.Logger) *webhookReceiver {
	r := &webhookReceiver{s: s, pipeline: ingest.New(s.store, ingest.Options{
		RateCard: s.opts.RateCard, MaxBatches: s.opts.WebhookMaxBatches, MaxWait: s.opts.WebhookMaxWait,
		RequestDiscovery: s.opts.RequestDiscovery, Logger: log,
	})}
	if s.opts.WebhookSecret != "" {
		r.secretSum = sha256.Sum256([]byte(s.opts.WebhookSecret))
	}
	return r
}

// WebhookStats returns the receiver's counters.
func (s *Server) WebhookStats() WebhookStats {
	st := s.hooks.pipeline.Stats()
	return WebhookStats{
		Deliveries: st.Deliveries, Stored: st.Stored, Duplicates: st.Duplicates, Pending: st.Pending,
		Ignored: st.Ignored, Rejected: s.hooks.rejected.Load(), Commits: st.Commits,
	}
}

// Close stops the webhook pipeline: deliveries arriving from now on are
// answered 503, batches already queued are committed (and their senders
// answered), then its writer stops. Call it after the HTTP server has shut
// down; it returns early with ctx's error when ctx ends first. Safe to call
// more than once, and when no webhook ever arrived.
func (s *Server) Close(ctx context.Context) error {
	if err := s.hooks.pipeline.Close(ctx); err != nil {
		return fmt.Errorf("server: close webhook writer: %w", err)
	}
	return nil
}

// webhookResponse is the JSON body of an accepted delivery.
type webhookResponse struct {
	Stored     int `json:"stored"`
	Duplicates int `json:"duplicates"`
	// Pending counts the new events kept until their channel is known.
	Pending int `json:"pending"`
	Ignored int `json:"ignored"`
}

// reject answers a rejected delivery with {"error", "field"}.
func (r *webhookReceiver) reject(c echo.Context, status int, msg, field string) error {
	r.rejected.Add(1)
	r.s.log.InfoContext(c.Request().Context(), "webhook rejected", "status", status, "reason", msg, "field", field, "path", c.Request().URL.Path)
	return c.JSON(status, apiError{Error: msg, Field: field})
}

// receiveWebhook answers POST /webhooks/whatsapp and /webhooks/whatsapp/:channel.
func (s *Server) receiveWebhook(c echo.Context) error {
	r := s.hooks
	req := c.Request()
	if s.opts.WebhookSecret == "" {
		return r.reject(c, http.StatusServiceUnavailable,
			"the webhook receiver is not configured: set INSIGHTS_WEBHOOK_SECRET and send it as the token parameter or the "+HeaderWebhookToken+" header", "")
	}
	token := c.QueryParam("token")
	if token == "" {
		token = req.Header.Get(HeaderWebhookToken)
	}
	sum := sha256.Sum256([]byte(token))
	if token == "" || subtle.ConstantTimeCompare(sum[:], r.secretSum[:]) != 1 {
		return r.reject(c, http.StatusUnauthorized, "missing or wrong webhook token", "token")
	}
	if req.ContentLength > webhook.MaxBodyBytes {
		return r.reject(c, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", webhook.MaxBodyBytes), "")
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), req.Body, webhook.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return r.reject(c, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", webhook.MaxBodyBytes), "")
		}
		return r.reject(c, http.StatusBadRequest, "cannot read the body: "+err.Error(), "")
	}
	if key := s.opts.WebhookSigningKey; key != "" {
		if err := webhook.VerifySignature(body, key, req.Header.Get(webhook.HeaderSignature360), req.Header.Get(webhook.HeaderSignatureHub)); err != nil {
			msg := "bad signature"
			if errors.Is(err, webhook.ErrMissingSignature) {
				msg = "missing signature: send " + webhook.HeaderSignature360 + " or " + webhook.HeaderSignatureHub
			}
			return r.reject(c, http.StatusUnauthorized, msg, "")
		}
	}
	parsed, err := webhook.Parse(body)
	if err != nil {
		var pe *webhook.ParseError
		if errors.As(err, &pe) {
			return r.reject(c, http.StatusBadRequest, "malformed webhook: "+pe.Msg, pe.Path)
		}
		return r.reject(c, http.StatusBadRequest, "malformed webhook: "+err.Error(), "")
	}

	res, err := r.pipeline.Ingest(req.Context(), c.Param("channel"), parsed)
	if err != nil {
		r.rejected.Add(1)
		if cause := retryLater(err); cause != nil {
			return c.JSON(http.StatusServiceUnavailable, apiError{Error: "not stored: " + cause.Error() + "; retry later"})
		}
		return fmt.Errorf("webhook: %w", err)
	}
	return c.JSON(http.StatusOK, webhookResponse{Stored: res.Stored, Duplicates: res.Duplicates, Pending: res.Pending, Ignored: res.Ignored})
}

// retryLater returns the cause of an ingest error the sender should retry
// (shutdown, request ended before its commit was queued), or nil.
func retryLater(err error) error {
	for _, cause := range []error{ingest.ErrClosed, context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, cause) {
			return cause
		}
	}
	return nil
}
