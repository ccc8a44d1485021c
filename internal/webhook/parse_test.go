package webhook

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/usage"
)

const (
	testWABA   = "102290129340398"
	testPhone  = "106540352242922"
	testDisply = "4930555010"
)

func utc(sec int64) time.Time { return time.Unix(sec, 0).UTC() }

func boolPtr(b bool) *bool { return &b }

func TestParseSamples(t *testing.T) {
	want := map[string]Batch{
		"status-delivered.json": {Statuses: []MessageStatus{{
			MessageID: "wamid.HBgNNDkxNTExMjM0NTY3OBUCABEYEjQ0QkM5RjBFQjYxRDg1QTQ1AA==", Status: StatusDelivered,
			Timestamp:   time.Date(2025, 11, 25, 10, 0, 0, 0, time.UTC),
			RecipientID: "4915112345678", WABAID: testWABA, PhoneNumberID: testPhone, DisplayPhoneNumber: testDisply,
			HasPricing: true, Category: usage.CategoryMarketing, PricingType: usage.PricingRegular, Billable: boolPtr(true),
		}}},
		"status-read-and-failed.json": {Statuses: []MessageStatus{
			{
				MessageID: "wamid.HBgNNDkxNTExMjM0NTY3OBUCABEYEkM3RTg0QTdBMzE3OTg1OEIzMgA=", Status: StatusRead,
				Timestamp:   time.Date(2025, 11, 25, 10, 0, 11, 0, time.UTC),
				RecipientID: "4915112345678", WABAID: testWABA, PhoneNumberID: testPhone, DisplayPhoneNumber: testDisply,
				HasPricing: true, Category: usage.CategoryUtility, PricingType: usage.PricingRegular, Billable: boolPtr(true),
			},
			{
				MessageID: "wamid.HBgNNDkxNTExMjM0NTY3OBUCABEYEjlBQzg3RTQ0RjFBMDQ0QjNGNgA=", Status: StatusFailed,
				Timestamp:   time.Date(2025, 11, 25, 10, 0, 20, 0, time.UTC),
				RecipientID: "4915187654321", WABAID: testWABA, PhoneNumberID: testPhone, DisplayPhoneNumber: testDisply,
				ErrorCodes: []int{131049},
			},
			{
				MessageID: "wamid.HBgNNDkxNTExMjM0NTY3OBUCABEYEjJGQTNBQzk4MEQ1NjE3NzE5QQA=", Status: StatusSent,
				Timestamp:   time.Date(2025, 11, 25, 10, 0, 30, 0, time.UTC),
				RecipientID: "4915100000001", WABAID: testWABA, PhoneNumberID: testPhone, DisplayPhoneNumber: testDisply,
				HasPricing: true, Category: usage.CategoryService, PricingType: usage.PricingFreeCustomerService, Billable: boolPtr(false),
			},
		}},
		"call-terminate.json": {Calls: []CallEvent{{
			CallID: "wacid.HBgNNDkxNTExMjM0NTY3OBUCABEYIDY2QjA1RkE3", Event: EventTerminate,
			Direction: usage.DirectionOutbound, Status: "COMPLETED",
			Timestamp:       time.Date(2025, 11, 25, 10, 10, 0, 0, time.UTC),
			StartTime:       time.Date(2025, 11, 25, 10, 9, 4, 0, time.UTC),
			EndTime:         time.Date(2025, 11, 25, 10, 10, 0, 0, time.UTC),
			DurationSeconds: 56,
			From:            "4930555010", To: "4915112345678",
			WABAID: testWABA, PhoneNumberID: testPhone, DisplayPhoneNumber: testDisply,
		}}},
		"account-update-tier.json": {TierUpdates: []TierUpdate{{
			WABAID: testWABA, UpdateTime: time.Date(2025, 11, 25, 10, 1, 40, 0, time.UTC),
			Category: usage.CategoryUtility, Tier: "25000001:50000000", EffectiveMonth: "2026-11", Region: "India",
			Detail: `{"event":"VOLUME_BASED_PRICING_TIER_UPDATE","volume_tier_info":{"tier_update_time":1764064900,` +
				`"pricing_category":"UTILITY","tier":"25000001:50000000","effective_month":"2026-11","region":"India"}}`,
		}}},
	}
	files, err := filepath.Glob("testdata/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(want) {
		t.Fatalf("testdata has %d sample files, test expects %d: %v", len(files), len(want), files)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			exp, ok := want[name]
			if !ok {
				t.Fatalf("no expectation for sample %s", name)
			}
			body, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Parse(body)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(got, exp) {
				t.Errorf("Parse =\n%+v\nwant\n%+v", got, exp)
			}
			if got.Len() != exp.Len() || got.Len() == 0 {
				t.Errorf("Len = %d, want %d (> 0)", got.Len(), exp.Len())
			}
		})
	}
}

// envelope wraps changes (JSON objects) into one entry of testWABA.
func envelope(changes ...string) []byte {
	return fmt.Appendf(nil, `{"object":"whatsapp_business_account","entry":[{"id":%q,"changes":[%s]}]}`,
		testWABA, strings.Join(changes, ","))
}

// statusChange wraps statuses into a messages change.
func statusChange(statuses ...string) string {
	return `{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"4930555010","phone_number_id":"106540352242922"},"statuses":[` +
		strings.Join(statuses, ",") + `]}}`
}

func callChange(calls ...string) string {
	return `{"field":"calls","value":{"metadata":{"display_phone_number":"4930555010","phone_number_id":"106540352242922"},"calls":[` +
		strings.Join(calls, ",") + `]}}`
}

func status(id, st, extra string) string {
	s := fmt.Sprintf(`{"id":%q,"status":%q,"timestamp":"1764064800","recipient_id":"4915112345678"`, id, st)
	if extra != "" {
		s += "," + extra
	}
	return s + "}"
}

func TestParseEveryStatus(t *testing.T) {
	for _, st := range []string{StatusSent, StatusDelivered, StatusRead, StatusFailed, "deleted", "WARNING"} {
		t.Run(st, func(t *testing.T) {
			b, err := Parse(envelope(statusChange(status("wamid.1", st, ""))))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(b.Statuses) != 1 {
				t.Fatalf("got %d statuses, want 1", len(b.Statuses))
			}
			s := b.Statuses[0]
			if s.Status != st || s.MessageID != "wamid.1" || !s.Timestamp.Equal(utc(1764064800)) || s.Timestamp.Location() != time.UTC {
				t.Errorf("status = %+v", s)
			}
			if s.HasPricing || s.Category != "" || s.PricingType != "" || s.Billable != nil {
				t.Errorf("pricing without a pricing object: %+v", s)
			}
		})
	}
}

func TestParseEveryCategoryAndPricingType(t *testing.T) {
	cats := []struct {
		in   string
		want usage.Category
	}{
		{"marketing", usage.CategoryMarketing},
		{"marketing_lite", usage.CategoryMarketingLite},
		{"utility", usage.CategoryUtility},
		{"authentication", usage.CategoryAuthentication},
		{"authentication_international", usage.CategoryAuthenticationInternational},
		{"service", usage.CategoryService},
		{"referral_conversion", usage.CategoryReferralConversion},
		{"MARKETING", usage.CategoryMarketing},
		{"brand_new_category", usage.Category("BRAND_NEW_CATEGORY")},
	}
	types := []struct {
		in   string
		want usage.PricingType
	}{
		{"regular", usage.PricingRegular},
		{"free_customer_service", usage.PricingFreeCustomerService},
		{"free_entry_point", usage.PricingFreeEntryPoint},
		{"free_something_new", usage.PricingType("FREE_SOMETHING_NEW")},
	}
	for _, c := range cats {
		for _, pt := range types {
			t.Run(c.in+"/"+pt.in, func(t *testing.T) {
				pricing := fmt.Sprintf(`"pricing":{"billable":false,"pricing_model":"PMP","category":%q,"type":%q}`, c.in, pt.in)
				b, err := Parse(envelope(statusChange(status("wamid.1", "delivered", pricing))))
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				s := b.Statuses[0]
				if !s.HasPricing || s.Category != c.want || s.PricingType != pt.want || s.Billable == nil || *s.Billable {
					t.Errorf("got category %q type %q has %v billable %v, want %q %q", s.Category, s.PricingType, s.HasPricing, s.Billable, c.want, pt.want)
				}
			})
		}
	}
}

func TestParseCalls(t *testing.T) {
	tests := []struct {
		name string
		call string
		want CallEvent
	}{
		{
			name: "business initiated terminate",
			call: `{"id":"wacid.1","from":"4930555010","to":"919812345678","event":"terminate","direction":"BUSINESS_INITIATED","timestamp":1764065400,"start_time":1764065344,"end_time":1764065400,"duration":56,"status":"COMPLETED"}`,
			want: CallEvent{CallID: "wacid.1", Event: EventTerminate, Direction: usage.DirectionOutbound, Status: "COMPLETED",
				Timestamp: utc(1764065400), StartTime: utc(1764065344), EndTime: utc(1764065400), DurationSeconds: 56,
				From: "4930555010", To: "919812345678"},
		},
		{
			name: "user initiated terminate, duration as string",
			call: `{"id":"wacid.2","from":"5511987654321","to":"4930555010","event":"terminate","direction":"USER_INITIATED","timestamp":"1764065400","start_time":"1764065280","end_time":"1764065400","duration":"120","status":"COMPLETED"}`,
			want: CallEvent{CallID: "wacid.2", Event: EventTerminate, Direction: usage.DirectionInbound, Status: "COMPLETED",
				Timestamp: utc(1764065400), StartTime: utc(1764065280), EndTime: utc(1764065400), DurationSeconds: 120,
				From: "5511987654321", To: "4930555010"},
		},
		{
			name: "connect has no end or duration",
			call: `{"id":"wacid.3","from":"5511987654321","to":"4930555010","event":"connect","direction":"user_initiated","timestamp":"1764065280"}`,
			want: CallEvent{CallID: "wacid.3", Event: EventConnect, Direction: usage.DirectionInbound,
				Timestamp: utc(1764065280), From: "5511987654321", To: "4930555010"},
		},
		{
			name: "duration derived from start and end",
			call: `{"id":"wacid.4","event":"terminate","direction":"BUSINESS_INITIATED","timestamp":"1764065400","start_time":"1764065390","end_time":"1764065400","status":"FAILED"}`,
			want: CallEvent{CallID: "wacid.4", Event: EventTerminate, Direction: usage.DirectionOutbound, Status: "FAILED",
				Timestamp: utc(1764065400), StartTime: utc(1764065390), EndTime: utc(1764065400), DurationSeconds: 10},
		},
		{
			name: "unknown event and direction kept",
			call: `{"id":"wacid.5","event":"ringing","direction":"sideways","timestamp":"1764065400","unknown_key":{"nested":[1,2]}}`,
			want: CallEvent{CallID: "wacid.5", Event: "ringing", Direction: "SIDEWAYS", Timestamp: utc(1764065400)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Parse(envelope(callChange(tt.call)))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			want := tt.want
			want.WABAID, want.PhoneNumberID, want.DisplayPhoneNumber = testWABA, testPhone, testDisply
			if len(b.Calls) != 1 || !reflect.DeepEqual(b.Calls[0], want) {
				t.Fatalf("calls = %+v\nwant %+v", b.Calls, want)
			}
			if len(b.Statuses) != 0 || len(b.Ignored) != 0 {
				t.Errorf("unexpected statuses %v or ignored %v", b.Statuses, b.Ignored)
			}
		})
	}
}

func TestParseIgnoredAndTolerated(t *testing.T) {
	inbound := `{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"phone_number_id":"1"},` +
		`"contacts":[{"wa_id":"4915112345678"}],"messages":[{"from":"4915112345678","id":"wamid.in1","timestamp":"1764064800","type":"text","text":{"body":"hi"}},` +
		`{"from":"4915112345678","id":"wamid.in2","timestamp":"1764064801","type":"text","text":{"body":"there"}}]}}`
	body := envelope(
		`{"field":"account_update","value":{"event":"VERIFIED_ACCOUNT","phone_number":"4930555010"}}`,
		inbound,
		`{"field":"message_template_status_update","value":{"event":"APPROVED","message_template_id":1}}`,
		`{"field":"some_future_field","value":"not even an object"}`,
		`{"field":"calls","value":{"statuses":[{"id":"wacid.1","type":"call","status":"RINGING"}]}}`,
		statusChange(status("wamid.1", "sent", `"conversation":{"id":"c1","origin":{"type":"marketing"}},"future":true`)),
	)
	b, err := Parse(body)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := []Ignored{
		{Field: "account_update", Reason: `account update "VERIFIED_ACCOUNT" not counted`},
		{Field: "messages", Reason: "2 inbound message(s) not counted"},
		{Field: "message_template_status_update", Reason: "field not used by Insights"},
		{Field: "some_future_field", Reason: "field not used by Insights"},
		{Field: "calls", Reason: "1 call status update(s) not counted"},
	}
	if !reflect.DeepEqual(b.Ignored, want) {
		t.Errorf("Ignored =\n%q\nwant\n%q", b.Ignored, want)
	}
	// The other account update is kept for the account's history, not counted.
	wantEvents := []AccountEvent{{WABAID: testWABA, Event: "VERIFIED_ACCOUNT",
		Detail: `{"event":"VERIFIED_ACCOUNT","phone_number":"4930555010"}`}}
	if !reflect.DeepEqual(b.AccountEvents, wantEvents) {
		t.Errorf("AccountEvents = %+v, want %+v", b.AccountEvents, wantEvents)
	}
	if len(b.Statuses) != 1 || b.Statuses[0].MessageID != "wamid.1" {
		t.Errorf("Statuses = %+v, want the one sent status", b.Statuses)
	}
	if b.Len() != 1 {
		t.Errorf("Len = %d, want 1", b.Len())
	}
}

func TestParseSeveralEntries(t *testing.T) {
	body := []byte(`{"object":"whatsapp_business_account","entry":[
		{"id":"waba-a","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"pa","display_phone_number":"111"},"statuses":[` + status("wamid.a", "delivered", "") + `]}}]},
		{"id":"waba-b","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"pb","display_phone_number":"222"},"statuses":[` + status("wamid.b", "read", "") + `]}},
		                          {"field":"calls","value":{"metadata":{"phone_number_id":"pb"},"calls":[{"id":"wacid.b","event":"connect","timestamp":1764064800}]}}]},
		{"id":"waba-c","changes":[]}
	]}`)
	b, err := Parse(body)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(b.Statuses) != 2 || len(b.Calls) != 1 {
		t.Fatalf("got %d statuses %d calls, want 2 and 1", len(b.Statuses), len(b.Calls))
	}
	for i, w := range []struct{ id, waba, phone, display string }{{"wamid.a", "waba-a", "pa", "111"}, {"wamid.b", "waba-b", "pb", "222"}} {
		s := b.Statuses[i]
		if s.MessageID != w.id || s.WABAID != w.waba || s.PhoneNumberID != w.phone || s.DisplayPhoneNumber != w.display {
			t.Errorf("status %d = %+v, want %+v", i, s, w)
		}
	}
	if c := b.Calls[0]; c.WABAID != "waba-b" || c.PhoneNumberID != "pb" {
		t.Errorf("call = %+v", c)
	}
}

// TestParseNamesMatchExactly: member names are read as Meta spells them; one
// in other letter case is an unknown key, not the field, and a name that
// repeats counts once, the last time.
func TestParseNamesMatchExactly(t *testing.T) {
	b, err := Parse(envelope(`{"field":"messages","value":{"Statuses":[` + status("wamid.1", "delivered", "") + `]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Statuses) != 0 || !reflect.DeepEqual(b.Ignored, []Ignored{{Field: FieldMessages, Reason: "no statuses"}}) {
		t.Errorf("Statuses in other case: got %+v", b)
	}
	b, err = Parse(envelope(statusChange(status("wamid.1", "sent", `"status":"delivered"`))))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Statuses) != 1 || b.Statuses[0].Status != StatusDelivered {
		t.Errorf("repeated status: got %+v", b.Statuses)
	}
}

func TestParseEmptyEntryList(t *testing.T) {
	b, err := Parse([]byte(`{"object":"whatsapp_business_account","entry":[]}`))
	if err != nil || b.Len() != 0 || len(b.Ignored) != 0 {
		t.Fatalf("Parse = %+v, %v; want empty batch", b, err)
	}
}

func TestParseErrors(t *testing.T) {
	const st0 = "entry[0].changes[0].value.statuses[0]"
	const call0 = "entry[0].changes[0].value.calls[0]"
	withStatus := func(s string) []byte { return envelope(statusChange(s)) }
	withCall := func(c string) []byte { return envelope(callChange(c)) }
	tests := []struct {
		name     string
		body     []byte
		path     string
		contains string
	}{
		{"empty body", []byte(``), "", "invalid JSON"},
		{"truncated JSON", []byte(`{"object":"whatsapp_business_account","entry":[`), "", "invalid JSON"},
		{"trailing garbage", []byte(`{"object":"whatsapp_business_account","entry":[]} x`), "", "invalid JSON"},
		{"top-level array", []byte(`[]`), "", "want an object, got array"},
		{"top-level string", []byte(`"hello"`), "", "want an object, got string"},
		{"missing object", []byte(`{"entry":[]}`), "object", "missing"},
		{"other object", []byte(`{"object":"page","entry":[]}`), "object", `is "page"`},
		{"object not a string", []byte(`{"object":1,"entry":[]}`), "object", "want a string, got number"},
		{"missing entry", []byte(`{"object":"whatsapp_business_account"}`), "entry", "missing"},
		{"entry not an array", []byte(`{"object":"whatsapp_business_account","entry":{}}`), "entry", "want an array, got object"},
		{"entry element not an object", []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[]},7]}`), "entry[1]", "want an object, got number"},
		{"entry without id", []byte(`{"object":"whatsapp_business_account","entry":[{"changes":[]}]}`), "entry[0].id", "missing WABA id"},
		{"entry with empty id", []byte(`{"object":"whatsapp_business_account","entry":[{"id":"","changes":[]}]}`), "entry[0].id", "missing WABA id"},
		{"entry id a number", []byte(`{"object":"whatsapp_business_account","entry":[{"id":102290129340398,"changes":[]}]}`), "entry[0].id", "want a string, got number"},
		{"changes not an array", []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":"x"}]}`), "entry[0].changes", "want an array"},
		{"change without field", envelope(`{"value":{}}`), "entry[0].changes[0].field", "missing"},
		{"messages without value", envelope(`{"field":"messages"}`), "entry[0].changes[0].value", "missing"},
		{"messages value not an object", envelope(`{"field":"messages","value":[]}`), "entry[0].changes[0].value", "want an object, got array"},
		{"statuses not an array", envelope(`{"field":"messages","value":{"statuses":{}}}`), "entry[0].changes[0].value.statuses", "want an array"},
		{"metadata id a number", envelope(`{"field":"messages","value":{"metadata":{"phone_number_id":5}}}`), "entry[0].changes[0].value.metadata.phone_number_id", "want a string"},
		{"status not an object", withStatus(`"delivered"`), st0, "want an object, got string"},
		{"status without id", withStatus(`{"status":"delivered","timestamp":"1764064800"}`), st0 + ".id", "missing message id"},
		{"status with empty id", withStatus(`{"id":"","status":"delivered","timestamp":"1764064800"}`), st0 + ".id", "missing message id"},
		{"status without status", withStatus(`{"id":"wamid.1","timestamp":"1764064800"}`), st0 + ".status", "missing"},
		{"status without timestamp", withStatus(`{"id":"wamid.1","status":"sent"}`), st0 + ".timestamp", "missing"},
		{"status null timestamp", withStatus(`{"id":"wamid.1","status":"sent","timestamp":null}`), st0 + ".timestamp", "missing"},
		{"timestamp words", withStatus(`{"id":"wamid.1","status":"sent","timestamp":"yesterday"}`), st0 + ".timestamp", "not unix seconds"},
		{"timestamp RFC 3339", withStatus(`{"id":"wamid.1","status":"sent","timestamp":"2025-11-25T10:00:00Z"}`), st0 + ".timestamp", "not unix seconds"},
		{"timestamp fraction", withStatus(`{"id":"wamid.1","status":"sent","timestamp":1764064800.5}`), st0 + ".timestamp", "not unix seconds"},
		{"timestamp exponent", withStatus(`{"id":"wamid.1","status":"sent","timestamp":1.7e9}`), st0 + ".timestamp", "not unix seconds"},
		{"timestamp negative", withStatus(`{"id":"wamid.1","status":"sent","timestamp":-5}`), st0 + ".timestamp", "not unix seconds"},
		{"timestamp zero", withStatus(`{"id":"wamid.1","status":"sent","timestamp":"0"}`), st0 + ".timestamp", "out of range"},
		{"timestamp far future", withStatus(`{"id":"wamid.1","status":"sent","timestamp":"999999999999"}`), st0 + ".timestamp", "out of range"},
		{"timestamp overflow", withStatus(`{"id":"wamid.1","status":"sent","timestamp":"99999999999999999999"}`), st0 + ".timestamp", "out of range"},
		{"timestamp empty string", withStatus(`{"id":"wamid.1","status":"sent","timestamp":""}`), st0 + ".timestamp", "empty"},
		{"timestamp bool", withStatus(`{"id":"wamid.1","status":"sent","timestamp":true}`), st0 + ".timestamp", "want a string or number"},
		{"timestamp object", withStatus(`{"id":"wamid.1","status":"sent","timestamp":{}}`), st0 + ".timestamp", "want a string or number"},
		{"pricing category a number", withStatus(status("wamid.1", "sent", `"pricing":{"category":7}`)), st0 + ".pricing.category", "want a string, got number"},
		{"pricing billable a string", withStatus(status("wamid.1", "sent", `"pricing":{"billable":"yes"}`)), st0 + ".pricing.billable", "want true or false"},
		{"pricing not an object", withStatus(status("wamid.1", "sent", `"pricing":"PMP"`)), st0 + ".pricing", "want an object"},
		{"error code a string", withStatus(status("wamid.1", "failed", `"errors":[{"code":"131049"}]`)), st0 + ".errors[0].code", "want a whole number"},
		{"call without id", withCall(`{"event":"connect","timestamp":"1764065400"}`), call0 + ".id", "missing call id"},
		{"call without event", withCall(`{"id":"wacid.1","timestamp":"1764065400"}`), call0 + ".event", "missing"},
		{"call without timestamp", withCall(`{"id":"wacid.1","event":"connect"}`), call0 + ".timestamp", "missing"},
		{"call bad start_time", withCall(`{"id":"wacid.1","event":"terminate","timestamp":"1764065400","start_time":"soon"}`), call0 + ".start_time", "not unix seconds"},
		{"call bad end_time", withCall(`{"id":"wacid.1","event":"terminate","timestamp":"1764065400","end_time":1.5}`), call0 + ".end_time", "not unix seconds"},
		{"call ends before it starts", withCall(`{"id":"wacid.1","event":"terminate","timestamp":"1764065400","start_time":"1764065400","end_time":"1764065300"}`), call0 + ".end_time", "before start_time"},
		{"call negative duration", withCall(`{"id":"wacid.1","event":"terminate","timestamp":"1764065400","duration":-3}`), call0 + ".duration", "non-negative whole number"},
		{"call duration a bool", withCall(`{"id":"wacid.1","event":"terminate","timestamp":"1764065400","duration":false}`), call0 + ".duration", "want a string or number"},
		{"calls not an array", envelope(`{"field":"calls","value":{"calls":"x"}}`), "entry[0].changes[0].value.calls", "want an array"},
		{"tier update without info", envelope(`{"field":"account_update","value":{"event":"VOLUME_BASED_PRICING_TIER_UPDATE"}}`), "entry[0].changes[0].value.volume_tier_info", "missing"},
		{"tier update bad time", envelope(`{"field":"account_update","value":{"event":"VOLUME_BASED_PRICING_TIER_UPDATE","volume_tier_info":{"tier_update_time":"later"}}}`), "entry[0].changes[0].value.volume_tier_info.tier_update_time", "not unix seconds"},
		{"account update value not an object", envelope(`{"field":"account_update","value":5}`), "entry[0].changes[0].value", "want an object"},
		{"later status bad", envelope(statusChange(status("wamid.1", "delivered", ""), status("wamid.2", "read", ""), `{"id":"wamid.3","status":"read","timestamp":"x"}`)), "entry[0].changes[0].value.statuses[2].timestamp", "not unix seconds"},
		{"later change bad", envelope(statusChange(status("wamid.1", "delivered", "")), `{"field":"calls","value":{"calls":[{"id":"wacid.1","timestamp":"1764065400"}]}}`), "entry[0].changes[1].value.calls[0].event", "missing"},
		{"too large", append([]byte(`{"object":"whatsapp_business_account","entry":[]}`), make([]byte, MaxBodyBytes)...), "", "exceeds the limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Parse(tt.body)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error = %v (%T), want *ParseError", err, err)
			}
			if pe.Path != tt.path {
				t.Errorf("Path = %q, want %q (error %v)", pe.Path, tt.path, err)
			}
			if !strings.Contains(pe.Msg, tt.contains) {
				t.Errorf("Msg = %q, want it to contain %q", pe.Msg, tt.contains)
			}
			if tt.path != "" && !strings.Contains(err.Error(), tt.path) {
				t.Errorf("Error() = %q does not name the path", err.Error())
			}
			if !strings.HasPrefix(err.Error(), "webhook: ") {
				t.Errorf("Error() = %q, want the webhook: prefix", err.Error())
			}
			// Never half-accepted: nothing comes back with an error.
			if !reflect.DeepEqual(b, Batch{}) {
				t.Errorf("Parse returned %+v alongside the error", b)
			}
		})
	}
}

func TestParseErrorMessage(t *testing.T) {
	_, err := Parse(envelope(statusChange(status("wamid.1", "sent", ""), `{"id":"wamid.2","status":"sent","timestamp":"abc"}`)))
	want := `webhook: entry[0].changes[0].value.statuses[1].timestamp: not unix seconds: want a non-negative whole number, got "abc"`
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v\nwant    %s", err, want)
	}
}
