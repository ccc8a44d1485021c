package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
)

// TestBackupAndRestore backs a database up with the command, restores it as
// documented (the copy replaces the database file) and checks the binary's
// migrate command and the store read it.
func TestBackupAndRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "insights.db")
	st, err := store.Open(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.UpsertClients(ctx, []store.Client{{ID: "c1", Name: "Nordlicht"}}); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"INSIGHTS_DB": db}
	getenv := func(k string) string { return env[k] }
	backup := filepath.Join(dir, "backups", "2026-11-25.db")
	if err := os.MkdirAll(filepath.Dir(backup), 0o750); err != nil {
		t.Fatal(err)
	}

	var out bytes.Buffer
	if err := run(ctx, []string{"backup", "--to", backup}, getenv, strings.NewReader(""), &out, io.Discard); err != nil {
		t.Fatalf("backup: %v", err)
	}
	if !strings.Contains(out.String(), backup) {
		t.Errorf("backup output %q does not name the file", out.String())
	}
	// A later change is not in the backup.
	if err := st.UpsertClients(ctx, []store.Client{{ID: "c2", Name: "Later"}}); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"backup", "--to=" + backup}, getenv, strings.NewReader(""), io.Discard, io.Discard); err == nil {
		t.Error("a second backup over the same file succeeded")
	}
	if err := run(ctx, []string{"backup"}, getenv, strings.NewReader(""), io.Discard, io.Discard); !errors.Is(err, errUsage) {
		t.Errorf("backup without --to: %v, want the usage", err)
	}

	// Restore: replace the database file with the copy, then start.
	for _, f := range []string{db, db + "-wal", db + "-shm"} {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(db, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"migrate"}, getenv, strings.NewReader(""), io.Discard, io.Discard); err != nil {
		t.Fatalf("migrate on the restored database: %v", err)
	}
	restored, err := store.Open(ctx, db, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	clients, err := restored.ListClients(ctx, store.AllClients())
	if err != nil || len(clients) != 1 || clients[0].ID != "c1" || clients[0].Name != "Nordlicht" {
		t.Errorf("restored clients = %+v, %v; want just c1 Nordlicht", clients, err)
	}
}

// TestBackupPostgres explains that pg_dump is the tool.
func TestBackupPostgres(t *testing.T) {
	dsn := os.Getenv(storetest.PostgresEnv)
	if dsn == "" {
		t.Skipf("%s is not set", storetest.PostgresEnv)
	}
	getenv := func(k string) string {
		if k == "INSIGHTS_DB" {
			return dsn
		}
		return ""
	}
	err := run(context.Background(), []string{"backup", "--to", filepath.Join(t.TempDir(), "x.db")}, getenv,
		strings.NewReader(""), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "pg_dump") {
		t.Errorf("backup on PostgreSQL: %v, want an error naming pg_dump", err)
	}
}
