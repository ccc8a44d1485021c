package server

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// HTTP methods, short for the route table.
const (
	GET  = http.MethodGet
	HEAD = http.MethodHead
	POST = http.MethodPost
)

// routes registers every route of Insights; reading this function shows the
// whole HTTP surface.
func (s *Server) routes(e *echo.Echo) {
	e.Use(middleware.RequestID())
	e.Use(s.observe) // latency metrics and one log line per request
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true}))
	// gzip for pages, CSS, JS, JSON and CSV when the browser accepts it
	// (compress.go).
	e.Use(compress())
	// Query strings and forms within their limits, and a deadline for every
	// request (limits.go), before anything reads them.
	e.Use(boundRequest)
	// Security headers, CSRF protection, and the guard that enforces each
	// route's access rule (access.go). Every route is added with s.route and
	// its rule; one added otherwise is refused at run time and fails
	// TestEveryRouteHasAnAccessRule.
	s.setupAccess(e)

	// Liveness and readiness: never behind authentication.
	s.route(e, GET, "/healthz", rulePublic, s.getHealth)
	s.route(e, GET, "/readyz", rulePublic, s.getReady)
	// Prometheus metrics: partner staff, by session or API token
	// (Prometheus's authorization.credentials).
	s.route(e, GET, "/metrics", ruleStaff, s.getMetrics)

	// Embedded assets under content-hashed URLs (cached for a year when the
	// version matches).
	s.route(e, GET, "/static/*", rulePublic, s.serveStatic)
	s.route(e, HEAD, "/static/*", rulePublic, s.serveStatic)

	// Sign-in, first run (only while no admin exists), sign-out, share links.
	s.route(e, GET, "/login", rulePublic, s.showLogin)
	s.route(e, POST, "/login", rulePublic, s.login)
	s.route(e, POST, "/logout", ruleViewer, s.logout)
	s.route(e, GET, "/setup", rulePublic, s.showSetup)
	s.route(e, POST, "/setup", rulePublic, s.setup)
	s.route(e, GET, "/s/:token", rulePublic, s.openShare)
	s.route(e, POST, "/s", rulePublic, s.unlockShare)

	// Users, share links (admins) and one's own API tokens.
	s.route(e, GET, "/users", ruleAdmin, s.showUsers)
	s.route(e, POST, "/users", ruleAdmin, s.createUser)
	s.route(e, POST, "/users/:id", ruleAdmin, s.updateUser)
	s.route(e, GET, "/share-links", ruleAdmin, s.showShareLinks)
	s.route(e, POST, "/share-links", ruleAdmin, s.createShareLink)
	s.route(e, POST, "/share-links/:id/revoke", ruleAdmin, s.revokeShareLink)
	s.route(e, GET, "/tokens", ruleUser, s.showTokens)
	s.route(e, POST, "/tokens", ruleUser, s.createToken)
	s.route(e, POST, "/tokens/:id/revoke", ruleUser, s.revokeToken)

	// Dashboard pages: the partner overview for staff (client viewers are
	// sent to their client), client views within the viewer's scope.
	s.route(e, GET, "/", ruleHome, s.showOverview)
	s.route(e, GET, "/clients/:client", ruleViewer, s.showClient)
	s.route(e, GET, "/clients/:client/channels/:channel", ruleViewer, s.showChannel)
	// A client's monthly budget, set from its view: staff reach it, the
	// handler lets partner admins (and demo mode) change it.
	s.route(e, POST, "/clients/:client/budget", ruleStaff, s.setBudget)
	// A client's price (markup or price list) for reseller margins: the
	// same rule, the handler lets partner admins (and demo mode) change it.
	s.route(e, POST, "/clients/:client/pricing", ruleStaff, s.setPricing)

	// WhatsApp webhook receiver: its own secret, never a session.
	s.route(e, POST, "/webhooks/whatsapp", ruleWebhook, s.receiveWebhook)
	s.route(e, POST, "/webhooks/whatsapp/:channel", ruleWebhook, s.receiveWebhook)

	// Reconciliation of webhook counts against the Partner API's numbers.
	s.route(e, GET, "/reconcile", ruleViewer, s.showReconcile)

	// Alerts: firing and past (partner staff).
	s.route(e, GET, "/alerts", ruleStaff, s.showAlerts)

	// Monthly statements (HTML, PDF, CSV) and the list of available months.
	s.route(e, GET, "/reports", ruleViewer, s.listReports)
	s.route(e, GET, "/reports/monthly", ruleViewer, s.showMonthlyReport)

	// The usage series as CSV, same parameters as /api/v1/usage.
	s.route(e, GET, "/export/usage.csv", ruleViewer, s.getUsageCSV)

	// JSON API for the dashboard and scripts.
	api := e.Group("/api/v1")
	s.route(api, GET, "/usage", ruleViewer, s.getUsage)
	s.route(api, GET, "/calls", ruleViewer, s.getCalls)
	// Spend control: balances with runway, month-end forecast, alerts.
	s.route(api, GET, "/balances", ruleViewer, s.getBalances)
	s.route(api, GET, "/forecast", ruleViewer, s.getForecast)
	s.route(api, GET, "/alerts", ruleViewer, s.getAlerts)
	// Volume-tier progress of a client in a month.
	s.route(api, GET, "/tiers", ruleViewer, s.getTiers)
}
