package pdf

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chromedp/chromedp"
)

// Stats counts what a Renderer has done, for metrics.
type Stats struct {
	// Printing is how many Renders hold a print slot now.
	Printing int
	// Rejected is how many Renders gave ErrBusy.
	Rejected int64
	// BrowserStarts is how many times Chromium was started; more than one
	// means it was started again after it died.
	BrowserStarts int64
}

// browserPool is the state behind a Renderer: its print slots and its one
// browser.
type browserPool struct {
	slotsOnce sync.Once
	slots     chan struct{} // a buffered token per document printing

	mu      sync.Mutex
	ctx     context.Context // the running browser's chromedp context; nil when none
	stop    func()          // kills the browser and waits until it is gone
	closed  bool
	started atomic.Int64
	busy    atomic.Int64
	refused atomic.Int64
}

// Stats reports the renderer's counters.
func (r *Renderer) Stats() Stats {
	return Stats{Printing: int(r.pool.busy.Load()), Rejected: r.pool.refused.Load(), BrowserStarts: r.pool.started.Load()}
}

func (r *Renderer) logger() *slog.Logger {
	if r.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Logger
}

// acquire waits for a print slot: up to r.QueueWait, or until ctx ends.
func (p *browserPool) acquire(ctx context.Context, r *Renderer) (release func(), err error) {
	p.slotsOnce.Do(func() {
		n := r.Concurrency
		if n <= 0 {
			n = DefaultConcurrency
		}
		p.slots = make(chan struct{}, n)
	})
	wait := r.QueueWait
	if wait <= 0 {
		wait = DefaultQueueWait
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case p.slots <- struct{}{}:
	case <-timer.C:
		p.refused.Add(1)
		return nil, fmt.Errorf("%w: %d printing, waited %s", ErrBusy, cap(p.slots), wait)
	case <-ctx.Done():
		return nil, fmt.Errorf("pdf: wait for a print slot: %w", ctx.Err())
	}
	p.busy.Add(1)
	return func() { p.busy.Add(-1); <-p.slots }, nil
}

// browser returns the running browser, starting one when there is none or
// the last one died. Starting is bounded by ctx.
func (p *browserPool) browser(ctx context.Context, r *Renderer) (context.Context, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, ErrClosed
	}
	if p.ctx != nil && !lost(p.ctx) {
		return p.ctx, nil
	}
	if p.ctx != nil {
		r.logger().Warn("chromium died; starting it again")
		p.stop()
		p.ctx, p.stop = nil, nil
	}
	bctx, stop, err := launch(ctx, r)
	if err != nil {
		return nil, err
	}
	p.started.Add(1)
	p.ctx, p.stop = bctx, stop
	r.logger().Info("chromium started", "pid", chromedp.FromContext(bctx).Browser.Process().Pid)
	return bctx, nil
}

// launch starts a browser whose life is its own context, not ctx's: ctx
// only bounds the start.
func launch(ctx context.Context, r *Renderer) (context.Context, func(), error) {
	log := r.logger()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(r.execPath()),
		chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(int(viewportWidth(A4)), 1100),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithErrorf(func(f string, a ...any) {
		log.Debug("chromium", "msg", fmt.Sprintf(f, a...))
	}))
	stop := func() { cancelBrowser(); cancelAlloc() }
	abort := context.AfterFunc(ctx, cancelBrowser)
	err := chromedp.Do(bctx) // starts the browser and attaches to its first tab
	if !abort() || err != nil {
		stop()
		if err == nil {
			err = ctx.Err()
		}
		return nil, nil, fmt.Errorf("pdf: start chromium: %w", err)
	}
	return bctx, stop, nil
}

// lost reports whether the browser behind bctx is gone: its connection
// dropped (it crashed or was killed) or its context ended.
func lost(bctx context.Context) bool {
	c := chromedp.FromContext(bctx)
	if c == nil || c.Browser == nil || bctx.Err() != nil {
		return true
	}
	select {
	case <-c.Browser.LostConnection:
		return true
	default:
		return false
	}
}

// Close stops the browser and waits until its processes are gone; a Render
// after Close gives ErrClosed. Renders still printing fail.
func (r *Renderer) Close() {
	p := &r.pool
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	if p.stop != nil {
		p.stop()
		p.ctx, p.stop = nil, nil
	}
}
