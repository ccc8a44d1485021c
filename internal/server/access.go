package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/insights-dev/insights/internal/auth"
	"github.com/insights-dev/insights/internal/report"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
	"github.com/insights-dev/insights/templates/layout"
)

// Access control: every route is registered through Server.route with an
// access rule, and one middleware (guard) enforces the rule of the matched
// route. A route registered any other way has no rule: guard refuses it
// with a 500 at run time, and TestEveryRouteHasAnAccessRule fails.
//
// Client scope: for routes with ruleViewer the guard checks every client id
// a request names (the :client path parameter and the client query
// parameter) against the principal's scope — 404, as for a client that does
// not exist, when it is outside — and, for a client viewer or share link
// that names none, sets client=<its clients> in the query, so handlers that
// read the client parameter see only the viewer's clients. Handlers that
// read data not filtered by a client parameter must call scopeFrom(c) and
// filter themselves.

// access is the rule a route declares.
type access int

const (
	// rulePublic: anyone (health checks, assets, sign-in, share-link entry).
	rulePublic access = iota + 1
	// ruleWebhook: anyone; the handler checks the webhook secret.
	ruleWebhook
	// ruleViewer: any principal (user, token, share link); client scope
	// enforced on client parameters.
	ruleViewer
	// ruleHome: partner staff; client viewers and share links are sent to
	// their client's view (the partner overview).
	ruleHome
	// ruleStaff: partner admins and members (partner-wide data); 404 for
	// everyone else.
	ruleStaff
	// ruleUser: a signed-in user, not a share link (own API tokens).
	ruleUser
	// ruleAdmin: partner admins (users, share links); 403 for members,
	// 404 for everyone else.
	ruleAdmin
)

func (a access) String() string {
	switch a {
	case rulePublic:
		return "public"
	case ruleWebhook:
		return "webhook"
	case ruleViewer:
		return "viewer"
	case ruleHome:
		return "home"
	case ruleStaff:
		return "staff"
	case ruleUser:
		return "user"
	case ruleAdmin:
		return "admin"
	}
	return "none"
}

// Cookie names.
const (
	sessionCookie = "insights_session"
	shareCookie   = "insights_share"
)

// accessControl is the route-rule registry and the auth service.
type accessControl struct {
	auth  *auth.Service
	rules map[string]access // "METHOD /path/:param" → rule
}

// router is what Server.route registers on: *echo.Echo or *echo.Group.
type router interface {
	Add(method, path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route
}

// route registers h for method and path on g with its access rule. It is
// the only way routes should be added.
func (s *Server) route(g router, method, path string, rule access, h echo.HandlerFunc) {
	r := g.Add(method, path, h)
	s.acl.rules[r.Method+" "+r.Path] = rule
}

// ruleOf returns the declared rule of a registered route.
func (s *Server) ruleOf(method, path string) (access, bool) {
	r, ok := s.acl.rules[method+" "+path]
	return r, ok
}

// setupAccess installs what every response needs (security headers, CSRF
// protection, the access guard) and creates the auth service.
func (s *Server) setupAccess(e *echo.Echo) {
	s.acl = &accessControl{
		auth:  auth.New(auth.Options{Store: s.store, Logger: s.opts.Logger, Now: s.opts.Now}),
		rules: map[string]access{},
	}
	trust := trustedProxies(s.opts.TrustedProxies)
	e.IPExtractor = echo.ExtractIPFromXFFHeader(trust...)
	e.SchemeExtractor = echo.ExtractSchemeFromHeaders(trust...)
	e.Use(securityHeaders)
	e.Use(csrfProtection)
	e.Use(s.guard)
}

// trustedProxies are the only peers whose X-Forwarded-For and
// X-Forwarded-Proto count: the configured ranges, and not (as Echo would by
// default) every loopback, link-local and private address, so that a client
// on the same network cannot forge its address to dodge the sign-in limits
// or pass for HTTPS.
func trustedProxies(ranges []*net.IPNet) []echo.TrustOption {
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, r := range ranges {
		opts = append(opts, echo.TrustIPRange(r))
	}
	return opts
}

// csrfProtection checks the CSRF token of unsafe requests; its cookie is
// Secure when the request came over HTTPS (directly or through a TLS proxy),
// as the session cookie is.
func csrfProtection(next echo.HandlerFunc) echo.HandlerFunc {
	protect := func(secure bool) echo.HandlerFunc {
		return middleware.CSRFWithConfig(middleware.CSRFConfig{
			TokenLookup:    "form:_csrf,header:X-CSRF-Token",
			CookieName:     "insights_csrf",
			CookiePath:     "/",
			CookieHTTPOnly: true,
			CookieSameSite: http.SameSiteLaxMode,
			CookieSecure:   secure,
			Skipper:        skipCSRF,
		})(next)
	}
	plain, tls := protect(false), protect(true)
	return func(c echo.Context) error {
		if c.Scheme() == "https" {
			return tls(c)
		}
		return plain(c)
	}
}

// contentSecurityPolicy allows nothing from other origins and no inline
// script: the only scripts are our own files (charts are drawn by app.js
// from JSON data blocks, which the browser never executes), so injected
// markup cannot run code. Inline styles stay allowed: ECharts writes style
// attributes into its tooltips and a few templates set sizes inline.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; " +
	"form-action 'self'; frame-ancestors 'none'"

// securityHeaders sets the security headers of every response.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		if c.Scheme() == "https" {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		return next(c)
	}
}

// skipCSRF leaves out what CSRF cannot touch: webhooks (their own secret),
// requests authenticated by a bearer token (not sent by browsers on their
// own) and safe requests outside the HTML pages (no token needed there).
func skipCSRF(c echo.Context) bool {
	p := c.Request().URL.Path
	if strings.HasPrefix(p, "/webhooks/") || bearerToken(c.Request()) != "" {
		return true
	}
	switch c.Request().Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return !isPagePath(p)
	}
	return false
}

// isPagePath reports whether p is an HTML page (which may carry forms).
func isPagePath(p string) bool {
	for _, pre := range []string{"/api/", "/export/", "/static/", "/healthz", "/readyz", "/metrics"} {
		if strings.HasPrefix(p, pre) {
			return false
		}
	}
	return true
}

func bearerToken(r *http.Request) string {
	h := r.Header.Get(echo.HeaderAuthorization)
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// principalKey is where guard leaves the principal in the Echo context.
const principalKey = "insights.principal"

// principalFrom returns the principal guard resolved for this request.
func principalFrom(c echo.Context) (auth.Principal, bool) {
	p, ok := c.Get(principalKey).(auth.Principal)
	return p, ok
}

// storeScopeKey is where guard leaves the request's store.Scope.
const storeScopeKey = "insights.scope"

// requestScope is the store.Scope of the request: every store read a
// handler makes for the request goes through it. A request the guard let
// through without a principal (a public route) has the zero Scope, which
// reads nothing.
func requestScope(c echo.Context) store.Scope {
	sc, _ := c.Get(storeScopeKey).(store.Scope)
	return sc
}

// storeScope is what p may read: every client for partner staff, else its
// clients — for a share link with dates, only between its first day's
// midnight and the midnight after its last day in its client's zone.
func (s *Server) storeScope(ctx context.Context, p auth.Principal) (store.Scope, error) {
	if p.Staff() {
		return store.AllClients(), nil
	}
	sc := store.OnlyClients(p.ClientIDs...)
	if p.From.IsZero() && p.To.IsZero() {
		return sc, nil
	}
	loc := time.UTC
	if len(p.ClientIDs) == 1 {
		all := store.AllClients()
		cl, err := s.store.GetClient(ctx, all, p.ClientIDs[0])
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return sc, fmt.Errorf("scope of a share link: %w", err)
		}
		chs, err := s.store.ListChannels(ctx, all, store.ChannelFilter{ClientIDs: p.ClientIDs})
		if err != nil {
			return sc, fmt.Errorf("scope of a share link: %w", err)
		}
		loc = store.ClientZone(cl, chs)
	}
	var from, to time.Time
	if !p.From.IsZero() {
		from = p.From.In(loc).UTC()
	}
	if !p.To.IsZero() {
		to = p.To.AddDays(1).In(loc).UTC()
	}
	return sc.During(from, to), nil
}

// clientScope is what client data a request may read.
type clientScope struct {
	// All is true for partner staff (and demo mode).
	All bool
	// ClientIDs are the only clients a client viewer or share link sees.
	ClientIDs []string
	// From and To bound the dates of a share link (zero when open).
	From, To usage.Date
}

// scopeFrom returns the client scope of the request. Without a principal
// (a public route) it allows nothing.
func scopeFrom(c echo.Context) clientScope {
	p, ok := principalFrom(c)
	if !ok {
		return clientScope{}
	}
	if p.Staff() {
		return clientScope{All: true}
	}
	return clientScope{ClientIDs: slices.Clone(p.ClientIDs), From: p.From, To: p.To}
}

// only returns the scope's one client when a request names none and the
// scope has exactly one (a client viewer of one client): pages that show one
// client default to it.
func (sc clientScope) only(named string) string {
	if named == "" && !sc.All && len(sc.ClientIDs) == 1 {
		return sc.ClientIDs[0]
	}
	return named
}

// dates are the days the scope may see (open unless a share link has dates).
func (sc clientScope) dates() report.DateBounds { return report.DateBounds{From: sc.From, To: sc.To} }

// Allows reports whether the scope includes client id.
func (sc clientScope) Allows(id string) bool { return sc.All || slices.Contains(sc.ClientIDs, id) }

// Filter keeps the ids of ids in scope; with an empty ids it returns the
// scope's own clients (nil for staff: every client).
func (sc clientScope) Filter(ids []string) []string {
	if sc.All {
		return ids
	}
	if len(ids) == 0 {
		return slices.Clone(sc.ClientIDs)
	}
	var out []string
	for _, id := range ids {
		if sc.Allows(id) {
			out = append(out, id)
		}
	}
	return out
}

// principal finds who makes the request: everyone in demo mode; else a
// bearer token (then nothing else counts), a session cookie or a share
// cookie. ok is false for an anonymous request; err is set for a bearer
// token that is not valid (a 401, never a fallback to cookies).
func (s *Server) principal(c echo.Context) (auth.Principal, bool, error) {
	if s.opts.Demo || s.opts.AllowAnonymous {
		return auth.Principal{Role: auth.RoleAdmin, Via: auth.ViaDemo}, true, nil
	}
	ctx := c.Request().Context()
	if tok := bearerToken(c.Request()); tok != "" {
		p, err := s.acl.auth.Token(ctx, tok)
		if err != nil {
			return p, false, err
		}
		return p, true, nil
	}
	if ck, err := c.Cookie(sessionCookie); err == nil && ck.Value != "" {
		p, err := s.acl.auth.Session(ctx, ck.Value)
		switch {
		case err == nil:
			return p, true, nil
		case errors.Is(err, auth.ErrUnauthenticated), errors.Is(err, auth.ErrExpired):
			s.clearCookie(c, sessionCookie)
		default:
			return p, false, err
		}
	}
	if ck, err := c.Cookie(shareCookie); err == nil && ck.Value != "" {
		p, err := s.acl.auth.ShareFromCookie(ctx, ck.Value)
		switch {
		case err == nil:
			return p, true, nil
		case errors.Is(err, auth.ErrUnauthenticated), errors.Is(err, auth.ErrExpired), errors.Is(err, auth.ErrPasswordRequired):
			s.clearCookie(c, shareCookie)
		default:
			return p, false, err
		}
	}
	return auth.Principal{}, false, nil
}

func (s *Server) setCookie(c echo.Context, name, value string, ttl time.Duration) {
	c.SetCookie(&http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: int(ttl / time.Second),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.Scheme() == "https",
	})
}

func (s *Server) clearCookie(c echo.Context, name string) {
	c.SetCookie(&http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.Scheme() == "https"})
}

// errNoRule is the answer for a route that declared no access rule.
var errNoRule = errors.New("route has no access rule")

// notFound is the answer for what a principal may not know exists.
func notFound() error { return echo.NewHTTPError(http.StatusNotFound, "Not found.") }

// guard enforces the access rule of the matched route.
func (s *Server) guard(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		redactSecrets(c)
		rule, ok := s.ruleOf(req.Method, c.Path())
		if !ok {
			for _, r := range s.echo.Routes() {
				if r.Method == req.Method && r.Path == c.Path() {
					// Registered without a rule: fail closed.
					return echo.NewHTTPError(http.StatusInternalServerError).SetInternal(errNoRule)
				}
			}
			return next(c) // no route: Echo's 404 or 405
		}
		if rule == rulePublic || rule == ruleWebhook {
			return next(c)
		}
		p, ok, err := s.principal(c)
		if err != nil {
			if errors.Is(err, auth.ErrUnauthenticated) {
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="insights"`)
				return echo.NewHTTPError(http.StatusUnauthorized, "The API token is not valid (unknown or revoked).")
			}
			return err
		}
		if !ok {
			return s.signInFirst(c)
		}
		c.Set(principalKey, p)
		sc, err := s.storeScope(req.Context(), p)
		if err != nil {
			return err
		}
		c.Set(storeScopeKey, sc)
		c.SetRequest(req.WithContext(layout.WithViewer(req.Context(), s.viewerOf(c, p))))
		if p.Via == auth.ViaDemo && (rule == ruleAdmin || rule == ruleUser) {
			return echo.NewHTTPError(http.StatusNotFound, "Demo mode needs no sign-in, so it has no users, share links or tokens.")
		}
		switch rule {
		case ruleHome:
			if !p.Staff() {
				if len(p.ClientIDs) == 0 {
					return notFound()
				}
				return c.Redirect(http.StatusSeeOther, clientPath(p.ClientIDs[0]))
			}
		case ruleStaff:
			if !p.Staff() {
				return notFound()
			}
		case ruleUser:
			if !p.IsUser() {
				return notFound()
			}
		case ruleAdmin:
			if !p.Admin() {
				if p.Staff() {
					return echo.NewHTTPError(http.StatusForbidden, "Only partner admins may open this page.")
				}
				return notFound()
			}
		case ruleViewer:
			if !p.Staff() {
				if err := restrictToScope(c, scopeFrom(c)); err != nil {
					return err
				}
			}
		default:
			return echo.NewHTTPError(http.StatusInternalServerError).SetInternal(errNoRule)
		}
		return next(c)
	}
}

// redactSecrets takes a secret path parameter (a share link's token) out of
// the request's URL once routing has read it, so the request log and the
// error handler, which log the path, never see it. Handlers read it with
// c.Param as before.
func redactSecrets(c echo.Context) {
	tok := c.Param("token")
	if tok == "" {
		return
	}
	u := c.Request().URL
	u.Path = strings.Replace(u.Path, tok, "[redacted]", 1)
	u.RawPath = ""
}

// signInFirst answers an anonymous request: a page is sent to the sign-in
// page (and back afterwards); anything else gets a 401.
func (s *Server) signInFirst(c echo.Context) error {
	req := c.Request()
	if req.Method == http.MethodGet && isPagePath(req.URL.Path) && !wantsJSON(c) {
		return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(req.URL.RequestURI()))
	}
	c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="insights"`)
	return echo.NewHTTPError(http.StatusUnauthorized, "Sign in, or send an API token as Authorization: Bearer <token>.")
}

// restrictToScope answers 404 for a request that names a client outside sc
// (so that a viewer cannot learn which ids exist), and for a share link with
// dates shows the requested range within them. It does not keep data out of
// sight: every store read goes through the request's store.Scope for that.
func restrictToScope(c echo.Context, sc clientScope) error {
	pathClient := c.Param("client")
	if pathClient != "" {
		if u, err := url.PathUnescape(pathClient); err == nil {
			pathClient = u
		}
		if !sc.Allows(pathClient) {
			return echo.NewHTTPError(http.StatusNotFound, "There is no client with id “"+pathClient+"”.")
		}
	}
	req := c.Request()
	q := req.URL.Query()
	for _, id := range multi(q, "client") {
		if !sc.Allows(id) {
			return echo.NewHTTPError(http.StatusNotFound, "There is no client with id “"+id+"”.")
		}
	}
	if sc.dates().Open() {
		return nil
	}
	if err := clampDates(q, sc); err != nil {
		return err
	}
	req.URL.RawQuery = q.Encode()
	return nil
}

// clampDates keeps from, to and month within a share link's dates; presets
// are replaced by the explicit range they would exceed.
func clampDates(q url.Values, sc clientScope) error {
	q.Del("preset")
	from, to := sc.From, sc.To
	if v := q.Get("from"); v != "" {
		d, err := usage.ParseDate(v)
		if err != nil {
			return &paramError{"from", err.Error()}
		}
		if from.IsZero() || from.Before(d) {
			from = d
		}
	}
	if v := q.Get("to"); v != "" {
		d, err := usage.ParseDate(v)
		if err != nil {
			return &paramError{"to", err.Error()}
		}
		if to.IsZero() || d.Before(to) {
			to = d
		}
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		return &paramError{"from", "this shared view covers " + sc.From.String() + " to " + sc.To.String()}
	}
	if !from.IsZero() {
		q.Set("from", from.String())
	}
	if !to.IsZero() {
		q.Set("to", to.String())
	}
	if m := q.Get("month"); m != "" {
		y, mo, err := usage.ParseMonth(m)
		if err != nil {
			return &paramError{"month", err.Error()}
		}
		first := usage.Date{Year: y, Month: mo, Day: 1}
		last := first.AddDays(time.Date(y, mo+1, 0, 0, 0, 0, 0, time.UTC).Day() - 1)
		if (!sc.To.IsZero() && sc.To.Before(first)) || (!sc.From.IsZero() && last.Before(sc.From)) {
			return &paramError{"month", "this shared view covers " + sc.From.String() + " to " + sc.To.String()}
		}
	}
	return nil
}

// viewerOf is what the page frame shows for p: the name, the sign-out
// button and the navigation p may follow.
func (s *Server) viewerOf(c echo.Context, p auth.Principal) layout.Viewer {
	v := layout.Viewer{UserName: p.Name()}
	if tok, ok := c.Get(middleware.DefaultCSRFConfig.ContextKey).(string); ok {
		v.CSRFToken = tok
	}
	if p.Via == auth.ViaDemo {
		return v
	}
	v.LogoutURL = "/logout"
	v.Nav = func(items []layout.NavItem) []layout.NavItem {
		var out []layout.NavItem
		for _, it := range items {
			rule, ok := s.ruleOfHref(it.Href)
			switch {
			case !ok:
				continue
			case rule == ruleHome && !p.Staff():
				for _, id := range p.ClientIDs {
					item := layout.NavItem{Link: layout.NavUsage, Href: clientPath(id), Active: it.Active, TestID: "nav-client-" + id}
					if len(p.ClientIDs) > 1 {
						item.Client = id
					}
					out = append(out, item)
				}
			case ruleAllows(rule, p):
				out = append(out, it)
			}
		}
		if p.IsUser() {
			out = append(out, layout.NavItem{Link: layout.NavTokens, Href: "/tokens", TestID: "nav-tokens"})
		}
		if p.Admin() {
			out = append(out,
				layout.NavItem{Link: layout.NavShareLinks, Href: "/share-links", TestID: "nav-share-links"},
				layout.NavItem{Link: layout.NavUsers, Href: "/users", TestID: "nav-users"})
		}
		return out
	}
	return v
}

// ruleOfHref finds the rule of the GET route an in-app link leads to.
func (s *Server) ruleOfHref(href string) (access, bool) {
	u, err := url.Parse(href)
	if err != nil || u.IsAbs() {
		return 0, false
	}
	ctx := s.echo.NewContext(nil, nil)
	s.echo.Router().Find(http.MethodGet, u.Path, ctx)
	return s.ruleOf(http.MethodGet, ctx.Path())
}

// ruleAllows reports whether p may open routes with rule (for navigation).
func ruleAllows(rule access, p auth.Principal) bool {
	switch rule {
	case rulePublic, ruleWebhook, ruleViewer:
		return true
	case ruleHome, ruleStaff:
		return p.Staff()
	case ruleUser:
		return p.IsUser()
	case ruleAdmin:
		return p.Admin()
	}
	return false
}

// clientAddr is the address a request came from, for the audit log and the
// login rate limit.
func clientAddr(c echo.Context) string { return c.RealIP() }

// auditCtx detaches an audit write from a cancelled request.
func auditCtx(c echo.Context) context.Context { return context.WithoutCancel(c.Request().Context()) }
