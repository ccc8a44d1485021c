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
	old := slowQuery
	slowQuery = 0
	t.Cleanup(func() { slowQuery = old })
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
