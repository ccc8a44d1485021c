package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// Limits on what one request may ask for. They are far above what the pages
// and any sensible script send, and low enough that no request, from anyone
// who may make one (a share-link holder included), costs more than a
// fraction of a CPU-second before it is refused.
const (
	// maxQueryBytes bounds a URL's query string.
	maxQueryBytes = 8 << 10
	// maxFormBytes bounds the body of a form post (sign-in, budgets, users).
	maxFormBytes = 64 << 10
	// maxParamValues bounds the values of one parameter, counting repeats
	// (a=1&a=2) and comma lists (a=1,2) alike: no more clients, channels or
	// countries than a person could read in one answer.
	maxParamValues = 100
	// requestTimeout bounds the time a request may run; its context is
	// cancelled then, which stops its database queries.
	requestTimeout = 2 * time.Minute
)

// statusClientClosed is the (nginx) status logged for a request whose client
// left before the answer was ready; nothing is sent.
const statusClientClosed = 499

// boundRequest refuses a request whose query string or form is larger than
// the limits, naming the parameter, before any handler (or the access guard)
// reads it, and gives every request a deadline.
func boundRequest(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if err := checkQuery(req.URL.RawQuery); err != nil {
			return err
		}
		if err := checkForm(req); err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(req.Context(), requestTimeout)
		defer cancel()
		c.SetRequest(req.WithContext(ctx))
		// The error is answered here, while the request's context is
		// still live for rendering the error page.
		if err := next(c); err != nil {
			c.Error(err)
		}
		return nil
	}
}

// checkQuery enforces maxQueryBytes and maxParamValues on a raw query string.
func checkQuery(raw string) error {
	if len(raw) > maxQueryBytes {
		return &paramError{"query", fmt.Sprintf("the query string is %d bytes long; at most %d are accepted", len(raw), maxQueryBytes)}
	}
	v, err := url.ParseQuery(raw)
	if err != nil {
		return &paramError{"query", "the query string is not valid URL encoding: " + err.Error()}
	}
	return checkValueCounts(v)
}

// checkForm enforces maxFormBytes and maxParamValues on an URL-encoded form
// post. Webhook deliveries have their own body limit and are not forms.
func checkForm(req *http.Request) error {
	if req.Method != http.MethodPost || strings.HasPrefix(req.URL.Path, "/webhooks/") {
		return nil
	}
	ct := req.Header.Get(echo.HeaderContentType)
	if !strings.HasPrefix(ct, echo.MIMEApplicationForm) && !strings.HasPrefix(ct, echo.MIMEMultipartForm) {
		return nil
	}
	req.Body = http.MaxBytesReader(nil, req.Body, maxFormBytes)
	if err := req.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge,
				fmt.Sprintf("The form is larger than the %d KiB accepted.", maxFormBytes>>10))
		}
		return echo.NewHTTPError(http.StatusBadRequest, "The form could not be read: "+err.Error())
	}
	return checkValueCounts(req.PostForm)
}

// checkValueCounts reports the first parameter with more than
// maxParamValues values.
func checkValueCounts(v url.Values) error {
	for key, vals := range v {
		n := 0
		for _, s := range vals {
			n += strings.Count(s, ",") + 1
		}
		if n > maxParamValues {
			return &paramError{key, fmt.Sprintf("%d values given; at most %d are accepted in one request", n, maxParamValues)}
		}
	}
	return nil
}
