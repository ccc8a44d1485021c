package pages

import "github.com/insights-dev/insights/templates/layout"

// Access-control pages: sign-in, first run, share-link password, users,
// share links and API tokens. Secrets appear on a page only once, right
// after they were created (NewSecret fields), never in lists.

// LoginView is the sign-in page.
type LoginView struct {
	Meta  layout.PageMeta
	CSRF  string
	Next  string // where to go after signing in
	Email string
	Error string
}

// SetupView is the first-run page that creates the first admin.
type SetupView struct {
	Meta  layout.PageMeta
	CSRF  string
	Email string
	Name  string
	Error string
}

// SharePasswordView asks for a share link's password.
type SharePasswordView struct {
	Meta   layout.PageMeta
	CSRF   string
	Action string
	// Token is the share link's own secret, sent back with the password
	// (the visitor has it in the link already).
	Token string
	Error string
}

// UsersView is the admins' users page.
type UsersView struct {
	Meta  layout.PageMeta
	CSRF  string
	Users []UserRow
	Roles []Option // for the create form
	Error string
	// Changed confirms the user just added or saved; zero for none.
	Changed UserChange
	Audit   []AuditRow
}

// UserChange is a change made on the users page: the user's email, and
// whether it was added (else saved).
type UserChange struct {
	Email string
	Added bool
}

// UserRow is one user with its edit form.
type UserRow struct {
	ID        string
	Email     string
	Name      string
	RoleLabel string
	Clients   string // comma-separated client ids
	Disabled  bool
	Self      bool
	Action    string // the edit form's URL
	Roles     []Option
}

// AuditRow is one audit-log entry.
type AuditRow struct {
	At, Actor, Action, Target, Detail, Address string
}

// ShareLinksView is the admins' share-links page.
type ShareLinksView struct {
	Meta    layout.PageMeta
	CSRF    string
	Links   []ShareRow
	Clients []Option
	Expiry  string // default expiry date (YYYY-MM-DD)
	Error   string
	// NewURL is the link just created, shown once.
	NewURL string
}

// ShareRow is one share link.
type ShareRow struct {
	ID       string
	Client   string
	Label    string
	Range    string // the dates the link shows ("2026-03-01 – 2026-03-14"); "" for all
	Expires  string
	Password bool
	Status   string // "active", "expired" or "revoked"
	Active   bool
	Revoke   string // the revoke form's URL
}

// TokensView is a user's own API tokens.
type TokensView struct {
	Meta   layout.PageMeta
	CSRF   string
	Tokens []TokenRow
	Error  string
	// NewToken is the token just created, shown once.
	NewToken string
}

// TokenRow is one API token (never its secret).
type TokenRow struct {
	ID       string
	Name     string
	Hint     string
	Created  string
	LastUsed string // "" when never used
	Status   string // "active" or "revoked"
	Active   bool
	Revoke   string
}

// userChanged confirms a change of the users page.
func userChanged(c UserChange) string {
	switch {
	case c.Email == "":
		return ""
	case c.Added:
		return "Added " + c.Email + "."
	}
	return "Saved " + c.Email + "."
}

// statusLabel words the state of a share link or token.
func statusLabel(status string) string {
	switch status {
	case "active":
		return "active"
	case "expired":
		return "expired"
	case "revoked":
		return "revoked"
	}
	return status
}

func orText(s, none string) string {
	if s == "" {
		return none
	}
	return s
}
