package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/insights-dev/insights/internal/config"
	"github.com/insights-dev/insights/internal/partnerapi"
	"github.com/insights-dev/insights/internal/pdf"
	"github.com/insights-dev/insights/internal/poller"
	"github.com/insights-dev/insights/internal/ratecard"
	"github.com/insights-dev/insights/internal/server"
	"github.com/insights-dev/insights/internal/simulator"
	"github.com/insights-dev/insights/internal/spend"
	"github.com/insights-dev/insights/internal/store"
)

// demoSeed fixes the simulated partner shown in demo mode.
const demoSeed = 2026

func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

// runWithConfig runs the subcommands that need the configuration and database.
func runWithConfig(ctx context.Context, cmd string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	once := false
	if cmd == "poll" {
		for i, a := range args {
			if a == "--once" || a == "-once" {
				once = true
				args = append(args[:i:i], args[i+1:]...)
				break
			}
		}
		if !once {
			return errors.New("poll: only --once is supported; the serve command polls continuously")
		}
	}
	cfg, _, err := config.Load(getenv, args, stderr)
	if err != nil {
		return err
	}
	if cmd == "demo" {
		cfg.Demo = true
	}
	log := newLogger(stderr, cfg.LogLevel)

	st, err := store.Open(ctx, cfg.DB, log)
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate database: %w", err)
	}
	if cmd == "migrate" {
		log.Info("migrations applied", "db", st.Dialect())
		return nil
	}

	api, sim, stopSim, err := partnerAPI(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer stopSim()
	rates, err := rateCard(cfg)
	if err != nil {
		return err
	}
	p := poller.New(poller.Options{
		API: api, Store: st, Logger: log,
		BackfillDays: cfg.BackfillDays, Interval: cfg.PollInterval,
		OnDiscovered: resolvePendingWebhooks(st, rates, log), RateCard: rates,
	})
	if cmd == "poll" {
		res, err := p.RunOnce(ctx)
		if err != nil {
			return fmt.Errorf("poll: %w", err)
		}
		fmt.Fprintf(stdout, "polled %d channels: %d ok, %d failed, %d points stored\n", res.Channels, res.OK, res.Failed, res.Points)
		if res.Failed > 0 {
			return fmt.Errorf("poll: %d channels failed", res.Failed)
		}
		return nil
	}
	return serve(ctx, cfg, log, st, p, sim, rates, stdout)
}

// rateCard is the configured rate card for webhook cost estimates and the
// costs the Partner API leaves out, else the built-in one.
func rateCard(cfg config.Config) (*ratecard.Book, error) {
	if cfg.RateCard == "" {
		return ratecard.Builtin(), nil
	}
	r, err := ratecard.Load(cfg.RateCard)
	if err != nil {
		return nil, fmt.Errorf("rate card: %w", err)
	}
	return r, nil
}

// resolvePendingWebhooks is the poller's OnDiscovered: it counts the webhook
// events that waited for a channel the discovery has just brought, and says
// how many still wait.
func resolvePendingWebhooks(st *store.Store, rates *ratecard.Book, log *slog.Logger) func(context.Context) error {
	log = log.With("component", "webhooks")
	return func(ctx context.Context) error {
		res, err := st.ResolvePendingWebhooks(ctx, rates)
		if err != nil {
			return err
		}
		if res.Stored > 0 || res.Duplicates > 0 {
			log.InfoContext(ctx, "pending webhook events counted: their channel is known now",
				"stored", res.Stored, "duplicates", res.Duplicates)
		}
		if res.Pruned > 0 {
			log.WarnContext(ctx, "pending webhook events dropped: their channel stayed unknown",
				"events", res.Pruned, "after", store.PendingWebhookRetention)
		}
		if res.Waiting > 0 {
			log.WarnContext(ctx, "webhook events wait for a channel that no discovery has listed",
				"events", res.Waiting, "kept_for", store.PendingWebhookRetention)
		}
		return nil
	}
}

// partnerAPI returns the Partner API client: the real one, or in demo mode
// one pointed at a simulator served in-process on a loopback port.
func partnerAPI(ctx context.Context, cfg config.Config, log *slog.Logger) (*partnerapi.Client, *simulator.Simulator, func(), error) {
	if !cfg.DemoMode() {
		c, err := partnerapi.New(partnerapi.Config{BaseURL: cfg.PartnerAPIURL, PartnerID: cfg.PartnerID, APIKey: cfg.APIKey.Reveal(), Logger: log})
		return c, nil, func() {}, err
	}
	sim := simulator.New(simulator.Config{Seed: demoSeed, Logger: log})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, nil, fmt.Errorf("demo: listen for the simulator: %w", err)
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	base := "http://" + ln.Addr().String()
	log.Warn("DEMO MODE: no partner id configured, showing simulated data from the built-in Partner API simulator",
		"simulator", base, "hint", "set INSIGHTS_PARTNER_ID and INSIGHTS_API_KEY to use your real 360dialog data")
	c, err := partnerapi.New(partnerapi.Config{BaseURL: base, PartnerID: sim.PartnerID(), APIKey: sim.APIKey(), Logger: log})
	return c, sim, func() { _ = srv.Close() }, err
}

// serve runs the web server, the poller, the alerts and the upkeep until
// ctx is cancelled, then shuts the server down, stops the PDF browser, waits
// for the rest, tidies the database, and returns (the caller closes the
// database last). In demo mode (sim set) it also feeds the simulator's
// webhook traffic into the receiver. The address to open is printed on
// stdout as a plain line once the server listens.
func serve(ctx context.Context, cfg config.Config, log *slog.Logger, st *store.Store, p *poller.Poller, sim *simulator.Simulator, rates *ratecard.Book, stdout io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if sim != nil && cfg.WebhookSecret == "" {
		cfg.WebhookSecret = config.Secret(randomSecret())
	}
	logo, lerr := config.LoadLogo(cfg.Logo)
	if lerr != nil {
		return fmt.Errorf("logo: %w", lerr)
	}
	// One forecast cache for the pages and the alert evaluator.
	forecasts := spend.NewForecastCache(spend.ForecastCacheSize)
	// One browser prints every statement; it starts on the first download.
	printer := &pdf.Renderer{ExecPath: cfg.Chromium, Concurrency: cfg.PDFConcurrency, QueueWait: cfg.PDFQueueWait,
		Logger: log.With("component", "pdf")}
	srv := server.New(server.Options{
		Store: st, Logger: log, Demo: cfg.DemoMode(), Metrics: p.Metrics(), Forecasts: forecasts,
		PartnerName: cfg.PartnerName, Logo: logo, PDF: printer, TrustedProxies: cfg.TrustedProxies,
		AlertDelivery: alertDelivery(cfg),
		WebhookSecret: cfg.WebhookSecret.Reveal(), WebhookSigningKey: cfg.WebhookSigningKey.Reveal(), RateCard: rates,
		RequestDiscovery: p.RequestDiscovery,
		PollerStatus: func() server.PollerState {
			s := p.Status()
			return server.PollerState{Running: s.Running, LastPass: s.LastPass, LastError: s.LastError}
		},
	})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := p.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("poller stopped", "err", err)
		}
	}()
	startAlerts(ctx, cfg, log, st, forecasts, rates, &wg)
	up := newUpkeep(st, log, cfg.Retention)
	wg.Add(1)
	go func() { defer wg.Done(); up.run(ctx) }()
	if sim != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			feedDemoWebhooks(ctx, log, sim, p, cfg.Addr, cfg.WebhookSecret.Reveal())
		}()
	}
	stopping := make(chan time.Time, 1)
	context.AfterFunc(ctx, func() { stopping <- time.Now() })
	err := srv.Start(ctx, cfg.Addr, func(url string) {
		what := "Insights is running"
		if sim != nil {
			what += " with simulated demo data"
		}
		fmt.Fprintf(stdout, "%s: open %s in your browser (Ctrl+C stops it)\n", what, url)
	})
	cancel()
	began := <-stopping
	since := func() float64 { return float64(time.Since(began).Microseconds()) / 1000 }
	log.Info("shutting down: web server stopped", "after_ms", since())
	// Acknowledged webhooks are committed before their 200; Close flushes
	// whatever is still queued, then the poller finishes, then main closes
	// the database.
	closeCtx, done := context.WithTimeout(context.Background(), 10*time.Second)
	defer done()
	if cerr := srv.Close(closeCtx); cerr != nil {
		log.Error("closing the webhook writer", "err", cerr)
	}
	log.Info("shutting down: webhooks flushed", "after_ms", since())
	printer.Close()
	log.Info("shutting down: PDF browser stopped", "after_ms", since())
	wg.Wait()
	log.Info("shutting down: poller and alerts stopped", "after_ms", since())
	up.finish()
	log.Info("shutting down: database optimized and checkpointed", "after_ms", since())
	return err
}

// runSimulate serves the simulated Partner API alone.
func runSimulate(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8090", "listen address")
	seed := fs.Int64("seed", demoSeed, "seed of the simulated partner")
	partnerID := fs.String("partner-id", "demoPA", "partner id in every path")
	apiKey := fs.String("api-key", "demo-key", "X-API-Key the simulator expects")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := newLogger(stderr, slog.LevelInfo)
	sim := simulator.New(simulator.Config{Seed: *seed, PartnerID: *partnerID, APIKey: *apiKey, Logger: log})
	srv := &http.Server{Addr: *addr, Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Info("simulated Partner API listening", "url", "http://"+*addr, "partner_id", *partnerID)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, c := context.WithTimeout(context.Background(), 5*time.Second)
		defer c()
		return srv.Shutdown(sctx)
	}
}
