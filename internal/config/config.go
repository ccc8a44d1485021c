// Package config holds the one Config struct of Insights, loaded once from
// INSIGHTS_* environment variables with command-line flags of the same name
// (in kebab case) overriding them, and validated with every problem reported
// at once so an operator fixes a bad start-up in one go.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// DefaultPartnerAPIURL is the public base URL of the 360dialog Partner API.
const DefaultPartnerAPIURL = "https://hub.360dialog.io/api/v2"

// Secret is a string that never prints itself, so configuration can be
// logged without leaking keys.
type Secret string

// String redacts the value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// LogValue redacts the value in slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// Reveal returns the secret itself, for the one place that must send it.
func (s Secret) Reveal() string { return string(s) }

// Config is the whole configuration of an Insights process.
type Config struct {
	Addr              string
	DB                string
	PartnerAPIURL     string
	PartnerID         string
	APIKey            Secret
	BackfillDays      int
	WebhookSecret     Secret
	WebhookSigningKey Secret
	RateCard          string
	LogLevel          slog.Level
	// PollInterval is how often the poller wakes to see which channels are due.
	PollInterval time.Duration
	// Demo forces the built-in simulated Partner API, whatever is configured.
	Demo bool
	// PartnerName heads the monthly statements ("Insights" when empty).
	PartnerName string
	// Logo is the path of an image shown on the statements (PNG, JPEG, GIF,
	// WebP or SVG, at most 512 KiB); none when empty.
	Logo string
	// Chromium is the headless browser that prints statements to PDF.
	Chromium string
	// PDFConcurrency is how many statements print to PDF at once; each
	// takes about a core and a tab's memory while it lays out.
	PDFConcurrency int
	// PDFQueueWait is how long a PDF download waits for its turn before it
	// is answered 503 with Retry-After.
	PDFQueueWait time.Duration
	// Alerts configures alert evaluation and delivery (see alerts.go).
	Alerts Alerts
	// TrustedProxies are the reverse proxies whose X-Forwarded-For and
	// X-Forwarded-Proto headers are believed; none by default, so a client
	// cannot forge its address (audit log, sign-in limits) or HTTPS.
	TrustedProxies []*net.IPNet
	// Retention is how long serve keeps webhook events, poll runs and
	// audit entries (see retention.go).
	Retention Retention
}

// DemoMode reports whether Insights runs on the simulated Partner API: forced,
// or because no partner id is configured.
func (c Config) DemoMode() bool { return c.Demo || c.PartnerID == "" }

// IsPostgres reports whether DB names a PostgreSQL server rather than an SQLite file.
func (c Config) IsPostgres() bool {
	return strings.HasPrefix(c.DB, "postgres://") || strings.HasPrefix(c.DB, "postgresql://")
}

// Bounds of the PDF settings: more tabs than cores only slows every one of
// them, and a download held longer than a minute has usually been given up.
const (
	maxPDFConcurrency = 16
	maxPDFQueueWait   = time.Minute
)

type setting struct {
	env, usage, def string
	apply           func(c *Config, v string) error
}

var settings = []setting{
	{"INSIGHTS_ADDR", "listen address", "127.0.0.1:8080", func(c *Config, v string) error { c.Addr = v; return nil }},
	{"INSIGHTS_DB", "SQLite file path or postgres:// URL", "data/insights.db", func(c *Config, v string) error { c.DB = v; return nil }},
	{"INSIGHTS_PARTNER_API_URL", "Partner API base URL", DefaultPartnerAPIURL, func(c *Config, v string) error { c.PartnerAPIURL = v; return nil }},
	{"INSIGHTS_PARTNER_ID", "partner id; empty runs demo mode on the simulator", "", func(c *Config, v string) error { c.PartnerID = v; return nil }},
	{"INSIGHTS_API_KEY", "Partner API key (X-API-Key)", "", func(c *Config, v string) error { c.APIKey = Secret(v); return nil }},
	{"INSIGHTS_BACKFILL_DAYS", "days of history fetched on first start", "90", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("not a whole number: %q", v)
		}
		c.BackfillDays = n
		return nil
	}},
	{"INSIGHTS_WEBHOOK_SECRET", "shared secret webhook senders present", "", func(c *Config, v string) error { c.WebhookSecret = Secret(v); return nil }},
	{"INSIGHTS_WEBHOOK_SIGNING_KEY", "HMAC key for X-360dialog-Signature / X-Hub-Signature-256", "", func(c *Config, v string) error { c.WebhookSigningKey = Secret(v); return nil }},
	{"INSIGHTS_RATE_CARD", "rate-card file for webhook cost estimates (built in when empty)", "", func(c *Config, v string) error { c.RateCard = v; return nil }},
	{"INSIGHTS_LOG_LEVEL", "debug, info, warn or error", "info", func(c *Config, v string) error {
		return c.LogLevel.UnmarshalText([]byte(v))
	}},
	{"INSIGHTS_POLL_INTERVAL", "how often the poller checks which channels are due", "1m", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("not a duration such as 30s or 5m: %q", v)
		}
		c.PollInterval = d
		return nil
	}},
	{"INSIGHTS_PARTNER_NAME", "partner name on the monthly statements", "", func(c *Config, v string) error { c.PartnerName = v; return nil }},
	{"INSIGHTS_LOGO", "image file (PNG, JPEG, GIF, WebP, SVG) shown on the monthly statements", "", func(c *Config, v string) error { c.Logo = v; return nil }},
	{"INSIGHTS_CHROMIUM", "headless Chromium that prints statements to PDF", "/usr/bin/chromium", func(c *Config, v string) error { c.Chromium = v; return nil }},
	{"INSIGHTS_TRUSTED_PROXIES", "comma-separated IPs or CIDR ranges of reverse proxies whose X-Forwarded-For/-Proto are trusted (none when empty)", "", func(c *Config, v string) error {
		p, err := parseProxies(v)
		c.TrustedProxies = p
		return err
	}},
	{"INSIGHTS_PDF_CONCURRENCY", "statements printed to PDF at once (1…16)", "2", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("not a whole number: %q", v)
		}
		c.PDFConcurrency = n
		return nil
	}},
	{"INSIGHTS_PDF_QUEUE_WAIT", "how long a PDF download waits for its turn before a 503 (at most 1m)", "10s", func(c *Config, v string) error {
		return parseDuration(v, &c.PDFQueueWait)
	}},
	{"INSIGHTS_SMTP_ADDR", "SMTP server host:port for alert e-mails (none when empty)", "", func(c *Config, v string) error { c.Alerts.SMTPAddr = v; return nil }},
	{"INSIGHTS_SMTP_FROM", "sender address of alert e-mails", "", func(c *Config, v string) error { c.Alerts.SMTPFrom = v; return nil }},
	{"INSIGHTS_SMTP_USERNAME", "SMTP user name (PLAIN auth; TLS or localhost only)", "", func(c *Config, v string) error { c.Alerts.SMTPUsername = v; return nil }},
	{"INSIGHTS_SMTP_PASSWORD", "SMTP password", "", func(c *Config, v string) error { c.Alerts.SMTPPassword = Secret(v); return nil }},
	{"INSIGHTS_ALERT_EMAIL_TO", "comma-separated recipients of alert e-mails", "", func(c *Config, v string) error { c.Alerts.EmailTo = splitList(v); return nil }},
	{"INSIGHTS_ALERT_WEBHOOK_URL", "URL that receives alerts as signed JSON (none when empty)", "", func(c *Config, v string) error { c.Alerts.WebhookURL = v; return nil }},
	{"INSIGHTS_ALERT_WEBHOOK_SECRET", "HMAC-SHA256 key of the X-Insights-Signature header", "", func(c *Config, v string) error { c.Alerts.WebhookSecret = Secret(v); return nil }},
	{"INSIGHTS_ALERT_RUNWAY_DAYS", "low_runway fires under this many days of balance", "7", func(c *Config, v string) error { return parsePositive(v, &c.Alerts.RunwayDays) }},
	{"INSIGHTS_WEBHOOK_EVENTS_RETENTION_DAYS", "days webhook events are kept to recognise re-deliveries (counters are kept for good); 0 keeps them for good", "400", func(c *Config, v string) error {
		return parseDays(v, &c.Retention.WebhookEvents)
	}},
	{"INSIGHTS_POLL_RUNS_RETENTION_DAYS", "days poll runs are kept (the newest per channel, kind and outcome always is); 0 keeps them for good", "90", func(c *Config, v string) error {
		return parseDays(v, &c.Retention.PollRuns)
	}},
	{"INSIGHTS_AUDIT_RETENTION_DAYS", "days audit-log entries are kept; 0 keeps them for good", "400", func(c *Config, v string) error {
		return parseDays(v, &c.Retention.Audit)
	}},
	{"INSIGHTS_ALERT_STALLED_AFTER", "polling_stalled fires after this long without a successful poll", "6h", func(c *Config, v string) error { return parseDuration(v, &c.Alerts.StalledAfter) }},
}

// flagName turns INSIGHTS_PARTNER_API_URL into partner-api-url.
func flagName(env string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(env, "INSIGHTS_")), "_", "-")
}

// Load reads the environment through getenv, then the flags in args (which
// override it), and validates the result. It returns the remaining
// positional arguments. Every problem found is reported in one error.
func Load(getenv func(string) string, args []string, output io.Writer) (Config, []string, error) {
	var c Config
	var errs []error
	fs := flag.NewFlagSet("insights", flag.ContinueOnError)
	if output != nil {
		fs.SetOutput(output)
	}
	values := make([]string, len(settings))
	for i, s := range settings {
		v := s.def
		if e, ok := lookup(getenv, s.env); ok {
			v = e
		}
		values[i] = v
		fs.StringVar(&values[i], flagName(s.env), v, s.usage+" (env "+s.env+")")
	}
	fs.BoolVar(&c.Demo, "demo", false, "use the built-in simulated Partner API")
	if err := fs.Parse(args); err != nil {
		return c, nil, fmt.Errorf("config: %w", err)
	}
	for i, s := range settings {
		if err := s.apply(&c, values[i]); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.env, err))
		}
	}
	if err := errors.Join(append(errs, c.Validate())...); err != nil {
		return c, nil, fmt.Errorf("config: invalid configuration:\n%w", err)
	}
	return c, fs.Args(), nil
}

func lookup(getenv func(string) string, key string) (string, bool) {
	if getenv == nil {
		getenv = os.Getenv
	}
	v := getenv(key)
	return v, v != ""
}

// Validate reports every problem of c at once (nil when there is none).
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("INSIGHTS_ADDR: %q is not host:port", c.Addr))
	}
	if strings.TrimSpace(c.DB) == "" {
		errs = append(errs, errors.New("INSIGHTS_DB: must name an SQLite file or a postgres:// URL"))
	} else if c.IsPostgres() {
		if _, err := url.Parse(c.DB); err != nil {
			errs = append(errs, errors.New("INSIGHTS_DB: not a valid postgres:// URL"))
		}
	}
	if u, err := url.Parse(c.PartnerAPIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("INSIGHTS_PARTNER_API_URL: %q is not an http(s) URL", c.PartnerAPIURL))
	}
	if c.PartnerID != "" && c.APIKey == "" && !c.Demo {
		errs = append(errs, errors.New("INSIGHTS_API_KEY: required when INSIGHTS_PARTNER_ID is set"))
	}
	if c.BackfillDays < 1 || c.BackfillDays > 366 {
		errs = append(errs, fmt.Errorf("INSIGHTS_BACKFILL_DAYS: %d is outside 1…366 (Meta keeps one year)", c.BackfillDays))
	}
	if c.Logo != "" {
		if err := checkLogo(c.Logo); err != nil {
			errs = append(errs, fmt.Errorf("INSIGHTS_LOGO: %w", err))
		}
	}
	if c.PDFConcurrency < 1 || c.PDFConcurrency > maxPDFConcurrency {
		errs = append(errs, fmt.Errorf("INSIGHTS_PDF_CONCURRENCY: %d is outside 1…%d", c.PDFConcurrency, maxPDFConcurrency))
	}
	if c.PDFQueueWait > maxPDFQueueWait {
		errs = append(errs, fmt.Errorf("INSIGHTS_PDF_QUEUE_WAIT: %s is longer than %s (proxies and people give up sooner)", c.PDFQueueWait, maxPDFQueueWait))
	}
	if c.PollInterval < time.Second {
		errs = append(errs, fmt.Errorf("INSIGHTS_POLL_INTERVAL: %s is shorter than 1s", c.PollInterval))
	}
	if err := c.Alerts.validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Retention.validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Usage lists every setting with its default, for --help and the README.
func Usage() []struct{ Env, Flag, Default, Meaning string } {
	out := make([]struct{ Env, Flag, Default, Meaning string }, 0, len(settings))
	for _, s := range settings {
		out = append(out, struct{ Env, Flag, Default, Meaning string }{s.env, "--" + flagName(s.env), s.def, s.usage})
	}
	return out
}
