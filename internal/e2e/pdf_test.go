package e2e

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/pdf/pdftest"
)

// TestPDFDownloadsBoundedAndStopped sends twelve statement downloads at
// once to a running insights with room for two: each is a PDF or a 503 with
// Retry-After, one browser process serves them all, and after SIGTERM the
// process exits promptly with no browser left behind.
func TestPDFDownloadsBoundedAndStopped(t *testing.T) {
	// Enough days for last month's statement, fewer for a shorter first pass.
	in := start(t, "", "serve", "--backfill-days", "62",
		"--chromium", chromiumPath(t), "--pdf-concurrency", "2", "--pdf-queue-wait", "1s")
	in.waitFirstPass(t, 120*time.Second)

	var mu sync.Mutex
	browsers := map[int]bool{}
	most := 0
	stop := make(chan struct{})
	var watch sync.WaitGroup
	watch.Go(func() {
		for {
			pids := pdftest.Children(t, in.cmd.Process.Pid)
			mu.Lock()
			most = max(most, len(pids))
			for _, p := range pids {
				browsers[p] = true
			}
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	})
	codes := make([]int, 12)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Go(func() { codes[i] = downloadStatement(t, in.URL("/reports/monthly?format=pdf")) })
	}
	wg.Wait()
	close(stop)
	watch.Wait()

	ok := 0
	for _, c := range codes {
		if c == http.StatusOK {
			ok++
		}
	}
	t.Logf("statuses %v; %d browser process(es) at most", codes, most)
	if ok == 0 {
		t.Error("no download got its PDF")
	}
	if most != 1 {
		t.Errorf("%d browser processes ran at once, want 1", most)
	}
	if d := in.stop(t); d > 5*time.Second {
		t.Errorf("shutdown took %s, want under 5s", d)
	}
	for pid := range browsers {
		if alive(pid) {
			t.Errorf("browser %d still runs after insights stopped", pid)
		}
	}
}

// downloadStatement fetches a statement PDF and checks the answer is a PDF
// or a busy page with Retry-After; it returns the status.
func downloadStatement(t *testing.T, url string) int {
	resp, err := http.Get(url)
	if err != nil {
		t.Errorf("GET %s: %v", url, err)
		return 0
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Errorf("read %s: %v", url, err)
	}
	switch resp.StatusCode {
	case http.StatusOK:
		if !bytes.HasPrefix(body, []byte("%PDF-")) {
			t.Errorf("200 without a PDF: %.100q", body)
		}
	case http.StatusServiceUnavailable:
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s < 1 {
			t.Errorf("503 without a Retry-After in seconds: %q", resp.Header.Get("Retry-After"))
		}
		if !strings.Contains(string(body), "Try the download again") {
			t.Errorf("503 page does not say to try again:\n%.1000s", body)
		}
	default:
		t.Errorf("GET %s: %d\n%.1000s", url, resp.StatusCode, body)
	}
	return resp.StatusCode
}

// alive reports whether pid is a running (not zombie) process.
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	return len(f) > 0 && f[0] != "Z"
}
