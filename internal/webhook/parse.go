package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"time"

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
}

// Batch holds the events of one webhook delivery, in payload order.
type Batch struct {
	Statuses    []MessageStatus
	Calls       []CallEvent
	Ignored     []Ignored
	TierUpdates []TierUpdate
}

// Len is the number of events that Insights stores (statuses, calls, tier updates).
func (b Batch) Len() int { return len(b.Statuses) + len(b.Calls) + len(b.TierUpdates) }

// Wire shapes. Timestamps and durations stay raw so that they can be either a
// JSON string or a number and so that errors name their path.

type wireEnvelope struct {
	Object string            `json:"object"`
	Entry  []json.RawMessage `json:"entry"`
}

type wireEntry struct {
	ID      string            `json:"id"`
	Changes []json.RawMessage `json:"changes"`
}

type wireChange struct {
	Field string          `json:"field"`
	Value json.RawMessage `json:"value"`
}

type wireMetadata struct {
	DisplayPhoneNumber string `json:"display_phone_number"`
	PhoneNumberID      string `json:"phone_number_id"`
}

type wireMessagesValue struct {
	Metadata wireMetadata      `json:"metadata"`
	Statuses []json.RawMessage `json:"statuses"`
	Messages []json.RawMessage `json:"messages"`
	Calls    []json.RawMessage `json:"calls"`
}

type wireStatus struct {
	ID          string          `json:"id"`
	Status      string          `json:"status"`
	Timestamp   json.RawMessage `json:"timestamp"`
	RecipientID string          `json:"recipient_id"`
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
	ID        string          `json:"id"`
	From      string          `json:"from"`
	To        string          `json:"to"`
	Event     string          `json:"event"`
	Direction string          `json:"direction"`
	Status    string          `json:"status"`
	Timestamp json.RawMessage `json:"timestamp"`
	StartTime json.RawMessage `json:"start_time"`
	EndTime   json.RawMessage `json:"end_time"`
	Duration  json.RawMessage `json:"duration"`
}

type wireAccountUpdate struct {
	Event          string `json:"event"`
	VolumeTierInfo *struct {
		TierUpdateTime  json.RawMessage `json:"tier_update_time"`
		PricingCategory string          `json:"pricing_category"`
		Tier            string          `json:"tier"`
		EffectiveMonth  string          `json:"effective_month"`
		Region          string          `json:"region"`
	} `json:"volume_tier_info"`
}

// Parse reads one webhook body into a Batch. It rejects the whole body with
// a *ParseError when any part is malformed: invalid JSON, an object other
// than "whatsapp_business_account", an entry without id, a change without
// field, a status without id or status, a call without id or event, or a
// timestamp that is not unix seconds (as a string or a number). Unknown change
// fields, inbound messages and account updates other than tier updates are
// listed in Batch.Ignored; unknown values and extra keys pass through.
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
	for i, raw := range env.Entry {
		if err := b.addEntry(raw, fmt.Sprintf("entry[%d]", i)); err != nil {
			return Batch{}, err
		}
	}
	return b, nil
}

func (b *Batch) addEntry(raw json.RawMessage, path string) error {
	var e wireEntry
	if err := decode(raw, &e, path); err != nil {
		return err
	}
	if e.ID == "" {
		return &ParseError{Path: join(path, "id"), Msg: "missing WABA id"}
	}
	for i, raw := range e.Changes {
		if err := b.addChange(raw, e.ID, fmt.Sprintf("%s.changes[%d]", path, i)); err != nil {
			return err
		}
	}
	return nil
}

func (b *Batch) addChange(raw json.RawMessage, wabaID, path string) error {
	var c wireChange
	if err := decode(raw, &c, path); err != nil {
		return err
	}
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
	if c.Field == FieldAccountUpdate {
		return b.addAccountUpdate(c.Value, wabaID, vpath)
	}

	var v wireMessagesValue
	if err := decode(c.Value, &v, vpath); err != nil {
		return err
	}
	if c.Field == FieldCalls {
		for i, raw := range v.Calls {
			ev, err := parseCall(raw, fmt.Sprintf("%s.calls[%d]", vpath, i))
			if err != nil {
				return err
			}
			ev.WABAID, ev.PhoneNumberID, ev.DisplayPhoneNumber = wabaID, v.Metadata.PhoneNumberID, v.Metadata.DisplayPhoneNumber
			b.Calls = append(b.Calls, ev)
		}
		if len(v.Statuses) > 0 {
			b.Ignored = append(b.Ignored, Ignored{Field: c.Field, Reason: fmt.Sprintf("%d call status update(s) not counted", len(v.Statuses))})
		}
		if len(v.Calls) == 0 && len(v.Statuses) == 0 {
			b.Ignored = append(b.Ignored, Ignored{Field: c.Field, Reason: "no call events"})
		}
		return nil
	}

	for i, raw := range v.Statuses {
		s, err := parseStatus(raw, fmt.Sprintf("%s.statuses[%d]", vpath, i))
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

func (b *Batch) addAccountUpdate(raw json.RawMessage, wabaID, path string) error {
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
		return nil
	}
	info := u.VolumeTierInfo
	ipath := join(path, "volume_tier_info")
	if info == nil {
		return &ParseError{Path: ipath, Msg: "missing for " + EventTierUpdate}
	}
	at, err := parseUnix(info.TierUpdateTime, join(ipath, "tier_update_time"), false)
	if err != nil {
		return err
	}
	b.TierUpdates = append(b.TierUpdates, TierUpdate{
		WABAID:         wabaID,
		UpdateTime:     at,
		Category:       usage.ParseCategory(info.PricingCategory),
		Tier:           info.Tier,
		EffectiveMonth: info.EffectiveMonth,
		Region:         info.Region,
	})
	return nil
}

func parseStatus(raw json.RawMessage, path string) (MessageStatus, error) {
	var w wireStatus
	if err := decode(raw, &w, path); err != nil {
		return MessageStatus{}, err
	}
	if w.ID == "" {
		return MessageStatus{}, &ParseError{Path: join(path, "id"), Msg: "missing message id"}
	}
	if w.Status == "" {
		return MessageStatus{}, &ParseError{Path: join(path, "status"), Msg: "missing"}
	}
	ts, err := parseUnix(w.Timestamp, join(path, "timestamp"), true)
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

func parseCall(raw json.RawMessage, path string) (CallEvent, error) {
	var w wireCall
	if err := decode(raw, &w, path); err != nil {
		return CallEvent{}, err
	}
	if w.ID == "" {
		return CallEvent{}, &ParseError{Path: join(path, "id"), Msg: "missing call id"}
	}
	if w.Event == "" {
		return CallEvent{}, &ParseError{Path: join(path, "event"), Msg: "missing"}
	}
	ev := CallEvent{
		CallID: w.ID, Event: w.Event, Direction: usage.ParseDirection(w.Direction), Status: w.Status,
		From: w.From, To: w.To,
	}
	var err error
	if ev.Timestamp, err = parseUnix(w.Timestamp, join(path, "timestamp"), true); err != nil {
		return CallEvent{}, err
	}
	if ev.StartTime, err = parseUnix(w.StartTime, join(path, "start_time"), false); err != nil {
		return CallEvent{}, err
	}
	if ev.EndTime, err = parseUnix(w.EndTime, join(path, "end_time"), false); err != nil {
		return CallEvent{}, err
	}
	if !ev.StartTime.IsZero() && !ev.EndTime.IsZero() && ev.EndTime.Before(ev.StartTime) {
		return CallEvent{}, &ParseError{Path: join(path, "end_time"), Msg: "before start_time"}
	}
	if isNull(w.Duration) {
		if !ev.StartTime.IsZero() && !ev.EndTime.IsZero() {
			ev.DurationSeconds = int64(ev.EndTime.Sub(ev.StartTime) / time.Second)
		}
	} else {
		d, err := parseInt(w.Duration)
		if err != nil {
			return CallEvent{}, &ParseError{Path: join(path, "duration"), Msg: err.Error()}
		}
		ev.DurationSeconds = d
	}
	return ev, nil
}

// parseUnix reads unix seconds given as a JSON string ("1764064800") or number
// (1764064800). A missing or null value is an error when required and the zero
// time otherwise.
func parseUnix(raw json.RawMessage, path string, required bool) (time.Time, error) {
	if isNull(raw) {
		if required {
			return time.Time{}, &ParseError{Path: path, Msg: "missing"}
		}
		return time.Time{}, nil
	}
	n, err := parseInt(raw)
	if err != nil {
		return time.Time{}, &ParseError{Path: path, Msg: "not unix seconds: " + err.Error()}
	}
	if n == 0 || n > maxUnixSeconds {
		return time.Time{}, &ParseError{Path: path, Msg: fmt.Sprintf("unix seconds %d out of range", n)}
	}
	return time.Unix(n, 0).UTC(), nil
}

// parseInt reads a non-negative whole number given as a JSON number or a
// string of decimal digits.
func parseInt(raw json.RawMessage) (int64, error) {
	s := string(raw)
	if len(raw) > 0 && raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, fmt.Errorf("bad string %s", raw)
		}
	} else if len(raw) == 0 || (raw[0] != '-' && (raw[0] < '0' || raw[0] > '9')) {
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

// decode unmarshals raw into v and turns any failure into a *ParseError at path.
func decode(raw []byte, v any, path string) error {
	err := json.Unmarshal(raw, v)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return &ParseError{Path: join(path, te.Field), Msg: fmt.Sprintf("want %s, got %s", jsonKind(te.Type), te.Value)}
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &ParseError{Path: path, Msg: fmt.Sprintf("invalid JSON at byte %d: %v", se.Offset, err)}
	}
	return &ParseError{Path: path, Msg: "invalid JSON: " + err.Error()}
}

// jsonKind names the JSON type a Go type is decoded from.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	if t == reflect.TypeFor[json.RawMessage]() {
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

func join(path, field string) string {
	switch {
	case field == "":
		return path
	case path == "":
		return field
	}
	return path + "." + field
}

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || bytes.Equal(raw, []byte("null"))
}

func truncate(raw []byte) string {
	const max = 40
	if len(raw) > max {
		return string(raw[:max]) + "…"
	}
	return string(raw)
}
