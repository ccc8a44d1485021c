package server

import (
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// compressMinBytes is the smallest response worth compressing: below it the
// gzip header and the CPU cost more than they save.
const compressMinBytes = 1024

// compress gzips responses for clients that accept it, except PDFs (already
// compressed) and the webhook receiver (Meta reads only the status).
func compress() echo.MiddlewareFunc {
	return middleware.GzipWithConfig(middleware.GzipConfig{
		Level:     5,
		MinLength: compressMinBytes,
		Skipper: func(c echo.Context) bool {
			r := c.Request()
			return r.URL.Query().Get("format") == "pdf" || strings.HasSuffix(r.URL.Path, ".pdf") ||
				strings.HasPrefix(r.URL.Path, "/webhooks")
		},
	})
}
