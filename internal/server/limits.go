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

	"github.com/insights-dev/insights/internal/usage"
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

// maxSeriesRows bounds the entries of one answer's series (rows of the JSON
// API and CSV export, points of a page's charts): about 6 MB of JSON.
const maxSeriesRows = 50_000

// maxStoredRows bounds the stored rows one usage or call read may bring into
// memory on the way to a series (the raw half-hour rows of a day series can
// be many per entry): about 40 MB.
const maxStoredRows = 250_000

// tooLargeError is the answer to a query whose series would exceed
// maxSeriesRows (rows, when known, is the bound it would reach), with what to
// change.
func tooLargeError(q Query, rows int64) error {
	field, how := "granularity", "a coarser granularity or a shorter range"
	if len(q.GroupBy) > 0 {
		field, how = "group_by", "fewer group_by fields, a coarser granularity or a shorter range"
	}
	what := fmt.Sprintf("more than the %d series rows one answer may hold", maxSeriesRows)
	if rows > 0 {
		what = fmt.Sprintf("up to %d series rows, more than the %d one answer may hold", rows, maxSeriesRows)
	}
	return &paramError{field, "this query would return " + what + "; narrow it: " + how}
}

// checkSeriesSize refuses q before any usage is read when its series could
// exceed maxSeriesRows for certain: the buckets of its range times, for each
// field kept apart, the number of values the field can take (the channels,
// WABAs or clients in the query's scope; the values filtered on). Fields
// without a known bound count once here; the stored-row and series checks
// of loadUsage catch what they add.
func (s *Server) checkSeriesSize(ctx context.Context, q Query) error {
	n := int64(seriesBuckets(q))
	var perChannel map[usage.GroupField]int
	for _, f := range q.GroupBy {
		switch f {
		case usage.ByChannel, usage.ByWABA, usage.ByClient:
			if perChannel == nil {
				var err error
				if perChannel, err = s.scopeCardinality(ctx, q); err != nil {
					return err
				}
			}
			n *= int64(max(perChannel[f], 1))
		case usage.ByCategory:
			n *= int64(max(len(q.Categories), 1))
		case usage.ByCountry:
			n *= int64(max(len(q.Countries), 1))
		}
		if n > maxSeriesRows {
			return tooLargeError(q, n)
		}
	}
	return nil
}

// seriesBuckets is the number of display buckets of q's range.
func seriesBuckets(q Query) int {
	p := q.Period
	switch q.Granularity {
	case usage.HalfHour:
		return int(p.End().Sub(p.Start()) / (usage.HalfHourSeconds * time.Second))
	case usage.Month:
		return (p.To.Year-p.From.Year)*12 + int(p.To.Month-p.From.Month) + 1
	}
	return p.Days()
}

// scopeCardinality counts the channels, WABAs and clients q reads.
func (s *Server) scopeCardinality(ctx context.Context, q Query) (map[usage.GroupField]int, error) {
	chs, err := s.store.ListChannels(ctx, q.Scope, q.channelFilter())
	if err != nil {
		return nil, fmt.Errorf("count the scope of a query: %w", err)
	}
	wabas, clients := map[string]bool{}, map[string]bool{}
	for _, ch := range chs {
		wabas[ch.WABAID], clients[ch.ClientID] = true, true
	}
	return map[usage.GroupField]int{usage.ByChannel: len(chs), usage.ByWABA: len(wabas), usage.ByClient: len(clients)}, nil
}
