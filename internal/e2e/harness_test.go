package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binary is the insights binary built once for all tests of the package.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "insights-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "insights")
	build := exec.Command("go", "build", "-o", binary, "github.com/insights-dev/insights/cmd/insights")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: build insights:", err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// repoRoot is the checkout's top directory.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// artifactDir is where screenshots and PDFs are written for people to look at.
func artifactDir(t *testing.T) string {
	d := os.Getenv("INSIGHTS_ARTIFACTS")
	if d == "" {
		d = filepath.Join(repoRoot(), "test-artifacts")
	}
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// instance is a running insights process.
type instance struct {
	Addr string
	DB   string
	cmd  *exec.Cmd
	log  *lockedBuffer
	done chan error
}

// URL returns the absolute URL of path on the instance.
func (in *instance) URL(path string) string { return "http://" + in.Addr + path }

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// start runs "insights <args>" with a clean INSIGHTS_* environment on a new
// port and database (or db when given) and waits until /healthz answers.
func start(t *testing.T, db string, args ...string) *instance {
	t.Helper()
	if db == "" {
		db = filepath.Join(t.TempDir(), "insights.db")
	}
	in := &instance{Addr: freeAddr(t), DB: db, log: &lockedBuffer{}, done: make(chan error, 1)}
	all := append(args, "--addr", in.Addr, "--db", db)
	in.cmd = exec.Command(binary, all...)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "INSIGHTS_") {
			env = append(env, kv)
		}
	}
	in.cmd.Env = env
	in.cmd.Stdout, in.cmd.Stderr = in.log, in.log
	if err := in.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { in.done <- in.cmd.Wait() }()
	t.Cleanup(func() {
		if in.cmd.ProcessState == nil {
			_ = in.cmd.Process.Kill()
			<-in.done
		}
		if t.Failed() {
			t.Logf("insights log:\n%s", tail(in.log.String(), 4000))
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(in.URL("/healthz")); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return in
			}
		}
		select {
		case err := <-in.done:
			t.Fatalf("insights exited early: %v\n%s", err, in.log.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatalf("insights did not become healthy within 30s\n%s", in.log.String())
	return nil
}

// stop sends SIGTERM and returns how long the process took to exit.
func (in *instance) stop(t *testing.T) time.Duration {
	t.Helper()
	began := time.Now()
	if err := in.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-in.done:
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatalf("wait: %v", err)
		}
		if err != nil {
			t.Errorf("insights exited with %v after SIGTERM\n%s", err, tail(in.log.String(), 3000))
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("insights did not exit within 30s of SIGTERM")
	}
	return time.Since(began)
}

// waitForData polls /api/v1/usage until the demo backfill has stored data
// for the last days, and returns how long that took.
func (in *instance) waitForData(t *testing.T, within time.Duration) time.Duration {
	t.Helper()
	began := time.Now()
	today := time.Now().UTC()
	q := fmt.Sprintf("/api/v1/usage?from=%s&to=%s", today.AddDate(0, 0, -7).Format(time.DateOnly), today.Format(time.DateOnly))
	for time.Since(began) < within {
		var u struct {
			Totals []struct{ Volume int64 }
		}
		if err := getJSON(in.URL(q), &u); err == nil && len(u.Totals) > 0 && u.Totals[0].Volume > 0 {
			return time.Since(began)
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("no usage data within %s\n%s", within, tail(in.log.String(), 3000))
	return 0
}

// waitFirstPass waits until the poller has finished its first pass, so every
// channel's backfill is stored (screenshots then show the whole partner).
func (in *instance) waitFirstPass(t *testing.T, within time.Duration) {
	t.Helper()
	for began := time.Now(); time.Since(began) < within; time.Sleep(250 * time.Millisecond) {
		var h struct {
			Poller struct {
				LastPass string `json:"last_pass"`
			}
		}
		if err := getJSON(in.URL("/healthz"), &h); err == nil && h.Poller.LastPass != "" {
			return
		}
	}
	t.Fatalf("the first poll pass did not finish within %s\n%s", within, tail(in.log.String(), 3000))
}

func getJSON(url string, into any) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %d %s", url, resp.StatusCode, b)
	}
	return json.Unmarshal(b, into)
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// withTimeout is a context for one browser step.
func withTimeout(parent context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(parent, d)
}
