package store_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
)

var day0 = time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)

// seed creates two clients with three channels: ch1 and ch2 share WABA w1
// of client c1 (EUR), ch3 is in WABA w2 of client c2 (USD).
func seed(t *testing.T, s *store.Store) {
	t.Helper()
	ctx := context.Background()
	err := s.UpsertClients(ctx, []store.Client{
		{ID: "c1", Name: "Acme", Status: "active", Timezone: "Europe/Berlin", Country: "DE"},
		{ID: "c2", Name: "Bolt", Status: "active", Timezone: "Asia/Kolkata", Country: "IN"},
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.UpsertChannels(ctx, []store.Channel{
		{ID: "ch1", ClientID: "c1", WABAID: "w1", WABAExternalID: "x1", Currency: "EUR", Timezone: "Europe/Berlin",
			PhoneNumber: "4915112345678", PhoneName: "Acme DE", Status: "ready", BillingStartedAt: day0.AddDate(0, -2, 0)},
		{ID: "ch2", ClientID: "c1", WABAID: "w1", WABAExternalID: "x1", Currency: "EUR", PhoneNumber: "4915187654321",
			PhoneNumberID: "1055", Status: "ready"},
		{ID: "ch3", ClientID: "c2", WABAID: "w2", WABAExternalID: "x2", Currency: "USD", PhoneNumber: "919876543210",
			Status: "ready"},
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for i := range 2 {
			if err := s.Migrate(ctx); err != nil {
				t.Fatalf("migrate run %d: %v", i+2, err)
			}
		}
		ok, err := s.MigrationsCurrent(ctx)
		if err != nil || !ok {
			t.Fatalf("MigrationsCurrent = %v, %v; want true", ok, err)
		}
		if err := s.Ping(ctx); err != nil {
			t.Fatal(err)
		}
		seed(t, s) // the schema works after repeated migrations
	})
}

func TestMigrationsCurrentBeforeMigrate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", "dir", "fresh.db") // parent directories are created
	s, err := store.Open(ctx, path, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Dialect() != store.DialectSQLite {
		t.Errorf("Dialect = %q", s.Dialect())
	}
	ok, err := s.MigrationsCurrent(ctx)
	if err != nil || ok {
		t.Fatalf("before Migrate: MigrationsCurrent = %v, %v; want false, nil", ok, err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.MigrationsCurrent(ctx); err != nil || !ok {
		t.Fatalf("after Migrate: MigrationsCurrent = %v, %v; want true, nil", ok, err)
	}
}

func TestClientsAndChannels(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seed(t, s)

		clients, err := s.ListClients(ctx, store.AllClients())
		if err != nil {
			t.Fatal(err)
		}
		if len(clients) != 2 || clients[0].ID != "c1" || clients[1].Name != "Bolt" {
			t.Fatalf("ListClients = %+v", clients)
		}
		if clients[0].UpdatedAt.IsZero() || clients[0].UpdatedAt.Location() != time.UTC {
			t.Errorf("UpdatedAt = %v, want a UTC time", clients[0].UpdatedAt)
		}

		// An upsert replaces the fields.
		if err := s.UpsertClients(ctx, []store.Client{{ID: "c1", Name: "Acme GmbH", Timezone: "Europe/Berlin"}}); err != nil {
			t.Fatal(err)
		}
		c, err := s.GetClient(ctx, store.AllClients(), "c1")
		if err != nil || c.Name != "Acme GmbH" || c.Status != "" {
			t.Fatalf("GetClient = %+v, %v", c, err)
		}
		if _, err := s.GetClient(ctx, store.AllClients(), "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetClient(nope) error = %v, want ErrNotFound", err)
		}

		ch, err := s.GetChannel(ctx, store.AllClients(), "ch1")
		if err != nil {
			t.Fatal(err)
		}
		want := store.Channel{ID: "ch1", ClientID: "c1", WABAID: "w1", WABAExternalID: "x1", Currency: "EUR",
			Timezone: "Europe/Berlin", PhoneNumber: "4915112345678", PhoneName: "Acme DE", Status: "ready",
			BillingStartedAt: day0.AddDate(0, -2, 0), UpdatedAt: ch.UpdatedAt}
		if ch != want {
			t.Errorf("GetChannel = %+v\nwant         %+v", ch, want)
		}
		if _, err := s.GetChannel(ctx, store.AllClients(), "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetChannel(nope) error = %v, want ErrNotFound", err)
		}

		// A channel of an unknown client is refused.
		if err := s.UpsertChannels(ctx, []store.Channel{{ID: "ch9", ClientID: "ghost"}}); err == nil {
			t.Error("channel of an unknown client was accepted")
		}

		for _, tc := range []struct {
			filter store.ChannelFilter
			want   []string
		}{
			{store.ChannelFilter{}, []string{"ch1", "ch2", "ch3"}},
			{store.ChannelFilter{ClientIDs: []string{"c1"}}, []string{"ch1", "ch2"}},
			{store.ChannelFilter{WABAIDs: []string{"w2"}}, []string{"ch3"}},
			{store.ChannelFilter{ChannelIDs: []string{"ch2", "ch3"}}, []string{"ch2", "ch3"}},
			{store.ChannelFilter{ClientIDs: []string{"c1"}, ChannelIDs: []string{"ch3"}}, nil},
		} {
			got, err := s.ListChannels(ctx, store.AllClients(), tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			if ids := channelIDs(got); !equalStrings(ids, tc.want) {
				t.Errorf("ListChannels(%+v) = %v, want %v", tc.filter, ids, tc.want)
			}
		}

		for _, tc := range []struct{ in, want string }{
			{"+49 151 1234-5678", "ch1"},
			{"4915187654321", "ch2"},
			{"1055", "ch2"}, // Meta's phone_number_id
			{"919876543210", "ch3"},
		} {
			got, err := s.ChannelByPhone(ctx, tc.in)
			if err != nil || got.ID != tc.want {
				t.Errorf("ChannelByPhone(%q) = %q, %v; want %q", tc.in, got.ID, err, tc.want)
			}
		}
		if _, err := s.ChannelByPhone(ctx, "+1 555 0000"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ChannelByPhone(unknown) error = %v, want ErrNotFound", err)
		}
	})
}

func channelIDs(chs []store.Channel) []string {
	var out []string
	for _, c := range chs {
		out = append(out, c.ID)
	}
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
