package ingest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
	"github.com/insights-dev/insights/internal/webhook"
)

const (
	testPhone   = "4915112345678"
	testPhoneID = "1055"
)

var testDay = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

// openSeeded returns a store with client c1 and its channel ch1.
func openSeeded(t *testing.T) *store.Store {
	t.Helper()
	st := storetest.Open(t)
	ctx := context.Background()
	if err := st.UpsertClients(ctx, []store.Client{{ID: "c1", Name: "Acme", Timezone: "Europe/Berlin"}}); err != nil {
		t.Fatal(err)
	}
	addChannel(t, st, "ch1", "+"+testPhone, testPhoneID)
	return st
}

func addChannel(t *testing.T, st *store.Store, id, phone, phoneID string) {
	t.Helper()
	if err := st.UpsertChannels(context.Background(), []store.Channel{{ID: id, ClientID: "c1", WABAID: "w1",
		Currency: "EUR", PhoneNumber: phone, PhoneNumberID: phoneID, Status: "ready"}}); err != nil {
		t.Fatal(err)
	}
}

// delivered is a batch of one delivered utility status sent from phoneID.
func delivered(id, phoneID string) webhook.Batch {
	return webhook.Batch{Statuses: []webhook.MessageStatus{{MessageID: id, Status: webhook.StatusDelivered,
		Timestamp: testDay, RecipientID: "4917000000", PhoneNumberID: phoneID, HasPricing: true,
		Category: usage.CategoryUtility, PricingType: usage.PricingRegular}}}
}

// ingestAll ingests the batches concurrently and returns their results in
// order; it may run outside the test's goroutine, so it reports with Error.
func ingestAll(t *testing.T, p *Pipeline, batches ...webhook.Batch) []Result {
	t.Helper()
	out := make([]Result, len(batches))
	errs := make([]error, len(batches))
	var wg sync.WaitGroup
	for i, b := range batches {
		wg.Go(func() { out[i], errs[i] = p.Ingest(context.Background(), "", b) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Error(err)
	}
	return out
}

func TestIngestCommitsConcurrentDeliveriesInOneGroup(t *testing.T) {
	st := openSeeded(t)
	// Two batches fill the group: the commit starts as soon as both are queued.
	p := New(st, Options{MaxBatches: 2, MaxWait: time.Minute})
	t.Cleanup(func() { _ = p.Close(context.Background()) })
	res := ingestAll(t, p, delivered("wamid.a", testPhoneID), delivered("wamid.b", testPhoneID))
	for i, r := range res {
		if r != (Result{Stored: 1}) {
			t.Errorf("delivery %d: %+v, want one stored", i, r)
		}
	}
	if s := p.Stats(); s != (Stats{Deliveries: 2, Stored: 2, Commits: 1}) {
		t.Errorf("stats = %+v, want two deliveries stored in one commit", s)
	}
	if n, err := st.WebhookEventCount(context.Background()); err != nil || n != 2 {
		t.Errorf("stored events = %d, %v", n, err)
	}
	for i, r := range ingestAll(t, p, delivered("wamid.a", testPhoneID), delivered("wamid.b", testPhoneID)) {
		if r != (Result{Duplicates: 1}) {
			t.Errorf("repeat %d: %+v, want a duplicate", i, r)
		}
	}
}

func TestIngestKeepsUnknownChannelPending(t *testing.T) {
	st := openSeeded(t)
	var discoveries int
	p := New(st, Options{MaxWait: time.Millisecond, RequestDiscovery: func() { discoveries++ }})
	t.Cleanup(func() { _ = p.Close(context.Background()) })
	ctx := context.Background()
	if r := ingestAll(t, p, delivered("wamid.u1", "2077"))[0]; r != (Result{Pending: 1}) {
		t.Errorf("unknown channel: %+v, want one pending", r)
	}
	if r, err := p.Ingest(ctx, "ch-new", delivered("wamid.u2", testPhoneID)); err != nil || r != (Result{Pending: 1}) {
		t.Errorf("unknown URL channel: %+v, %v, want one pending (the URL's channel decides)", r, err)
	}
	if discoveries != 2 {
		t.Errorf("discovery requested %d times, want once per delivery naming an unknown channel", discoveries)
	}
	// The channel appears; its number is remembered as unknown for a while...
	addChannel(t, st, "ch2", "+4915199999999", "2077")
	if r := ingestAll(t, p, delivered("wamid.u3", "2077"))[0]; r != (Result{Pending: 1}) {
		t.Errorf("within the unknown memory: %+v, want pending", r)
	}
	// ...and found once that memory has expired.
	p.channels.mu.Lock()
	for k, e := range p.channels.entries {
		e.expires = time.Now().Add(-time.Second)
		p.channels.entries[k] = e
	}
	p.channels.mu.Unlock()
	if r := ingestAll(t, p, delivered("wamid.u4", "2077"))[0]; r != (Result{Stored: 1}) {
		t.Errorf("after the unknown memory: %+v, want stored", r)
	}
	if n, err := st.PendingWebhookCount(ctx); err != nil || n != 3 {
		t.Errorf("pending events = %d, %v, want 3", n, err)
	}
	if s := p.Stats(); s.Pending != 3 || s.Stored != 1 {
		t.Errorf("stats = %+v", s)
	}
}

func TestCloseFlushesQueuedDeliveries(t *testing.T) {
	st := openSeeded(t)
	// The writer would gather for an hour: only Close makes it commit.
	p := New(st, Options{MaxWait: time.Hour})
	done := make(chan []Result)
	go func() {
		done <- ingestAll(t, p, delivered("wamid.c1", testPhoneID), delivered("wamid.c2", testPhoneID))
	}()
	for deadline := time.Now().Add(10 * time.Second); p.waiting.Load() < 2; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("deliveries never queued")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	for i, r := range <-done {
		if r != (Result{Stored: 1}) {
			t.Errorf("delivery %d: %+v, want stored by the flush", i, r)
		}
	}
	if s := p.Stats(); s.Commits != 1 || s.Stored != 2 {
		t.Errorf("stats = %+v, want both stored in the one flush commit", s)
	}
	if _, err := p.Ingest(ctx, "", delivered("wamid.late", testPhoneID)); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v, want ErrClosed", err)
	}
	if err := p.Close(ctx); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestIngestCountsIgnoredWithoutCommit(t *testing.T) {
	st := openSeeded(t)
	p := New(st, Options{})
	t.Cleanup(func() { _ = p.Close(context.Background()) })
	at := time.Date(2026, 11, 12, 8, 0, 0, 0, time.UTC)
	tier := webhook.TierUpdate{WABAID: "w1", UpdateTime: at, Category: usage.CategoryUtility,
		Tier: "750001:2000000", EffectiveMonth: "2026-11", Region: "India", Detail: "{}"}
	b := webhook.Batch{Ignored: []webhook.Ignored{{Field: "message_template_status_update"}},
		TierUpdates: []webhook.TierUpdate{tier}}
	if r := ingestAll(t, p, b)[0]; r != (Result{Ignored: 1, AccountEvents: 1}) {
		t.Errorf("%+v, want one ignored and the tier update stored", r)
	}
	// Meta repeats the update with an earlier time: stored once, at that time.
	tier.UpdateTime = at.Add(-time.Minute)
	if r := ingestAll(t, p, webhook.Batch{TierUpdates: []webhook.TierUpdate{tier}})[0]; r != (Result{}) {
		t.Errorf("repeat: %+v, want nothing new", r)
	}
	if s := p.Stats(); s != (Stats{Deliveries: 2, Ignored: 1, AccountEvents: 1}) {
		t.Errorf("stats = %+v, want no commit", s)
	}
	evs, err := st.ListAccountEvents(context.Background(), store.OnlyClients("c1"), store.AccountEventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].ClientID != "c1" || evs[0].Tier != tier.Tier || !evs[0].OccurredAt.Equal(tier.UpdateTime) {
		t.Errorf("stored %+v, want the one update of c1 at %s", evs, tier.UpdateTime)
	}
}
