// Package pdftest helps tests of code that prints with a pdf.Renderer.
package pdftest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/pdf"
)

// HoldSlot takes one of r's print slots until the returned func is called
// or the test ends, so a test can see what callers meet when every slot is
// busy. It holds the slot with a real render of a page that never becomes
// ready, so r needs a working Chromium, and the hold ends at r's Timeout.
func HoldSlot(t testing.TB, r *pdf.Renderer) (release func()) {
	t.Helper()
	before := r.Stats().Printing
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := r.Render(ctx, pdf.Document{HTML: []byte("<p>Held</p>"), ReadyJS: "false"})
		done <- err
	}()
	release = sync.OnceFunc(func() { cancel(); <-done })
	t.Cleanup(release)
	for end := time.Now().Add(10 * time.Second); r.Stats().Printing <= before; time.Sleep(5 * time.Millisecond) {
		select {
		case err := <-done:
			t.Fatalf("pdftest: the render holding a slot ended at once: %v", err)
		default:
		}
		if time.Now().After(end) {
			t.Fatal("pdftest: no print slot was taken within 10s")
		}
	}
	return release
}
