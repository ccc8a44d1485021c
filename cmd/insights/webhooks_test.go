package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/ratecard"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/webhook"
)

func TestResolvePendingWebhooksAfterDiscovery(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	var logs bytes.Buffer
	hook := resolvePendingWebhooks(st, ratecard.Builtin(), newLogger(&logs, 0))
	at := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	known := webhook.MessageStatus{MessageID: "wamid.1", Status: "delivered", Timestamp: at, DisplayPhoneNumber: "+49 151 1"}
	never := webhook.MessageStatus{MessageID: "wamid.2", Status: "delivered", Timestamp: at, DisplayPhoneNumber: "+1 555 0"}
	if _, err := st.SaveWebhookBatches(ctx, nil, []store.WebhookBatch{{Unknown: []store.UnknownEvent{
		{Status: &known}, {Status: &never}}}}); err != nil {
		t.Fatal(err)
	}
	if err := st.UpsertClients(ctx, []store.Client{{ID: "c1", Name: "Acme"}}); err != nil {
		t.Fatal(err)
	}
	if err := st.UpsertChannels(ctx, []store.Channel{{ID: "ch1", ClientID: "c1", PhoneNumber: "491511"}}); err != nil {
		t.Fatal(err)
	}
	if err := hook(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, err := st.HasWebhookEvent(ctx, "status", "wamid.1", "delivered"); err != nil || !ok {
		t.Errorf("the event of the discovered channel is not stored: %v", err)
	}
	for _, want := range []string{`"msg":"pending webhook events counted: their channel is known now"`, `"stored":1`,
		`"msg":"webhook events wait for a channel that no discovery has listed"`, `"events":1`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, logs.String())
		}
	}
}
