package server

import (
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// routes registers every route of Insights; reading this function shows the
// whole HTTP surface.
func (s *Server) routes(e *echo.Echo) {
	e.Use(middleware.RequestID())
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true}))

	// Liveness and readiness: never behind authentication.
	e.GET("/healthz", s.getHealth)
	e.GET("/readyz", s.getReady)

	// Embedded assets under content-hashed URLs (cached for a year when the
	// version matches).
	e.GET("/static/*", s.serveStatic)
	e.HEAD("/static/*", s.serveStatic)

	// Dashboard pages.
	e.GET("/", s.showOverview)
	e.GET("/clients/:client", s.showClient)
	e.GET("/clients/:client/channels/:channel", s.showChannel)

	// WhatsApp webhook receiver: its own secret, never a session.
	e.POST("/webhooks/whatsapp", s.receiveWebhook)
	e.POST("/webhooks/whatsapp/:channel", s.receiveWebhook)

	// Reconciliation of webhook counts against the Partner API's numbers.
	e.GET("/reconcile", s.showReconcile)

	// JSON API for the dashboard and scripts.
	api := e.Group("/api/v1")
	api.GET("/usage", s.getUsage)
	api.GET("/calls", s.getCalls)
}
