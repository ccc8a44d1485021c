// Package auth decides who may see what in Insights: users with a role
// (partner admin, partner member, client viewer), their password hashes
// (argon2id), browser sessions, API tokens for scripts, expiring share links
// scoped to one client, login rate limiting and the audit log. Records live
// in the store; this package holds the rules.
//
// Every secret (session cookie, API token, share-link token) is 256 random
// bits handed to its holder once and stored only as its SHA-256, so the
// database never holds a usable credential. Passwords are hashed with
// argon2id. Login failures are counted in the database, per account and per
// address, so replicas share the limit.
package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
)

// Role is what a user may do.
type Role string

// The roles of Insights.
const (
	// RoleAdmin is a partner admin: everything, including users, share
	// links and settings.
	RoleAdmin Role = "admin"
	// RoleMember is a partner member: every client, read-only.
	RoleMember Role = "member"
	// RoleClient is a client viewer: the named clients only, read-only.
	RoleClient Role = "client"
)

// ParseRole accepts "admin", "member" or "client".
func ParseRole(s string) (Role, error) {
	switch r := Role(strings.ToLower(strings.TrimSpace(s))); r {
	case RoleAdmin, RoleMember, RoleClient:
		return r, nil
	}
	return "", fmt.Errorf("auth: unknown role %q (want admin, member or client)", s)
}

// Label is the role's name for people.
func (r Role) Label() string {
	switch r {
	case RoleAdmin:
		return "Partner admin"
	case RoleMember:
		return "Partner member"
	case RoleClient:
		return "Client viewer"
	}
	return string(r)
}

// How a principal proved who it is.
const (
	ViaSession = "session"
	ViaToken   = "token"
	ViaShare   = "share"
	ViaDemo    = "demo"
)

// Principal is whoever makes a request: a user (by session or token), a
// share link, or everyone in demo mode.
type Principal struct {
	// UserID and Email are zero for share links and demo mode.
	UserID int64
	Email  string
	Role   Role
	// ClientIDs is the scope of a client viewer or share link; empty for
	// partner staff, who see every client.
	ClientIDs []string
	// Via is one of ViaSession, ViaToken, ViaShare, ViaDemo.
	Via string
	// ShareID, From and To describe a share link: its id and optional date
	// range (zero Dates when open).
	ShareID  int64
	From, To usage.Date
	// SessionExpires is when the session ends (sessions only).
	SessionExpires time.Time
}

// Staff reports whether p is partner staff (admin or member): every client.
func (p Principal) Staff() bool {
	return p.Via != ViaShare && (p.Role == RoleAdmin || p.Role == RoleMember)
}

// Admin reports whether p is a partner admin.
func (p Principal) Admin() bool { return p.Via != ViaShare && p.Role == RoleAdmin }

// IsUser reports whether p is a signed-in user (not a share link or demo).
func (p Principal) IsUser() bool { return p.UserID != 0 && (p.Via == ViaSession || p.Via == ViaToken) }

// CanSeeClient reports whether p may see client id's data.
func (p Principal) CanSeeClient(id string) bool {
	return p.Staff() || slices.Contains(p.ClientIDs, id)
}

// Name is how p is shown: the email, or what the share link is.
func (p Principal) Name() string {
	switch {
	case p.Email != "":
		return p.Email
	case p.Via == ViaShare:
		return "Shared link"
	case p.Via == ViaDemo:
		return ""
	}
	return string(p.Role)
}

// Errors of the service. Handlers turn them into responses; none says more
// than a stranger may know.
var (
	// ErrInvalidCredentials: unknown email, wrong password or disabled user.
	ErrInvalidCredentials = errors.New("auth: invalid email or password")
	// ErrRateLimited: too many failed logins for the account or address.
	ErrRateLimited = errors.New("auth: too many failed sign-in attempts; try again later")
	// ErrUnauthenticated: no valid session, token or share link.
	ErrUnauthenticated = errors.New("auth: not signed in")
	// ErrExpired: an expired session or share link.
	ErrExpired = errors.New("auth: expired")
	// ErrPasswordRequired: a share link's password is missing or wrong.
	ErrPasswordRequired = errors.New("auth: share link password required")
	// ErrSetupDone: the first-run page is closed once an admin exists.
	ErrSetupDone = errors.New("auth: an admin already exists")
)

// Options configure a Service.
type Options struct {
	Store  *store.Store
	Logger *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// SessionTTL is how long a sign-in lasts; 12 hours when zero.
	SessionTTL time.Duration
	// ShareSessionTTL bounds how long an opened share link stays open in a
	// browser (never past the link's expiry); 12 hours when zero.
	ShareSessionTTL time.Duration
	// MaxAccountFailures and MaxAddressFailures bound failed logins per
	// FailureWindow; 5, 20 and 15 minutes when zero.
	MaxAccountFailures int
	MaxAddressFailures int
	FailureWindow      time.Duration
	// Verify checks a password at sign-in and share-link unlock;
	// VerifyPassword when nil. Tests count the checks through it.
	Verify func(hash, password string) bool
}

// Service holds the access-control rules over the store.
type Service struct {
	store *store.Store
	log   *slog.Logger
	opts  Options
}

// New returns a Service with defaults filled in.
func New(opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = 12 * time.Hour
	}
	if opts.ShareSessionTTL <= 0 {
		opts.ShareSessionTTL = 12 * time.Hour
	}
	if opts.MaxAccountFailures <= 0 {
		opts.MaxAccountFailures = 5
	}
	if opts.MaxAddressFailures <= 0 {
		opts.MaxAddressFailures = 20
	}
	if opts.FailureWindow <= 0 {
		opts.FailureWindow = 15 * time.Minute
	}
	return &Service{store: opts.Store, log: opts.Logger.With("component", "auth"), opts: opts}
}

func (a *Service) now() time.Time { return a.opts.Now().UTC() }

// Audit actions.
const (
	ActionLogin         = "login"
	ActionLoginFailed   = "login_failed"
	ActionLoginLimited  = "login_rate_limited"
	ActionLogout        = "logout"
	ActionSetup         = "setup"
	ActionUserCreate    = "user_create"
	ActionUserUpdate    = "user_update"
	ActionTokenCreate   = "token_create"
	ActionTokenRevoke   = "token_revoke"
	ActionShareCreate   = "share_create"
	ActionShareRevoke   = "share_revoke"
	ActionShareOpen     = "share_open"
	ActionShareOpenFail = "share_open_failed"
	// ActionShareOpenLimited: a share link's password form past the limit.
	ActionShareOpenLimited = "share_open_rate_limited"
)

// Audit records an action in the audit log and in the log. Failures to
// write are logged, not returned: the action itself has happened.
func (a *Service) Audit(ctx context.Context, actor, action, target, detail, addr string) {
	e := store.AuditEntry{At: a.now(), Actor: actor, Action: action, Target: target, Detail: detail, Address: addr}
	if err := a.store.AddAudit(ctx, e); err != nil {
		a.log.Error("audit log write failed", "action", action, "err", err)
	}
	a.log.Info("audit", "actor", actor, "action", action, "target", target, "detail", detail, "address", addr)
}

// NeedsSetup reports whether no enabled admin exists yet (the first-run
// page is open).
func (a *Service) NeedsSetup(ctx context.Context) (bool, error) {
	n, err := a.store.CountAdmins(ctx)
	if err != nil {
		return false, fmt.Errorf("auth: needs setup: %w", err)
	}
	return n == 0, nil
}

// NewUser is what creating a user takes.
type NewUser struct {
	Email     string
	Name      string
	Role      Role
	Password  string
	ClientIDs []string
}

// validate checks a new or changed user's fields.
func validateUser(email string, role Role, clients []string) error {
	email = strings.TrimSpace(email)
	if at := strings.IndexByte(email, '@'); at < 1 || at == len(email)-1 || strings.ContainsAny(email, " \t\r\n<>") {
		return fmt.Errorf("auth: %q is not an email address", email)
	}
	if _, err := ParseRole(string(role)); err != nil {
		return err
	}
	if role == RoleClient && len(clients) == 0 {
		return errors.New("auth: a client viewer needs at least one client")
	}
	if role != RoleClient && len(clients) > 0 {
		return errors.New("auth: only client viewers have a client scope; partner staff see every client")
	}
	return nil
}

// CreateUser creates a user; actor (an email, or "cli"/"setup") goes in
// the audit log with addr. An existing email gives store.ErrConflict.
func (a *Service) CreateUser(ctx context.Context, actor, addr string, nu NewUser) (store.User, error) {
	return a.createUser(ctx, actor, addr, nu, false)
}

// Setup creates the first admin, only while no admin exists (ErrSetupDone).
func (a *Service) Setup(ctx context.Context, addr string, nu NewUser) (store.User, error) {
	nu.Role, nu.ClientIDs = RoleAdmin, nil
	u, err := a.createUser(ctx, "setup", addr, nu, true)
	if errors.Is(err, store.ErrConflict) {
		if n, cerr := a.store.CountAdmins(ctx); cerr == nil && n > 0 {
			return u, ErrSetupDone
		}
	}
	return u, err
}

func (a *Service) createUser(ctx context.Context, actor, addr string, nu NewUser, first bool) (store.User, error) {
	if err := validateUser(nu.Email, nu.Role, nu.ClientIDs); err != nil {
		return store.User{}, err
	}
	hash, err := HashPassword(nu.Password)
	if err != nil {
		return store.User{}, err
	}
	u, err := a.store.CreateUser(ctx, store.User{Email: nu.Email, Name: strings.TrimSpace(nu.Name), Role: string(nu.Role), PasswordHash: hash, ClientIDs: nu.ClientIDs}, first)
	if err != nil {
		return store.User{}, fmt.Errorf("auth: create user: %w", err)
	}
	action := ActionUserCreate
	if first {
		action = ActionSetup
	}
	a.Audit(ctx, actor, action, u.Email, "role="+u.Role+scopeDetail(u.ClientIDs), addr)
	return u, nil
}

func scopeDetail(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	return " clients=" + strings.Join(ids, ",")
}

// UserChange is an admin's edit of a user; a nil field is left alone.
type UserChange struct {
	Role      *Role
	ClientIDs *[]string
	Disabled  *bool
	Name      *string
	// Password, when non-empty, sets a new password.
	Password string
}

// UpdateUser applies ch to user id. It refuses to leave Insights without an
// enabled admin. Changes to role, scope, password or disabling end the
// user's sessions.
func (a *Service) UpdateUser(ctx context.Context, actor, addr string, id int64, ch UserChange) (store.User, error) {
	u, err := a.store.GetUser(ctx, id)
	if err != nil {
		return u, fmt.Errorf("auth: update user: %w", err)
	}
	wasAdmin := u.Role == string(RoleAdmin) && !u.Disabled
	var what []string
	if ch.Role != nil && string(*ch.Role) != u.Role {
		u.Role = string(*ch.Role)
		what = append(what, "role="+u.Role)
		if *ch.Role != RoleClient && ch.ClientIDs == nil {
			u.ClientIDs = nil
		}
	}
	if ch.ClientIDs != nil {
		ids := *ch.ClientIDs
		if Role(u.Role) != RoleClient {
			ids = nil
		}
		if !slices.Equal(normalize(ids), normalize(u.ClientIDs)) {
			what = append(what, "clients="+strings.Join(normalize(ids), ","))
		}
		u.ClientIDs = ids
	}
	if ch.Disabled != nil && *ch.Disabled != u.Disabled {
		u.Disabled = *ch.Disabled
		what = append(what, fmt.Sprintf("disabled=%t", u.Disabled))
	}
	if ch.Name != nil && strings.TrimSpace(*ch.Name) != u.Name {
		u.Name = strings.TrimSpace(*ch.Name)
		what = append(what, "name")
	}
	if ch.Password != "" {
		h, err := HashPassword(ch.Password)
		if err != nil {
			return u, err
		}
		u.PasswordHash = h
		what = append(what, "password")
	}
	if err := validateUser(u.Email, Role(u.Role), u.ClientIDs); err != nil {
		return u, err
	}
	if wasAdmin && (u.Role != string(RoleAdmin) || u.Disabled) {
		n, err := a.store.CountAdmins(ctx)
		if err != nil {
			return u, fmt.Errorf("auth: update user: %w", err)
		}
		if n <= 1 {
			return u, errors.New("auth: this is the last admin; make another user admin first")
		}
	}
	if len(what) == 0 {
		return u, nil
	}
	if err := a.store.UpdateUser(ctx, u); err != nil {
		return u, fmt.Errorf("auth: update user: %w", err)
	}
	a.Audit(ctx, actor, ActionUserUpdate, u.Email, strings.Join(what, " "), addr)
	return a.store.GetUser(ctx, id)
}

func normalize(ids []string) []string {
	var out []string
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// Login checks email and password from address addr and opens a session,
// returning its secret (for the cookie). Failed logins count against the
// account and the address; past the limit every attempt, right or wrong,
// gets ErrRateLimited until the window has passed. The attempt is counted
// before the password is checked, so parallel guesses cannot outrun the
// limit.
func (a *Service) Login(ctx context.Context, email, password, addr string) (string, Principal, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	now := a.now()
	accountKey := "account:" + email
	attempt, err := a.reserve(ctx, now, accountKey, addr)
	if errors.Is(err, ErrRateLimited) {
		a.Audit(ctx, email, ActionLoginLimited, email, "", addr)
		return "", Principal{}, ErrRateLimited
	}
	if err != nil {
		return "", Principal{}, fmt.Errorf("auth: login: %w", err)
	}
	u, err := a.store.GetUserByEmail(ctx, email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", Principal{}, fmt.Errorf("auth: login: %w", err)
	}
	hash := u.PasswordHash
	if err != nil || hash == "" {
		hash = dummyHash
	}
	if ok := a.verify(hash, password); err != nil || !ok || u.Disabled {
		a.Audit(ctx, email, ActionLoginFailed, email, "", addr)
		return "", Principal{}, ErrInvalidCredentials
	}
	if err := a.succeeded(ctx, attempt, accountKey); err != nil {
		return "", Principal{}, fmt.Errorf("auth: login: %w", err)
	}
	secret, err := newSecret(prefixSession)
	if err != nil {
		return "", Principal{}, err
	}
	exp := now.Add(a.opts.SessionTTL)
	if err := a.store.CreateSession(ctx, store.Session{TokenHash: HashToken(secret), UserID: u.ID, Address: addr, CreatedAt: now, ExpiresAt: exp}); err != nil {
		return "", Principal{}, fmt.Errorf("auth: login: %w", err)
	}
	a.Audit(ctx, u.Email, ActionLogin, u.Email, "", addr)
	if err := a.Cleanup(ctx); err != nil {
		a.log.Warn("removing expired sessions failed", "err", err)
	}
	p := userPrincipal(u, ViaSession)
	p.SessionExpires = exp
	return secret, p, nil
}

// verify checks a password through the hook of Options, if any.
func (a *Service) verify(hash, password string) bool {
	if a.opts.Verify != nil {
		return a.opts.Verify(hash, password)
	}
	return VerifyPassword(hash, password)
}

// reserve counts an attempt on what (an account or a share link) from addr
// as a failure before its password is checked: ErrRateLimited when either
// already reached its limit in the window.
func (a *Service) reserve(ctx context.Context, now time.Time, what, addr string) (store.LoginAttempt, error) {
	at, ok, err := a.store.ReserveLoginAttempt(ctx, now, now.Add(-a.opts.FailureWindow),
		store.AttemptLimit{Key: what, Max: a.opts.MaxAccountFailures},
		store.AttemptLimit{Key: "address:" + addr, Max: a.opts.MaxAddressFailures})
	if err != nil {
		return at, err
	}
	if !ok {
		return at, ErrRateLimited
	}
	return at, nil
}

// succeeded undoes a reserved attempt whose password was right and forgets
// the earlier failures of what; the address keeps its other failures.
func (a *Service) succeeded(ctx context.Context, at store.LoginAttempt, what string) error {
	if err := a.store.ReleaseLoginAttempt(ctx, at); err != nil {
		return err
	}
	return a.store.ClearLoginFailures(ctx, what)
}

// overLimit reports whether the failures in the window of what (an account
// or a share link) or of the address addr reached the limit.
func (a *Service) overLimit(ctx context.Context, what, addr string) (bool, error) {
	since := a.now().Add(-a.opts.FailureWindow)
	na, err := a.store.CountLoginFailures(ctx, what, since)
	if err != nil {
		return false, err
	}
	nb, err := a.store.CountLoginFailures(ctx, "address:"+addr, since)
	if err != nil {
		return false, err
	}
	return na >= a.opts.MaxAccountFailures || nb >= a.opts.MaxAddressFailures, nil
}

func userPrincipal(u store.User, via string) Principal {
	p := Principal{UserID: u.ID, Email: u.Email, Role: Role(u.Role), Via: via}
	if p.Role == RoleClient {
		p.ClientIDs = slices.Clone(u.ClientIDs)
	}
	return p
}

// Session resolves a session cookie's secret. An unknown secret gives
// ErrUnauthenticated, an expired one ErrExpired; a disabled user's sessions
// are refused.
func (a *Service) Session(ctx context.Context, secret string) (Principal, error) {
	if !strings.HasPrefix(secret, prefixSession) {
		return Principal{}, ErrUnauthenticated
	}
	se, err := a.store.GetSession(ctx, HashToken(secret))
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, fmt.Errorf("auth: session: %w", err)
	}
	if !a.now().Before(se.ExpiresAt) {
		return Principal{}, ErrExpired
	}
	u, err := a.store.GetUser(ctx, se.UserID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && u.Disabled) {
		return Principal{}, ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, fmt.Errorf("auth: session: %w", err)
	}
	p := userPrincipal(u, ViaSession)
	p.SessionExpires = se.ExpiresAt
	return p, nil
}

// Logout ends the session with this secret.
func (a *Service) Logout(ctx context.Context, secret, actor, addr string) error {
	if err := a.store.DeleteSession(ctx, HashToken(secret)); err != nil {
		return fmt.Errorf("auth: logout: %w", err)
	}
	a.Audit(ctx, actor, ActionLogout, actor, "", addr)
	return nil
}

// Cleanup deletes expired sessions and old login failures.
func (a *Service) Cleanup(ctx context.Context) error {
	now := a.now()
	if _, err := a.store.DeleteExpiredSessions(ctx, now, now.Add(-a.opts.FailureWindow)); err != nil {
		return fmt.Errorf("auth: cleanup: %w", err)
	}
	return nil
}

// CreateAPIToken makes a new token for user id and returns its secret,
// shown to its owner once.
func (a *Service) CreateAPIToken(ctx context.Context, actor, addr string, userID int64, name string) (string, store.APIToken, error) {
	u, err := a.store.GetUser(ctx, userID)
	if err != nil {
		return "", store.APIToken{}, fmt.Errorf("auth: create token: %w", err)
	}
	if u.Disabled {
		return "", store.APIToken{}, errors.New("auth: create token: the user is disabled")
	}
	secret, err := newSecret(prefixAPIToken)
	if err != nil {
		return "", store.APIToken{}, err
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = "API token"
	}
	t, err := a.store.CreateAPIToken(ctx, store.APIToken{UserID: u.ID, Name: name, Hash: HashToken(secret), Hint: secret[:len(prefixAPIToken)+4], CreatedAt: a.now()})
	if err != nil {
		return "", t, fmt.Errorf("auth: create token: %w", err)
	}
	a.Audit(ctx, actor, ActionTokenCreate, u.Email, fmt.Sprintf("token=%d name=%q", t.ID, name), addr)
	return secret, t, nil
}

// RevokeAPIToken revokes token id of user userID.
func (a *Service) RevokeAPIToken(ctx context.Context, actor, addr string, userID, id int64) error {
	if err := a.store.RevokeAPIToken(ctx, userID, id); err != nil {
		return fmt.Errorf("auth: revoke token: %w", err)
	}
	a.Audit(ctx, actor, ActionTokenRevoke, actor, fmt.Sprintf("token=%d", id), addr)
	return nil
}

// Token resolves a bearer token. Unknown, revoked tokens and tokens of
// disabled users give ErrUnauthenticated.
func (a *Service) Token(ctx context.Context, secret string) (Principal, error) {
	if !strings.HasPrefix(secret, prefixAPIToken) {
		return Principal{}, ErrUnauthenticated
	}
	t, err := a.store.GetAPITokenByHash(ctx, HashToken(secret))
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, fmt.Errorf("auth: token: %w", err)
	}
	if !t.RevokedAt.IsZero() {
		return Principal{}, ErrUnauthenticated
	}
	u, err := a.store.GetUser(ctx, t.UserID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && u.Disabled) {
		return Principal{}, ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, fmt.Errorf("auth: token: %w", err)
	}
	if err := a.store.TouchAPIToken(ctx, t.ID, a.now()); err != nil {
		a.log.Warn("recording token use failed", "token_id", t.ID, "err", err)
	}
	return userPrincipal(u, ViaToken), nil
}

// NewShare is what creating a share link takes.
type NewShare struct {
	ClientID string
	Label    string
	// From and To optionally limit the dates shown (zero when open).
	From, To usage.Date
	// ExpiresAt is when the link stops working.
	ExpiresAt time.Time
	// Password, when set, must be entered to open the link.
	Password string
}

// CreateShareLink makes a share link and returns its secret (the last part
// of its URL), shown to the admin once.
func (a *Service) CreateShareLink(ctx context.Context, actor, addr string, createdBy int64, ns NewShare) (string, store.ShareLink, error) {
	if strings.TrimSpace(ns.ClientID) == "" {
		return "", store.ShareLink{}, errors.New("auth: a share link needs a client")
	}
	if !ns.ExpiresAt.After(a.now()) {
		return "", store.ShareLink{}, errors.New("auth: a share link's expiry must be in the future")
	}
	l := store.ShareLink{ClientID: strings.TrimSpace(ns.ClientID), Label: strings.TrimSpace(ns.Label), ExpiresAt: ns.ExpiresAt.UTC(), CreatedBy: createdBy, CreatedAt: a.now()}
	if !ns.From.IsZero() {
		l.From = ns.From.String()
	}
	if !ns.To.IsZero() {
		l.To = ns.To.String()
	}
	if !ns.From.IsZero() && !ns.To.IsZero() && ns.To.Before(ns.From) {
		return "", l, errors.New("auth: a share link's date range ends before it starts")
	}
	if ns.Password != "" {
		h, err := HashPassword(ns.Password)
		if err != nil {
			return "", l, err
		}
		l.PasswordHash = h
	}
	secret, err := newSecret(prefixShare)
	if err != nil {
		return "", l, err
	}
	l.Hash = HashToken(secret)
	l, err = a.store.CreateShareLink(ctx, l)
	if err != nil {
		return "", l, fmt.Errorf("auth: create share link: %w", err)
	}
	a.Audit(ctx, actor, ActionShareCreate, "client "+l.ClientID, fmt.Sprintf("share=%d expires=%s password=%t", l.ID, l.ExpiresAt.Format(time.RFC3339), l.PasswordHash != ""), addr)
	return secret, l, nil
}

// RevokeShareLink revokes share link id.
func (a *Service) RevokeShareLink(ctx context.Context, actor, addr string, id int64) error {
	if err := a.store.RevokeShareLink(ctx, id); err != nil {
		return fmt.Errorf("auth: revoke share link: %w", err)
	}
	a.Audit(ctx, actor, ActionShareRevoke, fmt.Sprintf("share %d", id), "", addr)
	return nil
}

// ShareLink resolves a share-link secret. Unknown or revoked links give
// ErrUnauthenticated, expired ones ErrExpired. When the link has a password
// and checkPassword is true, password must match (else
// ErrPasswordRequired); a browser that entered it once carries the link in
// its share cookie and is not asked again (checkPassword false).
func (a *Service) ShareLink(ctx context.Context, secret, password string, checkPassword bool) (Principal, store.ShareLink, error) {
	if !strings.HasPrefix(secret, prefixShare) {
		return Principal{}, store.ShareLink{}, ErrUnauthenticated
	}
	l, err := a.store.GetShareLinkByHash(ctx, HashToken(secret))
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, l, ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, l, fmt.Errorf("auth: share link: %w", err)
	}
	if !l.RevokedAt.IsZero() {
		return Principal{}, l, ErrUnauthenticated
	}
	if !a.now().Before(l.ExpiresAt) {
		return Principal{}, l, ErrExpired
	}
	if checkPassword && l.PasswordHash != "" && !VerifyPassword(l.PasswordHash, password) {
		return Principal{}, l, ErrPasswordRequired
	}
	p := Principal{Role: RoleClient, ClientIDs: []string{l.ClientID}, Via: ViaShare, ShareID: l.ID}
	if l.From != "" {
		if p.From, err = usage.ParseDate(l.From); err != nil {
			return Principal{}, l, fmt.Errorf("auth: share link %d: %w", l.ID, err)
		}
	}
	if l.To != "" {
		if p.To, err = usage.ParseDate(l.To); err != nil {
			return Principal{}, l, fmt.Errorf("auth: share link %d: %w", l.ID, err)
		}
	}
	return p, l, nil
}

// OpenShareLink is ShareLink for a password typed at address addr. Wrong
// passwords count against the link and the address as failed logins do
// (and against the same limits, counted before the password is checked);
// past the limit every attempt, right or wrong, gets ErrRateLimited until
// the window has passed. An empty password (the link opened, its form not
// yet sent) is not a failure and is not checked.
func (a *Service) OpenShareLink(ctx context.Context, secret, password, addr string) (Principal, store.ShareLink, error) {
	p, l, err := a.ShareLink(ctx, secret, "", false)
	if err != nil || l.PasswordHash == "" {
		return p, l, err
	}
	share := "share " + strconv.FormatInt(l.ID, 10)
	linkKey := "share:" + strconv.FormatInt(l.ID, 10)
	if password == "" {
		return Principal{}, l, a.shareFormOnly(ctx, linkKey, share, addr)
	}
	attempt, err := a.reserve(ctx, a.now(), linkKey, addr)
	if errors.Is(err, ErrRateLimited) {
		a.Audit(ctx, "share link", ActionShareOpenLimited, share, "", addr)
		return Principal{}, l, ErrRateLimited
	}
	if err != nil {
		return Principal{}, l, fmt.Errorf("auth: share link: %w", err)
	}
	if !a.verify(l.PasswordHash, password) {
		a.Audit(ctx, "share link", ActionShareOpenFail, share, "wrong password", addr)
		return Principal{}, l, ErrPasswordRequired
	}
	if err := a.succeeded(ctx, attempt, linkKey); err != nil {
		return Principal{}, l, fmt.Errorf("auth: share link: %w", err)
	}
	return p, l, nil
}

// shareFormOnly answers a password-protected link opened without a
// password: ErrPasswordRequired (show the form), or ErrRateLimited past the
// limit. Nothing is counted and no password checked.
func (a *Service) shareFormOnly(ctx context.Context, linkKey, share, addr string) error {
	limited, err := a.overLimit(ctx, linkKey, addr)
	if err != nil {
		return fmt.Errorf("auth: share link: %w", err)
	}
	if limited {
		a.Audit(ctx, "share link", ActionShareOpenLimited, share, "", addr)
		return ErrRateLimited
	}
	return ErrPasswordRequired
}

// ShareCookie is the value of the share cookie a browser gets after opening
// link l with secret (and its password, when it has one). For a link with a
// password the value carries a proof that the password was entered: a hash
// of the secret and the stored password hash, which only the server knows,
// so knowing the link's URL alone does not make a valid cookie.
func ShareCookie(secret string, l store.ShareLink) string {
	if l.PasswordHash == "" {
		return secret
	}
	return secret + "." + HashToken(secret+"|"+l.PasswordHash)
}

// ShareFromCookie resolves a share cookie made by ShareCookie.
func (a *Service) ShareFromCookie(ctx context.Context, value string) (Principal, error) {
	secret, proof, _ := strings.Cut(value, ".")
	p, l, err := a.ShareLink(ctx, secret, "", false)
	if err != nil {
		return p, err
	}
	if l.PasswordHash != "" && subtle.ConstantTimeCompare([]byte(proof), []byte(HashToken(secret+"|"+l.PasswordHash))) != 1 {
		return Principal{}, ErrPasswordRequired
	}
	return p, nil
}

// ShareCookieTTL is how long a browser keeps an opened share link: the
// configured bound, but never past the link's expiry.
func (a *Service) ShareCookieTTL(l store.ShareLink) time.Duration {
	return min(a.opts.ShareSessionTTL, l.ExpiresAt.Sub(a.now()))
}
