package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/insights-dev/insights/internal/store"
)

func TestBudgetSet(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "insights.db")
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
	if err := st.UpsertChannels(ctx, []store.Channel{{ID: "ch1", ClientID: "c1", Currency: "eur"}}); err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string {
		if k == "INSIGHTS_DB" {
			return db
		}
		return ""
	}
	budget := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, append([]string{"budget", "set"}, args...), getenv, strings.NewReader(""), &out, io.Discard)
		return out.String(), err
	}

	out, err := budget("--client", "c1", "--amount", "250.50")
	if err != nil || !strings.Contains(out, "250.50 EUR") {
		t.Fatalf("set: %q, %v", out, err)
	}
	b, err := st.GetBudget(ctx, store.AllClients(), "c1")
	if err != nil || b.AmountNanos != 250_500_000_000 || b.Currency != "EUR" {
		t.Fatalf("stored budget = %+v, %v", b, err)
	}
	if _, err := budget("--client=c1", "--amount=-3"); err == nil {
		t.Error("negative amount accepted")
	}
	for _, bad := range []string{"0x10", "1_000", "1e5"} {
		if _, err := budget("--client=c1", "--amount="+bad); err == nil {
			t.Errorf("amount %q accepted", bad)
		}
	}
	if _, err := budget("--client", "nobody", "--amount", "3"); err == nil {
		t.Error("unknown client accepted")
	}
	if _, err := budget("--amount", "3"); err == nil {
		t.Error("missing --client accepted")
	}
	if out, err := budget("--client", "c1", "--amount", "0"); err != nil || !strings.Contains(out, "removed") {
		t.Fatalf("remove: %q, %v", out, err)
	}
	if _, err := st.GetBudget(ctx, store.AllClients(), "c1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after --amount 0: %v, want ErrNotFound", err)
	}
}
