package server

import (
	"bytes"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/insights-dev/insights/internal/metrics"
)

// Metric names the server registers (the poller adds its own).
const (
	MetricHTTPDuration      = "insights_http_request_duration_seconds"
	MetricWebhookEvents     = "insights_webhook_events_total"
	MetricWebhookDeliveries = "insights_webhook_deliveries_total"
	MetricDataAge           = "insights_channel_data_age_seconds"
	MetricDataAgeMax        = "insights_data_age_max_seconds"
	MetricChannelsFetched   = "insights_channels_fetched"
	MetricPDFPrinting       = "insights_pdf_printing"
	MetricPDFRejected       = "insights_pdf_rejected_total"
	MetricPDFBrowserStarts  = "insights_pdf_browser_starts_total"
	MetricWebhookPending    = "insights_webhook_pending_events"
)

// registerMetrics adds the server's families to reg.
func (s *Server) registerMetrics(reg *metrics.Registry) {
	s.httpDuration = reg.Histogram(MetricHTTPDuration,
		"Time to answer HTTP requests, by method, route pattern and status code.",
		metrics.DefaultBuckets, "method", "route", "code")
	reg.CounterFunc(MetricWebhookEvents, "Webhook events received by this process, by outcome.",
		[]string{"outcome"}, func(emit func(float64, ...string)) {
			st := s.WebhookStats()
			emit(float64(st.Stored), "stored")
			emit(float64(st.Duplicates), "duplicate")
			emit(float64(st.Pending), "pending")
			emit(float64(st.Ignored), "ignored")
		})
	reg.CounterFunc(MetricWebhookDeliveries, "Webhook deliveries (HTTP requests) received by this process, by outcome.",
		[]string{"outcome"}, func(emit func(float64, ...string)) {
			st := s.WebhookStats()
			emit(float64(st.Deliveries), "accepted")
			emit(float64(st.Rejected), "rejected")
		})
	// s.ages is set by getMetrics, under scrapeMu, just before it writes.
	reg.GaugeFunc(MetricDataAge, "Seconds since the channel's usage was last fetched successfully.",
		[]string{"channel"}, func(emit func(float64, ...string)) {
			for ch, a := range s.ages {
				emit(a, ch)
			}
		})
	reg.GaugeFunc(MetricDataAgeMax, "The largest data age of any fetched channel, in seconds (0 when none is).", nil,
		func(emit func(float64, ...string)) {
			m := 0.0
			for _, a := range s.ages {
				m = max(m, a)
			}
			emit(m)
		})
	reg.GaugeFunc(MetricChannelsFetched, "Channels whose usage has been fetched at least once.", nil,
		func(emit func(float64, ...string)) { emit(float64(len(s.ages))) })
	reg.GaugeFunc(MetricPDFPrinting, "Statements being printed to PDF now (at most the PDF concurrency).", nil,
		func(emit func(float64, ...string)) { emit(float64(s.pdf.Stats().Printing)) })
	reg.CounterFunc(MetricPDFRejected, "PDF downloads answered 503 because every print slot stayed busy.", nil,
		func(emit func(float64, ...string)) { emit(float64(s.pdf.Stats().Rejected)) })
	reg.CounterFunc(MetricPDFBrowserStarts, "Headless Chromium starts; more than one means it was started again after it died.", nil,
		func(emit func(float64, ...string)) { emit(float64(s.pdf.Stats().BrowserStarts)) })
	reg.GaugeFunc(MetricWebhookPending, "Webhook events (of every replica) kept until a discovery brings their channel.", nil,
		func(emit func(float64, ...string)) { emit(float64(s.pendingWebhooks)) })
}

// getMetrics answers GET /metrics in the Prometheus text format. The data
// ages and the pending webhook events are read from the database, so every
// replica reports the same, cluster-wide numbers.
func (s *Server) getMetrics(c echo.Context) error {
	last, err := s.store.LastFetches(c.Request().Context())
	if err != nil {
		return err
	}
	pending, err := s.store.PendingWebhookCount(c.Request().Context())
	if err != nil {
		return err
	}
	now := s.now().UTC()
	ages := make(map[string]float64, len(last))
	for ch, t := range last {
		ages[ch] = max(0, now.Sub(t).Seconds())
	}
	// The data-age gauges read s.ages while the registry is written;
	// scrapes are serialised so two never mix theirs.
	s.scrapeMu.Lock()
	defer s.scrapeMu.Unlock()
	s.ages, s.pendingWebhooks = ages, pending
	var buf bytes.Buffer
	if err := s.metrics.WriteText(&buf); err != nil {
		return err
	}
	return c.Blob(http.StatusOK, metrics.ContentType, buf.Bytes())
}

// observe times every request into the latency histogram and logs it (see
// logRequest). An error from the handler is handed to the error handler here,
// so the status recorded is the one the client got. The labels stay few
// whatever clients send: the route is a registered pattern or "unmatched",
// the method a standard one or "OTHER" (methodLabel).
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		began := time.Now()
		withRequestID(c)
		if err := next(c); err != nil {
			c.Error(err)
		}
		d := time.Since(began)
		route := c.Path()
		if !s.routePaths[route] {
			route = "unmatched"
		}
		s.httpDuration.Observe(d.Seconds(), methodLabel(c.Request().Method), route, strconv.Itoa(c.Response().Status))
		s.logRequest(c, route, d)
		return nil
	}
}

// methodLabel is the method as the latency histogram names it: the
// standard ones by name, any other as "OTHER", so that made-up methods
// cannot add series without bound.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}
