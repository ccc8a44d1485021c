// Package server is the HTTP face of Insights: one Echo instance whose route
// table lives in routes.go, one file per page or feature, one error handler
// and one render helper. It is the only package that imports Echo.
package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/insights-dev/insights/internal/metrics"
	"github.com/insights-dev/insights/internal/pdf"
	"github.com/insights-dev/insights/internal/ratecard"
	"github.com/insights-dev/insights/internal/report"
	"github.com/insights-dev/insights/internal/spend"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/static"
)

// Options are the dependencies of a Server.
type Options struct {
	Store  *store.Store
	Logger *slog.Logger
	// Forecasts keeps month-end forecasts until the client's usage changes;
	// a new cache when nil. serve shares it with the alert evaluator, whose
	// passes forecast every client.
	Forecasts *spend.ForecastCache
	// Demo marks every page as showing simulated data, and lets everyone
	// see everything without signing in.
	Demo bool
	// AllowAnonymous lets every request in as a partner admin without
	// signing in, like demo mode but without its banner. It is for tests of
	// features other than access control; configuration never sets it.
	AllowAnonymous bool
	// TrustedProxies are the reverse proxies whose X-Forwarded-For and
	// X-Forwarded-Proto are believed, when a request comes directly from
	// one; none when empty (the peer's address and the connection's scheme
	// count). Loopback and private addresses are not trusted unless listed.
	TrustedProxies []*net.IPNet
	// PartnerName is shown in headers and reports.
	PartnerName string
	// Logo is the partner's logo as a data: URI (config.LoadLogo), shown on
	// the monthly statements; none when empty.
	Logo string
	// PDF prints the statements; whoever made it closes it after the server
	// has shut down. Nil means a renderer of the server's own with the
	// Chromium below, whose browser is never closed (for tests that do not
	// print).
	PDF *pdf.Renderer
	// Chromium is the headless browser that prints statements to PDF when
	// PDF is nil; pdf.DefaultChromium when empty. Without it, format=pdf
	// answers 503.
	Chromium string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// PollerStatus reports the poller's state for /healthz; optional.
	PollerStatus func() PollerState
	// AlertDelivery says on the alerts page where alerts are sent; optional.
	AlertDelivery string
	// Metrics is the registry GET /metrics writes out; the server adds its
	// own families (share it with the poller's Options.Metrics). Nil means
	// a registry of the server's own.
	Metrics *metrics.Registry

	// WebhookSecret is the shared secret webhook senders present (token
	// parameter or X-Insights-Token); empty disables the receiver (503).
	WebhookSecret string
	// WebhookSigningKey, when set, makes the receiver require a valid
	// X-360dialog-Signature or X-Hub-Signature-256 over the raw body.
	WebhookSigningKey string
	// RateCard is the rate-card book that prices webhook-counted messages
	// and calls (estimates, with the card in force on each one's day) and
	// names the currency reconciliation compares in; nil leaves their costs
	// unknown. Use ratecard.Builtin or ratecard.Load.
	RateCard *ratecard.Book
	// WebhookMaxBatches and WebhookMaxWait tune the receiver's group commit:
	// at most this many deliveries per transaction, gathered for at most
	// this long; zero means 256 and 250 µs.
	WebhookMaxBatches int
	WebhookMaxWait    time.Duration
	// RequestDiscovery asks the poller to re-read the client and channel
	// lists soon (poller.RequestDiscovery, which coalesces and spaces the
	// requests); the receiver calls it whenever a delivery names a channel
	// Insights does not know. Optional.
	RequestDiscovery func()
}

// PollerState is what /healthz tells about the background poller.
type PollerState struct {
	Running   bool      `json:"running"`
	LastPass  time.Time `json:"last_pass,omitzero"`
	LastError string    `json:"last_error,omitempty"`
}

// Server holds the dependencies every handler needs.
type Server struct {
	store *store.Store
	// reports computes every figure the pages, API and exports show.
	reports report.Service
	log     *slog.Logger
	opts    Options
	echo    *echo.Echo
	now     func() time.Time
	hooks   *webhookReceiver
	acl     *accessControl // access rules of the routes and the auth service (access.go)
	// staticAssets are the embedded files with their content hashes,
	// computed once in New; nil if that failed.
	staticAssets *static.Assets

	metrics      *metrics.Registry
	httpDuration *metrics.Histogram
	routePaths   map[string]bool    // the registered route patterns, the only route labels of httpDuration
	scrapeMu     sync.Mutex         // one /metrics scrape at a time
	ages         map[string]float64 // data age per channel, set per scrape under scrapeMu
	// pendingWebhooks is the count of pending webhook events, set per scrape under scrapeMu.
	pendingWebhooks int64

	forecasts *spend.ForecastCache // the spend panels' and forecast API's
	pdf       *pdf.Renderer        // the statements' printer
}

// New builds the server and its route table.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.PartnerName == "" {
		opts.PartnerName = "Insights"
	}
	logger := slog.New(requestIDHandler{opts.Logger.Handler()})
	if opts.Forecasts == nil {
		opts.Forecasts = spend.NewForecastCache(spend.ForecastCacheSize)
	}
	s := &Server{store: opts.Store, log: logger.With("component", "server"), opts: opts, now: opts.Now,
		reports: report.Service{Store: opts.Store}, forecasts: opts.Forecasts, pdf: opts.PDF}
	if s.pdf == nil {
		s.pdf = &pdf.Renderer{ExecPath: opts.Chromium, Logger: s.log}
	}
	if a, err := static.Embedded(); err != nil {
		s.log.Error("static assets unavailable: pages use unversioned URLs", "err", err)
	} else {
		s.staticAssets = a
	}
	s.hooks = newWebhookReceiver(s, logger.With("component", "ingest"))
	if opts.Metrics == nil {
		opts.Metrics = metrics.NewRegistry()
	}
	s.metrics = opts.Metrics
	s.registerMetrics(s.metrics)
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.handleError
	s.echo = e
	s.routes(e)
	s.routePaths = map[string]bool{}
	for _, r := range e.Routes() {
		s.routePaths[r.Path] = true
	}
	return s
}

// Handler returns the http.Handler serving every route.
func (s *Server) Handler() http.Handler { return s.echo }

// Start listens on addr until ctx is cancelled, then shuts down gracefully,
// letting in-flight requests finish for up to 10 seconds. Once the address
// is bound, ready (when not nil) gets the URL to open.
func (s *Server) Start(ctx context.Context, addr string, ready func(url string)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: s.echo, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	url := OpenURL(ln.Addr())
	s.log.Info("listening", "addr", url)
	if ready != nil {
		ready(url)
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// OpenURL is the address a person opens for a listener: localhost for one
// bound to every interface.
func OpenURL(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return "http://" + a.String()
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// render writes a templ component through a buffer, so a failed render is
// still a clean 500 rather than half a page.
func (s *Server) render(c echo.Context, status int, comp templ.Component) error {
	var buf bytes.Buffer
	if err := comp.Render(c.Request().Context(), &buf); err != nil {
		return err
	}
	return c.HTMLBlob(status, buf.Bytes())
}
