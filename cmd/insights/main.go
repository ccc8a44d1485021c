// Command insights is the Insights dashboard for 360dialog partners: one
// binary that serves the web pages, the JSON API and the webhook receiver,
// and polls the Partner API in the background.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "insights:", err)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

const usageText = `Usage: insights [command] [flags]

Commands:
  serve       web pages, JSON API, webhooks and the poller (default)
  demo        serve on the built-in simulated Partner API
  poll --once one poll pass, then exit (non-zero if any channel failed)
  migrate     apply database migrations and exit
  simulate    serve the simulated Partner API alone (--addr HOST:PORT)
  budget set --client ID --amount DECIMAL
              set a client's monthly budget (--amount 0 removes it)
  backup --to FILE
              copy the SQLite database to FILE while running (PostgreSQL: pg_dump)
  user add --email E --role admin|member|client [--client ID]…
              create a user; the password is read from standard input
  token create --email E
              print a new API token for that user
  check [--out FILE]
              call each Partner API endpoint once and check the answers' shape;
              saves a redacted sample for support (non-zero on any mismatch)
  version     print version and build info

Configuration comes from INSIGHTS_* environment variables; a flag of the same
name in kebab case overrides one (run "insights serve --help" to list them).
`

// run parses the command line and runs one subcommand until ctx is done.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "version":
		fmt.Fprintln(stdout, versionString())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usageText)
		return nil
	case "simulate":
		return runSimulate(ctx, args, stderr)
	case "user":
		return runUser(ctx, args, getenv, stdin, stdout, stderr)
	case "token":
		return runToken(ctx, args, getenv, stdout, stderr)
	case "budget":
		return runBudget(ctx, args, getenv, stdout, stderr)
	case "backup":
		return runBackup(ctx, args, getenv, stdout, stderr)
	case "check":
		return runCheck(ctx, args, getenv, stdout, stderr, time.Now())
	case "serve", "demo", "poll", "migrate":
		return runWithConfig(ctx, cmd, args, getenv, stdout, stderr)
	}
	fmt.Fprintf(stderr, "insights: unknown command %q\n\n%s", cmd, usageText)
	return errUsage
}

func versionString() string {
	s := "insights " + version
	if bi, ok := debug.ReadBuildInfo(); ok {
		s += " (" + bi.GoVersion
		for _, kv := range bi.Settings {
			if kv.Key == "vcs.revision" && len(kv.Value) >= 12 {
				s += ", commit " + kv.Value[:12]
			}
		}
		s += ")"
	}
	return s
}
