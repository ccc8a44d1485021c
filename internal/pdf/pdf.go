// Package pdf prints HTML documents to PDF with a headless Chromium on the
// server, so that a partner can download a statement without owning a
// browser that prints well.
//
// Each Render starts one browser, serves the document (and the assets it
// links to) from a private listener on 127.0.0.1 that lives only as long as
// the call, waits until the page has drawn its charts, and prints it. A
// browser per request costs about half a second, needs no pool to manage,
// and leaves nothing running between downloads; the deployment only needs a
// Chromium binary (Debian: apt-get install chromium).
package pdf

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// DefaultChromium is where Debian and Ubuntu install Chromium.
const DefaultChromium = "/usr/bin/chromium"

// DefaultTimeout bounds one rendering: browser start, page load and print.
const DefaultTimeout = 30 * time.Second

// ErrUnavailable means no Chromium binary was found at the configured path.
var ErrUnavailable = errors.New("pdf: chromium is not available")

// Paper is a sheet size the document is laid out for.
type Paper string

// Paper sizes.
const (
	A4     Paper = "a4"
	Letter Paper = "letter"
)

// ParsePaper reads "a4" or "letter" (any case); empty means A4.
func ParsePaper(s string) (Paper, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "a4":
		return A4, nil
	case "letter", "us-letter", "usletter":
		return Letter, nil
	}
	return "", fmt.Errorf("unknown paper size %q (want a4 or letter)", s)
}

// size is the sheet in inches.
func (p Paper) size() chromedp.PaperSize {
	if p == Letter {
		return chromedp.PaperLetter
	}
	return chromedp.PaperA4
}

// Renderer prints documents with the Chromium at ExecPath.
type Renderer struct {
	// ExecPath is the Chromium binary; DefaultChromium when empty.
	ExecPath string
	// Timeout bounds one Render; DefaultTimeout when zero.
	Timeout time.Duration
	// Logger receives the browser's own error output; discarded when nil.
	Logger *slog.Logger
}

// Document is what Render prints.
type Document struct {
	// HTML is the page, served at "/" of the private listener.
	HTML []byte
	// Assets serves every other path the page loads (stylesheets, scripts,
	// images); nil answers them with 404.
	Assets http.Handler
	// Paper is the sheet size; A4 when empty. The page's own @page rule
	// wins when it names a size.
	Paper Paper
	// ReadyJS is a JavaScript expression that is true once the page is
	// ready to print (charts drawn); document.readyState is always awaited.
	ReadyJS string
}

func (r *Renderer) execPath() string {
	if r.ExecPath == "" {
		return DefaultChromium
	}
	return r.ExecPath
}

// Available reports whether the Chromium binary exists and is executable;
// the error wraps ErrUnavailable and names the path.
func (r *Renderer) Available() error {
	if _, err := exec.LookPath(r.execPath()); err != nil {
		return fmt.Errorf("%w at %s: %v", ErrUnavailable, r.execPath(), err)
	}
	return nil
}

// viewportWidth is the printable width of paper in CSS pixels with the
// report's 12 mm side margins, so charts are drawn at the size they print.
func viewportWidth(p Paper) int64 {
	const mm = 96 / 25.4
	w := 210.0
	if p == Letter {
		w = 215.9
	}
	return int64((w - 24) * mm)
}

// Render prints doc to PDF bytes.
func (r *Renderer) Render(ctx context.Context, doc Document) ([]byte, error) {
	if err := r.Available(); err != nil {
		return nil, err
	}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if doc.Paper == "" {
		doc.Paper = A4
	}

	base, stop, err := serve(doc)
	if err != nil {
		return nil, err
	}
	defer stop()

	log := r.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(r.execPath()),
		chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(int(viewportWidth(doc.Paper)), 1100),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithErrorf(func(f string, a ...any) {
		log.Debug("chromium", "msg", fmt.Sprintf(f, a...))
	}))
	defer cancelBrowser()

	ready := "document.readyState === 'complete'"
	if doc.ReadyJS != "" {
		ready += " && (" + doc.ReadyJS + ")"
	}
	err = chromedp.Do(bctx,
		// Print media and a light scheme from the first paint, at the
		// printable width: charts are created at the size they print.
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Media:    "print",
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "light"}},
			})
			return err
		}),
		chromedp.EmulateViewport(viewportWidth(doc.Paper), 1100),
		chromedp.Navigate(base+"/"),
	)
	if err != nil {
		return nil, fmt.Errorf("pdf: load the document: %w", err)
	}
	if _, err := chromedp.Run(bctx, chromedp.Poll[bool](ready, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		return nil, fmt.Errorf("pdf: wait for the document to be ready: %w", err)
	}
	out, err := chromedp.Run(bctx, chromedp.PrintToPDF(
		chromedp.PDFPaper(doc.Paper.size()),
		chromedp.PDFPreferCSSPageSize(),
		chromedp.PDFPrintBackground(),
		chromedp.PDFOutlineAndTagged(),
	))
	if err != nil {
		return nil, fmt.Errorf("pdf: print: %w", err)
	}
	return out, nil
}

// serve starts the private listener for doc and returns its base URL and a
// function that stops it.
func serve(doc Document) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("pdf: listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(doc.HTML)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, req *http.Request) {
		if doc.Assets == nil || req.Method != http.MethodGet {
			http.NotFound(w, req)
			return
		}
		doc.Assets.ServeHTTP(w, req)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}
	return "http://" + ln.Addr().String(), stop, nil
}
