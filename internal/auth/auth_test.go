package auth_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/auth"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuf) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

func newService(t *testing.T, st *store.Store) (*auth.Service, *clock, *lockedBuf) {
	t.Helper()
	clk := &clock{t: time.Now().UTC()}
	logs := &lockedBuf{}
	svc := auth.New(auth.Options{Store: st, Now: clk.Now, Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	return svc, clk, logs
}

func TestPasswordHash(t *testing.T) {
	h, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q is not argon2id with the expected parameters", h)
	}
	h2, _ := auth.HashPassword("correct horse battery")
	if h == h2 {
		t.Error("two hashes of one password are equal: no salt")
	}
	for _, tc := range []struct {
		name, hash, pw string
		want           bool
	}{
		{"right", h, "correct horse battery", true},
		{"wrong", h, "correct horse batterz", false},
		{"empty hash", "", "x", false},
		{"garbage", "$argon2id$v=19$m=x$y$z", "x", false},
		{"huge memory refused", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$c2FsdHNhbHQ", "x", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := auth.VerifyPassword(tc.hash, tc.pw); got != tc.want {
				t.Errorf("VerifyPassword = %v, want %v", got, tc.want)
			}
		})
	}
	if _, err := auth.HashPassword("short"); !errors.Is(err, auth.ErrWeakPassword) {
		t.Errorf("short password: err = %v, want ErrWeakPassword", err)
	}
}

func TestLoginSessionsAndRateLimit(t *testing.T) {
	storetest.ForEachDB(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		svc, clk, logs := newService(t, st)
		const pw = "s3cret-password-1"
		u, err := svc.CreateUser(ctx, "test", "", auth.NewUser{Email: "Viewer@Example.com", Role: auth.RoleClient, Password: pw, ClientIDs: []string{"B", "A"}})
		if err != nil {
			t.Fatal(err)
		}
		if u.Email != "viewer@example.com" || strings.Join(u.ClientIDs, ",") != "A,B" {
			t.Errorf("created %+v", u)
		}
		secret, p, err := svc.Login(ctx, "viewer@EXAMPLE.com ", pw, "10.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if p.Role != auth.RoleClient || p.Staff() || !p.CanSeeClient("A") || p.CanSeeClient("C") {
			t.Errorf("principal %+v", p)
		}
		got, err := svc.Session(ctx, secret)
		if err != nil || got.UserID != u.ID || got.Via != auth.ViaSession {
			t.Fatalf("Session = %+v, %v", got, err)
		}
		if _, err := svc.Session(ctx, secret+"x"); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Errorf("unknown session: %v", err)
		}

		// Wrong passwords: five per account, then even the right one is refused.
		for i := range 5 {
			if _, _, err := svc.Login(ctx, u.Email, "wrong-password-"+string(rune('a'+i)), "10.0.0.2"); !errors.Is(err, auth.ErrInvalidCredentials) {
				t.Fatalf("attempt %d: %v", i, err)
			}
		}
		if _, _, err := svc.Login(ctx, u.Email, pw, "10.0.0.3"); !errors.Is(err, auth.ErrRateLimited) {
			t.Errorf("after 5 failures: %v, want ErrRateLimited", err)
		}
		clk.Add(16 * time.Minute)
		if _, _, err := svc.Login(ctx, u.Email, pw, "10.0.0.3"); err != nil {
			t.Errorf("after the window: %v", err)
		}
		// Per address: 20 failures over many accounts.
		for i := range 20 {
			_, _, _ = svc.Login(ctx, "nobody"+string(rune('a'+i))+"@example.com", "whatever-password", "10.9.9.9")
		}
		if _, _, err := svc.Login(ctx, u.Email, pw, "10.9.9.9"); !errors.Is(err, auth.ErrRateLimited) {
			t.Errorf("after 20 failures from one address: %v", err)
		}

		// Expiry.
		clk.Add(13 * time.Hour)
		if _, err := svc.Session(ctx, secret); !errors.Is(err, auth.ErrExpired) {
			t.Errorf("session after 13h: %v, want ErrExpired", err)
		}

		// Disabling ends sessions; changing scope too.
		s2, _, err := svc.Login(ctx, u.Email, pw, "10.0.0.4")
		if err != nil {
			t.Fatal(err)
		}
		yes := true
		if _, err := svc.UpdateUser(ctx, "admin@example.com", "", u.ID, auth.UserChange{Disabled: &yes}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Session(ctx, s2); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Errorf("session of a disabled user: %v", err)
		}
		if _, _, err := svc.Login(ctx, u.Email, pw, "10.0.0.5"); !errors.Is(err, auth.ErrInvalidCredentials) {
			t.Errorf("login of a disabled user: %v", err)
		}

		entries, err := st.ListAudit(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		actions := map[string]int{}
		for _, e := range entries {
			actions[e.Action]++
		}
		for _, a := range []string{auth.ActionUserCreate, auth.ActionLogin, auth.ActionLoginFailed, auth.ActionLoginLimited, auth.ActionUserUpdate} {
			if actions[a] == 0 {
				t.Errorf("audit log has no %s entry: %v", a, actions)
			}
		}
		assertNoSecrets(t, logs.String(), pw, secret, s2)
		urow, _ := st.GetUser(ctx, u.ID)
		assertNoSecrets(t, logs.String(), urow.PasswordHash)
	})
}

func assertNoSecrets(t *testing.T, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("secret %.12q… appears in the output", s)
		}
	}
}

func TestTokensAndShareLinks(t *testing.T) {
	storetest.ForEachDB(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		svc, clk, logs := newService(t, st)
		adm, err := svc.Setup(ctx, "", auth.NewUser{Email: "admin@example.com", Password: "admin-password-1"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Setup(ctx, "", auth.NewUser{Email: "second@example.com", Password: "admin-password-2"}); !errors.Is(err, auth.ErrSetupDone) {
			t.Errorf("second setup: %v, want ErrSetupDone", err)
		}
		// The last admin cannot be demoted.
		member := auth.RoleMember
		if _, err := svc.UpdateUser(ctx, "x", "", adm.ID, auth.UserChange{Role: &member}); err == nil || !strings.Contains(err.Error(), "last admin") {
			t.Errorf("demoting the last admin: %v", err)
		}

		tok, rec, err := svc.CreateAPIToken(ctx, adm.Email, "", adm.ID, "script")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(tok, "ins_") || rec.Hash == tok || !strings.HasPrefix(tok, rec.Hint) {
			t.Errorf("token %q, record %+v", tok[:6], rec)
		}
		p, err := svc.Token(ctx, tok)
		if err != nil || !p.Admin() || p.Via != auth.ViaToken {
			t.Fatalf("Token = %+v, %v", p, err)
		}
		if err := svc.RevokeAPIToken(ctx, adm.Email, "", adm.ID, rec.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Token(ctx, tok); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Errorf("revoked token: %v", err)
		}

		from, _ := usage.ParseDate("2026-01-01")
		to, _ := usage.ParseDate("2026-01-31")
		secret, link, err := svc.CreateShareLink(ctx, adm.Email, "", adm.ID, auth.NewShare{ClientID: "A", From: from, To: to, ExpiresAt: clk.Now().Add(48 * time.Hour), Password: "share-password"})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.ShareLink(ctx, secret, "nope", true); !errors.Is(err, auth.ErrPasswordRequired) {
			t.Errorf("wrong share password: %v", err)
		}
		sp, l, err := svc.ShareLink(ctx, secret, "share-password", true)
		if err != nil || sp.Via != auth.ViaShare || strings.Join(sp.ClientIDs, ",") != "A" || sp.From != from || sp.To != to || sp.Staff() {
			t.Fatalf("ShareLink = %+v, %v", sp, err)
		}
		cookie := auth.ShareCookie(secret, l)
		if _, err := svc.ShareFromCookie(ctx, cookie); err != nil {
			t.Errorf("share cookie: %v", err)
		}
		// The bare link in a cookie does not skip the password.
		if _, err := svc.ShareFromCookie(ctx, secret); !errors.Is(err, auth.ErrPasswordRequired) {
			t.Errorf("cookie without proof: %v", err)
		}
		clk.Add(49 * time.Hour)
		if _, err := svc.ShareFromCookie(ctx, cookie); !errors.Is(err, auth.ErrExpired) {
			t.Errorf("expired share link: %v", err)
		}
		secret2, link2, err := svc.CreateShareLink(ctx, adm.Email, "", adm.ID, auth.NewShare{ClientID: "B", ExpiresAt: clk.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.RevokeShareLink(ctx, adm.Email, "", link2.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.ShareLink(ctx, secret2, "", true); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Errorf("revoked share link: %v", err)
		}
		_ = link
		assertNoSecrets(t, logs.String(), tok, secret, secret2, "share-password", "admin-password-1")
	})
}

// TestSharePasswordRateLimit: wrong passwords on a share link count like
// failed logins; past the limit even the right password waits for the
// window, and opening the link without a password costs nothing.
func TestSharePasswordRateLimit(t *testing.T) {
	storetest.ForEachDB(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		svc, clk, _ := newService(t, st)
		adm, err := svc.Setup(ctx, "", auth.NewUser{Email: "admin@example.com", Password: "admin-password-1"})
		if err != nil {
			t.Fatal(err)
		}
		secret, _, err := svc.CreateShareLink(ctx, adm.Email, "", adm.ID, auth.NewShare{ClientID: "A", ExpiresAt: clk.Now().Add(48 * time.Hour), Password: "share-password"})
		if err != nil {
			t.Fatal(err)
		}
		for range 10 {
			if _, _, err := svc.OpenShareLink(ctx, secret, "", "198.51.100.7"); !errors.Is(err, auth.ErrPasswordRequired) {
				t.Fatalf("link opened without a password: %v", err)
			}
		}
		for i := range 5 {
			if _, _, err := svc.OpenShareLink(ctx, secret, fmt.Sprintf("guess-%d", i), "198.51.100.7"); !errors.Is(err, auth.ErrPasswordRequired) {
				t.Fatalf("wrong password %d: %v", i, err)
			}
		}
		// Limited for this link from any address, right password or not,
		// and when opened without one.
		for _, addr := range []string{"198.51.100.7", "203.0.113.9"} {
			if _, _, err := svc.OpenShareLink(ctx, secret, "share-password", addr); !errors.Is(err, auth.ErrRateLimited) {
				t.Errorf("from %s after 5 wrong passwords: %v, want ErrRateLimited", addr, err)
			}
		}
		if _, _, err := svc.OpenShareLink(ctx, secret, "", "203.0.113.9"); !errors.Is(err, auth.ErrRateLimited) {
			t.Errorf("opened without a password after 5 wrong ones: %v, want ErrRateLimited", err)
		}
		clk.Add(16 * time.Minute)
		if p, _, err := svc.OpenShareLink(ctx, secret, "share-password", "203.0.113.9"); err != nil || p.Via != auth.ViaShare {
			t.Fatalf("after the window: %+v, %v", p, err)
		}
		entries, err := st.ListAudit(ctx, 50)
		if err != nil {
			t.Fatal(err)
		}
		counts := map[string]int{}
		for _, e := range entries {
			counts[e.Action]++
		}
		if counts[auth.ActionShareOpenFail] != 5 || counts[auth.ActionShareOpenLimited] != 3 {
			t.Errorf("audit: %d failures, %d limited; want 5 and 3", counts[auth.ActionShareOpenFail], counts[auth.ActionShareOpenLimited])
		}
	})
}
