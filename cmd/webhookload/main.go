// Command webhookload is the webhook receiver's load benchmark. It starts
// the real Insights server (SQLite in a temporary directory, loopback only),
// fires concurrent signed webhook deliveries at it for a bounded time, and
// reports events per second and request latency (p50, p99); runs the same
// load against a no-op Go handler for the ratio; checks that every
// acknowledged event is stored exactly once; and, in a kill/restart run,
// SIGKILLs a server subprocess mid-run, restarts it and checks that every
// event acknowledged before the kill is still there.
//
//	go run ./cmd/webhookload [-duration 10s] [-concurrency 64] [-events 10] [-out FILE]
//
// "webhookload serve -addr HOST:PORT -db FILE" is the subprocess it kills.
package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/mattn/go-sqlite3" // read the killed server's database directly

	"github.com/insights-dev/insights/internal/ratecard"
	"github.com/insights-dev/insights/internal/server"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/webhook"
)

const (
	secret     = "bench-token"
	signingKey = "bench-signing-key"
	phone      = "4915100000000"
	phoneID    = "bench-pn"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		if err := serve(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "webhookload serve:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "webhookload:", err)
		os.Exit(1)
	}
}

type config struct {
	duration    time.Duration
	concurrency int
	events      int
	out         string
	skipKill    bool
}

func run(args []string) error {
	var c config
	fs := flag.NewFlagSet("webhookload", flag.ContinueOnError)
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "length of each load run")
	fs.IntVar(&c.concurrency, "concurrency", 64, "concurrent senders")
	fs.IntVar(&c.events, "events", 10, "events (statuses) per delivery")
	fs.StringVar(&c.out, "out", "", "also append the report to this file")
	fs.BoolVar(&c.skipKill, "skip-kill", false, "skip the kill/restart run")
	fs.DurationVar(&maxWait, "max-wait", 0, "group-commit gathering time (0: the server's default)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the receiver run to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.duration <= 0 || c.duration > 5*time.Minute || c.concurrency <= 0 || c.concurrency > 1024 || c.events <= 0 || c.events > 1000 {
		return errors.New("want 0 < duration ≤ 5m, 0 < concurrency ≤ 1024, 0 < events ≤ 1000")
	}
	dir, err := os.MkdirTemp("", "webhookload")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	var report strings.Builder
	say := func(format string, a ...any) {
		fmt.Fprintf(&report, format+"\n", a...)
		fmt.Printf(format+"\n", a...)
	}
	say("webhook load: %d senders, %d events per delivery, %s per run, SQLite, loopback (GOMAXPROCS %d)",
		c.concurrency, c.events, c.duration, runtimeProcs())

	// 1. The real server, in process.
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	real, err := benchReal(dir, c)
	if *cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return err
	}
	say("insights receiver: %s", real)
	// 2. The same load against a no-op handler.
	noop, err := benchNoop(c)
	if err != nil {
		return err
	}
	say("no-op handler:     %s", noop)
	say("ratio: %.1f%% of the no-op event rate", 100*real.eventsPerSec/noop.eventsPerSec)
	if real.failed > 0 || real.stored != real.acked {
		return fmt.Errorf("exactly-once check failed: %d acknowledged, %d stored, %d failed", real.acked, real.stored, real.failed)
	}
	say("exactly once: %d events acknowledged, %d stored, %d retried acknowledged deliveries all duplicates", real.acked, real.stored, real.retried)

	// 3. Kill and restart.
	if !c.skipKill {
		k, err := benchKill(dir, c)
		if err != nil {
			return err
		}
		say("kill/restart: %s", k)
	}
	if c.out != "" {
		f, err := os.OpenFile(c.out, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		_, err = f.WriteString(report.String() + "\n")
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }

// result is one load run.
type result struct {
	deliveries, acked, failed int64
	stored, retried           int64
	elapsed                   time.Duration
	eventsPerSec              float64
	p50, p99, max             time.Duration
}

func (r result) String() string {
	return fmt.Sprintf("%.0f events/s (%d deliveries, %d events in %s), latency p50 %s p99 %s max %s, %d failed",
		r.eventsPerSec, r.deliveries, r.acked, r.elapsed.Round(time.Millisecond), r.p50.Round(10*time.Microsecond),
		r.p99.Round(10*time.Microsecond), r.max.Round(10*time.Microsecond), r.failed)
}

// openStore opens and migrates a SQLite store and seeds the bench channel.
func openStore(path string) (*store.Store, error) {
	ctx := context.Background()
	st, err := store.Open(ctx, path, nil)
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		return nil, err
	}
	if err := st.UpsertClients(ctx, []store.Client{{ID: "bench-client", Name: "Bench", Timezone: "UTC"}}); err != nil {
		return nil, err
	}
	if err := st.UpsertChannels(ctx, []store.Channel{{ID: "bench-ch", ClientID: "bench-client", WABAID: "bench-waba",
		Currency: "USD", PhoneNumber: phone, PhoneNumberID: phoneID, Status: "ready"}}); err != nil {
		return nil, err
	}
	return st, nil
}

// maxWait is the group-commit gathering time given by -max-wait.
var maxWait time.Duration

func newServer(st *store.Store) *server.Server {
	return server.New(server.Options{Store: st, Logger: slog.New(slog.DiscardHandler), WebhookSecret: secret,
		WebhookSigningKey: signingKey, RateCard: ratecard.Builtin(), WebhookMaxWait: maxWait})
}

func benchReal(dir string, c config) (result, error) {
	st, err := openStore(filepath.Join(dir, "real.db"))
	if err != nil {
		return result{}, err
	}
	defer st.Close()
	srv := newServer(st)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return result{}, err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go hs.Serve(ln)
	url := "http://" + ln.Addr().String() + "/webhooks/whatsapp?token=" + secret
	gen := newLoad(c, "r")
	res := gen.fire(url, c.duration)
	// Re-send some acknowledged deliveries: every one must come back all duplicates.
	for _, body := range gen.sample(200) {
		resp, err := post(gen.client, url, body)
		if err != nil || resp.Stored != 0 || resp.Duplicates != c.events {
			return res, fmt.Errorf("retry of an acknowledged delivery: %+v, %v", resp, err)
		}
		res.retried++
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(ctx); err != nil {
		return res, err
	}
	if err := srv.Close(ctx); err != nil {
		return res, err
	}
	n, err := st.WebhookEventCount(ctx)
	if err != nil {
		return res, err
	}
	res.stored = n
	return res, nil
}

func benchNoop(c config) (result, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return result{}, err
	}
	resp := []byte(fmt.Sprintf(`{"stored":%d,"duplicates":0,"pending":0,"ignored":0}`, c.events))
	hs := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(resp)
	})}
	go hs.Serve(ln)
	defer hs.Close()
	gen := newLoad(c, "n")
	return gen.fire("http://"+ln.Addr().String()+"/webhooks/whatsapp?token="+secret, c.duration), nil
}

// benchKill runs the load against a server subprocess, SIGKILLs it halfway,
// restarts it, runs the rest, and checks every acknowledged event is stored.
func benchKill(dir string, c config) (string, error) {
	db := filepath.Join(dir, "kill.db")
	st, err := openStore(db) // migrate and seed before the subprocess starts
	if err != nil {
		return "", err
	}
	st.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	ln.Close()
	start := func() (*exec.Cmd, error) {
		exe, err := os.Executable()
		if err != nil {
			return nil, err
		}
		cmd := exec.Command(exe, "serve", "-addr", addr, "-db", db)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		for i := 0; i < 200; i++ {
			if conn, err := net.Dial("tcp", addr); err == nil {
				conn.Close()
				return cmd, nil
			}
			time.Sleep(25 * time.Millisecond)
		}
		_ = cmd.Process.Kill()
		return nil, errors.New("server subprocess did not start listening")
	}
	cmd, err := start()
	if err != nil {
		return "", err
	}
	gen := newLoad(c, "k")
	url := "http://" + addr + "/webhooks/whatsapp?token=" + secret
	var killedAt atomic.Int64
	var restartErr error
	var restarted *exec.Cmd
	done := make(chan struct{})
	go func() {
		defer close(done)
		time.Sleep(c.duration / 2)
		killedAt.Store(gen.acked.Load())
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		time.Sleep(200 * time.Millisecond)
		restarted, restartErr = start()
	}()
	res := gen.fire(url, c.duration)
	<-done
	if restartErr != nil {
		return "", restartErr
	}
	_ = restarted.Process.Signal(syscall.SIGTERM)
	if err := restarted.Wait(); err != nil {
		return "", fmt.Errorf("restarted server: %w", err)
	}
	stored, err := storedKeys(db)
	if err != nil {
		return "", err
	}
	missing := 0
	for _, k := range gen.ackedKeys() {
		if !stored[k] {
			missing++
		}
	}
	if missing > 0 {
		return "", fmt.Errorf("%d acknowledged events missing after kill/restart", missing)
	}
	return fmt.Sprintf("SIGKILL after %d acknowledged events, restart, %d acknowledged in all (%d deliveries failed while down); all %d present, %d stored",
		killedAt.Load(), res.acked, res.failed, res.acked, len(stored)), nil
}

func storedKeys(path string) (map[string]bool, error) {
	db, err := sql.Open("sqlite3", path+"?_query_only=true")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.Query("SELECT ref_id, event FROM webhook_events WHERE kind = 'status'")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id, ev string
		if err := rows.Scan(&id, &ev); err != nil {
			return nil, err
		}
		out[id+"|"+ev] = true
	}
	return out, rows.Err()
}

// load generates unique deliveries: each event is a distinct (message,
// status); messages go sent → delivered → read within a delivery.
type load struct {
	c      config
	run    string
	client *http.Client
	seq    atomic.Int64
	acked  atomic.Int64

	mu     sync.Mutex
	bodies [][]byte   // a sample of acknowledged bodies
	keys   [][]string // acknowledged event keys (kill run)
	track  bool
}

func newLoad(c config, run string) *load {
	tr := &http.Transport{MaxIdleConns: c.concurrency * 2, MaxIdleConnsPerHost: c.concurrency * 2, IdleConnTimeout: time.Minute,
		DialContext: (&net.Dialer{Timeout: time.Second}).DialContext}
	return &load{c: c, run: run, client: &http.Client{Transport: tr, Timeout: 10 * time.Second}, track: run == "k"}
}

var statuses = []string{"sent", "delivered", "read"}

func (l *load) body() ([]byte, []string) {
	n := l.seq.Add(1)
	base := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC).Unix() + n%3600
	var b bytes.Buffer
	b.WriteString(`{"object":"whatsapp_business_account","entry":[{"id":"bench-waba-ext","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"` + phone + `","phone_number_id":"` + phoneID + `"},"statuses":[`)
	keys := make([]string, 0, l.c.events)
	for i := 0; i < l.c.events; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		id := fmt.Sprintf("wamid.%s.%d.%d", l.run, n, i/3)
		st := statuses[i%3]
		fmt.Fprintf(&b, `{"id":%q,"status":%q,"timestamp":"%d","recipient_id":"4917612345678","pricing":{"billable":true,"pricing_model":"PMP","category":"marketing","type":"regular"}}`,
			id, st, base+int64(i%3))
		keys = append(keys, id+"|"+st)
	}
	b.WriteString(`]}}]}]}`)
	return b.Bytes(), keys
}

type ack struct {
	Stored     int `json:"stored"`
	Duplicates int `json:"duplicates"`
}

func sign(body []byte) string {
	m := hmac.New(sha256.New, []byte(signingKey))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

func post(c *http.Client, url string, body []byte) (ack, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return ack{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.HeaderSignature360, sign(body))
	resp, err := c.Do(req)
	if err != nil {
		return ack{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return ack{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return ack{}, fmt.Errorf("status %d: %s", resp.StatusCode, raw)
	}
	var a ack
	if err := json.Unmarshal(raw, &a); err != nil {
		return ack{}, err
	}
	return a, nil
}

// fire runs the senders for d and measures.
func (l *load) fire(url string, d time.Duration) result {
	var res result
	var deliveries, failed atomic.Int64
	lat := make([][]time.Duration, l.c.concurrency)
	deadline := time.Now().Add(d)
	began := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < l.c.concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				body, keys := l.body()
				t0 := time.Now()
				a, err := post(l.client, url, body)
				took := time.Since(t0)
				if err != nil {
					failed.Add(1)
					if l.track { // the server is down: back off briefly, as a sender would
						time.Sleep(20 * time.Millisecond)
					}
					continue
				}
				if a.Stored != len(keys) {
					failed.Add(1)
					continue
				}
				lat[w] = append(lat[w], took)
				deliveries.Add(1)
				l.acked.Add(int64(len(keys)))
				l.mu.Lock()
				if l.track {
					l.keys = append(l.keys, keys)
				}
				if len(l.bodies) < 200 {
					l.bodies = append(l.bodies, body)
				}
				l.mu.Unlock()
			}
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(began)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	res.deliveries, res.failed, res.acked = deliveries.Load(), failed.Load(), l.acked.Load()
	res.eventsPerSec = float64(res.acked) / res.elapsed.Seconds()
	if n := len(all); n > 0 {
		res.p50, res.p99, res.max = all[n/2], all[n*99/100], all[n-1]
	}
	return res
}

func (l *load) sample(n int) [][]byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.bodies[:min(n, len(l.bodies))]
}

func (l *load) ackedKeys() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, k := range l.keys {
		out = append(out, k...)
	}
	return out
}

// serve runs the receiver alone, for the kill/restart run.
func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address (loopback)")
	db := fs.String("db", "", "SQLite file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if host, _, err := net.SplitHostPort(*addr); err != nil || host != "127.0.0.1" {
		return fmt.Errorf("listen on 127.0.0.1 only, got %q", *addr)
	}
	st, err := openStore(*db)
	if err != nil {
		return err
	}
	defer st.Close()
	srv := newServer(st)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	err = srv.Start(ctx, *addr, nil)
	cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if cerr := srv.Close(cctx); err == nil {
		err = cerr
	}
	return err
}
