package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/insights-dev/insights/internal/config"
	"github.com/insights-dev/insights/internal/partnerapi"
)

const checkUsage = `Usage: insights check [--out FILE] [config flags]

Calls each Partner API endpoint Insights uses once with the configured
credentials and says for each whether it answered, accepted the credentials
and sent the shape Insights decodes. A redacted sample of the answers (no API
key, placeholders for phone numbers, names, e-mail addresses and ids) is saved
to FILE (default insights-check-<UTC time>.json) for support. Exits non-zero
on any mismatch.
`

// runCheck runs "insights check": first contact with a real account.
func runCheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, now time.Time) error {
	out, rest, err := outFlag(args)
	if err != nil {
		fmt.Fprint(stderr, checkUsage)
		return err
	}
	cfg, _, err := config.Load(getenv, rest, stderr)
	if err != nil {
		return err
	}
	if cfg.PartnerID == "" || cfg.APIKey == "" {
		return errors.New("check: set INSIGHTS_PARTNER_ID and INSIGHTS_API_KEY (check talks to the real Partner API, not the demo)")
	}
	if out == "" {
		out = "insights-check-" + now.UTC().Format("20060102T150405Z") + ".json"
	}
	api, err := partnerapi.New(partnerapi.Config{BaseURL: cfg.PartnerAPIURL, PartnerID: cfg.PartnerID,
		APIKey: cfg.APIKey.Reveal(), MaxRetries: -1, Logger: newLogger(stderr, cfg.LogLevel)})
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	results := api.Check(ctx, now)
	printCheck(stdout, results)
	red := partnerapi.NewRedactor(cfg.APIKey.Reveal(), cfg.PartnerID)
	if err := writeSample(out, checkSample(red, cfg.PartnerAPIURL, now, results)); err != nil {
		return fmt.Errorf("check: %w", err)
	}
	failed := 0
	for _, r := range results {
		if r.Failed() {
			failed++
		}
	}
	if failed > 0 {
		fmt.Fprintf(stdout, "%d of %d endpoints failed the check; the redacted sample for support is %s\n", failed, len(results), out)
		return fmt.Errorf("check: %d of %d endpoints failed", failed, len(results))
	}
	fmt.Fprintf(stdout, "all %d endpoints OK; redacted sample saved to %s\n", len(results), out)
	return nil
}

// outFlag takes --out FILE (or --out=FILE) out of args.
func outFlag(args []string) (out string, rest []string, err error) {
	for i := 0; i < len(args); i++ {
		name, val, hasVal := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		if !strings.HasPrefix(args[i], "-") || name != "out" {
			rest = append(rest, args[i])
			continue
		}
		if !hasVal {
			if i+1 >= len(args) {
				return "", nil, errors.New("check: --out needs a file name")
			}
			i++
			val = args[i]
		}
		if strings.TrimSpace(val) == "" {
			return "", nil, errors.New("check: --out needs a file name")
		}
		out = val
	}
	return out, rest, nil
}

// printCheck writes one line per endpoint, its problems indented below.
func printCheck(w io.Writer, results []partnerapi.CheckResult) {
	width := 0
	for _, r := range results {
		width = max(width, len(r.Endpoint))
	}
	for _, r := range results {
		if r.Skipped {
			fmt.Fprintf(w, "%-*s  skipped\n    %s\n", width, r.Endpoint, r.Problem)
			continue
		}
		shape := "?"
		if r.ShapeChecked {
			shape = mark(len(r.Mismatches) == 0)
		}
		auth := "?"
		if r.Authenticated != partnerapi.Unknown {
			auth = mark(r.Authenticated == partnerapi.Yes)
		}
		fmt.Fprintf(w, "%-*s  reachable %s  authenticated %s  shape %s\n", width, r.Endpoint, mark(r.Reachable), auth, shape)
		if r.Problem != "" {
			fmt.Fprintf(w, "    %s\n", r.Problem)
		}
		for _, m := range r.Mismatches {
			fmt.Fprintf(w, "    %s\n", m)
		}
	}
}

func mark(ok bool) string {
	if ok {
		return "✓"
	}
	return "✗"
}

// sample is the file a user sends to support.
type sample struct {
	Check     sampleHeader     `json:"insights_check"`
	Endpoints []sampleEndpoint `json:"endpoints"`
}

type sampleHeader struct {
	Version     string `json:"version"`
	At          string `json:"at"`
	BaseURL     string `json:"base_url"`
	WindowHours int    `json:"usage_window_hours"`
	Note        string `json:"note"`
}

type sampleEndpoint struct {
	Endpoint          string         `json:"endpoint"`
	Status            int            `json:"status,omitzero"`
	Reachable         bool           `json:"reachable"`
	Authenticated     string         `json:"authenticated"`
	ShapeOK           *bool          `json:"shape_ok"`
	Skipped           bool           `json:"skipped,omitzero"`
	Problem           string         `json:"problem,omitzero"`
	RetryAfterSeconds int64          `json:"retry_after_seconds,omitzero"`
	Mismatches        []string       `json:"mismatches"`
	Body              jsontext.Value `json:"body,omitzero"`
	BodyNote          string         `json:"body_note,omitzero"`
}

// checkSample builds the redacted sample of results.
func checkSample(red *partnerapi.Redactor, baseURL string, now time.Time, results []partnerapi.CheckResult) sample {
	if u, err := url.Parse(baseURL); err == nil {
		u.User = nil
		baseURL = u.String()
	}
	s := sample{Check: sampleHeader{Version: version, At: now.UTC().Format(time.RFC3339), BaseURL: baseURL,
		WindowHours: int(partnerapi.CheckWindow / time.Hour),
		Note:        "redacted: no API key; phone numbers, names, e-mail addresses and ids replaced by placeholders"}}
	for _, r := range results {
		e := sampleEndpoint{Endpoint: r.Endpoint, Status: r.Status, Reachable: r.Reachable, Skipped: r.Skipped,
			Authenticated: r.Authenticated.String(), Problem: red.Text(r.Problem),
			RetryAfterSeconds: int64(r.RetryAfter / time.Second), Mismatches: []string{}}
		if r.ShapeChecked {
			ok := len(r.Mismatches) == 0
			e.ShapeOK = &ok
		}
		for _, m := range r.Mismatches {
			e.Mismatches = append(e.Mismatches, red.Text(m.String()))
		}
		if r.Body != nil {
			if v, err := red.JSON(r.Body); err == nil {
				e.Body = v
			} else {
				e.BodyNote = fmt.Sprintf("%d bytes that are not JSON; left out", len(r.Body))
			}
		}
		s.Endpoints = append(s.Endpoints, e)
	}
	return s
}

// writeSample writes s to path, readable by its owner only.
func writeSample(path string, s sample) error {
	b, err := json.Marshal(s, jsontext.WithIndent("  "))
	if err != nil {
		return fmt.Errorf("encode sample: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("write sample: %w", err)
	}
	return nil
}
