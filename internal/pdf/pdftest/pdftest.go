// Package pdftest helps tests of code that prints with a pdf.Renderer.
package pdftest

import (
	"context"
	"os"
	"strconv"
	"strings"
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

// Children lists the live processes whose parent is pid (Linux, from
// /proc). A pdf.Renderer's browser is a child of the process that runs it
// (the Debian chromium wrapper script execs the browser), and the browser's
// own helpers are its children, so this counts browsers.
func Children(t testing.TB, pid int) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatalf("pdftest: read /proc: %v", err)
	}
	parent := strconv.Itoa(pid)
	var pids []int
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid …; comm may hold spaces and parentheses.
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(f) > 1 && f[0] != "Z" && f[1] == parent {
			pids = append(pids, child)
		}
	}
	return pids
}
