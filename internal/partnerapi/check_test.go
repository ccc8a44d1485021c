package partnerapi_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/partnerapi"
	"github.com/insights-dev/insights/internal/simulator"
)

var checkNow = time.Date(2026, 12, 10, 12, 0, 0, 0, time.UTC)

// newSim returns a simulator on the check's clock.
func newSim() *simulator.Simulator {
	return simulator.New(simulator.Config{Seed: 11, Now: simulator.NewManualClock(checkNow).Now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

// rewriting serves h, with every 2xx body of a path containing part
// rewritten by edit.
func rewriting(h http.Handler, part string, edit func([]byte) []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if rec.Code < 300 && strings.Contains(r.URL.Path, part) {
			body = edit(body)
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	})
}

func check(t *testing.T, h http.Handler, partnerID, key string) []partnerapi.CheckResult {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := partnerapi.New(partnerapi.Config{BaseURL: srv.URL, PartnerID: partnerID, APIKey: key,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return c.Check(context.Background(), checkNow)
}

func TestCheckSimulatorAllOK(t *testing.T) {
	sim := newSim()
	res := check(t, sim, sim.PartnerID(), sim.APIKey())
	if len(res) != 4 {
		t.Fatalf("got %d results, want 4", len(res))
	}
	for _, r := range res {
		if !r.OK() || r.Failed() || len(r.Body) == 0 {
			t.Errorf("%s: not OK: %+v", r.Endpoint, r)
		}
	}
	if st := sim.Stats(); st.Requests != 4 {
		t.Errorf("the simulator saw %d requests, want one per endpoint (4)", st.Requests)
	}
}

func TestCheckChangedShape(t *testing.T) {
	re := func(pattern, repl string) func([]byte) []byte {
		return func(b []byte) []byte { return regexp.MustCompile(pattern).ReplaceAll(b, []byte(repl)) }
	}
	tests := []struct {
		name, part string
		edit       func([]byte) []byte
		endpoint   string
		want       []string // mismatch texts that must appear
	}{
		{"renamed", "/channels", re(`"client_id":`, `"clientId":`), "GET /partners/{id}/channels",
			[]string{"partner_channels[0].clientId: unexpected field (a string)", "partner_channels[0].client_id: missing (required)",
				"partner_channels[0].client_id: the decoder refuses it"}},
		{"missing", "/clients", re(`"id":"[^"]*",`, ``), "GET /partners/{id}/clients",
			[]string{"clients[0].id: missing (required) (and 5 more like it)"}},
		{"extra", "/info/usage", re(`"volume":`, `"volume_usd":1,"volume":`), "GET /partners/{id}/clients/{client}/channels/{channel}/info/usage",
			[]string{"pricing_analytics.data[0].data_points[0].volume_usd: unexpected field (a number)"}},
		{"wrong type", "/info/balance", re(`"balance":[-0-9.]+`, `"balance":{"amount":1}`), "GET /partners/{id}/clients/{client}/channels/{channel}/info/balance",
			[]string{"balance: an object, want a number", "balance: the decoder refuses it"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := newSim()
			res := check(t, rewriting(sim, tt.part, tt.edit), sim.PartnerID(), sim.APIKey())
			for _, r := range res {
				var texts []string
				for _, m := range r.Mismatches {
					texts = append(texts, m.String())
				}
				all := strings.Join(texts, "\n")
				if r.Endpoint != tt.endpoint {
					if !r.OK() && !r.Skipped { // a channel list that cannot be read skips the channel's calls
						t.Errorf("%s: want OK, got %+v", r.Endpoint, r.Mismatches)
					}
					continue
				}
				if r.OK() || !r.Failed() || !r.ShapeChecked {
					t.Errorf("%s: want a shape failure, got OK", r.Endpoint)
				}
				for _, w := range tt.want {
					if !strings.Contains(all, w) {
						t.Errorf("%s: mismatches lack %q:\n%s", r.Endpoint, w, all)
					}
				}
			}
		})
	}
}

func TestCheckWrongCredentials(t *testing.T) {
	sim := newSim()
	res := check(t, sim, sim.PartnerID(), "wrong-key")
	for _, r := range res[:2] {
		if !r.Reachable || r.Authenticated != partnerapi.No || r.ShapeChecked || !r.Failed() ||
			!strings.Contains(r.Problem, "not authenticated") || strings.Contains(r.Problem, "wrong-key") {
			t.Errorf("%s: %+v", r.Endpoint, r)
		}
	}
	for _, r := range res[2:] {
		if !r.Skipped || r.Failed() {
			t.Errorf("%s: want skipped, got %+v", r.Endpoint, r)
		}
	}
}

func TestCheckRateLimitedReported(t *testing.T) {
	sim := newSim()
	sim.InjectFault(simulator.Fault{Kind: simulator.FaultRateLimit, Path: "/info/usage", RetryAfter: 20 * time.Minute})
	res := check(t, sim, sim.PartnerID(), sim.APIKey())
	u := res[2]
	if u.RetryAfter != 20*time.Minute || !u.Failed() || !strings.Contains(u.Problem, "retry after 20m0s") {
		t.Errorf("usage: %+v", u)
	}
	if st := sim.Stats(); st.TooMany != 1 {
		t.Errorf("429s sent: %d, want 1 (no retry)", st.TooMany)
	}
	if !res[3].OK() {
		t.Errorf("balance: %+v", res[3])
	}
}

func TestCheckUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	c, err := partnerapi.New(partnerapi.Config{BaseURL: srv.URL, PartnerID: "xPA", APIKey: "k", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	res := c.Check(context.Background(), checkNow)
	if res[0].Reachable || res[0].Problem == "" || !res[0].Failed() {
		t.Errorf("clients: %+v", res[0])
	}
}

func TestRedactor(t *testing.T) {
	r := partnerapi.NewRedactor("s3cret", "abcdPA")
	clients := `{"clients":[{"id":"k1CL","name":"Nordlicht Mode GmbH","organisation":"Nordlicht","contact_info":{"email":"a@b.de","country":"DE"},"note":"mail me at x@y.com, key s3cret, partner abcdPA"}],"count":1}`
	channels := `{"partner_channels":[{"id":"ch9","client_id":"k1CL","waba_account":{"id":"w1","external_id":102290129340398,"timezone_id":"Europe/Berlin"},"setup_info":{"phone_number":"+49 151 1234567","phone_name":"Nordlicht"}}]}`
	a, err := r.JSON([]byte(clients))
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.JSON([]byte(channels))
	if err != nil {
		t.Fatal(err)
	}
	out := string(a) + string(b)
	for _, secret := range []string{"s3cret", "abcdPA", "k1CL", "ch9", "Nordlicht", "a@b.de", "x@y.com", "1234567", "102290129340398", `"w1"`} {
		if strings.Contains(out, secret) {
			t.Errorf("%q survives redaction:\n%s", secret, out)
		}
	}
	for _, kept := range []string{`"id":"client-1"`, `"client_id":"client-1"`, `"id":"channel-1"`, `"email":"email-1@example.invalid"`,
		`"external_id":1`, `"phone_number":"+10 000 0000001"`, `"timezone_id":"Europe/Berlin"`, `"country":"DE"`,
		`"name":"name-1"`, `"organisation":"name-2"`, `"phone_name":"name-2"`, `[redacted]`, `{partner}`, `"count":1`} {
		if !strings.Contains(out, kept) {
			t.Errorf("redacted output lacks %s:\n%s", kept, out)
		}
	}
	if _, err := r.JSON([]byte("<html>")); err == nil {
		t.Error("HTML redacted without an error")
	}
	if !bytes.HasPrefix(a, []byte(`{"clients":[`)) {
		t.Errorf("structure changed: %s", a)
	}
}
