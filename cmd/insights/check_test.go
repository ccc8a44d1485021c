package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"

	"github.com/insights-dev/insights/internal/simulator"
)

// runCheckAgainst runs "insights check --out FILE" against h with the
// given credentials and returns its output, the sample and the error.
func runCheckAgainst(t *testing.T, h http.Handler, partnerID, key string) (string, string, error) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	env := map[string]string{"INSIGHTS_PARTNER_API_URL": srv.URL, "INSIGHTS_PARTNER_ID": partnerID, "INSIGHTS_API_KEY": key}
	out := filepath.Join(t.TempDir(), "sample.json")
	var stdout bytes.Buffer
	err := run(context.Background(), []string{"check", "--out", out}, func(k string) string { return env[k] },
		strings.NewReader(""), &stdout, io.Discard)
	b, rerr := os.ReadFile(out)
	if rerr != nil {
		t.Fatalf("no sample file: %v (output %s)", rerr, stdout.String())
	}
	return stdout.String(), string(b), err
}

func quietSim() *simulator.Simulator {
	return simulator.New(simulator.Config{Seed: 3, PartnerID: "abcdEFPA", APIKey: "key-that-must-not-leak",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

func TestCheckCommandSimulator(t *testing.T) {
	sim := quietSim()
	out, sampleText, err := runCheckAgainst(t, sim, sim.PartnerID(), sim.APIKey())
	if err != nil {
		t.Fatalf("check failed: %v\n%s", err, out)
	}
	for _, ep := range []string{"GET /partners/{id}/clients ", "GET /partners/{id}/channels ",
		"GET /partners/{id}/clients/{client}/channels/{channel}/info/usage ", "GET /partners/{id}/clients/{client}/channels/{channel}/info/balance "} {
		if !regexp.MustCompile(regexp.QuoteMeta(ep) + ` *reachable ✓  authenticated ✓  shape ✓\n`).MatchString(out) {
			t.Errorf("no OK line for %s:\n%s", ep, out)
		}
	}
	if !strings.Contains(out, "all 4 endpoints OK") || strings.Contains(out, "\n    ") {
		t.Errorf("summary or stray problem lines:\n%s", out)
	}
	var s sample
	if err := json.Unmarshal([]byte(sampleText), &s); err != nil {
		t.Fatalf("sample is not JSON: %v", err)
	}
	if len(s.Endpoints) != 4 || len(s.Endpoints[0].Body) == 0 || len(s.Endpoints[2].Body) == 0 {
		t.Fatalf("sample endpoints: %+v", s.Endpoints)
	}
	leaks := []string{sim.APIKey(), sim.PartnerID()}
	for _, c := range sim.Clients() {
		leaks = append(leaks, c.ID, c.Name, c.Email)
	}
	for _, ch := range sim.Channels() {
		leaks = append(leaks, ch.ID, ch.PhoneNumber, ch.WABAID, ch.PhoneName)
	}
	for _, l := range leaks {
		if strings.Contains(sampleText, l) {
			t.Errorf("sample holds %q", l)
		}
	}
	for _, kept := range []string{`"partner_channels"`, `"pricing_analytics"`, `"data_points"`, `"client_id": "client-`, `"balance": `} {
		if !strings.Contains(sampleText, kept) {
			t.Errorf("sample lacks %s", kept)
		}
	}
}

func TestCheckCommandChangedShape(t *testing.T) {
	sim := quietSim()
	renamed := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, r)
		body := rec.Body.String()
		if strings.HasSuffix(r.URL.Path, "/info/usage") {
			body = strings.ReplaceAll(body, `"pricing_category":`, `"category":`)
		}
		w.WriteHeader(rec.Code)
		_, _ = io.WriteString(w, body)
	})
	out, sampleText, err := runCheckAgainst(t, renamed, sim.PartnerID(), sim.APIKey())
	if err == nil {
		t.Fatalf("check passed a renamed field:\n%s", out)
	}
	for _, want := range []string{`info/usage +reachable ✓  authenticated ✓  shape ✗\n`,
		`\n    pricing_analytics\.data\[0\]\.data_points\[0\]\.category: unexpected field \(a string\)`,
		`\n    pricing_analytics\.data\[0\]\.data_points\[0\]\.pricing_category: missing \(required\)`,
		`info/balance +reachable ✓  authenticated ✓  shape ✓\n`,
		`\n1 of 4 endpoints failed the check`} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(sampleText, "data_points[0].category: unexpected field") || !strings.Contains(sampleText, `"shape_ok": false`) {
		t.Errorf("sample lacks the mismatch:\n%s", sampleText)
	}
}

func TestCheckCommandWrongCredentials(t *testing.T) {
	sim := quietSim()
	out, sampleText, err := runCheckAgainst(t, sim, sim.PartnerID(), "wrong-key-xyz")
	if err == nil {
		t.Fatalf("check passed with a wrong key:\n%s", out)
	}
	for _, want := range []string{`clients +reachable ✓  authenticated ✗  shape \?\n    not authenticated`, `info/usage +skipped\n`,
		`\n2 of 4 endpoints failed the check`} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(sampleText, "wrong-key-xyz") || strings.Contains(out, "wrong-key-xyz") {
		t.Error("the API key was written")
	}
}

func TestCheckCommandDefaultFile(t *testing.T) {
	sim := quietSim()
	srv := httptest.NewServer(sim)
	defer srv.Close()
	t.Chdir(t.TempDir())
	env := map[string]string{"INSIGHTS_PARTNER_API_URL": srv.URL, "INSIGHTS_PARTNER_ID": sim.PartnerID(), "INSIGHTS_API_KEY": sim.APIKey()}
	if err := run(context.Background(), []string{"check"}, func(k string) string { return env[k] },
		strings.NewReader(""), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("insights-check-*Z.json")
	if len(files) != 1 || !regexp.MustCompile(`^insights-check-\d{8}T\d{6}Z\.json$`).MatchString(files[0]) {
		t.Errorf("sample files: %v", files)
	}
}

func TestCheckCommandNeedsCredentials(t *testing.T) {
	err := run(context.Background(), []string{"check"}, func(string) string { return "" }, strings.NewReader(""), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "INSIGHTS_PARTNER_ID") {
		t.Errorf("got %v", err)
	}
}
