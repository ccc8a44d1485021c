package webhook

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/insights-dev/insights/internal/jsonread"
	"github.com/insights-dev/insights/internal/usage"
)

// ObjectWhatsApp is the only envelope "object" Insights accepts.
const ObjectWhatsApp = "whatsapp_business_account"

// Change fields Insights reads; any other field is recorded in Batch.Ignored.
const (
	FieldMessages      = "messages"
	FieldCalls         = "calls"
	FieldAccountUpdate = "account_update"
)

// Message status values Meta sends. Others are kept as they come.
const (
	StatusSent      = "sent"
	StatusDelivered = "delivered"
	StatusRead      = "read"
	StatusFailed    = "failed"
)

// Call event values Meta sends. Others are kept as they come.
const (
	EventConnect   = "connect"
	EventTerminate = "terminate"
)

// EventTierUpdate is the account_update event that announces a new volume tier.
const EventTierUpdate = "VOLUME_BASED_PRICING_TIER_UPDATE"

// maxUnixSeconds is the last second of the year 9999; later timestamps are
// certainly wrong and would not survive a round trip through the database.
const maxUnixSeconds = 253402300799

// ParseError says which part of a webhook payload was malformed.
type ParseError struct {
	// Path is the JSON path of the offending value, such as
	// "entry[0].changes[1].value.statuses[2].timestamp"; empty when the body
	// as a whole is at fault (invalid JSON, too large).
	Path string
	// Msg says what was wrong, for logs and the 400 response.
	Msg string
}

// Error implements error.
func (e *ParseError) Error() string {
	if e.Path == "" {
		return "webhook: " + e.Msg
	}
	return "webhook: " + e.Path + ": " + e.Msg
}

// MessageStatus is one status update of an outgoing message.
type MessageStatus struct {
	MessageID string // the wamid
	// Status is sent, delivered, read or failed; other values are kept as sent.
	Status    string
	Timestamp time.Time // UTC

	RecipientID        string // the recipient's phone number (digits), see CountryFromPhone
	WABAID             string
	PhoneNumberID      string
	DisplayPhoneNumber string

	// HasPricing is true when the status carried a pricing object; Meta puts
	// it on sent and on one of delivered/read, so see PricingFrom.
	HasPricing  bool
	Category    usage.Category    // upper case ("MARKETING_LITE"), unknown values kept
	PricingType usage.PricingType // upper case ("FREE_CUSTOMER_SERVICE"), unknown values kept
	// Billable is the deprecated pricing.billable flag; nil when absent.
	Billable *bool
	// ErrorCodes are the codes of the status's errors (failed statuses).
	ErrorCodes []int
}

// CallEvent is one event of a WhatsApp voice call.
type CallEvent struct {
	CallID    string // the wacid
	Event     string // connect, terminate; other values kept as sent
	Direction usage.Direction
	Status    string // COMPLETED, FAILED, … as sent; empty on connect

	Timestamp time.Time // UTC, when the event happened
	StartTime time.Time // UTC; zero when not reported
	EndTime   time.Time // UTC; zero when not reported
	// DurationSeconds is the reported duration; when Meta leaves it out but
	// gives both start and end time, it is end − start.
	DurationSeconds int64

	From, To           string
	WABAID             string
	PhoneNumberID      string
	DisplayPhoneNumber string
}

// Ignored records a change Insights accepted but does not count, so that the
// receiver can log or meter it.
type Ignored struct {
	Field  string // the change's field ("account_update", "messages", "message_template_status_update", …)
	Reason string
}

// TierUpdate is a VOLUME_BASED_PRICING_TIER_UPDATE: a WABA reached a new
// volume tier for a pricing category in a market.
type TierUpdate struct {
	WABAID         string
	UpdateTime     time.Time      // UTC; zero when not reported
	Category       usage.Category // upper case
	Tier           string         // "25000001:50000000"
	EffectiveMonth string         // "2026-11"
	Region         string         // Meta's market name, e.g. "India"
	// Detail is the change's value as received, compacted JSON.
	Detail string
}

// AccountEvent is an account_update event other than a tier update
// (VERIFIED_ACCOUNT, ACCOUNT_VIOLATION, …): Insights keeps it for the
// account's history but does not count it.
type AccountEvent struct {
	WABAID string
	Event  string // "" when the update named none
	// Detail is the change's value as received, compacted JSON.
	Detail string
}

// Batch holds the events of one webhook delivery, in payload order.
type Batch struct {
	Statuses    []MessageStatus
	Calls       []CallEvent
	Ignored     []Ignored
	TierUpdates []TierUpdate
	// AccountEvents are the other account updates; each is also listed in
	// Ignored, since none is counted.
	AccountEvents []AccountEvent
}

// Len is the number of events that Insights stores (statuses, calls, tier updates).
func (b Batch) Len() int { return len(b.Statuses) + len(b.Calls) + len(b.TierUpdates) }

// Wire shapes, decoded with github.com/go-json-experiment/json under the
// reading rules of internal/jsonread (as the Partner API's answers are). A
// change's value stays raw until its field says what it holds; timestamps
// and durations are read by their own types, since they come as a JSON
// string or a number.

type wireEnvelope struct {
	Object string      `json:"object"`
	Entry  []wireEntry `json:"entry"` // nil when absent or null, empty for []
}

type wireEntry struct {
	ID      string       `json:"id"`
	Changes []wireChange `json:"changes"`
}

type wireChange struct {
	Field string         `json:"field"`
	Value jsontext.Value `json:"value"`
}

type wireMetadata struct {
	DisplayPhoneNumber string `json:"display_phone_number"`
	PhoneNumberID      string `json:"phone_number_id"`
}

// wireMessagesValue is the value of a "messages" change; inbound messages
// are only counted.
type wireMessagesValue struct {
	Metadata wireMetadata     `json:"metadata"`
	Statuses []wireStatus     `json:"statuses"`
	Messages []jsontext.Value `json:"messages"`
}

// wireCallsValue is the value of a "calls" change; call status updates are
// only counted.
type wireCallsValue struct {
	Metadata wireMetadata     `json:"metadata"`
	Calls    []wireCall       `json:"calls"`
	Statuses []jsontext.Value `json:"statuses"`
}

type wireStatus struct {
	ID          string   `json:"id"`
	Status      string   `json:"status"`
	Timestamp   unixTime `json:"timestamp"`
	RecipientID string   `json:"recipient_id"`
	Pricing     *struct {
		Billable *bool  `json:"billable"`
		Category string `json:"category"`
		Type     string `json:"type"`
	} `json:"pricing"`
	Errors []struct {
		Code *int `json:"code"`
	} `json:"errors"`
}

type wireCall struct {
	ID        string   `json:"id"`
	From      string   `json:"from"`
	To        string   `json:"to"`
	Event     string   `json:"event"`
	Direction string   `json:"direction"`
	Status    string   `json:"status"`
	Timestamp unixTime `json:"timestamp"`
	StartTime unixTime `json:"start_time"`
	EndTime   unixTime `json:"end_time"`
	Duration  seconds  `json:"duration"`
}

type wireAccountUpdate struct {
	Event          string `json:"event"`
	VolumeTierInfo *struct {
		TierUpdateTime  jsontext.Value `json:"tier_update_time"` // read for tier updates only
		PricingCategory string         `json:"pricing_category"`
		Tier            string         `json:"tier"`
		EffectiveMonth  string         `json:"effective_month"`
		Region          string         `json:"region"`
	} `json:"volume_tier_info"`
}

// Parse reads one webhook body into a Batch. It rejects the whole body with
// a *ParseError when any part is malformed: invalid JSON, an object other
// than "whatsapp_business_account", an entry without id, a change without
// field, a status without id or status, a call without id or event, or a
// timestamp that is not unix seconds (as a string or a number). Unknown change
// fields, inbound messages and account updates other than tier updates are
// listed in Batch.Ignored (those account updates also in
// Batch.AccountEvents); unknown values and extra keys pass through.
func Parse(body []byte) (Batch, error) {
	var b Batch
	if len(body) > MaxBodyBytes {
		return b, &ParseError{Msg: fmt.Sprintf("body of %d bytes exceeds the limit of %d", len(body), MaxBodyBytes)}
	}
	var env wireEnvelope
	if err := decode(body, &env, ""); err != nil {
		return Batch{}, err
	}
	switch env.Object {
	case ObjectWhatsApp:
	case "":
		return Batch{}, &ParseError{Path: "object", Msg: fmt.Sprintf("missing, want %q", ObjectWhatsApp)}
	default:
		return Batch{}, &ParseError{Path: "object", Msg: fmt.Sprintf("is %q, want %q", env.Object, ObjectWhatsApp)}
	}
	if env.Entry == nil {
		return Batch{}, &ParseError{Path: "entry", Msg: "missing"}
	}
	for i, e := range env.Entry {
		if err := b.addEntry(e, fmt.Sprintf("entry[%d]", i)); err != nil {
			return Batch{}, err
		}
	}
	return b, nil
}

func (b *Batch) addEntry(e wireEntry, path string) error {
	if e.ID == "" {
		return &ParseError{Path: join(path, "id"), Msg: "missing WABA id"}
	}
	for i, c := range e.Changes {
		if err := b.addChange(c, e.ID, fmt.Sprintf("%s.changes[%d]", path, i)); err != nil {
			return err
		}
	}
	return nil
}

func (b *Batch) addChange(c wireChange, wabaID, path string) error {
	if c.Field == "" {
		return &ParseError{Path: join(path, "field"), Msg: "missing"}
	}
	vpath := join(path, "value")
	switch c.Field {
	case FieldMessages, FieldCalls, FieldAccountUpdate:
		if isNull(c.Value) {
			return &ParseError{Path: vpath, Msg: "missing"}
		}
	default:
		b.Ignored = append(b.Ignored, Ignored{Field: c.Field, Reason: "field not used by Insights"})
		return nil
	}
	switch c.Field {
	case FieldAccountUpdate:
		return b.addAccountUpdate(c.Value, wabaID, vpath)
	case FieldCalls:
		return b.addCalls(c.Value, wabaID, vpath)
	}
	var v wireMessagesValue
	if err := decode(c.Value, &v, vpath); err != nil {
		return err
	}
	for i, w := range v.Statuses {
		s, err := parseStatus(w, fmt.Sprintf("%s.statuses[%d]", vpath, i))
		if err != nil {
			return err
		}
		s.WABAID, s.PhoneNumberID, s.DisplayPhoneNumber = wabaID, v.Metadata.PhoneNumberID, v.Metadata.DisplayPhoneNumber
		b.Statuses = append(b.Statuses, s)
	}
	if len(v.Messages) > 0 {
		b.Ignored = append(b.Ignored, Ignored{Field: c.Field, Reason: fmt.Sprintf("%d inbound message(s) not counted", len(v.Messages))})
	}
	if len(v.Statuses) == 0 && len(v.Messages) == 0 {
		b.Ignored = append(b.Ignored, Ignored{Field: c.Field, Reason: "no statuses"})
	}
	return nil
}

func (b *Batch) addCalls(raw jsontext.Value, wabaID, path string) error {
	var v wireCallsValue
	if err := decode(raw, &v, path); err != nil {
		return err
	}
	for i, w := range v.Calls {
		ev, err := parseCall(w, fmt.Sprintf("%s.calls[%d]", path, i))
		if err != nil {
			return err
		}
		ev.WABAID, ev.PhoneNumberID, ev.DisplayPhoneNumber = wabaID, v.Metadata.PhoneNumberID, v.Metadata.DisplayPhoneNumber
		b.Calls = append(b.Calls, ev)
	}
	if len(v.Statuses) > 0 {
		b.Ignored = append(b.Ignored, Ignored{Field: FieldCalls, Reason: fmt.Sprintf("%d call status update(s) not counted", len(v.Statuses))})
	}
	if len(v.Calls) == 0 && len(v.Statuses) == 0 {
		b.Ignored = append(b.Ignored, Ignored{Field: FieldCalls, Reason: "no call events"})
	}
	return nil
}

func (b *Batch) addAccountUpdate(raw jsontext.Value, wabaID, path string) error {
	var u wireAccountUpdate
	if err := decode(raw, &u, path); err != nil {
		return err
	}
	if u.Event != EventTierUpdate {
		reason := "account update not counted"
		if u.Event != "" {
			reason = fmt.Sprintf("account update %q not counted", u.Event)
		}
		b.Ignored = append(b.Ignored, Ignored{Field: FieldAccountUpdate, Reason: reason})
		b.AccountEvents = append(b.AccountEvents, AccountEvent{WABAID: wabaID, Event: u.Event, Detail: compact(raw)})
		return nil
	}
	info := u.VolumeTierInfo
	ipath := join(path, "volume_tier_info")
	if info == nil {
		return &ParseError{Path: ipath, Msg: "missing for " + EventTierUpdate}
	}
	var at unixTime
	if !isNull(info.TierUpdateTime) {
		if err := decode(info.TierUpdateTime, &at, join(ipath, "tier_update_time")); err != nil {
			return err
		}
	}
	b.TierUpdates = append(b.TierUpdates, TierUpdate{
		WABAID:         wabaID,
		UpdateTime:     at.t,
		Category:       usage.ParseCategory(info.PricingCategory),
		Tier:           info.Tier,
		EffectiveMonth: info.EffectiveMonth,
		Region:         info.Region,
		Detail:         compact(raw),
	})
	return nil
}

// compact is raw without insignificant white space (raw as is when it does
// not compact, which a value that decoded cannot do).
func compact(raw jsontext.Value) string {
	v := raw.Clone()
	if err := v.Compact(); err != nil {
		return string(raw)
	}
	return string(v)
}

func parseStatus(w wireStatus, path string) (MessageStatus, error) {
	if w.ID == "" {
		return MessageStatus{}, &ParseError{Path: join(path, "id"), Msg: "missing message id"}
	}
	if w.Status == "" {
		return MessageStatus{}, &ParseError{Path: join(path, "status"), Msg: "missing"}
	}
	ts, err := w.Timestamp.required(join(path, "timestamp"))
	if err != nil {
		return MessageStatus{}, err
	}
	s := MessageStatus{MessageID: w.ID, Status: w.Status, Timestamp: ts, RecipientID: w.RecipientID}
	if p := w.Pricing; p != nil {
		s.HasPricing = true
		s.Category = usage.ParseCategory(p.Category)
		s.PricingType = usage.ParsePricingType(p.Type)
		s.Billable = p.Billable
	}
	for _, e := range w.Errors {
		if e.Code != nil {
			s.ErrorCodes = append(s.ErrorCodes, *e.Code)
		}
	}
	return s, nil
}

func parseCall(w wireCall, path string) (CallEvent, error) {
	if w.ID == "" {
		return CallEvent{}, &ParseError{Path: join(path, "id"), Msg: "missing call id"}
	}
	if w.Event == "" {
		return CallEvent{}, &ParseError{Path: join(path, "event"), Msg: "missing"}
	}
	ev := CallEvent{
		CallID: w.ID, Event: w.Event, Direction: usage.ParseDirection(w.Direction), Status: w.Status,
		From: w.From, To: w.To, StartTime: w.StartTime.t, EndTime: w.EndTime.t,
	}
	var err error
	if ev.Timestamp, err = w.Timestamp.required(join(path, "timestamp")); err != nil {
		return CallEvent{}, err
	}
	if !ev.StartTime.IsZero() && !ev.EndTime.IsZero() && ev.EndTime.Before(ev.StartTime) {
		return CallEvent{}, &ParseError{Path: join(path, "end_time"), Msg: "before start_time"}
	}
	switch {
	case w.Duration.set:
		ev.DurationSeconds = w.Duration.n
	case !ev.StartTime.IsZero() && !ev.EndTime.IsZero():
		ev.DurationSeconds = int64(ev.EndTime.Sub(ev.StartTime) / time.Second)
	}
	return ev, nil
}

// unixTime is a timestamp in unix seconds, given as a JSON string
// ("1764064800") or number (1764064800); zero when absent or null.
type unixTime struct{ t time.Time }

// UnmarshalJSONFrom reads null, or unix seconds within 1970 to 9999.
func (u *unixTime) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	*u = unixTime{}
	var s seconds
	if err := s.UnmarshalJSONFrom(dec); err != nil {
		return valueError("not unix seconds: " + err.Error())
	}
	if !s.set {
		return nil
	}
	if s.n == 0 || s.n > maxUnixSeconds {
		return valueError(fmt.Sprintf("unix seconds %d out of range", s.n))
	}
	u.t = time.Unix(s.n, 0).UTC()
	return nil
}

// required returns the time, or a *ParseError at path when it was not given.
func (u unixTime) required(path string) (time.Time, error) {
	if u.t.IsZero() {
		return time.Time{}, &ParseError{Path: path, Msg: "missing"}
	}
	return u.t, nil
}

// seconds is a non-negative whole number given as a JSON number or a string
// of decimal digits; set is false when it is absent or null.
type seconds struct {
	n   int64
	set bool
}

// UnmarshalJSONFrom reads null, a number or a string of digits.
func (s *seconds) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	*s = seconds{}
	raw, err := dec.ReadValue()
	if err != nil {
		return err
	}
	if raw.Kind() == 'n' {
		return nil
	}
	n, err := parseInt(raw)
	if err != nil {
		return valueError(err.Error())
	}
	*s = seconds{n: n, set: true}
	return nil
}

// parseInt reads a non-negative whole number given as a JSON number or a
// string of decimal digits.
func parseInt(raw jsontext.Value) (int64, error) {
	var s string
	switch raw.Kind() {
	case '"':
		unquoted, err := jsontext.AppendUnquote(nil, raw)
		if err != nil {
			return 0, fmt.Errorf("bad string %s", truncate(raw))
		}
		s = string(unquoted)
	case '0':
		s = string(raw)
	default:
		return 0, fmt.Errorf("want a string or number, got %s", truncate(raw))
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("want a non-negative whole number, got %s", truncate(raw))
		}
	}
	if s == "" {
		return 0, errors.New("empty string")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("number %s out of range", truncate(raw))
	}
	return n, nil
}

// valueError is a value's own fault, found by the type that reads it; its
// text is the whole message.
type valueError string

func (e valueError) Error() string { return string(e) }

// decode reads raw into v and turns any failure into a *ParseError at path.
func decode(raw []byte, v any, path string) error {
	err := jsonread.Unmarshal(raw, v)
	if err == nil {
		return nil
	}
	var syntax *jsontext.SyntacticError
	var semantic *json.SemanticError
	var own valueError
	switch {
	case errors.As(err, &syntax):
		return &ParseError{Path: path, Msg: fmt.Sprintf("invalid JSON at byte %d: %v", syntax.ByteOffset, syntax.Err)}
	case errors.As(err, &semantic):
		at := join(path, jsonread.Path(semantic.JSONPointer))
		if errors.As(err, &own) {
			return &ParseError{Path: at, Msg: own.Error()}
		}
		msg := fmt.Sprintf("want %s, got %s", jsonKind(semantic.GoType), kindWord(semantic.JSONKind))
		if semantic.Err != nil {
			msg += ": " + semantic.Err.Error()
		}
		return &ParseError{Path: at, Msg: msg}
	}
	return &ParseError{Path: path, Msg: "invalid JSON: " + err.Error()}
}

// jsonKind names the JSON type a Go type is decoded from.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return t.String()
}

// kindWord names a JSON kind as it was found: "number", "array".
func kindWord(k jsontext.Kind) string {
	switch k {
	case '"':
		return "string"
	case '0':
		return "number"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	case '{':
		return "object"
	case '[':
		return "array"
	}
	return "a value"
}

func join(path, field string) string {
	switch {
	case field == "":
		return path
	case path == "":
		return field
	}
	return path + "." + field
}

func isNull(raw jsontext.Value) bool {
	return len(raw) == 0 || raw.Kind() == 'n'
}

func truncate(raw []byte) string {
	const max = 40
	if len(raw) > max {
		return string(raw[:max]) + "…"
	}
	return string(raw)
}
