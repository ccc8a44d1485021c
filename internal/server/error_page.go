package server

import (
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/insights-dev/insights/templates/pages"
)

// errorTitles are the headings of the error page, in words rather than codes.
var errorTitles = map[int]string{
	http.StatusBadRequest:          "That filter doesn't work",
	http.StatusNotFound:            "Not found",
	http.StatusServiceUnavailable:  "Temporarily unavailable",
	http.StatusNotImplemented:      "Not available in this build",
	http.StatusInternalServerError: "Something went wrong",
}

// errorPage is the HTML shown for a failed page request. For a bad filter
// it offers the same page with default filters.
func (s *Server) errorPage(c echo.Context, status int, msg string) templ.Component {
	title, ok := errorTitles[status]
	if !ok {
		title = http.StatusText(status)
	}
	v := pages.ErrorView{
		Meta:    s.pageMeta(title, "", "", ""),
		Status:  status,
		Title:   title,
		Message: msg,
	}
	if status == http.StatusBadRequest && c != nil && c.Request().URL.Path != "/" {
		v.Back = c.Request().URL.Path
	} else if status == http.StatusBadRequest {
		v.Back = "/"
	}
	return pages.Error(v)
}
