package partnerapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// pagingServer serves items under key from /partners/{pid}/{resource},
// at most perPage per answer whatever limit was asked, and records the
// (offset, limit) of every request.
func pagingServer(t *testing.T, resource, key string, items []string, perPage int) (string, func() [][2]int) {
	t.Helper()
	var mu sync.Mutex
	var seen [][2]int
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v2/partners/"+testPartner+"/"+resource {
			writeJSON(w, 404, `{"detail": "no such path `+r.URL.Path+`"}`)
			return
		}
		if r.Header.Get("X-API-Key") != testKey {
			writeJSON(w, 401, `{"detail": "bad key"}`)
			return
		}
		offset, err1 := strconv.Atoi(r.URL.Query().Get("offset"))
		limit, err2 := strconv.Atoi(r.URL.Query().Get("limit"))
		if err1 != nil || err2 != nil {
			writeJSON(w, 400, `{"detail": "offset and limit required"}`)
			return
		}
		mu.Lock()
		seen = append(seen, [2]int{offset, limit})
		mu.Unlock()
		end := min(offset+min(limit, perPage), len(items))
		pageItems := items[min(offset, len(items)):end]
		writeJSON(w, 200, fmt.Sprintf(`{"count": %d, "total": %d, "limit": %d, "offset": %d, "filters": {}, "sort": ["id"], %q: [%s]}`,
			len(pageItems), len(items), limit, offset, key, strings.Join(pageItems, ",")))
	})
	return srv.URL, func() [][2]int { mu.Lock(); defer mu.Unlock(); return append([][2]int(nil), seen...) }
}

func TestListClientsPaging(t *testing.T) {
	var items []string
	for i := 1; i <= 5; i++ {
		items = append(items, fmt.Sprintf(`{"id": "cl%d", "name": "Client %d", "status": "active", "organisation": "Org %d",
			"meta_info": {"timezone": "Europe/Berlin", "business_vertical": "retail"},
			"contact_info": {"country": "DE", "email": "x@example.com"}, "created_at": "2024-01-01T00:00:00Z"}`, i, i, i))
	}
	base, seen := pagingServer(t, "clients", "clients", items, 2)
	c := newClient(t, base, func(c *Config) { c.PageSize = 50 })
	got, err := c.ListClients(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Fatalf("got %d clients, want 5: %+v", len(got), got)
	}
	for i, ci := range got {
		want := ClientInfo{ID: fmt.Sprintf("cl%d", i+1), Name: fmt.Sprintf("Client %d", i+1), Status: "active",
			Organisation: fmt.Sprintf("Org %d", i+1), Timezone: "Europe/Berlin", Country: "DE"}
		if ci != want {
			t.Errorf("client %d = %+v, want %+v", i, ci, want)
		}
	}
	if want := [][2]int{{0, 50}, {2, 50}, {4, 50}}; fmt.Sprint(seen()) != fmt.Sprint(want) {
		t.Errorf("requests (offset, limit) = %v, want %v", seen(), want)
	}
}

func TestListChannelsPaging(t *testing.T) {
	items := []string{
		`{"id": "ch1", "client_id": "cl1", "status": "ready", "waba_account": {"id": "w1", "external_id": "1029384756", "currency": "usd", "timezone_id": "1"},
		  "setup_info": {"phone_number": "+4915112345678", "phone_name": "Shop"}, "billing_started_at": "2025-03-01T10:00:00Z", "extra": [1, 2]}`,
		`{"id": "ch2", "client_id": "cl1", "status": "ready", "waba_account": {"id": "w1", "external_id": 1029384756, "currency": "USD", "timezone_id": 1},
		  "setup_info": {"phone_number": "+4915112345679", "phone_name": "Support"}, "billing_started_at": 1740823200}`,
		`{"id": "ch3", "client_id": "cl2", "status": "pending", "waba_account": null, "billing_started_at": null}`,
	}
	base, seen := pagingServer(t, "channels", "partner_channels", items, 1)
	c := newClient(t, base)
	got, err := c.ListChannels(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []Channel{
		{ID: "ch1", ClientID: "cl1", Status: "ready", WABAID: "w1", WABAExternalID: "1029384756", Currency: "USD", Timezone: "1",
			PhoneNumber: "+4915112345678", PhoneName: "Shop", BillingStartedAt: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)},
		{ID: "ch2", ClientID: "cl1", Status: "ready", WABAID: "w1", WABAExternalID: "1029384756", Currency: "USD", Timezone: "1",
			PhoneNumber: "+4915112345679", PhoneName: "Support", BillingStartedAt: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)},
		{ID: "ch3", ClientID: "cl2", Status: "pending"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d channels: %+v", len(got), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("channel %d =\n %+v, want\n %+v", i, got[i], want[i])
		}
		if got[i].BillingStartedAt.Location() != time.UTC {
			t.Errorf("channel %d billing time not UTC", i)
		}
	}
	if len(seen()) != 3 {
		t.Errorf("requests = %v, want 3 pages", seen())
	}
}

func TestListEdgeCases(t *testing.T) {
	tests := []struct {
		name    string
		pages   []string // answer i is served to request i
		want    []string // channel ids
		wantErr string
		field   string // DecodeError field, when decodeErr
		decode  bool   // a *DecodeError is expected
	}{
		{name: "empty list", pages: []string{`{"count": 0, "total": 0, "partner_channels": []}`}},
		{name: "absent list", pages: []string{`{"total": 0}`}},
		{name: "no total, short page ends", pages: []string{
			`{"partner_channels": [{"id": "a", "client_id": "c"}, {"id": "b", "client_id": "c"}]}`,
			`{"partner_channels": [{"id": "c", "client_id": "c"}]}`,
		}, want: []string{"a", "b", "c"}},
		{name: "duplicate across pages kept once", pages: []string{
			`{"count": 2, "total": 3, "partner_channels": [{"id": "a", "client_id": "c"}, {"id": "b", "client_id": "c"}]}`,
			`{"count": 1, "total": 3, "partner_channels": [{"id": "b", "client_id": "c"}]}`,
		}, want: []string{"a", "b"}},
		{name: "stalled paging", pages: []string{
			`{"count": 1, "total": 5, "partner_channels": [{"id": "a", "client_id": "c"}]}`,
			`{"count": 0, "total": 5, "partner_channels": []}`,
		}, wantErr: "empty but total is 5"},
		{name: "count disagrees", pages: []string{`{"count": 3, "total": 3, "partner_channels": [{"id": "a", "client_id": "c"}]}`},
			field: "count", decode: true},
		{name: "missing id", pages: []string{`{"count": 2, "total": 2, "partner_channels": [{"id": "a", "client_id": "c"}, {"client_id": "c"}]}`},
			field: "partner_channels[1].id", decode: true},
		{name: "missing client id", pages: []string{`{"partner_channels": [{"id": "a", "client_id": ""}]}`},
			field: "partner_channels[0].client_id", decode: true},
		{name: "list not an array", pages: []string{`{"partner_channels": {"id": "a"}}`}, field: "partner_channels", decode: true},
		{name: "item not an object", pages: []string{`{"partner_channels": ["a"]}`}, field: "partner_channels[0]", decode: true},
		{name: "bad currency", pages: []string{`{"partner_channels": [{"id": "a", "client_id": "c", "waba_account": {"currency": "dollars"}}]}`},
			field: "partner_channels[0].waba_account.currency", decode: true},
		{name: "bad billing time", pages: []string{`{"partner_channels": [{"id": "a", "client_id": "c", "billing_started_at": "last tuesday"}]}`},
			field: "partner_channels[0].billing_started_at", decode: true},
		{name: "waba not an object", pages: []string{`{"partner_channels": [{"id": "a", "client_id": "c", "waba_account": "w1"}]}`},
			field: "partner_channels[0].waba_account", decode: true},
		{name: "total not a number", pages: []string{`{"total": "many", "partner_channels": []}`}, field: "total", decode: true},
		{name: "invalid JSON", pages: []string{`{"partner_channels": [`}, field: "", decode: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			n := 0
			srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				i := n
				n++
				mu.Unlock()
				if i >= len(tt.pages) {
					writeJSON(w, 500, `{"detail": "too many pages asked"}`)
					return
				}
				writeJSON(w, 200, tt.pages[i])
			})
			c := newClient(t, srv.URL, func(c *Config) { c.PageSize = 2; c.MaxRetries = -1 })
			got, err := c.ListChannels(context.Background())
			if tt.wantErr == "" && !tt.decode {
				if err != nil {
					t.Fatal(err)
				}
				var ids []string
				for _, ch := range got {
					ids = append(ids, ch.ID)
				}
				if fmt.Sprint(ids) != fmt.Sprint(tt.want) {
					t.Errorf("ids = %v, want %v", ids, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error; got %+v", got)
			}
			if tt.wantErr != "" {
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("err = %v, want it to mention %q", err, tt.wantErr)
				}
				return
			}
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("want *DecodeError, got %T: %v", err, err)
			}
			if de.Field != tt.field {
				t.Errorf("Field = %q, want %q (%v)", de.Field, tt.field, err)
			}
			if tt.field != "" && !strings.Contains(err.Error(), tt.field) {
				t.Errorf("message %q does not name %q", err, tt.field)
			}
		})
	}
}

func TestListClientsUnauthorized(t *testing.T) {
	base, _ := pagingServer(t, "clients", "clients", nil, 2)
	c := newClient(t, base, func(c *Config) { c.APIKey = "wrong" })
	_, err := c.ListClients(context.Background())
	if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "bad key") {
		t.Fatalf("err = %v", err)
	}
}
