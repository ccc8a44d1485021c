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

	// JSON API for the dashboard and scripts.
	api := e.Group("/api/v1")
	api.GET("/usage", s.getUsage)
	api.GET("/calls", s.getCalls)
}
