package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Access control: users with their roles and client scope, sessions, API
// tokens, share links, login failures (for rate limiting) and the audit log.
//
// Secrets are never stored: sessions, tokens and share links are kept under
// a hash of their random value, passwords as a password hash computed by the
// caller (package auth). Lookups go by that hash, so a copy of the database
// does not let anyone in.

// ErrConflict is returned when a record with the same unique key exists.
var ErrConflict = errors.New("store: already exists")

// User is an account of Insights. Role is one of "admin", "member",
// "client" (package auth gives them meaning); ClientIDs is the scope of a
// client viewer, sorted.
type User struct {
	ID           int64
	Email        string
	Name         string
	Role         string
	PasswordHash string
	ClientIDs    []string
	Disabled     bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

type userRow struct {
	ID           int64
	Email        string
	Name         string
	Role         string
	PasswordHash string
	DisabledAt   *int64
	CreatedAt    int64
	UpdatedAt    int64
}

func (r userRow) user() User {
	return User{ID: r.ID, Email: r.Email, Name: r.Name, Role: r.Role, PasswordHash: r.PasswordHash,
		Disabled: r.DisabledAt != nil, CreatedAt: fromUnix(r.CreatedAt), UpdatedAt: fromUnix(r.UpdatedAt)}
}

const userCols = "id, email, name, role, password_hash, disabled_at, created_at, updated_at"

// CreateUser stores a new user and its client scope and returns it with its
// id. An existing email (compared case-insensitively; emails are stored in
// lower case) gives ErrConflict. When onlyIfNoAdmin is true the user is
// created only while no enabled admin exists (the first-run page), else
// ErrConflict.
func (s *Store) CreateUser(ctx context.Context, u User, onlyIfNoAdmin bool) (User, error) {
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	now := s.now()
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.dialect.lock(ctx, tx, "insights:users"); err != nil {
			return err
		}
		var n int64
		if err := tx.Raw("SELECT COUNT(*) FROM users WHERE email = ?", u.Email).Scan(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return ErrConflict
		}
		if onlyIfNoAdmin {
			if err := tx.Raw("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL").Scan(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				return ErrConflict
			}
		}
		var disabled *int64
		if u.Disabled {
			disabled = nullUnix(now)
		}
		if err := tx.Raw(`INSERT INTO users (email, name, role, password_hash, disabled_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			u.Email, u.Name, u.Role, u.PasswordHash, disabled, unix(now), unix(now)).Scan(&u.ID).Error; err != nil {
			return err
		}
		return setUserClients(tx, u.ID, u.ClientIDs)
	})
	if err != nil {
		if errors.Is(err, ErrConflict) {
			return User{}, fmt.Errorf("store: create user %s: %w", u.Email, ErrConflict)
		}
		return User{}, fmt.Errorf("store: create user: %w", err)
	}
	u.CreatedAt, u.UpdatedAt = now.Truncate(time.Second), now.Truncate(time.Second)
	u.ClientIDs = normalizeIDs(u.ClientIDs)
	return u, nil
}

func normalizeIDs(ids []string) []string {
	var out []string
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

func setUserClients(tx *gorm.DB, userID int64, ids []string) error {
	if err := tx.Exec("DELETE FROM user_clients WHERE user_id = ?", userID).Error; err != nil {
		return err
	}
	for _, id := range normalizeIDs(ids) {
		if err := tx.Exec("INSERT INTO user_clients (user_id, client_id) VALUES (?, ?)", userID, id).Error; err != nil {
			return err
		}
	}
	return nil
}

// UpdateUser writes a user's name, role, password hash, disabled flag and
// client scope. Disabling a user or changing its role or scope also ends its
// sessions, so the change takes effect at once.
func (s *Store) UpdateUser(ctx context.Context, u User) error {
	now := s.now()
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var old []userRow
		if err := tx.Raw("SELECT "+userCols+" FROM users WHERE id = ?", u.ID).Scan(&old).Error; err != nil {
			return err
		}
		if len(old) == 0 {
			return ErrNotFound
		}
		disabled := old[0].DisabledAt
		if !u.Disabled {
			disabled = nil
		} else if disabled == nil {
			disabled = nullUnix(now)
		}
		if err := tx.Exec("UPDATE users SET name = ?, role = ?, password_hash = ?, disabled_at = ?, updated_at = ? WHERE id = ?",
			u.Name, u.Role, u.PasswordHash, disabled, unix(now), u.ID).Error; err != nil {
			return err
		}
		var clients []string
		if err := tx.Raw("SELECT client_id FROM user_clients WHERE user_id = ? ORDER BY client_id", u.ID).Scan(&clients).Error; err != nil {
			return err
		}
		if err := setUserClients(tx, u.ID, u.ClientIDs); err != nil {
			return err
		}
		if u.Disabled || u.Role != old[0].Role || !slices.Equal(clients, normalizeIDs(u.ClientIDs)) || u.PasswordHash != old[0].PasswordHash {
			return tx.Exec("DELETE FROM sessions WHERE user_id = ?", u.ID).Error
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: update user %d: %w", u.ID, err)
	}
	return nil
}

// GetUser returns the user with id, or ErrNotFound.
func (s *Store) GetUser(ctx context.Context, id int64) (User, error) {
	return s.getUser(ctx, "id = ?", id)
}

// GetUserByEmail returns the user with email (case-insensitive), or ErrNotFound.
func (s *Store) GetUserByEmail(ctx context.Context, email string) (User, error) {
	return s.getUser(ctx, "email = ?", strings.ToLower(strings.TrimSpace(email)))
}

func (s *Store) getUser(ctx context.Context, cond string, arg any) (User, error) {
	var rows []userRow
	if err := s.r.WithContext(ctx).Raw("SELECT "+userCols+" FROM users WHERE "+cond, arg).Scan(&rows).Error; err != nil {
		return User{}, fmt.Errorf("store: get user: %w", err)
	}
	if len(rows) == 0 {
		return User{}, fmt.Errorf("store: get user: %w", ErrNotFound)
	}
	u := rows[0].user()
	if err := s.r.WithContext(ctx).Raw("SELECT client_id FROM user_clients WHERE user_id = ? ORDER BY client_id", u.ID).Scan(&u.ClientIDs).Error; err != nil {
		return User{}, fmt.Errorf("store: get user clients: %w", err)
	}
	return u, nil
}

// ListUsers returns every user, by email.
func (s *Store) ListUsers(ctx context.Context) ([]User, error) {
	var rows []userRow
	if err := s.r.WithContext(ctx).Raw("SELECT " + userCols + " FROM users ORDER BY email").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	var links []struct {
		UserID   int64
		ClientID string
	}
	if err := s.r.WithContext(ctx).Raw("SELECT user_id, client_id FROM user_clients ORDER BY client_id").Scan(&links).Error; err != nil {
		return nil, fmt.Errorf("store: list user clients: %w", err)
	}
	byUser := map[int64][]string{}
	for _, l := range links {
		byUser[l.UserID] = append(byUser[l.UserID], l.ClientID)
	}
	out := make([]User, 0, len(rows))
	for _, r := range rows {
		u := r.user()
		u.ClientIDs = byUser[u.ID]
		out = append(out, u)
	}
	return out, nil
}

// CountAdmins returns how many enabled admins exist.
func (s *Store) CountAdmins(ctx context.Context) (int, error) {
	var n int64
	if err := s.r.WithContext(ctx).Raw("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL").Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("store: count admins: %w", err)
	}
	return int(n), nil
}

// Session is a signed-in browser, stored under the hash of its cookie value.
type Session struct {
	TokenHash string
	UserID    int64
	Address   string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// CreateSession stores a session.
func (s *Store) CreateSession(ctx context.Context, se Session) error {
	err := s.w.WithContext(ctx).Exec("INSERT INTO sessions (token_hash, user_id, address, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
		se.TokenHash, se.UserID, se.Address, unix(se.CreatedAt), unix(se.ExpiresAt)).Error
	if err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// GetSession returns the session stored under hash, expired or not, or ErrNotFound.
func (s *Store) GetSession(ctx context.Context, hash string) (Session, error) {
	var rows []struct {
		TokenHash            string
		UserID               int64
		Address              string
		CreatedAt, ExpiresAt int64
	}
	if err := s.r.WithContext(ctx).Raw("SELECT token_hash, user_id, address, created_at, expires_at FROM sessions WHERE token_hash = ?", hash).Scan(&rows).Error; err != nil {
		return Session{}, fmt.Errorf("store: get session: %w", err)
	}
	if len(rows) == 0 {
		return Session{}, fmt.Errorf("store: get session: %w", ErrNotFound)
	}
	r := rows[0]
	return Session{TokenHash: r.TokenHash, UserID: r.UserID, Address: r.Address, CreatedAt: fromUnix(r.CreatedAt), ExpiresAt: fromUnix(r.ExpiresAt)}, nil
}

// DeleteSession removes one session (sign-out); a missing one is no error.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	if err := s.w.WithContext(ctx).Exec("DELETE FROM sessions WHERE token_hash = ?", hash).Error; err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes sessions that expired before now and login
// failures older than failuresBefore, and reports how many sessions went.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now, failuresBefore time.Time) (int64, error) {
	res := s.w.WithContext(ctx).Exec("DELETE FROM sessions WHERE expires_at < ?", unix(now))
	if res.Error != nil {
		return 0, fmt.Errorf("store: delete expired sessions: %w", res.Error)
	}
	if err := s.w.WithContext(ctx).Exec("DELETE FROM login_failures WHERE at < ?", unix(failuresBefore)).Error; err != nil {
		return 0, fmt.Errorf("store: delete old login failures: %w", err)
	}
	return res.RowsAffected, nil
}

// APIToken is a token for scripts, stored under its hash. Hint is a short
// non-secret part of it (its first characters) to tell tokens apart.
type APIToken struct {
	ID         int64
	UserID     int64
	Name       string
	Hash       string
	Hint       string
	CreatedAt  time.Time
	LastUsedAt time.Time // zero when never used
	RevokedAt  time.Time // zero while valid
}

type tokenRow struct {
	ID         int64
	UserID     int64
	Name       string
	TokenHash  string
	Hint       string
	CreatedAt  int64
	LastUsedAt *int64
	RevokedAt  *int64
}

func (r tokenRow) token() APIToken {
	return APIToken{ID: r.ID, UserID: r.UserID, Name: r.Name, Hash: r.TokenHash, Hint: r.Hint,
		CreatedAt: fromUnix(r.CreatedAt), LastUsedAt: fromNullUnix(r.LastUsedAt), RevokedAt: fromNullUnix(r.RevokedAt)}
}

const tokenCols = "id, user_id, name, token_hash, hint, created_at, last_used_at, revoked_at"

// CreateAPIToken stores a token and returns it with its id.
func (s *Store) CreateAPIToken(ctx context.Context, t APIToken) (APIToken, error) {
	if t.CreatedAt.IsZero() {
		t.CreatedAt = s.now()
	}
	err := s.w.WithContext(ctx).Raw("INSERT INTO api_tokens (user_id, name, token_hash, hint, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
		t.UserID, t.Name, t.Hash, t.Hint, unix(t.CreatedAt)).Scan(&t.ID).Error
	if err != nil {
		return t, fmt.Errorf("store: create api token: %w", err)
	}
	return t, nil
}

// GetAPITokenByHash returns the token stored under hash (revoked or not), or ErrNotFound.
func (s *Store) GetAPITokenByHash(ctx context.Context, hash string) (APIToken, error) {
	var rows []tokenRow
	if err := s.r.WithContext(ctx).Raw("SELECT "+tokenCols+" FROM api_tokens WHERE token_hash = ?", hash).Scan(&rows).Error; err != nil {
		return APIToken{}, fmt.Errorf("store: get api token: %w", err)
	}
	if len(rows) == 0 {
		return APIToken{}, fmt.Errorf("store: get api token: %w", ErrNotFound)
	}
	return rows[0].token(), nil
}

// ListAPITokens returns a user's tokens, newest first.
func (s *Store) ListAPITokens(ctx context.Context, userID int64) ([]APIToken, error) {
	var rows []tokenRow
	if err := s.r.WithContext(ctx).Raw("SELECT "+tokenCols+" FROM api_tokens WHERE user_id = ? ORDER BY id DESC", userID).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: list api tokens: %w", err)
	}
	out := make([]APIToken, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.token())
	}
	return out, nil
}

// RevokeAPIToken revokes token id of userID; ErrNotFound when the user has
// no such token.
func (s *Store) RevokeAPIToken(ctx context.Context, userID, id int64) error {
	res := s.w.WithContext(ctx).Exec("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL", unix(s.now()), id, userID)
	if res.Error != nil {
		return fmt.Errorf("store: revoke api token: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("store: revoke api token %d: %w", id, ErrNotFound)
	}
	return nil
}

// TouchAPIToken records that a token was used at t (at most once a minute).
func (s *Store) TouchAPIToken(ctx context.Context, id int64, t time.Time) error {
	err := s.w.WithContext(ctx).Exec("UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)",
		unix(t), id, unix(t)-60).Error
	if err != nil {
		return fmt.Errorf("store: touch api token: %w", err)
	}
	return nil
}

// ShareLink is a read-only link to one client's view, optionally limited to
// a date range (From and To as YYYY-MM-DD, "" when open) and protected by a
// password hash.
type ShareLink struct {
	ID           int64
	Hash         string
	ClientID     string
	Label        string
	From, To     string
	ExpiresAt    time.Time
	PasswordHash string
	CreatedBy    int64
	CreatedAt    time.Time
	RevokedAt    time.Time // zero while valid
}

type shareRow struct {
	ID           int64
	TokenHash    string
	ClientID     string
	Label        string
	DateFrom     string
	DateTo       string
	ExpiresAt    int64
	PasswordHash string
	CreatedBy    *int64
	CreatedAt    int64
	RevokedAt    *int64
}

func (r shareRow) link() ShareLink {
	l := ShareLink{ID: r.ID, Hash: r.TokenHash, ClientID: r.ClientID, Label: r.Label, From: r.DateFrom, To: r.DateTo,
		ExpiresAt: fromUnix(r.ExpiresAt), PasswordHash: r.PasswordHash, CreatedAt: fromUnix(r.CreatedAt), RevokedAt: fromNullUnix(r.RevokedAt)}
	if r.CreatedBy != nil {
		l.CreatedBy = *r.CreatedBy
	}
	return l
}

const shareCols = "id, token_hash, client_id, label, date_from, date_to, expires_at, password_hash, created_by, created_at, revoked_at"

// CreateShareLink stores a share link and returns it with its id.
func (s *Store) CreateShareLink(ctx context.Context, l ShareLink) (ShareLink, error) {
	if l.CreatedAt.IsZero() {
		l.CreatedAt = s.now()
	}
	var by *int64
	if l.CreatedBy != 0 {
		by = &l.CreatedBy
	}
	err := s.w.WithContext(ctx).Raw(`INSERT INTO share_links (token_hash, client_id, label, date_from, date_to, expires_at, password_hash, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		l.Hash, l.ClientID, l.Label, l.From, l.To, unix(l.ExpiresAt), l.PasswordHash, by, unix(l.CreatedAt)).Scan(&l.ID).Error
	if err != nil {
		return l, fmt.Errorf("store: create share link: %w", err)
	}
	return l, nil
}

// GetShareLinkByHash returns the link stored under hash (expired or revoked
// too), or ErrNotFound.
func (s *Store) GetShareLinkByHash(ctx context.Context, hash string) (ShareLink, error) {
	var rows []shareRow
	if err := s.r.WithContext(ctx).Raw("SELECT "+shareCols+" FROM share_links WHERE token_hash = ?", hash).Scan(&rows).Error; err != nil {
		return ShareLink{}, fmt.Errorf("store: get share link: %w", err)
	}
	if len(rows) == 0 {
		return ShareLink{}, fmt.Errorf("store: get share link: %w", ErrNotFound)
	}
	return rows[0].link(), nil
}

// ListShareLinks returns every share link, newest first.
func (s *Store) ListShareLinks(ctx context.Context) ([]ShareLink, error) {
	var rows []shareRow
	if err := s.r.WithContext(ctx).Raw("SELECT " + shareCols + " FROM share_links ORDER BY id DESC").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: list share links: %w", err)
	}
	out := make([]ShareLink, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.link())
	}
	return out, nil
}

// RevokeShareLink revokes link id; ErrNotFound when there is no valid one.
func (s *Store) RevokeShareLink(ctx context.Context, id int64) error {
	res := s.w.WithContext(ctx).Exec("UPDATE share_links SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", unix(s.now()), id)
	if res.Error != nil {
		return fmt.Errorf("store: revoke share link: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("store: revoke share link %d: %w", id, ErrNotFound)
	}
	return nil
}

// AttemptLimit is the most failed logins one key ("account:…",
// "address:…", "share:…") may have in the window.
type AttemptLimit struct {
	Key string
	Max int
}

// LoginAttempt is a sign-in attempt reserved by ReserveLoginAttempt: the
// failure rows written for it before its password was checked.
type LoginAttempt struct{ ids []int64 }

// ReserveLoginAttempt counts one failed login at t under every key of
// limits, but only when each has fewer than its Max failures since then;
// otherwise it writes nothing and ok is false. Counting and writing happen
// in one transaction under a lock per key (the single writer on SQLite, an
// advisory lock on PostgreSQL), so however many attempts run at once, no
// more than Max get past: the caller checks the password only after
// reserving, and gives the attempt back with ReleaseLoginAttempt when it
// was right.
func (s *Store) ReserveLoginAttempt(ctx context.Context, t, since time.Time, limits ...AttemptLimit) (LoginAttempt, bool, error) {
	keys := make([]string, 0, len(limits))
	for _, l := range limits {
		keys = append(keys, l.Key)
	}
	slices.Sort(keys) // one lock order, so two reservations never wait on each other
	var a LoginAttempt
	ok := true
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, k := range slices.Compact(keys) {
			if err := s.dialect.lock(ctx, tx, "insights:login:"+k); err != nil {
				return err
			}
		}
		for _, l := range limits {
			var n int64
			if err := tx.Raw("SELECT COUNT(*) FROM login_failures WHERE key = ? AND at >= ?", l.Key, unix(since)).Scan(&n).Error; err != nil {
				return err
			}
			if n >= int64(l.Max) {
				ok = false
				return nil
			}
		}
		for _, l := range limits {
			var id int64
			if err := tx.Raw("INSERT INTO login_failures (key, at) VALUES (?, ?) RETURNING id", l.Key, unix(t)).Scan(&id).Error; err != nil {
				return err
			}
			a.ids = append(a.ids, id)
		}
		return nil
	})
	if err != nil {
		return LoginAttempt{}, false, fmt.Errorf("store: reserve login attempt: %w", err)
	}
	return a, ok, nil
}

// ReleaseLoginAttempt takes back what ReserveLoginAttempt counted for a
// (its password was right, so it was no failure).
func (s *Store) ReleaseLoginAttempt(ctx context.Context, a LoginAttempt) error {
	if len(a.ids) == 0 {
		return nil
	}
	if err := s.w.WithContext(ctx).Exec("DELETE FROM login_failures WHERE id IN ?", a.ids).Error; err != nil {
		return fmt.Errorf("store: release login attempt: %w", err)
	}
	return nil
}

// CountLoginFailures counts the failures under key since t.
func (s *Store) CountLoginFailures(ctx context.Context, key string, since time.Time) (int, error) {
	var n int64
	if err := s.r.WithContext(ctx).Raw("SELECT COUNT(*) FROM login_failures WHERE key = ? AND at >= ?", key, unix(since)).Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("store: count login failures: %w", err)
	}
	return int(n), nil
}

// ClearLoginFailures forgets the failures under key (after a good login).
func (s *Store) ClearLoginFailures(ctx context.Context, key string) error {
	if err := s.w.WithContext(ctx).Exec("DELETE FROM login_failures WHERE key = ?", key).Error; err != nil {
		return fmt.Errorf("store: clear login failures: %w", err)
	}
	return nil
}

// AuditEntry is one line of the audit log: who did what to what, from where.
// Detail never holds a secret.
type AuditEntry struct {
	ID      int64
	At      time.Time
	Actor   string
	Action  string
	Target  string
	Detail  string
	Address string
}

// AddAudit appends an entry to the audit log.
func (s *Store) AddAudit(ctx context.Context, e AuditEntry) error {
	if e.At.IsZero() {
		e.At = s.now()
	}
	err := s.w.WithContext(ctx).Exec("INSERT INTO audit_log (at, actor, action, target, detail, address) VALUES (?, ?, ?, ?, ?, ?)",
		unix(e.At), e.Actor, e.Action, e.Target, e.Detail, e.Address).Error
	if err != nil {
		return fmt.Errorf("store: add audit entry: %w", err)
	}
	return nil
}

// ListAudit returns the newest limit entries of the audit log, newest first.
func (s *Store) ListAudit(ctx context.Context, limit int) ([]AuditEntry, error) {
	var rows []struct {
		ID                            int64
		At                            int64
		Actor, Action, Target, Detail string
		Address                       string
	}
	if err := s.r.WithContext(ctx).Raw("SELECT id, at, actor, action, target, detail, address FROM audit_log ORDER BY id DESC LIMIT ?", limit).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: list audit log: %w", err)
	}
	out := make([]AuditEntry, 0, len(rows))
	for _, r := range rows {
		out = append(out, AuditEntry{ID: r.ID, At: fromUnix(r.At), Actor: r.Actor, Action: r.Action, Target: r.Target, Detail: r.Detail, Address: r.Address})
	}
	return out, nil
}
