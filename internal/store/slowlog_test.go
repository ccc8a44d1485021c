package store

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSlowQueryLogHasNoValues checks the slow-query log shows the SQL with
// placeholders only: bound values may be secrets or client data.
func TestSlowQueryLogHasNoValues(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "x.db"), slog.New(slog.NewTextHandler(&buf, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	s.slow.threshold.Store(0)
	const secret = "s3cret-token-hash-value"
	if err := s.UpsertClients(ctx, []Client{{ID: "c1", Name: secret, UpdatedAt: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "slow query") || !strings.Contains(out, "INSERT") {
		t.Fatalf("expected the insert in the slow-query log:\n%.2000s", out)
	}
	if strings.Contains(out, secret) {
		t.Errorf("a bound value reached the log:\n%.2000s", out)
	}
}

// TestExpectedSlowQueriesAreNotWarnings checks that a slow query under a
// context marked by ExpectSlow is logged at Info with its reason, and one
// without the mark as a warning.
func TestExpectedSlowQueriesAreNotWarnings(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "x.db"), slog.New(slog.NewTextHandler(&buf, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	s.slow.threshold.Store(0)
	buf.Reset()
	if err := s.UpsertClients(ExpectSlow(ctx, "first backfill"), []Client{{ID: "c1", Name: "A", UpdatedAt: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	expected := buf.String()
	if !strings.Contains(expected, "level=INFO") || !strings.Contains(expected, `reason="first backfill"`) || strings.Contains(expected, "level=WARN") {
		t.Errorf("an expected slow query must be logged at Info with its reason:\n%s", expected)
	}
	buf.Reset()
	if err := s.UpsertClients(ctx, []Client{{ID: "c2", Name: "B", UpdatedAt: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); !strings.Contains(out, "level=WARN") || !strings.Contains(out, `msg="slow query"`) {
		t.Errorf("an unexpected slow query must be a warning:\n%s", out)
	}
}
