package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
)

// TestScopeNarrowsEveryRead checks that a read returns only what its scope
// sees, whatever its own filter asks for: one client's scope never returns
// another client's rows, clients or channels; the zero Scope and a scope of
// no clients see nothing; During cuts off the instants outside it.
func TestScopeNarrowsEveryRead(t *testing.T) {
	t.Parallel()
	s := openSeeded(t)
	ctx := context.Background()
	f := store.UsageFilter{Start: day0, End: day0.Add(48 * time.Hour), GroupBy: []usage.GroupField{usage.ByClient}}
	clientsOf := func(rows []usage.Row) map[string]bool {
		out := map[string]bool{}
		for _, r := range rows {
			out[r.Key.Client] = true
		}
		return out
	}
	for name, tt := range map[string]struct {
		sc    store.Scope
		ask   []string
		wants map[string]bool
	}{
		"all clients":           {store.AllClients(), nil, map[string]bool{"c1": true, "c2": true}},
		"one client":            {store.OnlyClients("c1"), nil, map[string]bool{"c1": true}},
		"asks for another":      {store.OnlyClients("c1"), []string{"c2"}, map[string]bool{}},
		"asks for both":         {store.OnlyClients("c1"), []string{"c1", "c2"}, map[string]bool{"c1": true}},
		"no clients":            {store.OnlyClients(), nil, map[string]bool{}},
		"the zero Scope":        {store.Scope{}, nil, map[string]bool{}},
		"ends before the first": {store.AllClients().During(time.Time{}, day0), nil, map[string]bool{}},
	} {
		t.Run(name, func(t *testing.T) {
			q := f
			q.ClientIDs = tt.ask
			rows, err := s.QueryUsage(ctx, tt.sc, q)
			if err != nil {
				t.Fatal(err)
			}
			if got := clientsOf(rows); len(got) != len(tt.wants) || !mapsEqual(got, tt.wants) {
				t.Errorf("usage of clients %v, want %v", got, tt.wants)
			}
			calls, err := s.QueryCalls(ctx, tt.sc, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range calls {
				if !tt.wants[r.Key.Client] {
					t.Errorf("calls of client %q outside the scope", r.Key.Client)
				}
			}
			chs, err := s.ListChannels(ctx, tt.sc, store.ChannelFilter{ClientIDs: tt.ask})
			if err != nil {
				t.Fatal(err)
			}
			for _, ch := range chs {
				if !tt.wants[ch.ClientID] && !tt.sc.All() {
					t.Errorf("channel %s of client %q outside the scope", ch.ID, ch.ClientID)
				}
			}
			cls, err := s.ListClients(ctx, tt.sc)
			if err != nil {
				t.Fatal(err)
			}
			for _, cl := range cls {
				if !tt.sc.Allows(cl.ID) {
					t.Errorf("client %q outside the scope listed", cl.ID)
				}
			}
		})
	}
	if _, err := s.GetClient(ctx, store.OnlyClients("c1"), "c2"); err == nil {
		t.Error("GetClient of another client's id answered")
	}
	if _, err := s.GetChannel(ctx, store.OnlyClients("c1"), "ch3"); err == nil {
		t.Error("GetChannel of another client's channel answered")
	}
	late := store.AllClients().During(day0.Add(24*time.Hour), time.Time{})
	rows, err := s.QueryUsage(ctx, late, store.UsageFilter{Start: day0, End: day0.Add(48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Bucket.Before(day0.Add(24 * time.Hour)) {
			t.Errorf("row at %s before the scope's start", r.Bucket)
		}
	}
	if len(rows) == 0 {
		t.Error("the second day's rows are missing")
	}
}

func openSeeded(t *testing.T) *store.Store {
	t.Helper()
	s := storetest.Open(t)
	seedUsage(t, s)
	return s
}

func mapsEqual(a, b map[string]bool) bool {
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return len(a) == len(b)
}
