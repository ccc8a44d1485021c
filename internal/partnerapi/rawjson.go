package partnerapi

// The generic half of decoding: a reader of raw JSON that keeps numbers as
// their exact text and knows the path of every value, so that decode.go can
// state the contract in a few lines per field and every error names its field.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/insights-dev/insights/internal/usage"
)

// object is one JSON object's members, kept raw so that each is decoded (and
// blamed) on its own. Its values are slices of a body that parseRoot has
// validated, so the splitting below need not check the JSON grammar again.
// path and index say where the object sits in the body (index is -1 unless
// the object is an array element); the path text is only built for errors.
type object struct {
	path    string
	index   int
	members []member
}

// member is one name/value pair; key is the unquoted name.
type member struct {
	key []byte
	val []byte
}

// parseRoot reads a whole body, which must be one JSON object.
func parseRoot(body []byte) (object, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return object{}, &DecodeError{Err: errors.New("empty body")}
	}
	if body[0] != '{' {
		if !json.Valid(body) {
			return object{}, &DecodeError{Err: errors.New("invalid JSON")}
		}
		return object{}, &DecodeError{Err: fmt.Errorf("want a JSON object, got %s", kind(body))}
	}
	if !json.Valid(body) {
		var m map[string]json.RawMessage // only for encoding/json's description of the fault
		err := json.Unmarshal(body, &m)
		return object{}, &DecodeError{Err: fmt.Errorf("invalid JSON: %w", err)}
	}
	return object{index: -1, members: splitObject(body)}, nil
}

// where is the object's own path.
func (o object) where() string {
	if o.index < 0 {
		return o.path
	}
	return o.path + "[" + strconv.Itoa(o.index) + "]"
}

func (o object) at(key string) string {
	if w := o.where(); w != "" {
		return w + "." + key
	}
	return key
}

func (o object) fail(key string, err error) error { return &DecodeError{Field: o.at(key), Err: err} }

func (o object) missing(key string) error {
	return o.fail(key, errors.New("required field is missing"))
}

// raw returns a member; absent and null are both "not there". When a name
// repeats, the last one counts, as with encoding/json.
func (o object) raw(key string) (json.RawMessage, bool) {
	for i := len(o.members) - 1; i >= 0; i-- {
		if m := o.members[i]; string(m.key) == key {
			if isNull(m.val) {
				return nil, false
			}
			return m.val, true
		}
	}
	return nil, false
}

// has reports whether the member key is there at all, null included: an
// explicit null states "none", an absent member states nothing.
func (o object) has(key string) bool {
	for _, m := range o.members {
		if string(m.key) == key {
			return true
		}
	}
	return false
}

// object returns the member key as an object; ok is false when it is absent
// or null (the returned object is then empty, so its lookups find nothing).
func (o object) object(key string) (object, bool, error) {
	child := object{path: o.at(key), index: -1}
	r, ok := o.raw(key)
	if !ok {
		return child, false, nil
	}
	if r[0] != '{' {
		return child, false, o.fail(key, fmt.Errorf("want an object, got %s", kind(r)))
	}
	child.members = splitObject(r)
	return child, true, nil
}

// objects returns the member key as an array of objects; absent or null is empty.
func (o object) objects(key string) ([]object, error) {
	r, ok := o.raw(key)
	if !ok {
		return nil, nil
	}
	if r[0] != '[' {
		return nil, o.fail(key, fmt.Errorf("want an array, got %s", kind(r)))
	}
	elems := splitArray(r)
	out := make([]object, len(elems))
	path := o.at(key)
	for i, e := range elems {
		out[i] = object{path: path, index: i}
		if e[0] != '{' {
			return nil, &DecodeError{Field: out[i].where(), Err: fmt.Errorf("want an object, got %s", kind(e))}
		}
		out[i].members = splitObject(e)
	}
	return out, nil
}

// dataPoints collects an analytics object's points from both wrappings:
// data[].data_points[] and data_points[]. The object must name at least one
// of them and every group its data_points (an empty list or null says "no
// points"): {} or a shape of other names is no answer, not an empty one.
func (o object) dataPoints() ([]object, error) {
	if !o.has("data") && !o.has("data_points") {
		return nil, &DecodeError{Field: o.where(), Err: errors.New("has neither data nor data_points")}
	}
	groups, err := o.objects("data")
	if err != nil {
		return nil, err
	}
	var out []object
	for _, g := range groups {
		if !g.has("data_points") {
			return nil, g.missing("data_points")
		}
		pts, err := g.objects("data_points")
		if err != nil {
			return nil, err
		}
		out = append(out, pts...)
	}
	pts, err := o.objects("data_points")
	if err != nil {
		return nil, err
	}
	return append(out, pts...), nil
}

// str is text for ids, codes and the dimensions of a usage point, which
// become keys in the store: a string that is not valid UTF-8 is refused, as
// a replacement character could make two different values one. U+FFFD
// itself is refused too, whether it stands for invalid bytes, an escaped
// lone surrogate or was sent as it is: no id or code holds it.
func (o object) str(key string) (string, error) {
	s, err := o.text(key)
	if err == nil && strings.Contains(s, "\uFFFD") {
		return "", o.fail(key, errors.New("not valid UTF-8 (or holds U+FFFD)"))
	}
	return s, err
}

// text returns a string member, trimmed; absent or null is "". A number is
// taken as its literal text, since ids are sometimes sent as numbers. Bytes
// that are not valid UTF-8, and escaped lone surrogates, become U+FFFD (as
// with encoding/json): text is for names people read, where a garbled
// character should not cost the whole list.
func (o object) text(key string) (string, error) {
	r, ok := o.raw(key)
	if !ok {
		return "", nil
	}
	switch {
	case r[0] == '"':
		s, err := unquote(r)
		if err != nil {
			return "", o.fail(key, err)
		}
		return strings.TrimSpace(s), nil
	case r[0] == '-' || (r[0] >= '0' && r[0] <= '9'):
		return string(r), nil
	}
	return "", o.fail(key, fmt.Errorf("want a string, got %s", kind(r)))
}

// requiredString is str for a member that must be present and non-empty.
func (o object) requiredString(key string) (string, error) {
	s, err := o.str(key)
	if err == nil && s == "" {
		err = o.missing(key)
	}
	return s, err
}

// currency returns an ISO 4217 code, upper-cased; "" when absent.
func (o object) currency(key string) (string, error) {
	s, err := o.str(key)
	if err != nil || s == "" {
		return "", err
	}
	c := usage.NormalizeCurrency(s)
	if len(c) != 3 || strings.Trim(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return "", o.fail(key, fmt.Errorf("not a currency code: %q", s))
	}
	return c, nil
}

// country returns an ISO 3166 alpha-2 code, upper-cased; "" when absent.
func (o object) country(key string) (string, error) {
	s, err := o.str(key)
	return strings.ToUpper(s), err
}

// granularity reads a granularity in any spelling; def when absent.
func (o object) granularity(key string, def usage.Granularity) (usage.Granularity, error) {
	s, err := o.str(key)
	if err != nil || s == "" {
		return def, err
	}
	g, err := usage.ParseGranularity(s)
	if err != nil {
		return def, o.fail(key, err)
	}
	return g, nil
}

// number returns the exact text of a numeric member (a number, or a string
// holding one).
func (o object) number(key string) (string, bool, error) {
	r, ok := o.raw(key)
	if !ok {
		return "", false, nil
	}
	text, err := numberText(r)
	if err != nil {
		return "", false, o.fail(key, err)
	}
	return text, true, nil
}

// decimal reads a number (or a string holding one) exactly.
func (o object) decimal(key string) (*big.Rat, bool, error) {
	text, ok, err := o.number(key)
	if err != nil || !ok {
		return nil, false, err
	}
	v, ok := new(big.Rat).SetString(text)
	if !ok {
		return nil, false, o.fail(key, fmt.Errorf("not a number: %s", text))
	}
	return v, true, nil
}

// integer reads a whole number (1.2e2 is 120; 1.5 is an error).
func (o object) integer(key string) (int64, bool, error) {
	text, ok, err := o.number(key)
	if err != nil || !ok {
		return 0, false, err
	}
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		return n, true, nil // the usual case: plain digits
	}
	v, ok := new(big.Rat).SetString(text)
	switch {
	case !ok:
		return 0, false, o.fail(key, fmt.Errorf("not a number: %s", text))
	case !v.IsInt():
		return 0, false, o.fail(key, fmt.Errorf("not a whole number: %s", v.FloatString(6)))
	case !v.Num().IsInt64():
		return 0, false, o.fail(key, errors.New("out of range"))
	}
	return v.Num().Int64(), true, nil
}

// count reads a non-negative whole number.
func (o object) count(key string, required bool) (int64, error) {
	n, ok, err := o.integer(key)
	switch {
	case err != nil:
		return 0, err
	case !ok && required:
		return 0, o.missing(key)
	case n < 0:
		return 0, o.fail(key, fmt.Errorf("negative: %d", n))
	}
	return n, nil
}

// money reads an amount in the currency's major unit into nano-units; known
// is false when it is absent or null. Digits beyond the ninth decimal (float
// printing noise such as 0.30000000000000004) are rounded to the nearest nano.
func (o object) money(key string) (nanos int64, known bool, err error) {
	r, ok := o.raw(key)
	if !ok {
		return 0, false, nil
	}
	text, err := numberText(r)
	if err != nil {
		return 0, false, o.fail(key, err)
	}
	n, err := usage.ParseDecimal(text)
	if errors.Is(err, usage.ErrInexact) {
		v, _ := new(big.Rat).SetString(text)
		var exact bool
		if n, exact = roundRat(v.Mul(v, big.NewRat(usage.NanosPerUnit, 1))); exact {
			err = nil
		}
	}
	if err != nil {
		return 0, false, o.fail(key, err)
	}
	return n, true, nil
}

// Unix seconds accepted as timestamps: 1970 up to the end of year 9999.
const maxUnix = 253402300799

// timestamp reads a timestamp: UNIX seconds (number or numeric string) or an
// RFC 3339 / ISO 8601 string (UTC when it has no zone). Zero when absent.
func (o object) timestamp(key string) (time.Time, bool, error) {
	r, ok := o.raw(key)
	if !ok {
		return time.Time{}, false, nil
	}
	if r[0] == '"' {
		s, err := unquote(r)
		if err != nil {
			return time.Time{}, false, o.fail(key, err)
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return time.Time{}, false, nil
		}
		if !isNumber(s) {
			for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999", time.DateOnly} {
				if t, err := time.Parse(layout, s); err == nil {
					return t.UTC(), true, nil
				}
			}
			return time.Time{}, false, o.fail(key, fmt.Errorf("not a timestamp: %q", s))
		}
	}
	n, _, err := o.integer(key)
	if err != nil {
		return time.Time{}, false, err
	}
	if n < 0 || n > maxUnix {
		return time.Time{}, false, o.fail(key, fmt.Errorf("UNIX time out of range: %d", n))
	}
	return time.Unix(n, 0).UTC(), true, nil
}

// numberText returns the literal text of a JSON number, or of a string that
// holds one. The exponent is bounded so that exact arithmetic stays cheap.
func numberText(r json.RawMessage) (string, error) {
	s := string(r)
	if r[0] == '"' {
		var err error
		if s, err = unquote(r); err != nil {
			return "", err
		}
		s = strings.TrimSpace(s)
	}
	if !isNumber(s) {
		return "", fmt.Errorf("not a number: %s", shorten(string(r), 40))
	}
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		exp, err := strconv.Atoi(s[i+1:])
		if err != nil || exp < -40 || exp > 40 {
			return "", fmt.Errorf("number out of range: %s", shorten(s, 40))
		}
	}
	if len(s) > 64 {
		return "", fmt.Errorf("number too long: %s", shorten(s, 40))
	}
	return s, nil
}

// roundRat rounds v to the nearest integer, halves away from zero; exact is
// false when the result does not fit an int64.
func roundRat(v *big.Rat) (n int64, exact bool) {
	num, den := v.Num(), v.Denom()
	q, r := new(big.Int).QuoRem(num, den, new(big.Int))
	if r.Sign() != 0 && new(big.Int).Mul(new(big.Int).Abs(r), big.NewInt(2)).Cmp(den) >= 0 {
		if num.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	if !q.IsInt64() {
		return 0, false
	}
	return q.Int64(), true
}

func isNull(r json.RawMessage) bool { return string(bytes.TrimSpace(r)) == "null" }

// kind names the JSON type of a raw value, for error messages.
func kind(r []byte) string {
	r = bytes.TrimSpace(r)
	if len(r) == 0 {
		return "nothing"
	}
	switch r[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

func shorten(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
