package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
)

func seedClient(t *testing.T, s *store.Store, id string) {
	t.Helper()
	if err := s.UpsertClients(context.Background(), []store.Client{{ID: id, Name: "Client " + id, Timezone: "Europe/Berlin"}}); err != nil {
		t.Fatal(err)
	}
}

func TestBudgets(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seedClient(t, s, "c1")
		if _, err := s.GetBudget(ctx, store.AllClients(), "c1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("no budget yet: err = %v, want ErrNotFound", err)
		}
		if err := s.SetBudget(ctx, store.Budget{ClientID: "c1", Currency: "EUR", AmountNanos: 500_000_000_000}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetBudget(ctx, store.Budget{ClientID: "c1", Currency: "EUR", AmountNanos: 750_500_000_000}); err != nil {
			t.Fatal(err)
		}
		b, err := s.GetBudget(ctx, store.AllClients(), "c1")
		if err != nil || b.AmountNanos != 750_500_000_000 || b.Currency != "EUR" {
			t.Fatalf("budget = %+v, %v; want 750.5 EUR", b, err)
		}
		if err := s.SetBudget(ctx, store.Budget{ClientID: "nobody", Currency: "EUR", AmountNanos: 1}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("budget of an unknown client: err = %v, want ErrNotFound", err)
		}
		if err := s.SetBudget(ctx, store.Budget{ClientID: "c1", AmountNanos: -1}); err == nil {
			t.Error("negative budget accepted")
		}
		all, err := s.ListBudgets(ctx)
		if err != nil || len(all) != 1 {
			t.Fatalf("ListBudgets = %v, %v", all, err)
		}
		if err := s.SetBudget(ctx, store.Budget{ClientID: "c1"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetBudget(ctx, store.AllClients(), "c1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("after amount 0: err = %v, want ErrNotFound", err)
		}
	})
}

func TestAlertsDedupAndDeliveries(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
		transports := []string{"email", "webhook"}
		a, fired, err := s.FireAlert(ctx, store.Alert{Kind: "low_runway", ClientID: "c1", Message: "3 days left", FiredAt: t0}, transports)
		if err != nil || !fired || a.ID == 0 || a.State != store.AlertFiring {
			t.Fatalf("first fire = %+v, %v, %v", a, fired, err)
		}
		b, fired, err := s.FireAlert(ctx, store.Alert{Kind: "low_runway", ClientID: "c1", Message: "2 days left", FiredAt: t0.Add(time.Hour)}, transports)
		if err != nil || fired || b.ID != a.ID || b.Message != "2 days left" || !b.FiredAt.Equal(t0) {
			t.Fatalf("second fire = %+v, %v, %v; want the same open alert, message updated", b, fired, err)
		}
		if _, fired, _ := s.FireAlert(ctx, store.Alert{Kind: "low_runway", ClientID: "c2", Message: "x", FiredAt: t0}, nil); !fired {
			t.Error("another client's alert did not fire")
		}

		// Two claimers: each delivery goes to exactly one of them.
		c1, err := s.ClaimDeliveries(ctx, t0, time.Minute, 10)
		if err != nil || len(c1) != 2 {
			t.Fatalf("claim = %d, %v; want 2", len(c1), err)
		}
		if c2, err := s.ClaimDeliveries(ctx, t0, time.Minute, 10); err != nil || len(c2) != 0 {
			t.Fatalf("second claim = %d, %v; want 0 while leased", len(c2), err)
		}
		if err := s.CompleteDelivery(ctx, c1[0], t0); err != nil {
			t.Fatal(err)
		}
		if err := s.FailDelivery(ctx, c1[1], "boom", t0.Add(30*time.Second)); err != nil {
			t.Fatal(err)
		}
		if c, _ := s.ClaimDeliveries(ctx, t0.Add(10*time.Second), time.Minute, 10); len(c) != 0 {
			t.Errorf("retry before its time: %d claimed", len(c))
		}
		c3, err := s.ClaimDeliveries(ctx, t0.Add(31*time.Second), time.Minute, 10)
		if err != nil || len(c3) != 1 || c3[0].Attempts != 2 || c3[0].LastError != "boom" {
			t.Fatalf("retry claim = %+v, %v", c3, err)
		}
		if err := s.FailDelivery(ctx, c3[0], "boom again", time.Time{}); err != nil {
			t.Fatal(err)
		}
		counts, err := s.DeliveryCounts(ctx)
		if err != nil || counts[store.DeliverySent] != 1 || counts[store.DeliveryFailed] != 1 {
			t.Errorf("counts = %v, %v", counts, err)
		}

		r, ok, err := s.ResolveAlert(ctx, "low_runway", "c1", "", t0.Add(2*time.Hour), transports)
		if err != nil || !ok || r.State != store.AlertResolved || !r.ResolvedAt.Equal(t0.Add(2*time.Hour)) {
			t.Fatalf("resolve = %+v, %v, %v", r, ok, err)
		}
		if _, ok, _ := s.ResolveAlert(ctx, "low_runway", "c1", "", t0.Add(3*time.Hour), transports); ok {
			t.Error("resolved twice")
		}
		c4, _ := s.ClaimDeliveries(ctx, t0.Add(2*time.Hour), time.Minute, 10)
		if len(c4) != 2 || c4[0].Event != store.AlertResolved {
			t.Errorf("resolved deliveries = %+v", c4)
		}
		// A new episode after resolution.
		n, fired, err := s.FireAlert(ctx, store.Alert{Kind: "low_runway", ClientID: "c1", Message: "again", FiredAt: t0.Add(5 * time.Hour)}, nil)
		if err != nil || !fired || n.ID == a.ID {
			t.Errorf("new episode = %+v, %v, %v", n, fired, err)
		}
		list, err := s.ListAlerts(ctx, store.AllClients(), store.AlertFilter{ClientIDs: []string{"c1"}})
		if err != nil || len(list) != 2 || list[0].State != store.AlertFiring || list[1].State != store.AlertResolved {
			t.Errorf("list = %+v, %v", list, err)
		}
	})
}

func TestClientPrices(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seedClient(t, s, "c1")
		markup, price := int64(1500), int64(90_000_000)
		if err := s.SetClientPrice(ctx, store.ClientPrice{ClientID: "c1", MarkupBasisPoints: &markup}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetClientPrice(ctx, store.ClientPrice{ClientID: "c1", Category: usage.CategoryMarketing, PriceNanos: &price}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetClientPrice(ctx, store.ClientPrice{ClientID: "c1", MarkupBasisPoints: &markup, PriceNanos: &price}); err == nil {
			t.Error("both markup and price accepted")
		}
		ps, err := s.ClientPrices(ctx, store.AllClients(), "c1")
		if err != nil || len(ps) != 2 || *ps[0].MarkupBasisPoints != 1500 || *ps[1].PriceNanos != price {
			t.Fatalf("prices = %+v, %v", ps, err)
		}
		if err := s.SetClientPrice(ctx, store.ClientPrice{ClientID: "c1", Category: usage.CategoryMarketing}); err != nil {
			t.Fatal(err)
		}
		if ps, _ := s.ClientPrices(ctx, store.AllClients(), "c1"); len(ps) != 1 {
			t.Errorf("after removal: %+v", ps)
		}
	})
}
