package pdf_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/insights-dev/insights/internal/pdf"
)

// chromium returns the browser path, skipping outside CI when it is missing
// (CI installs it, and there a missing browser fails the test).
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("INSIGHTS_CHROMIUM"), pdf.DefaultChromium, "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed; CI must install it")
	}
	t.Skip("PDF test skipped: chromium not installed (apt-get install -y chromium)")
	return ""
}

// pdfText extracts the text of a PDF with poppler's pdftotext.
func pdfText(t *testing.T, b []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext (poppler-utils) is not installed")
		}
		t.Skip("pdftotext not installed (apt-get install -y poppler-utils)")
	}
	path := filepath.Join(t.TempDir(), "out.pdf")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

func TestParsePaper(t *testing.T) {
	tests := []struct {
		in      string
		want    pdf.Paper
		wantErr bool
	}{
		{"", pdf.A4, false}, {"A4", pdf.A4, false}, {"letter", pdf.Letter, false},
		{"US-Letter", pdf.Letter, false}, {"legal", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := pdf.ParsePaper(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("ParsePaper(%q) = %q, %v; want %q (error %v)", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestUnavailable(t *testing.T) {
	r := &pdf.Renderer{ExecPath: filepath.Join(t.TempDir(), "no-chromium")}
	if err := r.Available(); !errors.Is(err, pdf.ErrUnavailable) {
		t.Fatalf("Available() = %v, want ErrUnavailable", err)
	}
	if _, err := r.Render(context.Background(), pdf.Document{HTML: []byte("<p>x")}); !errors.Is(err, pdf.ErrUnavailable) {
		t.Fatalf("Render() = %v, want ErrUnavailable", err)
	}
}

// TestRender prints a page whose stylesheet and script come from Assets and
// whose ready condition is set by that script.
func TestRender(t *testing.T) {
	r := &pdf.Renderer{ExecPath: chromium(t)}
	t.Cleanup(r.Close)
	assets := http.NewServeMux()
	assets.HandleFunc("GET /static/style.css", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/css")
		_, _ = w.Write([]byte(`@page { size: A4; margin: 10mm } .late::after { content: "Styled by the asset"; }`))
	})
	assets.HandleFunc("GET /static/app.js", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		_, _ = w.Write([]byte(`document.addEventListener("DOMContentLoaded", () => {
			document.getElementById("out").textContent = "Drawn by script " + (matchMedia("print").matches ? "in print media" : "on screen");
			window.ready = true; });`))
	})
	html := `<!doctype html><html><head><link rel="stylesheet" href="/static/style.css"><script src="/static/app.js"></script></head>
<body><h1>Statement 12,345</h1><p class="late"></p><p id="out"></p><div style="break-before: page">Second page</div></body></html>`
	for _, paper := range []pdf.Paper{pdf.A4, pdf.Letter} {
		t.Run(string(paper), func(t *testing.T) {
			out, err := r.Render(context.Background(), pdf.Document{HTML: []byte(html), Assets: assets, Paper: paper, ReadyJS: "window.ready === true"})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(out, []byte("%PDF-")) {
				t.Fatalf("not a PDF: %.20q", out)
			}
			text := pdfText(t, out)
			for _, want := range []string{"Statement 12,345", "Styled by the asset", "Drawn by script in print media", "Second page"} {
				if !strings.Contains(text, want) {
					t.Errorf("PDF text lacks %q:\n%s", want, text)
				}
			}
			if n := strings.Count(text, "\f"); n != 2 {
				t.Errorf("%d pages, want 2", n)
			}
		})
	}
}
