package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/labstack/echo/v4"
)

// quietRoutes are called by machines (health checks, scrapes, webhook
// deliveries by the thousand): their successful requests are logged at debug
// level only; the webhook receiver counts its deliveries in /metrics.
var quietRoutes = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true, "/static/*": true,
	"/webhooks/whatsapp": true, "/webhooks/whatsapp/:channel": true}

// logRequest writes one line per request: method, path (never the query
// string, which may carry a webhook token), route, status, duration, size
// and request_id. Header values (Authorization, cookies, API keys) are never
// logged.
func (s *Server) logRequest(c echo.Context, route string, d time.Duration) {
	req, res := c.Request(), c.Response()
	level := slog.LevelInfo
	if quietRoutes[route] && res.Status < 400 {
		level = slog.LevelDebug
	}
	// The explicit request_id attribute below is the same as the context's;
	// log without the context so it appears once.
	s.log.LogAttrs(context.Background(), level, "request",
		slog.String("method", req.Method),
		slog.String("path", req.URL.Path),
		slog.String("route", route),
		slog.Int("status", res.Status),
		slog.Float64("duration_ms", float64(d.Microseconds())/1000),
		slog.Int64("bytes", res.Size),
		slog.String("request_id", res.Header().Get(echo.HeaderXRequestID)),
	)
}

// requestIDKey is the context key of the request id.
type requestIDKey struct{}

// withRequestID stores the request id (set by the RequestID middleware, which
// runs first) in the request's context, so that every line logged with that
// context carries it (see requestIDHandler).
func withRequestID(c echo.Context) {
	id := c.Response().Header().Get(echo.HeaderXRequestID)
	if id == "" {
		return
	}
	req := c.Request()
	c.SetRequest(req.WithContext(context.WithValue(req.Context(), requestIDKey{}, id)))
}

// requestIDHandler adds request_id to every record logged with a request's
// context (the *Context logging methods).
type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id, ok := ctx.Value(requestIDKey{}).(string); ok {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}
