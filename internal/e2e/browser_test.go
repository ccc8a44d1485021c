package e2e

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath finds the headless browser; CI installs Debian's chromium.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("INSIGHTS_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed; .ci/run installs it")
	}
	t.Skip("browser tests skipped: chromium not installed (apt-get install -y chromium)")
	return ""
}

// browser is a headless Chromium tab that records the console errors of the
// pages it visits.
type browser struct {
	ctx      context.Context
	mu       sync.Mutex
	problems []string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1366, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	b := &browser{ctx: ctx}
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	go func() {
		for m, err := range chromedp.Console(ctx) {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleException || m.Type == "error" {
				b.mu.Lock()
				b.problems = append(b.problems, string(m.Type)+": "+m.Text)
				b.mu.Unlock()
			}
		}
	}()
	return b
}

// do runs browser steps with a deadline.
func (b *browser) do(t *testing.T, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := withTimeout(b.ctx, 45*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("browser: %v", err)
	}
}

// eval evaluates a JavaScript expression and returns its value.
func eval[T any](t *testing.T, b *browser, js string) T {
	t.Helper()
	ctx, cancel := withTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %q: %v", js, err)
	}
	return v
}

// checkClean fails the test for console errors and for any resource the
// page loaded from a host other than the instance's own.
func (b *browser) checkClean(t *testing.T, in *instance) {
	t.Helper()
	urls := eval[[]string](t, b, `[location.href, ...performance.getEntriesByType('resource').map(e => e.name)]`)
	for _, r := range urls {
		u, err := url.Parse(r)
		if err != nil || (u.Scheme != "data" && u.Scheme != "about" && u.Host != in.Addr) {
			t.Errorf("request to a foreign host: %s", r)
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		t.Errorf("page problem: %s", p)
	}
}

// screenshot writes a full-page PNG into the artifact folder.
func (b *browser) screenshot(t *testing.T, name string) {
	t.Helper()
	ctx, cancel := withTimeout(b.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(artifactDir(t), name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// chartsDrawnJS counts chart containers and those whose echarts instance
// drew an SVG with shapes in it.
const chartsDrawnJS = `(() => {
  const els = [...document.querySelectorAll('[_echarts_instance_]')];
  const drawn = els.filter(el => { const s = el.querySelector('svg'); return s && s.querySelectorAll('path,rect,text').length > 3; });
  return [els.length, drawn.length];
})()`

func waitCharts(t *testing.T, b *browser) (total, drawn int) {
	t.Helper()
	var res []int
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		res = eval[[]int](t, b, chartsDrawnJS)
		if len(res) == 2 && res[0] > 0 && res[0] == res[1] {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	return res[0], res[1]
}

// TestDashboardInBrowser loads the overview and a client view from the
// running binary in headless Chromium: no console errors, no foreign
// requests, every chart drawn, and a filter change that changes the URL and
// the charts.
func TestDashboardInBrowser(t *testing.T) {
	b := newBrowser(t)
	in := start(t, "", "demo", "--backfill-days", "45")
	in.waitFirstPass(t, 90*time.Second)

	// Overview.
	b.do(t, chromedp.Navigate(in.URL("/")), chromedp.WaitVisible(chromedp.CSS(`[data-testid="page-title"]`)))
	body := eval[string](t, b, `document.body.innerText`)
	if !strings.Contains(strings.ToLower(body), "simulated") {
		t.Error("demo mode must say the data is simulated")
	}
	clientHref := eval[string](t, b, `(document.querySelector('a[href^="/clients/"]') || {}).pathname || ""`)
	b.screenshot(t, "overview")
	if clientHref == "" {
		t.Fatal("overview links to no client")
	}

	// Client view: every chart draws.
	b.do(t, chromedp.Navigate(in.URL(clientHref)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="kpis"]`)))
	total, drawn := waitCharts(t, b)
	if total < 3 || drawn != total {
		t.Errorf("client view: %d of %d charts drawn (want ≥3, all drawn)", drawn, total)
	}
	b.screenshot(t, "client-view")
	b.checkClean(t, in)

	// Changing the granularity filter reloads with it in the URL and fewer buckets.
	const xLen = `(() => { const el = document.querySelector('[_echarts_instance_]'); return echarts.getInstanceByDom(el).getOption().xAxis[0].data.length; })()`
	before := eval[int](t, b, xLen)
	eval[bool](t, b, `(() => { const s = document.querySelector('select[name="granularity"]'); s.value = 'month';
		s.dispatchEvent(new Event('change', {bubbles: true}));
		setTimeout(() => { if (!location.search.includes('granularity=month')) s.form.requestSubmit(); }, 500); return true; })()`)
	var loc string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if loc = eval[string](t, b, `location.href`); strings.Contains(loc, "granularity=month") {
			break
		}
	}
	if !strings.Contains(loc, "granularity=month") {
		t.Fatalf("URL after the filter change: %s", loc)
	}
	b.do(t, chromedp.WaitVisible(chromedp.CSS(`[data-testid="kpis"]`)))
	waitCharts(t, b)
	if after := eval[int](t, b, xLen); after >= before || after == 0 {
		t.Errorf("month granularity shows %d buckets, day showed %d", after, before)
	}
	b.screenshot(t, "client-view-monthly")
	b.checkClean(t, in)

	checkStatement(t, b, in, strings.TrimPrefix(clientHref, "/clients/"))
}

// checkStatement opens the client's last monthly statement: its chart is
// drawn and its Print button opens the print dialog, both by app.js under a
// policy that refuses inline scripts (a refusal would be a page problem).
func checkStatement(t *testing.T, b *browser, in *instance, client string) {
	t.Helper()
	b.do(t, chromedp.Navigate(in.URL("/reports/monthly?client="+url.QueryEscape(client))),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="report"]`)))
	if total, drawn := waitCharts(t, b); total != 1 || drawn != 1 {
		t.Errorf("statement: %d of %d charts drawn (want 1 of 1)", drawn, total)
	}
	printed := eval[bool](t, b, `(() => { let called = false; window.print = () => { called = true; };
		document.querySelector('[data-testid="report-print"]').click(); return called; })()`)
	if !printed {
		t.Error("the statement's Print button does not print")
	}
	b.screenshot(t, "statement")
	b.checkClean(t, in)
}
