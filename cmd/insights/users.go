package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/insights-dev/insights/internal/auth"
	"github.com/insights-dev/insights/internal/config"
	"github.com/insights-dev/insights/internal/store"
)

const userUsage = `Usage: insights user add --email E --role admin|member|client [--name N] [--client ID]… [config flags]

Creates a user; the password is read from standard input (its first line).
A client viewer (--role client) needs at least one --client.
`

const tokenUsage = `Usage: insights token create --email E [--name N] [config flags]

Prints a new API token for that user, alone on standard output. Send it as
Authorization: Bearer <token>; it sees what the user sees.
`

// cliFlags takes the named flags (repeatable) out of args and returns them
// with the remaining arguments, which are configuration flags.
func cliFlags(args []string, names ...string) (map[string][]string, []string, error) {
	got := map[string][]string{}
	var rest []string
	for i := 0; i < len(args); i++ {
		name, val, hasVal := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		known := false
		for _, n := range names {
			known = known || n == name
		}
		if !strings.HasPrefix(args[i], "-") || !known {
			rest = append(rest, args[i])
			continue
		}
		if !hasVal {
			if i+1 >= len(args) {
				return nil, nil, fmt.Errorf("--%s needs a value", name)
			}
			i++
			val = args[i]
		}
		got[name] = append(got[name], val)
	}
	return got, rest, nil
}

func first(m map[string][]string, k string) string {
	if v := m[k]; len(v) > 0 {
		return v[len(v)-1]
	}
	return ""
}

// openStore loads the configuration from rest and opens the migrated database.
func openStore(ctx context.Context, rest []string, getenv func(string) string, stderr io.Writer) (*store.Store, *auth.Service, error) {
	cfg, _, err := config.Load(getenv, rest, stderr)
	if err != nil {
		return nil, nil, err
	}
	log := newLogger(stderr, cfg.LogLevel)
	st, err := store.Open(ctx, cfg.DB, log)
	if err != nil {
		return nil, nil, fmt.Errorf("open database: %w", err)
	}
	if err := st.Migrate(ctx); err != nil {
		_ = st.Close()
		return nil, nil, fmt.Errorf("migrate database: %w", err)
	}
	return st, auth.New(auth.Options{Store: st, Logger: log}), nil
}

// runUser runs "insights user add".
func runUser(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		fmt.Fprint(stderr, userUsage)
		return errUsage
	}
	f, rest, err := cliFlags(args[1:], "email", "role", "client", "name")
	if err != nil {
		return fmt.Errorf("user add: %w", err)
	}
	email, roleName := first(f, "email"), first(f, "role")
	if email == "" || roleName == "" {
		fmt.Fprint(stderr, userUsage)
		return errors.New("user add: --email and --role are required")
	}
	role, err := auth.ParseRole(roleName)
	if err != nil {
		return fmt.Errorf("user add: %w", err)
	}
	password, err := readPassword(stdin)
	if err != nil {
		return fmt.Errorf("user add: %w", err)
	}
	st, svc, err := openStore(ctx, rest, getenv, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := svc.CreateUser(ctx, "cli", "", auth.NewUser{Email: email, Name: first(f, "name"), Role: role, Password: password, ClientIDs: f["client"]})
	if err != nil {
		return fmt.Errorf("user add: %w", err)
	}
	scope := "every client"
	if len(u.ClientIDs) > 0 {
		scope = "clients " + strings.Join(u.ClientIDs, ", ")
	}
	fmt.Fprintf(stdout, "created %s (%s, %s)\n", u.Email, role.Label(), scope)
	return nil
}

// readPassword reads the first line of r.
func readPassword(r io.Reader) (string, error) {
	if r == nil {
		return "", errors.New("no password on standard input")
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password on standard input (write it as the first line)")
	}
	return line, nil
}

// runToken runs "insights token create".
func runToken(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprint(stderr, tokenUsage)
		return errUsage
	}
	f, rest, err := cliFlags(args[1:], "email", "name")
	if err != nil {
		return fmt.Errorf("token create: %w", err)
	}
	if first(f, "email") == "" {
		fmt.Fprint(stderr, tokenUsage)
		return errors.New("token create: --email is required")
	}
	st, svc, err := openStore(ctx, rest, getenv, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.GetUserByEmail(ctx, first(f, "email"))
	if err != nil {
		return fmt.Errorf("token create: user %s: %w", first(f, "email"), err)
	}
	name := first(f, "name")
	if name == "" {
		name = "created on the command line"
	}
	secret, _, err := svc.CreateAPIToken(ctx, "cli", "", u.ID, name)
	if err != nil {
		return fmt.Errorf("token create: %w", err)
	}
	fmt.Fprintln(stdout, secret)
	return nil
}
