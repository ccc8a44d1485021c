package server

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/insights-dev/insights/internal/auth"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
	"github.com/insights-dev/insights/templates/pages"
)

// Sign-in, first run, sign-out, share-link entry and the pages where admins
// manage users and share links and users manage their API tokens.

func csrfToken(c echo.Context) string {
	tok, _ := c.Get(middleware.DefaultCSRFConfig.ContextKey).(string)
	return tok
}

// safeNext keeps a post-sign-in redirect on this site: next must be a path
// of this origin (not the sign-in or sign-out page), else "/". Refused are
// scheme- or host-relative URLs ("//host", "https:"), backslashes and
// control characters, which browsers read as slashes or drop ("/\\host",
// "/\t/host"), paths whose dot segments hide a "//" ("/.//host"), and all
// of that again percent-encoded, however many times ("/%2F/host",
// "/%5Chost"), for whatever decodes the path once more.
func safeNext(next string) string {
	decoded, ok := unescapeAll(next)
	if !ok || !strings.HasPrefix(next, "/") || strings.ContainsFunc(decoded, unsafeInPath) || !onSite(next) || !onSite(decoded) ||
		strings.HasPrefix(decoded, "/login") || strings.HasPrefix(decoded, "/logout") {
		return "/"
	}
	return next
}

// unsafeInPath reports the characters browsers turn into slashes or drop.
func unsafeInPath(r rune) bool { return r == '\\' || r < 0x20 || r == 0x7f }

// onSite reports whether ref, followed from a page of this site, is a path
// of this site: no scheme, host or user, and no "//" at its start either
// once the browser has removed its dot segments.
func onSite(ref string) bool {
	u, err := url.Parse(ref)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil && u.Opaque == "" &&
		strings.HasPrefix(u.Path, "/") && !strings.HasPrefix(browserPath(u.Path), "//")
}

// browserPath is the absolute path p with its dot segments removed as
// browsers do (the WHATWG URL standard), keeping empty segments: "/a/..//x"
// becomes "//x", where Go's URL.ResolveReference gives "/x".
func browserPath(p string) string {
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	out := make([]string, 0, len(segs))
	for i, seg := range segs {
		last := i == len(segs)-1
		switch seg {
		case ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, seg)
			continue
		}
		if last {
			out = append(out, "") // "/a/." is "/a/"
		}
	}
	return "/" + strings.Join(out, "/")
}

// unescapeAll percent-decodes s until nothing is left to decode; ok is
// false for a bad escape or more layers of encoding than anyone uses.
func unescapeAll(s string) (string, bool) {
	for range 5 {
		d, err := url.PathUnescape(s)
		if err != nil {
			return "", false
		}
		if d == s {
			return s, true
		}
		s = d
	}
	return "", false
}

// showLogin answers GET /login.
func (s *Server) showLogin(c echo.Context) error {
	if s.opts.Demo {
		return c.Redirect(http.StatusSeeOther, "/")
	}
	if need, err := s.acl.auth.NeedsSetup(c.Request().Context()); err != nil {
		return err
	} else if need {
		return c.Redirect(http.StatusSeeOther, "/setup")
	}
	if _, ok, _ := s.principal(c); ok {
		return c.Redirect(http.StatusSeeOther, safeNext(c.QueryParam("next")))
	}
	return s.renderLogin(c, http.StatusOK, "", "")
}

func (s *Server) renderLogin(c echo.Context, status int, email, msg string) error {
	v := pages.LoginView{Meta: s.pageMeta("", "", ""), CSRF: csrfToken(c), Next: safeNext(c.FormValue("next")), Email: email, Error: msg}
	v.Meta.Nav = nil
	return s.render(c, status, pages.Login(v))
}

// login answers POST /login.
func (s *Server) login(c echo.Context) error {
	if s.opts.Demo {
		return c.Redirect(http.StatusSeeOther, "/")
	}
	email := strings.TrimSpace(c.FormValue("email"))
	secret, p, err := s.acl.auth.Login(c.Request().Context(), email, c.FormValue("password"), clientAddr(c))
	switch {
	case errors.Is(err, auth.ErrInvalidCredentials):
		return s.renderLogin(c, http.StatusUnauthorized, email, "That email and password do not match an active account.")
	case errors.Is(err, auth.ErrRateLimited):
		return s.renderLogin(c, http.StatusTooManyRequests, email, "Too many failed attempts. Wait 15 minutes, then try again.")
	case err != nil:
		return err
	}
	s.clearCookie(c, shareCookie)
	s.setCookie(c, sessionCookie, secret, p.SessionExpires.Sub(s.now()))
	return c.Redirect(http.StatusSeeOther, safeNext(c.FormValue("next")))
}

// logout answers POST /logout: it ends the session and forgets an opened
// share link.
func (s *Server) logout(c echo.Context) error {
	if ck, err := c.Cookie(sessionCookie); err == nil && ck.Value != "" {
		p, _ := principalFrom(c)
		if err := s.acl.auth.Logout(auditCtx(c), ck.Value, p.Email, clientAddr(c)); err != nil {
			return err
		}
	}
	s.clearCookie(c, sessionCookie)
	s.clearCookie(c, shareCookie)
	return c.Redirect(http.StatusSeeOther, "/login")
}

// showSetup answers GET /setup: the first-run page, only while no admin exists.
func (s *Server) showSetup(c echo.Context) error {
	if s.opts.Demo {
		return c.Redirect(http.StatusSeeOther, "/")
	}
	need, err := s.acl.auth.NeedsSetup(c.Request().Context())
	if err != nil {
		return err
	}
	if !need {
		return notFound()
	}
	return s.renderSetup(c, http.StatusOK, "")
}

func (s *Server) renderSetup(c echo.Context, status int, msg string) error {
	v := pages.SetupView{Meta: s.pageMeta("", "", ""), CSRF: csrfToken(c), Email: c.FormValue("email"), Name: c.FormValue("name"), Error: msg}
	v.Meta.Nav = nil
	return s.render(c, status, pages.Setup(v))
}

// setup answers POST /setup: it creates the first admin and signs them in.
func (s *Server) setup(c echo.Context) error {
	if s.opts.Demo {
		return c.Redirect(http.StatusSeeOther, "/")
	}
	ctx := c.Request().Context()
	pw := c.FormValue("password")
	if pw != c.FormValue("confirm") {
		return s.renderSetup(c, http.StatusBadRequest, "The two passwords differ.")
	}
	_, err := s.acl.auth.Setup(ctx, clientAddr(c), auth.NewUser{Email: c.FormValue("email"), Name: c.FormValue("name"), Password: pw})
	switch {
	case errors.Is(err, auth.ErrSetupDone):
		return notFound()
	case err != nil && !errors.Is(err, store.ErrConflict):
		if msg, ok := userMessage(err); ok {
			return s.renderSetup(c, http.StatusBadRequest, msg)
		}
		return err
	case err != nil:
		return s.renderSetup(c, http.StatusBadRequest, "That email is taken.")
	}
	secret, p, err := s.acl.auth.Login(ctx, c.FormValue("email"), pw, clientAddr(c))
	if err != nil {
		return err
	}
	s.setCookie(c, sessionCookie, secret, p.SessionExpires.Sub(s.now()))
	return c.Redirect(http.StatusSeeOther, "/")
}

// userMessage turns the auth package's validation errors into a sentence
// for the form; ok is false for anything else (a 500).
func userMessage(err error) (string, bool) {
	if errors.Is(err, auth.ErrWeakPassword) {
		return "The password must be at least 10 characters.", true
	}
	msg := err.Error()
	for _, prefix := range []string{"auth: create user: ", "auth: update user: ", "auth: "} {
		msg = strings.TrimPrefix(msg, prefix)
	}
	if errors.Is(err, store.ErrConflict) {
		return "A user with that email exists.", true
	}
	if strings.HasPrefix(err.Error(), "auth: ") && !strings.Contains(err.Error(), "store:") {
		return strings.ToUpper(msg[:1]) + msg[1:] + ".", true
	}
	return "", false
}

// openShare answers GET /s/:token: it opens a share link in this browser
// (a share cookie for one client) and shows the client's view, or asks for
// the link's password. Failures are rendered here, not returned, so the
// token in the path never reaches the request log.
func (s *Server) openShare(c echo.Context) error {
	return s.enterShare(c, c.Param("token"), "", false)
}

// unlockShare answers POST /s: the share link's password form (the token is
// a form field, so it is not in the path of a logged request).
func (s *Server) unlockShare(c echo.Context) error {
	return s.enterShare(c, c.FormValue("token"), c.FormValue("password"), true)
}

func (s *Server) enterShare(c echo.Context, secret, password string, withPassword bool) error {
	// Wrong passwords are audited and counted (auditCtx: even when the
	// browser gives up waiting).
	p, l, err := s.acl.auth.OpenShareLink(auditCtx(c), secret, password, clientAddr(c))
	if errors.Is(err, auth.ErrPasswordRequired) || errors.Is(err, auth.ErrRateLimited) {
		v := pages.SharePasswordView{Meta: s.pageMeta("", "", ""), CSRF: csrfToken(c), Action: "/s", Token: secret}
		v.Meta.Nav = nil
		status := http.StatusOK
		switch {
		case errors.Is(err, auth.ErrRateLimited):
			v.Error, status = "Too many wrong passwords. Wait 15 minutes, then try again.", http.StatusTooManyRequests
		case withPassword:
			v.Error, status = "That password is not right.", http.StatusUnauthorized
		}
		return s.render(c, status, pages.SharePassword(v))
	}
	if err != nil {
		status, msg := http.StatusNotFound, "This link is not valid: it may have been revoked, or mistyped."
		switch {
		case errors.Is(err, auth.ErrExpired):
			status, msg = http.StatusGone, "This link has expired. Ask the person who shared it for a new one."
		case !errors.Is(err, auth.ErrUnauthenticated):
			s.log.ErrorContext(c.Request().Context(), "share link lookup failed", "err", err)
			status, msg = http.StatusInternalServerError, "Something went wrong on our side; it has been logged."
		}
		return s.render(c, status, s.errorPage(nil, status, msg))
	}
	s.setCookie(c, shareCookie, auth.ShareCookie(secret, l), s.acl.auth.ShareCookieTTL(l))
	s.acl.auth.Audit(auditCtx(c), "share link", auth.ActionShareOpen, "share "+strconv.FormatInt(l.ID, 10), "client="+l.ClientID, clientAddr(c))
	dest := clientPath(l.ClientID)
	if !p.From.IsZero() && !p.To.IsZero() {
		dest += "?" + url.Values{"from": {p.From.String()}, "to": {p.To.String()}}.Encode()
	}
	return c.Redirect(http.StatusSeeOther, dest)
}

// actor is the audit log's name for the principal of c.
func actor(c echo.Context) (auth.Principal, string) {
	p, _ := principalFrom(c)
	return p, p.Email
}

func roleOptions(current string) []pages.Option {
	out := make([]pages.Option, 0, 3)
	for _, r := range []auth.Role{auth.RoleMember, auth.RoleClient, auth.RoleAdmin} {
		out = append(out, pages.Option{Value: string(r), Label: r.Label(), Selected: string(r) == current})
	}
	return out
}

// showUsers answers GET /users.
func (s *Server) showUsers(c echo.Context) error {
	return s.renderUsers(c, http.StatusOK, "", pages.UserChange{})
}

func (s *Server) renderUsers(c echo.Context, status int, msg string, changed pages.UserChange) error {
	ctx := c.Request().Context()
	me, _ := principalFrom(c)
	users, err := s.store.ListUsers(ctx)
	if err != nil {
		return err
	}
	entries, err := s.store.ListAudit(ctx, 100)
	if err != nil {
		return err
	}
	v := pages.UsersView{Meta: s.pageMeta("", "UTC", ""), CSRF: csrfToken(c), Roles: roleOptions(string(auth.RoleMember)), Error: msg, Changed: changed}
	for _, u := range users {
		v.Users = append(v.Users, pages.UserRow{
			ID: strconv.FormatInt(u.ID, 10), Email: u.Email, Name: u.Name, RoleLabel: auth.Role(u.Role).Label(),
			Clients: strings.Join(u.ClientIDs, ", "), Disabled: u.Disabled, Self: u.ID == me.UserID,
			Action: "/users/" + strconv.FormatInt(u.ID, 10), Roles: roleOptions(u.Role),
		})
	}
	for _, e := range entries {
		v.Audit = append(v.Audit, pages.AuditRow{At: e.At.Format("2006-01-02 15:04:05"), Actor: e.Actor, Action: e.Action, Target: e.Target, Detail: e.Detail, Address: e.Address})
	}
	return s.render(c, status, pages.Users(v))
}

func splitIDs(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// createUser answers POST /users.
func (s *Server) createUser(c echo.Context) error {
	_, who := actor(c)
	role, err := auth.ParseRole(c.FormValue("role"))
	if err != nil {
		return s.renderUsers(c, http.StatusBadRequest, "Choose a role.", pages.UserChange{})
	}
	u, err := s.acl.auth.CreateUser(auditCtx(c), who, clientAddr(c), auth.NewUser{
		Email: c.FormValue("email"), Name: c.FormValue("name"), Role: role,
		Password: c.FormValue("password"), ClientIDs: splitIDs(c.FormValue("clients")),
	})
	if err != nil {
		if msg, ok := userMessage(err); ok {
			return s.renderUsers(c, http.StatusBadRequest, msg, pages.UserChange{})
		}
		return err
	}
	return s.renderUsers(c, http.StatusOK, "", pages.UserChange{Email: u.Email, Added: true})
}

// updateUser answers POST /users/:id.
func (s *Server) updateUser(c echo.Context) error {
	_, who := actor(c)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return notFound()
	}
	role, err := auth.ParseRole(c.FormValue("role"))
	if err != nil {
		return s.renderUsers(c, http.StatusBadRequest, "Choose a role.", pages.UserChange{})
	}
	clients := splitIDs(c.FormValue("clients"))
	disabled := c.FormValue("disabled") != ""
	u, err := s.acl.auth.UpdateUser(auditCtx(c), who, clientAddr(c), id, auth.UserChange{
		Role: &role, ClientIDs: &clients, Disabled: &disabled, Password: c.FormValue("password"),
	})
	if errors.Is(err, store.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, "There is no such user.")
	}
	if err != nil {
		if msg, ok := userMessage(err); ok {
			return s.renderUsers(c, http.StatusBadRequest, msg, pages.UserChange{})
		}
		return err
	}
	return s.renderUsers(c, http.StatusOK, "", pages.UserChange{Email: u.Email})
}

// showShareLinks answers GET /share-links.
func (s *Server) showShareLinks(c echo.Context) error {
	return s.renderShareLinks(c, http.StatusOK, "", "")
}

func (s *Server) renderShareLinks(c echo.Context, status int, msg, newURL string) error {
	ctx := c.Request().Context()
	links, err := s.store.ListShareLinks(ctx)
	if err != nil {
		return err
	}
	clients, err := s.store.ListClients(ctx, requestScope(c))
	if err != nil {
		return err
	}
	now := s.now().UTC()
	v := pages.ShareLinksView{Meta: s.pageMeta("", "UTC", ""), CSRF: csrfToken(c), Error: msg, NewURL: newURL,
		Expiry: usage.DateOf(now.AddDate(0, 0, 30)).String()}
	names := map[string]string{}
	for _, cl := range clients {
		name := cl.Name
		if name == "" {
			name = cl.ID
		}
		names[cl.ID] = name
		v.Clients = append(v.Clients, pages.Option{Value: cl.ID, Label: name + " (" + cl.ID + ")"})
	}
	for _, l := range links {
		row := pages.ShareRow{ID: strconv.FormatInt(l.ID, 10), Client: names[l.ClientID], Label: l.Label, Password: l.PasswordHash != "",
			Expires: l.ExpiresAt.Format("2006-01-02 15:04") + " UTC", Revoke: "/share-links/" + strconv.FormatInt(l.ID, 10) + "/revoke"}
		if row.Client == "" {
			row.Client = l.ClientID
		}
		if l.From != "" || l.To != "" {
			row.Range = strings.TrimSpace(l.From + " – " + l.To)
		}
		switch {
		case !l.RevokedAt.IsZero():
			row.Status = "revoked"
		case !now.Before(l.ExpiresAt):
			row.Status = "expired"
		default:
			row.Status, row.Active = "active", true
		}
		v.Links = append(v.Links, row)
	}
	return s.render(c, status, pages.ShareLinks(v))
}

// createShareLink answers POST /share-links.
func (s *Server) createShareLink(c echo.Context) error {
	p, who := actor(c)
	ns := auth.NewShare{ClientID: c.FormValue("client"), Label: c.FormValue("label"), Password: c.FormValue("password")}
	if _, err := s.store.GetClient(c.Request().Context(), requestScope(c), ns.ClientID); err != nil {
		return s.renderShareLinks(c, http.StatusBadRequest, "Choose a client.", "")
	}
	for _, f := range []struct {
		name string
		dst  *usage.Date
	}{{"from", &ns.From}, {"to", &ns.To}} {
		if v := c.FormValue(f.name); v != "" {
			d, err := usage.ParseDate(v)
			if err != nil {
				return s.renderShareLinks(c, http.StatusBadRequest, "The “"+f.name+"” date is not valid.", "")
			}
			*f.dst = d
		}
	}
	exp, err := usage.ParseDate(c.FormValue("expires"))
	if err != nil {
		return s.renderShareLinks(c, http.StatusBadRequest, "Give the link an expiry date.", "")
	}
	ns.ExpiresAt = exp.AddDays(1).In(time.UTC) // valid through the whole expiry day (UTC)
	secret, _, err := s.acl.auth.CreateShareLink(auditCtx(c), who, clientAddr(c), p.UserID, ns)
	if err != nil {
		if msg, ok := userMessage(err); ok {
			return s.renderShareLinks(c, http.StatusBadRequest, msg, "")
		}
		return err
	}
	return s.renderShareLinks(c, http.StatusOK, "", c.Scheme()+"://"+c.Request().Host+"/s/"+secret)
}

// revokeShareLink answers POST /share-links/:id/revoke.
func (s *Server) revokeShareLink(c echo.Context) error {
	_, who := actor(c)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return notFound()
	}
	if err := s.acl.auth.RevokeShareLink(auditCtx(c), who, clientAddr(c), id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return echo.NewHTTPError(http.StatusNotFound, "There is no such share link, or it is revoked already.")
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/share-links")
}

// showTokens answers GET /tokens: the user's own API tokens.
func (s *Server) showTokens(c echo.Context) error {
	return s.renderTokens(c, http.StatusOK, "", "")
}

func (s *Server) renderTokens(c echo.Context, status int, msg, newToken string) error {
	p, _ := principalFrom(c)
	toks, err := s.store.ListAPITokens(c.Request().Context(), p.UserID)
	if err != nil {
		return err
	}
	v := pages.TokensView{Meta: s.pageMeta("", "UTC", ""), CSRF: csrfToken(c), Error: msg, NewToken: newToken}
	for _, t := range toks {
		row := pages.TokenRow{ID: strconv.FormatInt(t.ID, 10), Name: t.Name, Hint: t.Hint, Created: t.CreatedAt.Format("2006-01-02 15:04"),
			Status: "active", Active: true, Revoke: "/tokens/" + strconv.FormatInt(t.ID, 10) + "/revoke"}
		if !t.LastUsedAt.IsZero() {
			row.LastUsed = t.LastUsedAt.Format("2006-01-02 15:04")
		}
		if !t.RevokedAt.IsZero() {
			row.Status, row.Active = "revoked", false
		}
		v.Tokens = append(v.Tokens, row)
	}
	return s.render(c, status, pages.Tokens(v))
}

// createToken answers POST /tokens.
func (s *Server) createToken(c echo.Context) error {
	p, who := actor(c)
	secret, _, err := s.acl.auth.CreateAPIToken(auditCtx(c), who, clientAddr(c), p.UserID, c.FormValue("name"))
	if err != nil {
		return err
	}
	return s.renderTokens(c, http.StatusOK, "", secret)
}

// revokeToken answers POST /tokens/:id/revoke (own tokens only).
func (s *Server) revokeToken(c echo.Context) error {
	p, who := actor(c)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return notFound()
	}
	if err := s.acl.auth.RevokeAPIToken(auditCtx(c), who, clientAddr(c), p.UserID, id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return echo.NewHTTPError(http.StatusNotFound, "You have no such token, or it is revoked already.")
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/tokens")
}
