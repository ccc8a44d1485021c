package simulator

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/insights-dev/insights/internal/ratecard"
	"github.com/insights-dev/insights/internal/usage"
	"github.com/insights-dev/insights/internal/webhook"
)

// Webhook traffic: the statuses and call events that would have produced the
// usage the simulator reports, in the Cloud API envelope 360dialog forwards.
//
// Every message the usage route counts in a half hour gets a sent status and
// then either a delivered status (most also a read), or only a read (read on
// arrival, no delivered): the counting status always falls inside the
// message's half hour. Pricing rides on sent and on the counting status.
// Failed messages are added on top (sent + failed, never counted), as are
// failed calls (terminate FAILED, no duration); every call the call
// analytics count gets a connect and a COMPLETED terminate with its
// duration, starting inside its half hour.

// webhookBodyEvents is the number of statuses or call events per body.
const webhookBodyEvents = 100

// callingCodes gives each simulated market a dialling prefix that
// webhook.CountryFromPhone maps back to it.
var callingCodes = map[string]string{
	"DE": "49", "AT": "43", "CH": "41", "NL": "31", "BR": "55", "PT": "351", "AR": "54", "IN": "91",
	"AE": "971", "NP": "977", "US": "1212", "CA": "1416", "MX": "52", "GB": "44", "IE": "353", "FR": "33",
	"SA": "966", "AU": "61", "NZ": "64", "ID": "62", "SG": "65", "MY": "60",
}

// phoneIn makes a recipient number in country from h; "" for unknown markets.
func phoneIn(country string, h uint64) string {
	cc, ok := callingCodes[country]
	if !ok {
		return ""
	}
	return cc + strconv.FormatUint(100_000_000+h%900_000_000, 10)
}

type whStatus struct {
	ID          string     `json:"id"`
	Status      string     `json:"status"`
	Timestamp   string     `json:"timestamp"`
	RecipientID string     `json:"recipient_id,omitempty"`
	Pricing     *whPricing `json:"pricing,omitempty"`
	Errors      []whError  `json:"errors,omitempty"`
}

type whPricing struct {
	Billable     bool   `json:"billable"`
	PricingModel string `json:"pricing_model"`
	Category     string `json:"category"`
	Type         string `json:"type"`
}

type whError struct {
	Code  int    `json:"code"`
	Title string `json:"title"`
}

type whCall struct {
	ID        string `json:"id"`
	From      string `json:"from"`
	To        string `json:"to"`
	Event     string `json:"event"`
	Timestamp string `json:"timestamp"`
	Direction string `json:"direction"`
	Status    string `json:"status,omitempty"`
	StartTime string `json:"start_time,omitempty"`
	EndTime   string `json:"end_time,omitempty"`
	Duration  *int64 `json:"duration,omitempty"`
}

// WebhookEvents returns webhook bodies (JSON, at most 100 events each) for
// exactly the messages and calls that UsagePoints and CallPoints report for
// the channel in half-hour buckets starting in [start, end) (Meta Business
// Agent tokens left out: they are not messages), plus failed
// messages and calls that neither counts. The same arguments give the same
// bytes. It returns nil for an unknown channel.
func (s *Simulator) WebhookEvents(channelID string, start, end time.Time) [][]byte {
	ch, ok := s.channels[channelID]
	if !ok {
		return nil
	}
	wabaExt := ""
	if c := s.clientByID[ch.ClientID]; c != nil {
		for _, w := range c.WABAs {
			if w.ID == ch.WABAID {
				wabaExt = w.ExternalID
			}
		}
	}
	first, last := s.span(ch, unixCeil(start), unixCeil(end), s.now())
	s.dataMu.RLock()
	g := s.snapshot(ch)
	var statuses []whStatus
	var calls []whCall
	var pts []usage.Point
	for b := first; b < last; b += halfHour {
		pts = s.bucketPoints(ch, b, g, pts[:0])
		for pi, p := range pts {
			if p.Category == usage.CategoryMetaBusinessAgent {
				continue // its volume counts tokens, not messages
			}
			statuses = appendMessages(statuses, ch, b, pi, p)
		}
		calls = s.appendCalls(calls, ch, b)
	}
	s.dataMu.RUnlock()

	var bodies [][]byte
	meta := map[string]string{"display_phone_number": ch.PhoneNumber, "phone_number_id": "pn" + ch.ID}
	emit := func(field string, key string, items any) {
		env := map[string]any{
			"object": webhook.ObjectWhatsApp,
			"entry": []any{map[string]any{"id": wabaExt, "changes": []any{map[string]any{
				"field": field,
				"value": map[string]any{"messaging_product": "whatsapp", "metadata": meta, key: items},
			}}}},
		}
		body, err := json.Marshal(env)
		if err != nil { // cannot happen: plain maps, slices and strings
			panic("simulator: marshal webhook: " + err.Error())
		}
		bodies = append(bodies, body)
	}
	for i := 0; i < len(statuses); i += webhookBodyEvents {
		emit(webhook.FieldMessages, "statuses", statuses[i:min(i+webhookBodyEvents, len(statuses))])
	}
	for i := 0; i < len(calls); i += webhookBodyEvents {
		emit(webhook.FieldCalls, "calls", calls[i:min(i+webhookBodyEvents, len(calls))])
	}
	return bodies
}

func unixString(t int64) string { return strconv.FormatInt(t, 10) }

// appendMessages adds the statuses of the p.Volume messages of point p (the
// pi-th of bucket b), and of the failed ones beside them.
func appendMessages(out []whStatus, ch *channel, b int64, pi int, p usage.Point) []whStatus {
	pricing := &whPricing{
		Billable: !p.PricingType.Free(), PricingModel: "PMP",
		Category: lower(string(p.Category)), Type: lower(string(p.PricingType)),
	}
	prefix := "wamid.sim." + ch.ID + "." + unixString(b) + "." + strconv.Itoa(pi) + "."
	for i := int64(0); i < p.Volume; i++ {
		h := hash3(ch.key, uint64(b), uint64(pi)<<32|uint64(i))
		id := prefix + strconv.FormatInt(i, 10)
		t0 := b + int64(h%1700)
		to := phoneIn(p.Country, h>>8)
		out = append(out, whStatus{ID: id, Status: webhook.StatusSent, Timestamp: unixString(t0), RecipientID: to, Pricing: pricing})
		counted := t0 + 1 + int64((h>>40)%60)
		switch (h >> 48) % 10 {
		case 0: // read on arrival: no delivered status at all
			out = append(out, whStatus{ID: id, Status: webhook.StatusRead, Timestamp: unixString(counted), RecipientID: to, Pricing: pricing})
		case 1, 2, 3, 4, 5, 6:
			out = append(out,
				whStatus{ID: id, Status: webhook.StatusDelivered, Timestamp: unixString(counted), RecipientID: to, Pricing: pricing},
				whStatus{ID: id, Status: webhook.StatusRead, Timestamp: unixString(counted + 30 + int64((h>>20)%3600)), RecipientID: to})
		default:
			out = append(out, whStatus{ID: id, Status: webhook.StatusDelivered, Timestamp: unixString(counted), RecipientID: to, Pricing: pricing})
		}
		if i%25 == 0 { // a failed message beside every 25th: never counted
			fid := prefix + "f" + strconv.FormatInt(i, 10)
			out = append(out,
				whStatus{ID: fid, Status: webhook.StatusSent, Timestamp: unixString(t0), RecipientID: to, Pricing: pricing},
				whStatus{ID: fid, Status: webhook.StatusFailed, Timestamp: unixString(t0 + 2), RecipientID: to,
					Errors: []whError{{Code: 131026, Title: "Message undeliverable"}}})
		}
	}
	return out
}

// appendCalls adds connect and terminate events for the calls of bucket b,
// and a failed call now and then.
func (s *Simulator) appendCalls(out []whCall, ch *channel, b int64) []whCall {
	for _, pc := range s.plannedCalls(ch, b) {
		for i, secs := range pc.seconds {
			h := hash3(ch.key, uint64(b), pc.salt^uint64(i+1)<<16)
			id := "wacid.sim." + ch.ID + "." + unixString(b) + "." + strconv.FormatUint(pc.salt, 16) + "." + strconv.Itoa(i)
			user := phoneIn(ch.home, h)
			from, to := user, ch.PhoneNumber
			if pc.dir == usage.DirectionOutbound {
				from, to = to, from
			}
			startAt := b + int64(h%1790)
			d := secs
			out = append(out,
				whCall{ID: id, From: from, To: to, Event: webhook.EventConnect, Timestamp: unixString(startAt), Direction: string(pc.dir)},
				whCall{ID: id, From: from, To: to, Event: webhook.EventTerminate, Timestamp: unixString(startAt + secs),
					Direction: string(pc.dir), Status: "COMPLETED", StartTime: unixString(startAt),
					EndTime: unixString(startAt + secs), Duration: &d})
			if i == 0 && h%4 == 0 { // a failed attempt beside it: never counted
				fid := id + ".f"
				out = append(out, whCall{ID: fid, From: from, To: to, Event: webhook.EventTerminate,
					Timestamp: unixString(startAt), Direction: string(pc.dir), Status: "FAILED"})
			}
		}
	}
	return out
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// RateBook returns the rate cards the simulator prices its data from (a
// fresh copy of the built-in book), so that costs estimated from
// WebhookEvents with it equal the costs its usage reports, except where the
// usage is priced at a lower volume tier than the first (the tier client's
// bulk utility) or reports no cost (the credit-line client).
func (s *Simulator) RateBook() *ratecard.Book { return ratecard.Builtin() }
