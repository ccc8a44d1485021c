package partnerapi

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testPartner = "abcdEFPA"
	testKey     = "secret-key"
)

// newServer starts an httptest server that counts requests.
func newServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// newClient returns a client for base with fast retries; mod may adjust the config.
func newClient(t *testing.T, base string, mod ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{
		BaseURL:        base + "/api/v2",
		PartnerID:      testPartner,
		APIKey:         testKey,
		Timeout:        5 * time.Second,
		RetryBaseDelay: time.Millisecond,
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// writeJSON answers with status and a JSON body.
func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}
