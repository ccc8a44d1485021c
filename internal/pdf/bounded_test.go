package pdf_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/pdf"
	"github.com/insights-dev/insights/internal/pdf/pdftest"
)

// childProcesses lists the browsers this test binary started.
func childProcesses(t *testing.T) []int { return pdftest.Children(t, os.Getpid()) }

// TestRenderBounded prints 12 documents at once with room for 2: never more
// than 2 print at the same time, they do print side by side, and one
// browser serves them all rather than one process per document.
func TestRenderBounded(t *testing.T) {
	const limit, n = 2, 12
	// The wait is long enough for all twelve on a slow machine.
	r := &pdf.Renderer{ExecPath: chromium(t), Concurrency: limit, QueueWait: 3 * time.Minute}
	t.Cleanup(r.Close)
	var live, peak atomic.Int32
	// Every document loads /slow.js before it is ready, so a render in
	// progress is one that is inside this handler at some point. Each
	// request waits (a little) for the others that may run beside it.
	assets := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		now := live.Add(1)
		defer live.Add(-1)
		for p := peak.Load(); now > p && !peak.CompareAndSwap(p, now); p = peak.Load() {
		}
		for end := time.Now().Add(time.Second); live.Load() < limit && time.Now().Before(end); {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(300 * time.Millisecond)
		w.Header().Set("Content-Type", "text/javascript")
		_, _ = w.Write([]byte("window.ready = true;"))
	})
	doc := pdf.Document{HTML: []byte(`<!doctype html><script src="/slow.js"></script><h1>Statement</h1>`), Assets: assets, ReadyJS: "window.ready === true"}

	stop := make(chan struct{})
	var procs atomic.Int32
	var watch sync.WaitGroup
	watch.Go(func() {
		for {
			if k := int32(len(childProcesses(t))); k > procs.Load() {
				procs.Store(k)
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	})
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			out, err := r.Render(context.Background(), doc)
			if err == nil && !strings.HasPrefix(string(out), "%PDF-") {
				t.Errorf("not a PDF: %.20q", out)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(stop)
	watch.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("render: %v", err)
		}
	}
	if p := peak.Load(); p != limit {
		t.Errorf("at most %d documents were printing at once, want exactly %d", p, limit)
	}
	if p := procs.Load(); p != 1 {
		t.Errorf("%d browser processes ran at once, want 1", p)
	}
	if st := r.Stats(); st.BrowserStarts != 1 || st.Printing != 0 || st.Rejected != 0 {
		t.Errorf("stats %+v, want one start, none printing, none rejected", st)
	}
}

// killBrowsers kills the browsers this test binary started and waits until
// they are gone, as a crash or the out-of-memory killer would.
func killBrowsers(t *testing.T) {
	t.Helper()
	pids := childProcesses(t)
	if len(pids) == 0 {
		t.Fatal("no browser process to kill")
	}
	for _, pid := range pids {
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatalf("kill %d: %v", pid, err)
		}
	}
	for end := time.Now().Add(10 * time.Second); len(childProcesses(t)) > 0; {
		if time.Now().After(end) {
			t.Fatal("killed browser still running")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRenderAfterCrash kills the browser between two documents and while
// one loads: the next document starts a new browser, and the one that was
// loading is printed again in it.
func TestRenderAfterCrash(t *testing.T) {
	r := &pdf.Renderer{ExecPath: chromium(t)}
	t.Cleanup(r.Close)
	var crashes atomic.Int32
	assets := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Query().Has("crash") && crashes.Add(1) == 1 {
			killBrowsers(t)
		}
		w.Header().Set("Content-Type", "text/javascript")
		_, _ = w.Write([]byte("window.ready = true;"))
	})
	doc := func(src string) pdf.Document {
		return pdf.Document{HTML: []byte(`<!doctype html><script src="` + src + `"></script><p>Page</p>`), Assets: assets, ReadyJS: "window.ready === true"}
	}
	render := func(t *testing.T, d pdf.Document) {
		t.Helper()
		out, err := r.Render(context.Background(), d)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(out), "%PDF-") {
			t.Fatalf("not a PDF: %.20q", out)
		}
	}
	render(t, doc("/app.js"))
	t.Run("between documents", func(t *testing.T) {
		killBrowsers(t)
		render(t, doc("/app.js"))
		if st := r.Stats(); st.BrowserStarts != 2 {
			t.Errorf("%d browser starts, want 2", st.BrowserStarts)
		}
	})
	t.Run("while loading", func(t *testing.T) {
		render(t, doc("/app.js?crash"))
		if st := r.Stats(); st.BrowserStarts != 3 {
			t.Errorf("%d browser starts, want 3", st.BrowserStarts)
		}
	})
	if n := len(childProcesses(t)); n != 1 {
		t.Errorf("%d browser processes, want 1", n)
	}
}

// TestCloseStopsBrowser checks that Close leaves no browser running and
// that the renderer prints no more.
func TestCloseStopsBrowser(t *testing.T) {
	r := &pdf.Renderer{ExecPath: chromium(t)}
	d := pdf.Document{HTML: []byte("<p>Page</p>")}
	if _, err := r.Render(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	if n := len(childProcesses(t)); n != 1 {
		t.Fatalf("%d browser processes before Close, want 1", n)
	}
	r.Close()
	if pids := childProcesses(t); len(pids) != 0 {
		t.Errorf("browser processes %v still running after Close", pids)
	}
	if _, err := r.Render(context.Background(), d); !errors.Is(err, pdf.ErrClosed) {
		t.Errorf("Render after Close = %v, want ErrClosed", err)
	}
}

// TestRenderBusy holds the only print slot: another document waits
// QueueWait and gives ErrBusy, or gives up when its context ends first.
func TestRenderBusy(t *testing.T) {
	r := &pdf.Renderer{ExecPath: chromium(t), Concurrency: 1, QueueWait: 50 * time.Millisecond}
	t.Cleanup(r.Close)
	release := pdftest.HoldSlot(t, r)
	start := time.Now()
	_, err := r.Render(context.Background(), pdf.Document{HTML: []byte("<p>x")})
	if !errors.Is(err, pdf.ErrBusy) {
		t.Fatalf("Render with every slot taken = %v, want ErrBusy", err)
	}
	if waited := time.Since(start); waited < 50*time.Millisecond {
		t.Errorf("gave up after %s, before QueueWait", waited)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.Render(ctx, pdf.Document{HTML: []byte("<p>x")}); !errors.Is(err, context.Canceled) || errors.Is(err, pdf.ErrBusy) {
		t.Errorf("Render with a cancelled context = %v, want context.Canceled", err)
	}
	if st := r.Stats(); st.Rejected != 1 || st.Printing != 1 {
		t.Errorf("stats %+v, want 1 rejected and 1 printing", st)
	}
	release()
	if _, err := r.Render(context.Background(), pdf.Document{HTML: []byte("<p>x")}); err != nil {
		t.Errorf("Render once the slot is free: %v", err)
	}
}
