package server

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/insights-dev/insights/internal/auth"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
)

// TestEveryRouteHasAnAccessRule fails for any route registered without an
// access rule (with e.GET instead of s.route): add it with s.route and the
// rule that fits (access.go), then give it a row in the matrix below.
func TestEveryRouteHasAnAccessRule(t *testing.T) {
	t.Parallel()
	s := New(Options{Store: seedPages(t), Logger: slog.New(slog.DiscardHandler)})
	routes := s.echo.Routes()
	if len(routes) < 10 {
		t.Fatalf("only %d routes registered", len(routes))
	}
	for _, r := range routes {
		if _, ok := s.ruleOf(r.Method, r.Path); !ok {
			t.Errorf("route %s %s has no access rule: register it with s.route(…, rule, …)", r.Method, r.Path)
		}
	}
	// A route added without a rule is refused at run time, not served.
	s.echo.GET("/ruleless", func(c echo.Context) error { return c.String(http.StatusOK, "secret") })
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/ruleless", nil))
	if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "secret") {
		t.Errorf("route without a rule answered %d %q, want a 500", rec.Code, rec.Body.String())
	}
}

// syncBuf is a goroutine-safe log sink.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *syncBuf) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.b.Write(p) }
func (l *syncBuf) String() string              { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// accessFixture is a non-demo server over seedPages' clients with one
// credential of every kind.
type accessFixture struct {
	s       *Server
	st      *store.Store
	logs    *syncBuf
	creds   map[string]cred
	secrets []string // every secret handed out, for the leak checks
	userIDs map[string]int64
	shareID int64 // a throwaway share link, for the revoke route
}

// cred is how a principal authenticates.
type cred struct {
	cookie *http.Cookie
	bearer string
	// scope: the clients the principal may see (nil: all).
	scope []string
}

const (
	passAdmin  = "admin-password-1"
	passMember = "member-password-1"
	passClient = "client-password-1"
	passShare  = "share-password-9"
)

func newAccessFixture(t *testing.T, mods ...func(*Options)) *accessFixture {
	t.Helper()
	st := seedPages(t)
	logs := &syncBuf{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opts := Options{Store: st, Logger: log, Now: func() time.Time { return pageNow }}
	for _, m := range mods {
		m(&opts)
	}
	s := New(opts)
	f := &accessFixture{s: s, st: st, logs: logs, creds: map[string]cred{}, userIDs: map[string]int64{}}
	ctx := context.Background()
	a := s.acl.auth
	mk := func(email string, role auth.Role, pw string, clients ...string) {
		u, err := a.CreateUser(ctx, "test", "", auth.NewUser{Email: email, Role: role, Password: pw, ClientIDs: clients})
		if err != nil {
			t.Fatal(err)
		}
		f.userIDs[email] = u.ID
	}
	mk("admin@example.com", auth.RoleAdmin, passAdmin)
	mk("member@example.com", auth.RoleMember, passMember)
	mk("viewer@acme.example", auth.RoleClient, passClient, "acme")
	login := func(email, pw string) *http.Cookie {
		secret, _, err := a.Login(ctx, email, pw, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		f.secrets = append(f.secrets, secret)
		return &http.Cookie{Name: sessionCookie, Value: secret}
	}
	f.creds["anonymous"] = cred{}
	f.creds["admin"] = cred{cookie: login("admin@example.com", passAdmin)}
	f.creds["member"] = cred{cookie: login("member@example.com", passMember)}
	f.creds["client-acme"] = cred{cookie: login("viewer@acme.example", passClient), scope: []string{"acme"}}

	tok, _, err := a.CreateAPIToken(ctx, "test", "", f.userIDs["viewer@acme.example"], "script")
	if err != nil {
		t.Fatal(err)
	}
	f.secrets = append(f.secrets, tok)
	f.creds["token-acme"] = cred{bearer: tok, scope: []string{"acme"}}

	// An expired session of the client viewer.
	expired := "ses_expired-session-secret-0123456789abcdefghij"
	if err := st.CreateSession(ctx, store.Session{TokenHash: auth.HashToken(expired), UserID: f.userIDs["viewer@acme.example"],
		CreatedAt: pageNow.Add(-13 * time.Hour), ExpiresAt: pageNow.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	f.creds["expired-session"] = cred{cookie: &http.Cookie{Name: sessionCookie, Value: expired}}

	revoked, rec, err := a.CreateAPIToken(ctx, "test", "", f.userIDs["member@example.com"], "old")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.RevokeAPIToken(ctx, "test", "", f.userIDs["member@example.com"], rec.ID); err != nil {
		t.Fatal(err)
	}
	f.secrets = append(f.secrets, revoked)
	f.creds["revoked-token"] = cred{bearer: revoked}

	share := func(client string, expires time.Time, pw string) (string, store.ShareLink) {
		secret, l, err := a.CreateShareLink(ctx, "test", "", 0, auth.NewShare{ClientID: client, ExpiresAt: expires, Password: pw})
		if err != nil {
			t.Fatal(err)
		}
		f.secrets = append(f.secrets, secret)
		return secret, l
	}
	sa, la := share("acme", pageNow.Add(24*time.Hour), passShare)
	f.creds["share-acme"] = cred{cookie: &http.Cookie{Name: shareCookie, Value: auth.ShareCookie(sa, la)}, scope: []string{"acme"}}
	sb, lb := share("globex", pageNow.Add(24*time.Hour), "")
	f.creds["share-globex"] = cred{cookie: &http.Cookie{Name: shareCookie, Value: auth.ShareCookie(sb, lb)}, scope: []string{"globex"}}
	// Expired an hour before the server's clock.
	expiredShare := "shr_expired-share-secret-0123456789abcdefghijkl"
	if _, err := st.CreateShareLink(ctx, store.ShareLink{Hash: auth.HashToken(expiredShare), ClientID: "acme", ExpiresAt: pageNow.Add(-time.Hour), CreatedAt: pageNow.Add(-48 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	f.creds["share-expired"] = cred{cookie: &http.Cookie{Name: shareCookie, Value: expiredShare}}
	_, lt := share("quiet", pageNow.Add(time.Hour), "")
	f.shareID = lt.ID
	return f
}

// outcome is how a request was answered, as far as access goes.
type outcome string

const (
	allowed   outcome = "allowed"
	signIn    outcome = "sign-in"   // 303 to /login?next=…, or 401
	hidden    outcome = "hidden"    // 404 from the guard
	forbidden outcome = "forbidden" // 403
	home      outcome = "home"      // 303 to the viewer's client
)

func classify(rec *httptest.ResponseRecorder) outcome {
	loc := rec.Header().Get("Location")
	body := rec.Body.String()
	switch {
	case rec.Code == http.StatusUnauthorized, rec.Code == http.StatusSeeOther && strings.HasPrefix(loc, "/login?next="):
		return signIn
	case rec.Code == http.StatusForbidden:
		return forbidden
	case rec.Code == http.StatusNotFound && (strings.Contains(body, "Not found.") || strings.Contains(body, "There is no client with id")):
		return hidden
	case rec.Code == http.StatusSeeOther && strings.HasPrefix(loc, "/clients/"):
		return home
	}
	return allowed
}

// refined are outcomes where a handler narrows its route's rule further.
var refined = map[string]outcome{
	"POST /clients/:client/budget member":  forbidden, // staff route, admins only
	"POST /clients/:client/pricing member": forbidden, // staff route, admins only
}

// concrete turns a route pattern into a request path naming client acme.
func (f *accessFixture) concrete(method, pattern string) string {
	switch pattern {
	case "/static/*":
		return "/static/css/app.css"
	case "/s/:token":
		return "/s/shr_not-a-real-link"
	case "/users/:id":
		return "/users/" + strconv.FormatInt(f.userIDs["viewer@acme.example"], 10)
	case "/share-links/:id/revoke":
		return "/share-links/" + strconv.FormatInt(f.shareID, 10) + "/revoke"
	case "/tokens/:id/revoke":
		return "/tokens/999999/revoke"
	}
	p := strings.NewReplacer(":client", "acme", ":channel", "ch-a1").Replace(pattern)
	if method == http.MethodGet && !strings.HasPrefix(p, "/clients/") && p != "/" && p != "/static/css/app.css" {
		p += "?client=acme&from=2026-03-01&to=2026-03-14&month=2026-03"
	}
	return p
}

const csrfValue = "test-csrf-token-0123456789"

func (f *accessFixture) do(method, target string, c cred, form url.Values) *httptest.ResponseRecorder {
	var body *strings.Reader
	if form == nil {
		form = url.Values{}
	}
	if method == http.MethodPost {
		form.Set("_csrf", csrfValue)
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req := httptest.NewRequest(method, target, body)
	req.RemoteAddr = "198.51.100.7:1234"
	if method == http.MethodPost {
		req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationForm)
	}
	req.AddCookie(&http.Cookie{Name: "insights_csrf", Value: csrfValue})
	if c.cookie != nil {
		req.AddCookie(c.cookie)
	}
	if c.bearer != "" {
		req.Header.Set(echo.HeaderAuthorization, "Bearer "+c.bearer)
	}
	rec := httptest.NewRecorder()
	f.s.Handler().ServeHTTP(rec, req)
	return rec
}

// expect is the outcome of a route with rule for a principal.
func expect(rule access, principal string) outcome {
	anon := principal == "anonymous" || principal == "expired-session" || principal == "share-expired" || principal == "revoked-token"
	share := strings.HasPrefix(principal, "share-")
	staff := principal == "admin" || principal == "member"
	switch {
	case rule == rulePublic || rule == ruleWebhook:
		return allowed
	case anon:
		return signIn
	}
	switch rule {
	case ruleViewer:
		if principal == "share-globex" {
			return hidden // every request of the matrix names acme
		}
		return allowed
	case ruleHome:
		if staff {
			return allowed
		}
		return home
	case ruleStaff:
		if staff {
			return allowed
		}
		return hidden
	case ruleUser:
		if share {
			return hidden
		}
		return allowed
	case ruleAdmin:
		switch {
		case principal == "admin":
			return allowed
		case principal == "member":
			return forbidden
		}
		return hidden
	}
	return "no rule"
}

// clientMarkers are words and numbers of the clients outside a scope.
var clientMarkers = map[string][]string{
	"acme":   {"Acme GmbH", "acme", "ch-a1", "ch-a2", "Acme Support", "12.50"},
	"globex": {"Globex", "globex", "ch-g1", "785"},
	"quiet":  {"Quiet Co", "ch-q1"},
}

func assertOnlyScope(t *testing.T, body string, scope []string) {
	t.Helper()
	for client, words := range clientMarkers {
		if scope == nil || containsStr(scope, client) {
			continue
		}
		for _, w := range words {
			if strings.Contains(body, w) {
				t.Errorf("body shows %q of client %s, outside the scope %v", w, client, scope)
			}
		}
	}
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestAuthorizationMatrix sends every registered route the request of every
// kind of principal and checks the access outcome; for allowed answers to
// client-scoped principals, no other client's name, id or numbers may
// appear.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	f := newAccessFixture(t)
	principals := make([]string, 0, len(f.creds))
	for p := range f.creds {
		principals = append(principals, p)
	}
	sort.Strings(principals)
	routes := f.s.echo.Routes()
	sort.Slice(routes, func(i, j int) bool { return routes[i].Path+routes[i].Method < routes[j].Path+routes[j].Method })
	for _, r := range routes {
		rule, ok := f.s.ruleOf(r.Method, r.Path)
		if !ok {
			t.Errorf("%s %s: no access rule", r.Method, r.Path)
			continue
		}
		target := f.concrete(r.Method, r.Path)
		// Acme has a client price, so margins exist to leak (an admin's
		// POST of the pricing form clears it: set it again per route).
		seedMarginPrice(t, f.st)
		for _, p := range principals {
			// Signing out ends the session that the other routes still need.
			if r.Path == "/logout" && p != "anonymous" && p != "share-globex" {
				continue
			}
			t.Run(r.Method+" "+r.Path+"/"+p, func(t *testing.T) {
				c := f.creds[p]
				rec := f.do(r.Method, target, c, nil)
				if p != "admin" && p != "member" {
					// Whatever the answer, margins are for partner staff only.
					assertNoMargins(t, r.Method+" "+target, rec.Body.String())
				}
				got, want := classify(rec), expect(rule, p)
				if r2, ok := refined[r.Method+" "+r.Path+" "+p]; ok {
					want = r2
				}
				switch {
				case rule == rulePublic:
					// Public routes answer as they like (a closed first-run
					// page is a 404); only the guard must not refuse them.
					if rec.Code >= 500 || got == forbidden || strings.HasPrefix(rec.Header().Get("Location"), "/login?next=") {
						t.Fatalf("public route refused: %d", rec.Code)
					}
					return
				case got == home && rule != ruleHome:
					got = allowed // the handler's own redirect to the client view
				case r.Path == "/logout" && p == "share-globex":
					want = allowed // names no client, so signing out works for any principal
				}
				if got != want {
					t.Fatalf("%s %s as %s (rule %s): %s (%d, Location %q), want %s\n%.300s",
						r.Method, target, p, rule, got, rec.Code, rec.Header().Get("Location"), want, rec.Body.String())
				}
				if want == home {
					if loc := rec.Header().Get("Location"); loc != "/clients/"+c.scope[0] {
						t.Errorf("home redirect to %q, want the viewer's client %s", loc, c.scope[0])
					}
				}
				if got == allowed && rec.Code == http.StatusOK && c.scope != nil {
					assertOnlyScope(t, rec.Body.String(), c.scope)
				}
			})
		}
	}
	assertNoLeaks(t, f)
}

// TestClientScope checks what a client viewer sees where it names no
// client, or another one.
func TestClientScope(t *testing.T) {
	t.Parallel()
	f := newAccessFixture(t)
	const month = "from=2026-03-01&to=2026-03-14"
	for _, tc := range []struct {
		principal, target string
		want              int
	}{
		{"client-acme", "/clients/globex", http.StatusNotFound},
		{"client-acme", "/clients/globex/channels/ch-g1", http.StatusNotFound},
		{"client-acme", "/clients/acme/channels/ch-g1", http.StatusNotFound},
		{"client-acme", "/api/v1/usage?client=globex&" + month, http.StatusNotFound},
		{"client-acme", "/api/v1/usage?client=acme,globex&" + month, http.StatusNotFound},
		{"client-acme", "/api/v1/usage?group_by=client&" + month, http.StatusOK},
		{"client-acme", "/api/v1/usage?group_by=channel&channel=ch-g1&" + month, http.StatusOK},
		{"token-acme", "/api/v1/usage?group_by=client&" + month, http.StatusOK},
		{"token-acme", "/api/v1/calls?" + month, http.StatusOK},
		{"token-acme", "/reconcile?client=globex", http.StatusNotFound},
		{"share-acme", "/clients/acme?" + month, http.StatusOK},
		{"share-acme", "/clients/globex", http.StatusNotFound},
		{"share-globex", "/api/v1/usage?group_by=client&" + month, http.StatusOK},
		{"member", "/api/v1/usage?group_by=client&" + month, http.StatusOK},
	} {
		t.Run(tc.principal+" "+tc.target, func(t *testing.T) {
			c := f.creds[tc.principal]
			rec := f.do(http.MethodGet, tc.target, c, nil)
			if rec.Code != tc.want {
				t.Fatalf("status %d, want %d\n%.400s", rec.Code, tc.want, rec.Body.String())
			}
			if rec.Code == http.StatusOK {
				assertOnlyScope(t, rec.Body.String(), c.scope)
			}
			if tc.want == http.StatusOK && strings.Contains(tc.target, "group_by=client") {
				for _, id := range c.scope {
					if !strings.Contains(rec.Body.String(), `"client":"`+id+`"`) {
						t.Errorf("the viewer's own client %s is missing: %.300s", id, rec.Body.String())
					}
				}
				if c.scope == nil && !strings.Contains(rec.Body.String(), `"client":"globex"`) {
					t.Errorf("partner staff should see every client: %.300s", rec.Body.String())
				}
			}
		})
	}
}

// TestLoginFlowAndHeaders signs in through the form, checks the cookie's
// flags, the security headers, CSRF, sign-out and the share-link entry.
func TestLoginFlowAndHeaders(t *testing.T) {
	t.Parallel()
	f := newAccessFixture(t, func(o *Options) { o.TrustedProxies = []*net.IPNet{mustCIDR(t, "10.1.2.3/32")} })
	checkLoginPageHeaders(t, f)
	checkLoginRefusals(t, f)

	rec := f.do(http.MethodPost, "/login", cred{}, url.Values{"email": {"viewer@acme.example"}, "password": {passClient}, "next": {"/clients/acme"}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/clients/acme" {
		t.Fatalf("login: %d → %q", rec.Code, rec.Header().Get("Location"))
	}
	var session *http.Cookie
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == sessionCookie {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Secure {
		t.Fatalf("session cookie %+v (plain HTTP: not Secure)", session)
	}
	f.secrets = append(f.secrets, session.Value)
	checkSecureCookiesBehindProxy(t, f)

	// The page shows who is signed in and only the own client in the nav.
	c := cred{cookie: session, scope: []string{"acme"}}
	rec = f.do(http.MethodGet, "/clients/acme", c, nil)
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(body, "viewer@acme.example") || !strings.Contains(body, `data-testid="logout"`) {
		t.Fatalf("client page: %d\n%.500s", rec.Code, body)
	}
	if strings.Contains(body, `data-testid="nav-overview"`) || strings.Contains(body, `href="/users"`) {
		t.Errorf("client viewer's nav offers partner pages")
	}
	assertOnlyScope(t, body, c.scope)

	// Sign out: the session is gone.
	rec = f.do(http.MethodPost, "/logout", c, nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/login" {
		t.Fatalf("logout: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	if got := classify(f.do(http.MethodGet, "/clients/acme", c, nil)); got != signIn {
		t.Errorf("after sign-out: %s, want sign-in", got)
	}

	checkShareLinkFlow(t, f)
	assertNoLeaks(t, f)
}

// checkLoginPageHeaders checks the sign-in page's security headers.
func checkLoginPageHeaders(t *testing.T, f *accessFixture) {
	t.Helper()
	rec := f.do(http.MethodGet, "/login", cred{}, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /login: %d", rec.Code)
	}
	h := rec.Header()
	for k, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "same-origin",
	} {
		if h.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, h.Get(k), want)
		}
	}
	csp := h.Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "http") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
}

// checkLoginRefusals checks a wrong password and a missing CSRF token sign
// nobody in.
func checkLoginRefusals(t *testing.T, f *accessFixture) {
	t.Helper()
	// Wrong password: 401, no cookie.
	rec := f.do(http.MethodPost, "/login", cred{}, url.Values{"email": {"viewer@acme.example"}, "password": {"wrong-password"}})
	if rec.Code != http.StatusUnauthorized || strings.Contains(rec.Header().Get("Set-Cookie"), sessionCookie+"=ses_") {
		t.Errorf("wrong password: %d %q", rec.Code, rec.Header().Get("Set-Cookie"))
	}
	// Missing CSRF token: refused.
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader("email=viewer%40acme.example&password="+passClient))
	req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationForm)
	rr := httptest.NewRecorder()
	f.s.Handler().ServeHTTP(rr, req)
	if rr.Code < 400 || rr.Code >= 500 {
		t.Errorf("login without CSRF token: %d", rr.Code)
	}
}

// checkSecureCookiesBehindProxy checks the session and CSRF cookies are Secure
// behind a trusted TLS proxy, and the CSRF cookie is not over plain HTTP.
func checkSecureCookiesBehindProxy(t *testing.T, f *accessFixture) {
	t.Helper()
	// Behind a TLS proxy the cookie is Secure.
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(url.Values{"email": {"member@example.com"}, "password": {passMember}, "_csrf": {csrfValue}}.Encode()))
	req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationForm)
	req.Header.Set("X-Forwarded-Proto", "https")
	req.RemoteAddr = "10.1.2.3:4567" // a configured proxy: its header is trusted
	req.AddCookie(&http.Cookie{Name: "insights_csrf", Value: csrfValue})
	rr := httptest.NewRecorder()
	f.s.Handler().ServeHTTP(rr, req)
	secure := false
	for _, ck := range rr.Result().Cookies() {
		secure = secure || (ck.Name == sessionCookie && ck.Secure)
	}
	if !secure {
		t.Errorf("session cookie behind https is not Secure: %q", rr.Header().Values("Set-Cookie"))
	}
	// So is the CSRF cookie; over plain HTTP it is not.
	for _, proto := range []string{"https", ""} {
		req = httptest.NewRequest(http.MethodGet, "/login", nil)
		req.RemoteAddr = "10.1.2.3:4567" // the proxy
		if proto != "" {
			req.Header.Set("X-Forwarded-Proto", proto)
		}
		rr = httptest.NewRecorder()
		f.s.Handler().ServeHTTP(rr, req)
		var csrf *http.Cookie
		for _, ck := range rr.Result().Cookies() {
			if ck.Name == "insights_csrf" {
				csrf = ck
			}
		}
		if csrf == nil || csrf.Secure != (proto == "https") || !csrf.HttpOnly {
			t.Errorf("CSRF cookie over %q: %+v", proto, csrf)
		}
	}
	for _, ck := range rr.Result().Cookies() {
		f.secrets = append(f.secrets, ck.Value)
	}
}

// checkShareLinkFlow checks a password-protected share link: it asks, opens
// with the password, clamps dates to its range, and makes guessers wait.
func checkShareLinkFlow(t *testing.T, f *accessFixture) {
	t.Helper()
	// Share links: a password-protected one asks, then opens.
	secret, _, err := f.s.acl.auth.CreateShareLink(context.Background(), "test", "", 0, auth.NewShare{ClientID: "acme", ExpiresAt: pageNow.Add(time.Hour), Password: passShare,
		From: usage.Date{Year: 2026, Month: 3, Day: 1}, To: usage.Date{Year: 2026, Month: 3, Day: 10}})
	if err != nil {
		t.Fatal(err)
	}
	f.secrets = append(f.secrets, secret)
	rec := f.do(http.MethodGet, "/s/"+secret, cred{}, nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `data-testid="share-password"`) {
		t.Fatalf("protected share link: %d", rec.Code)
	}
	rec = f.do(http.MethodPost, "/s", cred{}, url.Values{"token": {secret}, "password": {"wrong"}})
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("wrong share password: %d", rec.Code)
	}
	rec = f.do(http.MethodPost, "/s", cred{}, url.Values{"token": {secret}, "password": {passShare}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/clients/acme?from=2026-03-01&to=2026-03-10" {
		t.Fatalf("share password: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	var share *http.Cookie
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == shareCookie {
			share = ck
		}
	}
	if share == nil || !share.HttpOnly {
		t.Fatalf("share cookie %+v", share)
	}
	// Dates outside the link's range are clamped to it.
	rec = f.do(http.MethodGet, "/api/v1/usage?from=2026-02-01&to=2026-03-14", cred{cookie: share}, nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"from":"2026-03-01","to":"2026-03-10"`) {
		t.Errorf("share link range: %d %.300s", rec.Code, rec.Body.String())
	}
	for _, target := range []string{"/s/shr_unknown", "/s/" + secret + "x"} {
		if rec := f.do(http.MethodGet, target, cred{}, nil); rec.Code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", target, rec.Code)
		}
	}
	// Guessing the password: after five wrong ones even the right one waits.
	for i := range 5 {
		if rec := f.do(http.MethodPost, "/s", cred{}, url.Values{"token": {secret}, "password": {fmt.Sprint("guess", i)}}); rec.Code != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d", i, rec.Code)
		}
	}
	rec = f.do(http.MethodPost, "/s", cred{}, url.Values{"token": {secret}, "password": {passShare}})
	if rec.Code != http.StatusTooManyRequests || !strings.Contains(rec.Body.String(), "Too many wrong passwords") {
		t.Errorf("right password after five wrong ones: %d, want 429 with a message", rec.Code)
	}
}

// TestAdminPages creates a user, a share link and a token through the pages
// and checks that secrets are shown once and never again.
func TestAdminPages(t *testing.T) {
	t.Parallel()
	f := newAccessFixture(t)
	admin := f.creds["admin"]
	rec := f.do(http.MethodPost, "/users", admin, url.Values{"email": {"new@globex.example"}, "role": {"client"}, "clients": {"globex"}, "password": {"new-user-password"}})
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Added new@globex.example") {
		t.Fatalf("create user: %d %.400s", rec.Code, rec.Body.String())
	}
	rec = f.do(http.MethodPost, "/users", admin, url.Values{"email": {"bad@example.com"}, "role": {"client"}, "password": {"new-user-password"}})
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "needs at least one client") {
		t.Errorf("client viewer without clients: %d", rec.Code)
	}
	rec = f.do(http.MethodPost, "/share-links", admin, url.Values{"client": {"acme"}, "expires": {"2026-04-01"}, "label": {"for Acme"}})
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `data-testid="share-new-url"`) {
		t.Fatalf("create share link: %d %.400s", rec.Code, rec.Body.String())
	}
	rec = f.do(http.MethodPost, "/tokens", f.creds["member"], url.Values{"name": {"grafana"}})
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `data-testid="token-new-value"`) {
		t.Fatalf("create token: %d", rec.Code)
	}
	tokenShown := between(rec.Body.String(), `data-testid="token-new-value">`, "<")
	if !strings.HasPrefix(tokenShown, "ins_") {
		t.Fatalf("token shown: %q", tokenShown)
	}
	f.secrets = append(f.secrets, tokenShown)
	// The token works, then the lists do not show it.
	if rec := f.do(http.MethodGet, "/api/v1/usage?from=2026-03-01&to=2026-03-14", cred{bearer: tokenShown}, nil); rec.Code != http.StatusOK {
		t.Errorf("new token: %d", rec.Code)
	}
	for _, page := range []string{"/tokens", "/users", "/share-links"} {
		who := admin
		if page == "/tokens" {
			who = f.creds["member"]
		}
		rec := f.do(http.MethodGet, page, who, nil)
		if rec.Code != http.StatusOK {
			t.Errorf("%s: %d", page, rec.Code)
		}
		assertNoSecretsIn(t, page, rec.Body.String(), f)
	}
	rec = f.do(http.MethodGet, "/users", admin, nil)
	for _, action := range []string{auth.ActionUserCreate, auth.ActionShareCreate, auth.ActionTokenCreate, auth.ActionLogin} {
		if !strings.Contains(rec.Body.String(), ">"+action+"<") {
			t.Errorf("audit log on /users lacks %s", action)
		}
	}
	assertNoLeaks(t, f)
}

func between(s, start, end string) string {
	i := strings.Index(s, start)
	if i < 0 {
		return ""
	}
	s = s[i+len(start):]
	if j := strings.Index(s, end); j >= 0 {
		return s[:j]
	}
	return s
}

// assertNoSecretsIn fails when a password, password hash or secret shows in text.
func assertNoSecretsIn(t *testing.T, where, text string, f *accessFixture) {
	t.Helper()
	users, err := f.st.ListUsers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	all := append([]string{passAdmin, passMember, passClient, passShare, "new-user-password"}, f.secrets...)
	for _, u := range users {
		all = append(all, u.PasswordHash)
	}
	for _, s := range all {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("%s shows the secret %.10q…", where, s)
		}
	}
}

func assertNoLeaks(t *testing.T, f *accessFixture) {
	t.Helper()
	logs := f.logs.String()
	if !strings.Contains(logs, `"msg":"audit"`) {
		t.Errorf("no audit lines in the log")
	}
	assertNoSecretsIn(t, "the log", logs, f)
}

func mustCIDR(t *testing.T, s string) *net.IPNet {
	t.Helper()
	_, n, err := net.ParseCIDR(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestForwardedHeadersOnlyFromTrustedProxies: X-Forwarded-For and
// X-Forwarded-Proto count only when the request comes straight from a
// configured proxy; otherwise (loopback and private peers too) the peer's
// address is audited and rate-limited, and cookies follow the connection.
func TestForwardedHeadersOnlyFromTrustedProxies(t *testing.T) {
	t.Parallel()
	plain := newAccessFixture(t)
	proxied := newAccessFixture(t, func(o *Options) {
		o.TrustedProxies = []*net.IPNet{mustCIDR(t, "127.0.0.1/32"), mustCIDR(t, "2001:db8::/32")}
	})
	for _, tc := range []struct {
		name     string
		f        *accessFixture
		peer     string
		wantAddr string
		secure   bool
	}{
		{"no proxies, loopback peer", plain, "127.0.0.1:5555", "127.0.0.1", false},
		{"no proxies, private peer", plain, "10.1.2.3:5555", "10.1.2.3", false},
		{"configured proxy", proxied, "127.0.0.1:5555", "1.2.3.4", true},
		{"configured IPv6 range", proxied, "[2001:db8::7]:5555", "1.2.3.4", true},
		{"peer outside the configured ranges", proxied, "192.0.2.9:5555", "192.0.2.9", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			send := func(method, target string, form url.Values) *httptest.ResponseRecorder {
				var body string
				if form != nil {
					form.Set("_csrf", csrfValue)
					body = form.Encode()
				}
				req := httptest.NewRequest(method, target, strings.NewReader(body))
				req.RemoteAddr = tc.peer
				req.Header.Set("X-Forwarded-For", "1.2.3.4")
				req.Header.Set("X-Forwarded-Proto", "https")
				if form != nil {
					req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationForm)
				}
				req.AddCookie(&http.Cookie{Name: "insights_csrf", Value: csrfValue})
				rec := httptest.NewRecorder()
				tc.f.s.Handler().ServeHTTP(rec, req)
				return rec
			}
			ctx := context.Background()
			before, err := tc.f.st.CountLoginFailures(ctx, "address:"+tc.wantAddr, pageNow.Add(-time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if rec := send(http.MethodPost, "/login", url.Values{"email": {"member@example.com"}, "password": {"wrong-password"}}); rec.Code != http.StatusUnauthorized {
				t.Fatalf("wrong password: %d", rec.Code)
			}
			entries, err := tc.f.st.ListAudit(ctx, 1)
			if err != nil || len(entries) != 1 || entries[0].Action != auth.ActionLoginFailed || entries[0].Address != tc.wantAddr {
				t.Errorf("audit %+v, %v; want login_failed from %s", entries, err, tc.wantAddr)
			}
			after, err := tc.f.st.CountLoginFailures(ctx, "address:"+tc.wantAddr, pageNow.Add(-time.Hour))
			if err != nil || after != before+1 {
				t.Errorf("failures counted for %s: %d → %d (%v), want one more", tc.wantAddr, before, after, err)
			}

			rec := send(http.MethodPost, "/login", url.Values{"email": {"member@example.com"}, "password": {passMember}})
			if rec.Code != http.StatusSeeOther {
				t.Fatalf("sign-in: %d", rec.Code)
			}
			cookies := rec.Result().Cookies()
			cookies = append(cookies, send(http.MethodGet, "/login", nil).Result().Cookies()...)
			for _, ck := range cookies {
				if ck.Name == sessionCookie || ck.Name == "insights_csrf" {
					tc.f.secrets = append(tc.f.secrets, ck.Value)
					if ck.Secure != tc.secure {
						t.Errorf("%s cookie Secure = %v, want %v", ck.Name, ck.Secure, tc.secure)
					}
				}
			}
			if hsts := rec.Header().Get("Strict-Transport-Security") != ""; hsts != tc.secure {
				t.Errorf("Strict-Transport-Security sent: %v, want %v", hsts, tc.secure)
			}
		})
	}
}
