package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/insights-dev/insights/internal/config"
	"github.com/insights-dev/insights/internal/store"
)

const backupUsage = `Usage: insights backup --to FILE [config flags]

Writes a consistent copy of the SQLite database (INSIGHTS_DB) to FILE, which
must not exist, while Insights keeps running. To restore: stop Insights,
replace the database file with the copy (delete the -wal and -shm files next
to it), start Insights. A PostgreSQL database is backed up with pg_dump.
`

// runBackup runs "insights backup --to FILE".
func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var to string
	var rest []string
	for i := 0; i < len(args); i++ {
		name, val, hasVal := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		if !strings.HasPrefix(args[i], "-") || name != "to" {
			rest = append(rest, args[i])
			continue
		}
		if !hasVal {
			if i+1 >= len(args) {
				return errors.New("backup: --to needs a file name")
			}
			i++
			val = args[i]
		}
		to = val
	}
	if to == "" {
		fmt.Fprint(stderr, backupUsage)
		return errUsage
	}
	cfg, _, err := config.Load(getenv, rest, stderr)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.LogLevel)
	st, err := store.Open(ctx, cfg.DB, log)
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer st.Close()
	if err := st.Backup(ctx, to); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	log.Info("backup written", "to", to)
	fmt.Fprintf(stdout, "backup written to %s\n", to)
	return nil
}
