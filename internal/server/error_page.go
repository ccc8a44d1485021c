package server

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"
)

// errorPage is the HTML shown for a failed page request.
func (s *Server) errorPage(_ echo.Context, status int, msg string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		_, err := fmt.Fprintf(w, "<!doctype html><html lang=\"en\"><title>%d %s</title><h1>%s</h1><p>%s</p><p><a href=\"/\">Back to the overview</a></p></html>",
			status, http.StatusText(status), http.StatusText(status), html.EscapeString(msg))
		return err
	})
}
