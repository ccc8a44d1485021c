package server

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/insights-dev/insights/internal/report"
	"github.com/insights-dev/insights/internal/store"
)

// apiError is the JSON body of every error from /api/… routes.
type apiError struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

// handleError is the one place errors are logged and turned into responses:
// JSON for /api and exports, an HTML page elsewhere. Internal details never
// reach a 500's body.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, msg, field := http.StatusInternalServerError, "Something went wrong on our side; it has been logged.", ""
	var pe *paramError
	var qe *report.QueryError
	var he *echo.HTTPError
	switch {
	case errors.As(err, &pe):
		status, msg, field = http.StatusBadRequest, pe.Msg, pe.Field
	case errors.As(err, &qe):
		status, msg, field = http.StatusBadRequest, qe.Msg, qe.Field
	case errors.Is(err, store.ErrNotFound):
		status, msg = http.StatusNotFound, "Not found."
	case errors.Is(err, context.DeadlineExceeded):
		status = http.StatusServiceUnavailable
		msg = fmt.Sprintf("The request took longer than the %s allowed and was stopped; narrow it (a shorter range, a coarser granularity) and try again.", requestTimeout)
	case errors.Is(err, context.Canceled) && c.Request().Context().Err() != nil:
		// The client left: nothing to answer, nothing to alarm anyone with.
		s.log.Info("request abandoned by the client", "method", c.Request().Method, "path", c.Request().URL.Path,
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID))
		c.Response().WriteHeader(statusClientClosed)
		return
	case errors.As(err, &he):
		status = he.Code
		if status < 500 {
			msg = fmt.Sprint(he.Message)
		}
	}
	req := c.Request()
	attrs := []any{"method", req.Method, "path", req.URL.Path, "status", status,
		"request_id", c.Response().Header().Get(echo.HeaderXRequestID)}
	switch {
	case status >= 500:
		s.log.Error("request failed", append(attrs, "err", err)...)
	case status != http.StatusNotFound:
		s.log.Info("request rejected", append(attrs, "reason", msg)...)
	}
	// The page is rendered even when the request ran out of time.
	c.SetRequest(req.WithContext(context.WithoutCancel(req.Context())))
	if req.Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	if wantsJSON(c) {
		_ = c.JSON(status, apiError{Error: msg, Field: field})
		return
	}
	if field != "" {
		noun := "filter"
		if req.Method == http.MethodPost {
			noun = "field" // a form's
		}
		msg = "The " + noun + " “" + field + "” is not valid: " + msg
	}
	if rerr := s.render(c, status, s.errorPage(c, status, msg)); rerr != nil {
		s.log.ErrorContext(c.Request().Context(), "render error page", "err", rerr)
		_ = c.HTML(status, "<!doctype html><title>Error</title><p>"+html.EscapeString(msg)+"</p>")
	}
}

func wantsJSON(c echo.Context) bool {
	p := c.Request().URL.Path
	return strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/webhooks/") || strings.HasPrefix(p, "/export/") ||
		strings.Contains(c.Request().Header.Get(echo.HeaderAccept), echo.MIMEApplicationJSON)
}
