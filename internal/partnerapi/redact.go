package partnerapi

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/insights-dev/insights/internal/jsonread"
)

// Redactor rewrites answers of the Partner API so they can be sent to
// support: the structure, the member names and the kind of every value
// stay, while the API key never appears, the partner id becomes
// "{partner}", and phone numbers, names, e-mail addresses and the ids of
// clients, channels and WABAs become placeholders. A placeholder is stable:
// one value gets the same one everywhere a Redactor meets it, so the client
// id of a channel still matches the client's id in the client list.
type Redactor struct {
	apiKey, partnerID string
	seen              map[string]map[string]int // category → value → number
}

// NewRedactor returns a Redactor that hides apiKey and partnerID.
func NewRedactor(apiKey, partnerID string) *Redactor {
	return &Redactor{apiKey: apiKey, partnerID: partnerID, seen: map[string]map[string]int{}}
}

// JSON redacts a JSON body. A body that is not JSON gives an error, and
// nothing of it should be sent.
func (r *Redactor) JSON(body []byte) (jsontext.Value, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(body), jsonread.Options())
	var out bytes.Buffer
	enc := jsontext.NewEncoder(&out, jsonread.Options())
	if err := r.value(dec, enc, "", ""); err != nil {
		return nil, fmt.Errorf("redact: %w", err)
	}
	return jsontext.Value(bytes.TrimSpace(out.Bytes())), nil
}

// value copies the next value; member is the name it (or its list) has,
// parent the name of the member that holds its object.
func (r *Redactor) value(dec *jsontext.Decoder, enc *jsontext.Encoder, member, parent string) error {
	switch dec.PeekKind() {
	case '{':
		return r.container(dec, enc, '}', func() error {
			tok, err := dec.ReadToken()
			if err != nil {
				return err
			}
			if err := enc.WriteToken(jsontext.String(r.Text(tok.String()))); err != nil {
				return err
			}
			return r.value(dec, enc, tok.String(), member)
		})
	case '[':
		return r.container(dec, enc, ']', func() error { return r.value(dec, enc, member, parent) })
	case '"':
		tok, err := dec.ReadToken()
		if err != nil {
			return err
		}
		return enc.WriteToken(jsontext.String(r.text(member, parent, tok.String())))
	case '0':
		v, err := dec.ReadValue()
		if err != nil {
			return err
		}
		return enc.WriteValue(r.number(member, parent, v))
	}
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	return enc.WriteValue(v)
}

// container copies an object or array, each item with item.
func (r *Redactor) container(dec *jsontext.Decoder, enc *jsontext.Encoder, end jsontext.Kind, item func() error) error {
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	if err := enc.WriteToken(tok); err != nil {
		return err
	}
	for dec.PeekKind() != end {
		if err := item(); err != nil {
			return err
		}
	}
	if tok, err = dec.ReadToken(); err != nil {
		return err
	}
	return enc.WriteToken(tok)
}

// category says what a member holds that must not be sent: "client",
// "channel", "waba" or another id, "phone", "email", "name"; "" for
// anything else.
func category(member, parent string) string {
	m := strings.ToLower(member)
	switch {
	case m == "id":
		switch strings.ToLower(parent) {
		case "clients", "client":
			return "client"
		case "partner_channels", "channels", "channel":
			return "channel"
		case "waba_account", "waba", "":
			return "waba"
		}
		return strings.ToLower(parent) + "-id"
	case m == "external_id":
		return "waba-external"
	case m == "timezone_id":
		return ""
	case strings.HasSuffix(m, "_id"):
		return strings.TrimSuffix(m, "_id")
	case strings.Contains(m, "mail"):
		return "email"
	case strings.Contains(m, "phone") && !strings.Contains(m, "name"), m == "msisdn", m == "wa_id":
		return "phone"
	case strings.Contains(m, "name"), m == "organisation", m == "organization", m == "company", strings.Contains(m, "address"):
		return "name"
	}
	return ""
}

var emailLike = regexp.MustCompile(`[^\s@"]+@[^\s@"]+`)

// Text hides the API key, the partner id and e-mail addresses in free text
// (an error message, a member name).
func (r *Redactor) Text(s string) string {
	if r.apiKey != "" {
		s = strings.ReplaceAll(s, r.apiKey, "[redacted]")
	}
	if r.partnerID != "" {
		s = strings.ReplaceAll(s, r.partnerID, "{partner}")
	}
	return emailLike.ReplaceAllStringFunc(s, func(e string) string { return r.placeholder("email", e) })
}

// text redacts a string value of member.
func (r *Redactor) text(member, parent, s string) string {
	switch cat := category(member, parent); cat {
	case "":
		return r.Text(s)
	case "phone":
		return r.digits(s)
	default:
		if s == "" {
			return s
		}
		if s == r.partnerID {
			return "{partner}"
		}
		return r.placeholder(cat, s)
	}
}

// number redacts a number value of member: the kind stays a number.
func (r *Redactor) number(member, parent string, v jsontext.Value) jsontext.Value {
	switch cat := category(member, parent); cat {
	case "":
		return v
	case "phone":
		return jsontext.Value(r.digits(string(v)))
	default:
		return jsontext.Value(strconv.Itoa(r.index(cat, string(v))))
	}
}

// placeholder is "client-1", "name-3", "email-2@example.invalid".
func (r *Redactor) placeholder(cat, v string) string {
	p := cat + "-" + strconv.Itoa(r.index(cat, v))
	if cat == "email" {
		p += "@example.invalid"
	}
	return p
}

// digits replaces the digits of a phone number with a stable made-up
// number of the same length (a 1, then zeros and the placeholder's number),
// keeping its other characters ("+", spaces).
func (r *Redactor) digits(s string) string {
	n := 0
	for _, c := range s {
		if c >= '0' && c <= '9' {
			n++
		}
	}
	if n == 0 {
		return s
	}
	fake := strconv.Itoa(r.index("phone", s))
	if len(fake) < n {
		fake = "1" + strings.Repeat("0", n-1-len(fake)) + fake
	}
	var b strings.Builder
	i := 0
	for _, c := range s {
		if c >= '0' && c <= '9' {
			if i < len(fake) {
				b.WriteByte(fake[i])
			}
			i++
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// index numbers the values of a category from 1, in the order first met.
func (r *Redactor) index(cat, v string) int {
	m := r.seen[cat]
	if m == nil {
		m = map[string]int{}
		r.seen[cat] = m
	}
	if n, ok := m[v]; ok {
		return n
	}
	m[v] = len(m) + 1
	return m[v]
}
