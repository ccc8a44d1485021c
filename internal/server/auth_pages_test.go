package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/insights-dev/insights/internal/auth"
)

// postParallel sends n POSTs of form (with a fresh wrong password each) to
// target on a real HTTP server at once and counts the answers by status.
func postParallel(t *testing.T, base, target string, n int, form func(i int) url.Values) map[int]int {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			v := form(i)
			v.Set("_csrf", csrfValue)
			req, err := http.NewRequest(http.MethodPost, base+target, strings.NewReader(v.Encode()))
			if err != nil {
				t.Error(err)
				return
			}
			req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationForm)
			req.AddCookie(&http.Cookie{Name: "insights_csrf", Value: csrfValue})
			<-start
			res, err := client.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			mu.Lock()
			codes[res.StatusCode]++
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	return codes
}

// TestPasswordLimitsHoldUnderConcurrency: 30 wrong passwords sent at once
// to the sign-in form and to a share link's password form check no more
// passwords than the limit (5 per account or link); the rest get 429.
func TestPasswordLimitsHoldUnderConcurrency(t *testing.T) {
	t.Parallel()
	f := newAccessFixture(t)
	var checks atomic.Int64
	f.s.acl.auth = auth.New(auth.Options{Store: f.st, Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return pageNow },
		Verify: func(hash, password string) bool { checks.Add(1); return auth.VerifyPassword(hash, password) }})
	secret, _, err := f.s.acl.auth.CreateShareLink(context.Background(), "test", "", 0,
		auth.NewShare{ClientID: "acme", ExpiresAt: pageNow.Add(time.Hour), Password: passShare})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(f.s.Handler())
	defer srv.Close()

	const n, limit = 30, 5
	for _, tc := range []struct {
		name, target string
		form         func(i int) url.Values
	}{
		{"sign-in", "/login", func(i int) url.Values {
			return url.Values{"email": {"admin@example.com"}, "password": {fmt.Sprint("wrong-password-", i)}}
		}},
		{"share link", "/s", func(i int) url.Values {
			return url.Values{"token": {secret}, "password": {fmt.Sprint("wrong-password-", i)}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checks.Store(0)
			codes := postParallel(t, srv.URL, tc.target, n, tc.form)
			if got := checks.Load(); got > limit || got == 0 {
				t.Errorf("%d passwords checked, want 1…%d", got, limit)
			}
			if codes[http.StatusUnauthorized] != int(checks.Load()) || codes[http.StatusTooManyRequests] != n-codes[http.StatusUnauthorized] {
				t.Errorf("answers %v: want one 401 per password checked (%d), 429 for the rest", codes, checks.Load())
			}
		})
	}
}

// TestSafeNext: only paths of this site survive as the page to return to
// after signing in; everything a browser (or a second decoding) could take
// elsewhere becomes "/".
func TestSafeNext(t *testing.T) {
	t.Parallel()
	for _, next := range []string{
		"/", "/clients/acme", "/clients/acme?from=2026-03-01&to=2026-03-14", "/overview#spend",
		"/clients/acme%20gmbh", "/@evil.example", "/clients/acme//reports",
	} {
		if got := safeNext(next); got != next {
			t.Errorf("safeNext(%q) = %q, want it kept", next, got)
		}
	}
	for _, next := range []string{
		"", "clients/acme", "evil.example", "https://evil.example/", "http:evil.example", "javascript:alert(1)",
		"//evil.example", "///evil.example", "//evil.example/clients", "/\\evil.example", "\\\\evil.example", "/\\/evil.example",
		"/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "/\x00evil", "/a\x7f", " //evil.example",
		"/%2F/evil.example", "/%2f%2fevil.example", "%2F%2Fevil.example", "/%5Cevil.example", "/%5c%5cevil.example",
		"/%09/evil.example", "/%0a/evil.example", "/%00", "/%252F%252Fevil.example", "/%25252F%25252Fevil.example",
		"/%255Cevil.example", "/.//evil.example", "/./%2F/evil.example", "/a/..//evil.example", "/.%2F%2Fevil.example",
		"/%2E//evil.example", "/%zz", "/login", "/login?next=/clients/acme", "/logout", "/%6Cogin",
	} {
		if got := safeNext(next); got != "/" {
			t.Errorf("safeNext(%q) = %q, want \"/\"", next, got)
		}
	}
}

// TestSignInRedirectsOnlyOnSite signs in for real with hostile next values:
// the redirect goes to "/", while a path of the site is kept.
func TestSignInRedirectsOnlyOnSite(t *testing.T) {
	t.Parallel()
	f := newAccessFixture(t)
	for next, want := range map[string]string{
		"/clients/acme?from=2026-03-01": "/clients/acme?from=2026-03-01",
		"//evil.example":                "/",
		"/%2F/evil.example":             "/",
		"/\\evil.example":               "/",
		"/\t/evil.example":              "/",
		"https://evil.example/":         "/",
	} {
		rec := f.do(http.MethodPost, "/login", cred{}, url.Values{"email": {"member@example.com"}, "password": {passMember}, "next": {next}})
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != want {
			t.Errorf("sign-in with next=%q: %d → %q, want 303 → %q", next, rec.Code, rec.Header().Get("Location"), want)
		}
		for _, ck := range rec.Result().Cookies() {
			f.secrets = append(f.secrets, ck.Value)
		}
	}
	// Signed in already, GET /login goes straight on, as safely.
	c := f.creds["member"]
	if rec := f.do(http.MethodGet, "/login?next="+url.QueryEscape("/%5Cevil.example"), c, nil); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/" {
		t.Errorf("GET /login signed in with a hostile next: %d → %q", rec.Code, rec.Header().Get("Location"))
	}
}

func TestBrowserPath(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"/": "/", "/a/b": "/a/b", "/a/.": "/a/", "/a/..": "/", "/..": "/", "/a/./b": "/a/b",
		"/a/..//x": "//x", "/.//x": "//x", "/a/b/../..//x": "//x", "/a//b/../c": "/a//c",
	} {
		if got := browserPath(in); got != want {
			t.Errorf("browserPath(%q) = %q, want %q", in, got, want)
		}
	}
}
