package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
	"github.com/insights-dev/insights/internal/webhook"
)

func tierEvent(waba, tier string, at time.Time) store.AccountEvent {
	return store.AccountEvent{WABAID: waba, Event: webhook.EventTierUpdate, OccurredAt: at,
		PricingCategory: usage.CategoryUtility, Tier: tier, EffectiveMonth: "2026-11", Region: "India",
		Detail: `{"tier":"` + tier + `"}`}
}

func TestAccountEventsRoundTrip(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		seed(t, s)
		ctx := context.Background()
		t0 := time.Date(2026, 11, 12, 8, 0, 0, 0, time.UTC)
		later, earlier := tierEvent("x2", "750001:2000000", t0), tierEvent("x2", "750001:2000000", t0.Add(-time.Hour))
		other := store.AccountEvent{WABAID: "x1", Event: "ACCOUNT_VIOLATION", OccurredAt: t0, Detail: `{"event":"ACCOUNT_VIOLATION"}`}
		unknown := tierEvent("x9", "0:750000", t0) // a WABA no channel belongs to yet
		n, err := s.SaveAccountEvents(ctx, []store.AccountEvent{later, other, unknown})
		if err != nil || n != 3 {
			t.Fatalf("first save = %d, %v; want 3 new", n, err)
		}
		// Meta repeats the update with an earlier time, then a later one again.
		n, err = s.SaveAccountEvents(ctx, []store.AccountEvent{earlier, later, other})
		if err != nil || n != 0 {
			t.Fatalf("duplicates = %d, %v; want 0 new", n, err)
		}

		tiers, err := s.ListAccountEvents(ctx, store.AllClients(), store.AccountEventFilter{
			Events: []string{webhook.EventTierUpdate}, EffectiveMonth: "2026-11"})
		if err != nil {
			t.Fatal(err)
		}
		if len(tiers) != 2 {
			t.Fatalf("tier updates = %+v, want the two distinct ones", tiers)
		}
		got := tiers[0] // the earlier of the two
		if got.WABAID != "x2" || got.ClientID != "c2" || !got.OccurredAt.Equal(earlier.OccurredAt) ||
			got.Tier != "750001:2000000" || got.PricingCategory != usage.CategoryUtility || got.Region != "India" ||
			got.EffectiveMonth != "2026-11" || got.Detail != earlier.Detail || got.ID == 0 {
			t.Errorf("kept %+v, want the update of x2 for c2 at its earliest time %s", got, earlier.OccurredAt)
		}
		if tiers[1].WABAID != "x9" || tiers[1].ClientID != "" {
			t.Errorf("second = %+v, want x9 without a client", tiers[1])
		}

		// A client's scope sees its WABAs' events only.
		for _, tc := range []struct {
			sc   store.Scope
			want []string // events, in order
		}{
			{store.OnlyClients("c1"), []string{"ACCOUNT_VIOLATION"}},
			{store.OnlyClients("c2"), []string{webhook.EventTierUpdate}},
			{store.OnlyClients("c2").During(t0, t0.Add(time.Hour)), nil}, // the kept time is before t0
			{store.OnlyClients(), nil},
		} {
			evs, err := s.ListAccountEvents(ctx, tc.sc, store.AccountEventFilter{})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range evs {
				names = append(names, e.Event)
			}
			if len(names) != len(tc.want) || (len(names) > 0 && names[0] != tc.want[0]) {
				t.Errorf("scope %+v sees %v, want %v", tc.sc, names, tc.want)
			}
		}
	})
}

func TestTierVolumes(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		seed(t, s)
		ctx := context.Background()
		pt := func(slot int, cat usage.Category, pt usage.PricingType, tier string, volume int64) usage.Point {
			p := hh("ch3", slot, cat, volume, 0)
			p.PricingType, p.Tier, p.Country, p.Currency = pt, tier, "IN", "USD"
			return p
		}
		w := window("ch3", 0, 8,
			pt(0, usage.CategoryUtility, usage.PricingRegular, "0:750000", 400),
			pt(1, usage.CategoryUtility, usage.PricingRegular, "0:750000", 300),
			pt(2, usage.CategoryUtility, usage.PricingRegular, "750001:2000000", 50),
			pt(2, usage.CategoryUtility, usage.PricingFreeCustomerService, "", 999), // free: not counted
			pt(3, usage.CategoryMarketing, usage.PricingRegular, "0:MAX", 20))
		if err := s.SaveUsageWindow(ctx, w); err != nil {
			t.Fatal(err)
		}
		got, err := s.TierVolumes(ctx, store.AllClients(), "c2", day0, day0.AddDate(0, 0, 1))
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int64{"UTILITY 0:750000": 700, "UTILITY 750001:2000000": 50, "MARKETING 0:MAX": 20}
		if len(got) != len(want) {
			t.Fatalf("TierVolumes = %+v, want %v", got, want)
		}
		for _, v := range got {
			if k := string(v.Category) + " " + v.Tier; v.Volume != want[k] || v.WABAID != "w2" || v.Country != "IN" {
				t.Errorf("%s: %+v, want volume %d in w2, IN", k, v, want[k])
			}
		}
		if other, err := s.TierVolumes(ctx, store.OnlyClients("c1"), "c2", day0, day0.AddDate(0, 0, 1)); err != nil || len(other) != 0 {
			t.Errorf("another client's scope reads %+v, %v; want nothing", other, err)
		}
	})
}
