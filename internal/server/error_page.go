package server

import (
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/insights-dev/insights/templates/pages"
)

// errorPage is the HTML shown for a failed page request. For a bad filter
// it offers the same page with default filters.
func (s *Server) errorPage(c echo.Context, status int, msg string) templ.Component {
	v := pages.ErrorView{
		Meta:    s.pageMeta("", "", ""),
		Status:  status,
		Message: msg,
	}
	if status == http.StatusBadRequest && c != nil && c.Request().URL.Path != "/" {
		v.Back = c.Request().URL.Path
	} else if status == http.StatusBadRequest {
		v.Back = "/"
	}
	return pages.Error(v)
}
