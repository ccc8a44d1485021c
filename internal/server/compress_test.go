package server_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/insights-dev/insights/internal/server"
)

// TestResponsesAreCompressed checks that pages, scripts, JSON and CSV are
// sent gzipped to a browser that accepts it, decompress to exactly the
// uncompressed answer, and stay plain for a client that does not; and logs
// the sizes recorded in BENCHMARKS.md.
func TestResponsesAreCompressed(t *testing.T) {
	t.Parallel()
	h, _ := edgeServer(t, server.Options{})
	fetch := func(path string, gz bool) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if gz {
			req.Header.Set("Accept-Encoding", "gzip, deflate, br")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", path, rec.Code)
		}
		return rec
	}
	page := fetch("/clients/kir?from=2026-10-01&to=2026-11-19", false).Body.String()
	echarts := regexp.MustCompile(`/static/[^"]*echarts[^"]*\.js`).FindString(page)
	css := regexp.MustCompile(`/static/[^"]*\.css`).FindString(page)
	if echarts == "" || css == "" {
		t.Fatalf("the page links no echarts script or stylesheet")
	}
	for _, path := range []string{
		"/", "/clients/kir?from=2026-10-01&to=2026-11-19", echarts, css,
		"/api/v1/usage?from=2026-10-01&to=2026-11-19&group_by=category,country,channel&granularity=day",
		"/export/usage.csv?from=2026-10-01&to=2026-11-19&group_by=category,country,channel&granularity=day",
		"/api/v1/usage?from=2026-11-10&to=2026-11-10&client=nyc",
	} {
		plain := fetch(path, false)
		if enc := plain.Header().Get("Content-Encoding"); enc != "" {
			t.Errorf("GET %s without Accept-Encoding: Content-Encoding %q", path, enc)
		}
		zipped := fetch(path, true)
		if plain.Body.Len() < 1024 {
			if enc := zipped.Header().Get("Content-Encoding"); enc != "" {
				t.Errorf("GET %s: %d bytes sent with Content-Encoding %q; small answers stay plain", path, plain.Body.Len(), enc)
			}
			t.Logf("%-80s %9d bytes, plain (under 1 KiB)", path, plain.Body.Len())
			continue
		}
		if enc := zipped.Header().Get("Content-Encoding"); enc != "gzip" {
			t.Errorf("GET %s: Content-Encoding %q, want gzip", path, enc)
			continue
		}
		zr, err := gzip.NewReader(bytes.NewReader(zipped.Body.Bytes()))
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		body, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		if len(body) != plain.Body.Len() {
			t.Errorf("GET %s: the gzipped body is %d bytes unpacked, the plain one %d", path, len(body), plain.Body.Len())
		}
		t.Logf("%-80s %9d bytes → %8d gzipped (%.0f %%)", path, plain.Body.Len(), zipped.Body.Len(),
			100*float64(zipped.Body.Len())/float64(plain.Body.Len()))
	}
}
