package simulator

import (
	"bytes"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/usage"
	"github.com/insights-dev/insights/internal/webhook"
)

// TestWebhookEventsMatchUsage folds the simulated webhooks with the counting
// rule and checks them against the usage and call ground truth, per bucket,
// category, pricing type and country, to the nano-unit of cost.
func TestWebhookEventsMatchUsage(t *testing.T) {
	sim := New(Config{Now: NewManualClock(testNow).Now})
	start := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC) // a Tuesday
	end := start.Add(24 * time.Hour)
	var chID string
	for _, id := range sim.channelIDs {
		if ch := sim.channels[id]; ch.Voice && !ch.creditLine && !hasTiered(ch.streams) {
			chID = id
			break
		}
	}
	bodies := sim.WebhookEvents(chID, start, end)
	if len(bodies) == 0 {
		t.Fatal("no webhook bodies")
	}
	if again := sim.WebhookEvents(chID, start, end); len(again) != len(bodies) || !bytes.Equal(again[0], bodies[0]) {
		t.Error("WebhookEvents is not deterministic")
	}
	book, cur := sim.RateBook(), sim.channels[chID].Currency
	byMsg, order, calls := parseWebhookBodies(t, sim.channels[chID].PhoneNumber, bodies)
	failed := 0
	type key struct {
		bucket int64
		cat    usage.Category
		pt     usage.PricingType
		c      string
	}
	type sums struct{ vol, cost int64 }
	got, want := map[key]sums{}, map[key]sums{}
	for _, id := range order {
		r := webhook.Resolve(byMsg[id])
		if r.Failed {
			failed++
		}
		if !r.Counted {
			continue
		}
		e := webhook.EstimateMessage(book, webhook.CountedMessage{Category: r.Category, PricingType: r.PricingType,
			Country: r.Country, Priced: r.PricingKnown, Day: usage.DateOf(r.CountedAt.UTC()), Currency: cur})
		if !e.Known || e.Currency != cur {
			t.Fatalf("estimate %+v for %+v", e, r)
		}
		cost := e.Nanos
		k := key{r.CountedAt.Unix() / 1800 * 1800, r.Category, r.PricingType, r.Country}
		s := got[k]
		s.vol++
		s.cost += cost
		got[k] = s
	}
	for _, p := range sim.UsagePoints(chID, start, end) {
		if p.Category == usage.CategoryMetaBusinessAgent {
			continue // tokens have no webhook statuses
		}
		k := key{p.Start.Unix(), p.Category, p.PricingType, p.Country}
		s := want[k]
		s.vol += p.Volume
		s.cost += p.CostNanos
		want[k] = s
	}
	if len(got) != len(want) {
		t.Errorf("got %d keys, want %d", len(got), len(want))
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%+v: webhooks %+v, usage %+v", k, got[k], w)
		}
	}
	if failed == 0 {
		t.Error("no failed messages simulated")
	}

	var wantCalls, wantSecs, wantCost, gotCalls, gotSecs, gotCost int64
	for _, c := range sim.CallPoints(chID, start, end) {
		wantCalls += c.Count
		wantSecs += c.Seconds
		wantCost += c.CostNanos
	}
	for _, evs := range calls {
		for _, e := range evs {
			if e.Event == webhook.EventTerminate && e.Status == "COMPLETED" {
				gotCalls++
				gotSecs += e.DurationSeconds
				est := webhook.EstimateCall(book, webhook.CountedCall{Direction: e.Direction, Seconds: e.DurationSeconds,
					Country:   webhook.CountryFromPhone(map[bool]string{true: e.To, false: e.From}[e.Direction == usage.DirectionOutbound]),
					Completed: true, Day: usage.DateOf(e.Timestamp.UTC()), Currency: cur})
				gotCost += est.Nanos
			}
		}
	}
	if wantCalls == 0 || gotCalls != wantCalls || gotSecs != wantSecs || gotCost != wantCost {
		t.Errorf("calls: webhooks %d/%ds/%d, analytics %d/%ds/%d", gotCalls, gotSecs, gotCost, wantCalls, wantSecs, wantCost)
	}
}

// parseWebhookBodies parses simulated webhook bodies of the channel with
// phone: its message statuses by message, the messages in order of first
// status, and its call events by call.
func parseWebhookBodies(t *testing.T, phone string, bodies [][]byte) (map[string][]webhook.MessageStatus, []string, map[string][]webhook.CallEvent) {
	t.Helper()
	byMsg := map[string][]webhook.MessageStatus{}
	var order []string
	calls := map[string][]webhook.CallEvent{}
	for _, body := range bodies {
		b, err := webhook.Parse(body)
		if err != nil {
			t.Fatalf("simulated body does not parse: %v", err)
		}
		for _, s := range b.Statuses {
			if s.DisplayPhoneNumber != phone {
				t.Fatalf("metadata phone %q", s.DisplayPhoneNumber)
			}
			if _, ok := byMsg[s.MessageID]; !ok {
				order = append(order, s.MessageID)
			}
			byMsg[s.MessageID] = append(byMsg[s.MessageID], s)
		}
		for _, c := range b.Calls {
			calls[c.CallID] = append(calls[c.CallID], c)
		}
	}
	return byMsg, order, calls
}

func hasTiered(streams []stream) bool {
	for _, st := range streams {
		if st.tiered {
			return true
		}
	}
	return false
}
