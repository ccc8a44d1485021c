package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// startSimulator runs "insights simulate" on a free port until the test ends.
func startSimulator(t *testing.T) string {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(binary, "simulate", "--addr", addr, "--partner-id", "simPA", "--api-key", "sim-key")
	log := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return "http://" + addr
		}
	}
	t.Fatalf("simulator did not listen\n%s", log.String())
	return ""
}

// cli runs an insights subcommand against db with stdin and returns stdout.
func cli(t *testing.T, db, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(binary, append(args, "--db", db)...)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "INSIGHTS_") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("insights %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return out.String()
}

// TestAccessControlInBrowser runs the binary on the simulator with a partner
// id (not demo mode): a client viewer created with "insights user add" signs
// in through the form in headless Chromium, sees only its client, is refused
// another client's URL; a share link opens in a fresh browser.
func TestAccessControlInBrowser(t *testing.T) {
	sim := startSimulator(t)
	db := filepath.Join(t.TempDir(), "insights.db")
	in := start(t, db, "serve", "--partner-id", "simPA", "--api-key", "sim-key", "--partner-api-url", sim, "--backfill-days", "3")
	in.waitFirstPass(t, 90*time.Second)

	// Not demo mode: anonymous requests are refused.
	resp, err := http.Get(in.URL("/api/v1/usage?from=2026-01-01&to=2026-01-02"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous API request: %d, want 401", resp.StatusCode)
	}

	const adminPW, viewerPW = "admin-e2e-password", "viewer-e2e-password"
	cli(t, db, adminPW+"\n", "user", "add", "--email", "admin@partner.example", "--role", "admin")
	token := strings.TrimSpace(cli(t, db, "", "token", "create", "--email", "admin@partner.example"))
	if !strings.HasPrefix(token, "ins_") || strings.Contains(token, "\n") {
		t.Fatalf("token create printed %q", token)
	}

	clients := clientsWithData(t, in, token)
	own, other := clients[0], clients[1]
	cli(t, db, viewerPW+"\n", "user", "add", "--email", "viewer@client.example", "--role", "client", "--client", own)

	// Sign in as the client viewer.
	b := newBrowser(t)
	b.do(t, chromedp.Navigate(in.URL("/")), chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="login-email"]`), "viewer@client.example"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="login-password"]`), viewerPW),
		chromedp.Click(chromedp.CSS(`[data-testid="login-submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="kpis"]`)))
	if loc := eval[string](t, b, `location.pathname`); loc != "/clients/"+own {
		t.Errorf("after sign-in the viewer is at %s, want /clients/%s", loc, own)
	}
	html := eval[string](t, b, `document.documentElement.outerHTML`)
	if strings.Contains(html, other) {
		t.Errorf("the client viewer's page names the other client %s", other)
	}
	if !strings.Contains(html, "viewer@client.example") {
		t.Error("the page does not say who is signed in")
	}
	b.screenshot(t, "access-client-viewer")
	b.checkClean(t, in)

	// Another client's URL is refused, and so is the partner API for it.
	b.do(t, chromedp.Navigate(in.URL("/clients/"+other)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="error-status"]`)))
	if st := eval[string](t, b, `document.querySelector('[data-testid="error-status"]').textContent`); strings.TrimSpace(st) != "404" {
		t.Errorf("another client's view: status %q, want 404", st)
	}

	// The admin makes a share link for the viewer's client (through the
	// pages, with a cookie jar).
	shareURL := adminShareLink(t, in, adminPW, own)

	// A fresh browser (no cookies) opens it.
	b2 := newBrowser(t)
	b2.do(t, chromedp.Navigate(shareURL), chromedp.WaitVisible(chromedp.CSS(`[data-testid="kpis"]`)))
	if loc := eval[string](t, b2, `location.pathname`); loc != "/clients/"+own {
		t.Errorf("share link opened %s, want /clients/%s", loc, own)
	}
	b2.screenshot(t, "access-share-link")
	b2.do(t, chromedp.Navigate(in.URL("/clients/"+other)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="error-status"]`)))

	// Passwords and tokens never reach the log.
	logs := in.log.String()
	secret := shareURL[strings.LastIndex(shareURL, "/")+1:]
	for _, s := range []string{adminPW, viewerPW, token, secret} {
		if strings.Contains(logs, s) {
			t.Errorf("the log contains a secret (%.8s…)", s)
		}
	}
}

// clientsWithData are the clients with usage in the last three days, in
// order, by the admin's API token; the test needs two.
func clientsWithData(t *testing.T, in *instance, token string) []string {
	t.Helper()
	today := time.Now().UTC()
	req, _ := http.NewRequest(http.MethodGet, in.URL(fmt.Sprintf("/api/v1/usage?group_by=client&from=%s&to=%s",
		today.AddDate(0, 0, -3).Format(time.DateOnly), today.Format(time.DateOnly))), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var u struct {
		Series []struct{ Client string }
	}
	err = json.NewDecoder(resp.Body).Decode(&u)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("usage by client: %d %v", resp.StatusCode, err)
	}
	seen := map[string]bool{}
	for _, s := range u.Series {
		seen[s.Client] = true
	}
	var clients []string
	for c := range seen {
		clients = append(clients, c)
	}
	sort.Strings(clients)
	if len(clients) < 2 {
		t.Fatalf("need two clients with data, got %v", clients)
	}
	return clients
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// adminShareLink signs in as the admin and creates a share link for client.
func adminShareLink(t *testing.T, in *instance, password, client string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	page := func(method, path string, form url.Values) string {
		var resp *http.Response
		var err error
		if method == http.MethodGet {
			resp, err = hc.Get(in.URL(path))
		} else {
			resp, err = hc.PostForm(in.URL(path), form)
		}
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %d\n%.500s", method, path, resp.StatusCode, body)
		}
		return string(body)
	}
	csrf := func(body string) string {
		m := csrfInput.FindStringSubmatch(body)
		if m == nil {
			t.Fatal("no CSRF field on the page")
		}
		return m[1]
	}
	login := page(http.MethodGet, "/login", nil)
	page(http.MethodPost, "/login", url.Values{"_csrf": {csrf(login)}, "email": {"admin@partner.example"}, "password": {password}})
	links := page(http.MethodGet, "/share-links", nil)
	created := page(http.MethodPost, "/share-links", url.Values{"_csrf": {csrf(links)}, "client": {client},
		"expires": {time.Now().UTC().AddDate(0, 0, 7).Format(time.DateOnly)}, "label": {"e2e"}})
	m := regexp.MustCompile(`data-testid="share-new-url">([^<]+)<`).FindStringSubmatch(created)
	if m == nil {
		t.Fatalf("no share link on the page:\n%.800s", created)
	}
	return m[1]
}
