package server

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/insights-dev/insights/internal/store"
)

type healthResponse struct {
	Status   string       `json:"status"`
	Database string       `json:"database"`
	Demo     bool         `json:"demo"`
	Poller   *PollerState `json:"poller,omitempty"`
	// Paused counts the channels the Partner API has paused (rate limits);
	// absent when the database cannot say. Ids are left out: /healthz is
	// public.
	Paused *pausedHealth `json:"paused_channels,omitempty"`
	// PendingWebhookEvents counts the webhook events (of every replica)
	// kept until their channel is known; omitted when it cannot be read.
	PendingWebhookEvents *int64    `json:"pending_webhook_events,omitempty"`
	Time                 time.Time `json:"time"`
}

type pausedHealth struct {
	Count int        `json:"count"`
	Until *time.Time `json:"until,omitempty"` // the latest end of the pauses
}

// getHealth answers GET /healthz: the process is alive; it also says how the
// database and poller are doing, and how many channels the Partner API has
// paused, without failing on them.
func (s *Server) getHealth(c echo.Context) error {
	ctx := c.Request().Context()
	now := s.now().UTC()
	h := healthResponse{Status: "ok", Database: "ok", Demo: s.opts.Demo, Time: now}
	if err := s.store.Ping(ctx); err != nil {
		h.Database = "unreachable"
		s.log.WarnContext(ctx, "health: database ping failed", "err", err)
	} else {
		if p, err := s.store.SourcePauses(ctx, store.AllClients(), store.ChannelFilter{}, now); err != nil {
			s.log.WarnContext(ctx, "health: cannot read paused channels", "err", err)
		} else {
			h.Paused = &pausedHealth{Count: p.Channels}
			if p.Channels > 0 {
				h.Paused.Until = &p.Until
			}
		}
		if n, err := s.store.PendingWebhookCount(ctx); err != nil {
			s.log.WarnContext(ctx, "health: cannot count pending webhook events", "err", err)
		} else {
			h.PendingWebhookEvents = &n
		}
	}
	if s.opts.PollerStatus != nil {
		ps := s.opts.PollerStatus()
		h.Poller = &ps
	}
	return c.JSON(http.StatusOK, h)
}

// getReady answers GET /readyz: 200 only when the database answers and its
// migrations are current.
func (s *Server) getReady(c echo.Context) error {
	ctx := c.Request().Context()
	if err := s.store.Ping(ctx); err != nil {
		return echo.NewHTTPError(http.StatusServiceUnavailable, "database unreachable").SetInternal(err)
	}
	ok, err := s.store.MigrationsCurrent(ctx)
	if err != nil {
		return echo.NewHTTPError(http.StatusServiceUnavailable, "cannot read migration state").SetInternal(err)
	}
	if !ok {
		return echo.NewHTTPError(http.StatusServiceUnavailable, "database migrations are not current; run insights migrate")
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}
