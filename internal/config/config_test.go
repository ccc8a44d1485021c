package config

import (
	"log/slog"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadDefaults(t *testing.T) {
	c, rest, err := Load(env(nil), []string{"serve"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.DB != "data/insights.db" || c.PartnerAPIURL != DefaultPartnerAPIURL ||
		c.BackfillDays != 90 || c.LogLevel != slog.LevelInfo || c.PollInterval != time.Minute {
		t.Errorf("defaults wrong: %+v", c)
	}
	if !c.DemoMode() {
		t.Error("no partner id must mean demo mode")
	}
	if len(rest) != 1 || rest[0] != "serve" {
		t.Errorf("rest = %v", rest)
	}
}

func TestFlagsOverrideEnv(t *testing.T) {
	c, _, err := Load(env(map[string]string{"INSIGHTS_ADDR": "0.0.0.0:9000", "INSIGHTS_PARTNER_ID": "abcPA", "INSIGHTS_API_KEY": "k"}),
		[]string{"--addr", "127.0.0.1:9999", "--backfill-days", "30"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9999" || c.BackfillDays != 30 || c.PartnerID != "abcPA" || c.DemoMode() {
		t.Errorf("got %+v", c)
	}
}

func TestEveryProblemReportedAtOnce(t *testing.T) {
	_, _, err := Load(env(map[string]string{
		"INSIGHTS_ADDR": "nonsense", "INSIGHTS_BACKFILL_DAYS": "lots", "INSIGHTS_LOG_LEVEL": "loud",
		"INSIGHTS_PARTNER_API_URL": "ftp://x", "INSIGHTS_PARTNER_ID": "abcPA",
	}), nil, nil)
	if err == nil {
		t.Fatal("want error")
	}
	for _, want := range []string{"INSIGHTS_ADDR", "INSIGHTS_BACKFILL_DAYS", "INSIGHTS_LOG_LEVEL", "INSIGHTS_PARTNER_API_URL", "INSIGHTS_API_KEY"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s:\n%v", want, err)
		}
	}
}

func TestSecretsRedact(t *testing.T) {
	c := Config{APIKey: "super-secret"}
	var b strings.Builder
	slog.New(slog.NewTextHandler(&b, nil)).Info("cfg", "key", c.APIKey)
	if strings.Contains(b.String(), "super-secret") || strings.Contains(c.APIKey.String(), "super") {
		t.Errorf("secret leaked: %s", b.String())
	}
	if c.APIKey.Reveal() != "super-secret" {
		t.Error("Reveal must return the value")
	}
}

func TestIsPostgres(t *testing.T) {
	for dsn, want := range map[string]bool{"data/x.db": false, "postgres://u@h/db": true, "postgresql://h/db": true} {
		if got := (Config{DB: dsn}).IsPostgres(); got != want {
			t.Errorf("%s: got %v", dsn, got)
		}
	}
}

func TestPDFSettings(t *testing.T) {
	c, _, err := Load(env(nil), nil, nil)
	if err != nil || c.PDFConcurrency != 2 || c.PDFQueueWait != 10*time.Second {
		t.Errorf("defaults: concurrency %d, queue wait %s, %v", c.PDFConcurrency, c.PDFQueueWait, err)
	}
	c, _, err = Load(env(map[string]string{"INSIGHTS_PDF_CONCURRENCY": "4"}), []string{"--pdf-queue-wait", "3s"}, nil)
	if err != nil || c.PDFConcurrency != 4 || c.PDFQueueWait != 3*time.Second {
		t.Errorf("set: concurrency %d, queue wait %s, %v", c.PDFConcurrency, c.PDFQueueWait, err)
	}
	tests := []struct{ concurrency, wait, want string }{
		{"0", "10s", "INSIGHTS_PDF_CONCURRENCY"},
		{"17", "10s", "INSIGHTS_PDF_CONCURRENCY"},
		{"two", "10s", "INSIGHTS_PDF_CONCURRENCY"},
		{"2", "0s", "INSIGHTS_PDF_QUEUE_WAIT"},
		{"2", "-1s", "INSIGHTS_PDF_QUEUE_WAIT"},
		{"2", "2m", "INSIGHTS_PDF_QUEUE_WAIT"},
		{"2", "soon", "INSIGHTS_PDF_QUEUE_WAIT"},
	}
	for _, tt := range tests {
		t.Run(tt.concurrency+"/"+tt.wait, func(t *testing.T) {
			_, _, err := Load(env(map[string]string{"INSIGHTS_PDF_CONCURRENCY": tt.concurrency, "INSIGHTS_PDF_QUEUE_WAIT": tt.wait}), nil, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v does not name %s", err, tt.want)
			}
		})
	}
}
