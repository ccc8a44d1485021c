// Package pdf prints HTML documents to PDF with a headless Chromium on the
// server, so that a partner can download a statement without owning a
// browser that prints well.
//
// A Renderer keeps one browser running (started on first use, started
// again after a crash) and prints each document in a tab of its own, in a
// fresh browser context so documents share no cookies or storage. Each
// document and the assets it links to are served from a private listener on
// 127.0.0.1 that lives only as long as the call. At most Concurrency
// documents print at once: a tab costs memory and a core while it lays out,
// and a burst of downloads must not take the machine. A call waits up to QueueWait for a turn and then gives ErrBusy.
// The deployment only needs a Chromium binary (Debian: apt-get install
// chromium).
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

// DefaultConcurrency is how many documents print at once by default: a
// statement tab takes about a core while it lays out its charts.
const DefaultConcurrency = 2

// DefaultQueueWait is how long a Render waits for its turn by default:
// longer than a statement takes to print, shorter than people wait for a
// download.
const DefaultQueueWait = 10 * time.Second

// ErrUnavailable means no Chromium binary was found at the configured path.
var ErrUnavailable = errors.New("pdf: chromium is not available")

// ErrBusy means every print slot stayed taken for QueueWait; the caller
// should ask again in a few seconds.
var ErrBusy = errors.New("pdf: every print slot is busy")

// ErrClosed means Close was called: the renderer prints no more.
var ErrClosed = errors.New("pdf: renderer closed")

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

// Renderer prints documents with the Chromium at ExecPath. Set its fields
// before the first Render and share one Renderer: it owns the browser
// process and the print slots, so it must not be copied after first use,
// and Close stops the browser.
type Renderer struct {
	// ExecPath is the Chromium binary; DefaultChromium when empty.
	ExecPath string
	// Timeout bounds one Render once it has its turn: page load and print,
	// and starting the browser when it is not running; DefaultTimeout when
	// zero.
	Timeout time.Duration
	// Concurrency is how many documents print at once; DefaultConcurrency
	// when zero.
	Concurrency int
	// QueueWait bounds how long a Render waits for its turn before it gives
	// ErrBusy; DefaultQueueWait when zero.
	QueueWait time.Duration
	// Logger receives the browser's starts, crashes and its own error
	// output; discarded when nil.
	Logger *slog.Logger

	pool browserPool
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

// Render prints doc to PDF bytes. It waits for a turn (up to QueueWait, or
// until ctx ends) and gives ErrBusy when none came. A browser that died is
// started again, and a document whose browser died under it is printed
// once more in the new one.
func (r *Renderer) Render(ctx context.Context, doc Document) ([]byte, error) {
	if err := r.Available(); err != nil {
		return nil, err
	}
	release, err := r.pool.acquire(ctx, r)
	if err != nil {
		return nil, err
	}
	defer release()
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
	for attempt := 0; ; attempt++ {
		browser, err := r.pool.browser(ctx, r)
		if err != nil {
			return nil, err
		}
		out, err := printTab(ctx, browser, base, doc)
		if err == nil || attempt > 0 || ctx.Err() != nil || !lost(browser) {
			return out, err
		}
		r.logger().Warn("chromium died while printing; printing again in a new browser", "err", err)
	}
}

// printTab prints the document served at base in a new tab of browser. The
// tab lives under the browser's context; ctx ends what it is doing.
func printTab(ctx context.Context, browser context.Context, base string, doc Document) ([]byte, error) {
	tab, closeTab := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	defer closeTab()
	tab, stopTab := context.WithCancel(tab)
	defer stopTab()
	defer context.AfterFunc(ctx, stopTab)()
	fail := func(what string, err error) ([]byte, error) {
		if cerr := ctx.Err(); cerr != nil {
			return nil, fmt.Errorf("pdf: %s: %w (%w)", what, cerr, err)
		}
		return nil, fmt.Errorf("pdf: %s: %w", what, err)
	}

	ready := "document.readyState === 'complete'"
	if doc.ReadyJS != "" {
		ready += " && (" + doc.ReadyJS + ")"
	}
	err := chromedp.Do(tab,
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
		return fail("load the document", err)
	}
	if _, err := chromedp.Run(tab, chromedp.Poll[bool](ready, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		return fail("wait for the document to be ready", err)
	}
	out, err := chromedp.Run(tab, chromedp.PrintToPDF(
		chromedp.PDFPaper(doc.Paper.size()),
		chromedp.PDFPreferCSSPageSize(),
		chromedp.PDFPrintBackground(),
		chromedp.PDFOutlineAndTagged(),
	))
	if err != nil {
		return fail("print", err)
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
