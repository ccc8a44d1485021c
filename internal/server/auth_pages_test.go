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
