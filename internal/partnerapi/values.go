package partnerapi

// The generic half of decoding: the value types that the wire structs of
// decode.go are made of. Each reads one JSON value with
// github.com/go-json-experiment/json, under the rules of internal/jsonread,
// and refuses a value of the wrong kind or range with a message of its own;
// the library adds the JSON path. Numbers keep their exact text until they
// are parsed, so money never passes through float64.

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"iter"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/insights-dev/insights/internal/jsonread"
	"github.com/insights-dev/insights/internal/usage"
)

// decodeBody reads a whole body, which must be one JSON object, into v
// (a pointer to a wire struct). Every failure is a *DecodeError naming the
// JSON path of the value at fault, except a decode that opts' unmarshalers
// stopped, which is returned as its *stoppedError.
func decodeBody(body []byte, v any, opts ...json.Options) error {
	start := bytes.TrimLeft(body, " \t\r\n")
	switch {
	case len(start) == 0:
		return &DecodeError{Err: errors.New("empty body")}
	case start[0] != '{':
		if err := jsonread.SyntaxError(body); err != nil {
			return &DecodeError{Err: fmt.Errorf("invalid JSON: %w", err)}
		}
		return &DecodeError{Err: fmt.Errorf("want a JSON object, got %s", jsonread.Kind(jsontext.Value(start).Kind()))}
	}
	err := jsonread.Unmarshal(body, v, opts...)
	var stopped *stoppedError
	var syntax *jsontext.SyntacticError
	var semantic *json.SemanticError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &stopped):
		return stopped
	case errors.As(err, &syntax):
		return &DecodeError{Err: fmt.Errorf("invalid JSON: %w", err)}
	case errors.As(err, &semantic):
		return &DecodeError{Field: jsonread.Path(semantic.JSONPointer), Err: cmp.Or(semantic.Err, err)}
	}
	return &DecodeError{Err: err}
}

// stoppedError is a decode cut short by its context.
type stoppedError struct{ err error }

func (e *stoppedError) Error() string { return "decoding stopped: " + e.err.Error() }
func (e *stoppedError) Unwrap() error { return e.err }

// where names a value for errors: the path of its list and its index there
// (-1 when it is not a list element). The path text is only built for errors.
type where struct {
	path  string
	index int
}

func (w where) String() string {
	if w.index < 0 {
		return w.path
	}
	return w.path + "[" + strconv.Itoa(w.index) + "]"
}

func (w where) at(key string) string {
	if s := w.String(); s != "" {
		return s + "." + key
	}
	return key
}

func (w where) fail(key string, err error) error { return &DecodeError{Field: w.at(key), Err: err} }

func (w where) missing(key string) error {
	return w.fail(key, errors.New("required field is missing"))
}

// object is a member that must be a JSON object when it is there. set says
// the member was there at all, null included: an explicit null states
// "none", an absent member states nothing. ok says it held an object. When
// a name repeats, the last member counts.
type object[T any] struct {
	set, ok bool
	v       T
}

// UnmarshalJSONFrom reads null or an object.
func (o *object[T]) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	*o = object[T]{set: true}
	switch dec.PeekKind() {
	case 'n':
		return dec.SkipValue()
	case '{':
		o.ok = true
		return json.UnmarshalDecode(dec, &o.v)
	}
	return wrongKind(dec, "an object")
}

// list is a member that must be an array of objects when it is there;
// absent or null is empty. set is as for object. The items are kept in
// blocks that double in size, so that a list of tens of thousands of points
// is never copied as it grows.
type list[T any] struct {
	set    bool
	n      int
	blocks [][]T
}

// UnmarshalJSONFrom reads null or an array whose every element is an object.
func (l *list[T]) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	*l = list[T]{set: true}
	switch dec.PeekKind() {
	case 'n':
		return dec.SkipValue()
	case '[':
	default:
		return wrongKind(dec, "an array")
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	for k := dec.PeekKind(); k != ']'; k = dec.PeekKind() {
		if k != '{' {
			v, err := dec.ReadValue()
			if err != nil {
				return err
			}
			return &json.SemanticError{JSONPointer: dec.StackPointer(), Err: fmt.Errorf("want an object, got %s", jsonread.Kind(v.Kind()))}
		}
		if err := json.UnmarshalDecode(dec, l.next()); err != nil {
			return err
		}
	}
	_, err := dec.ReadToken()
	return err
}

// next appends a zero item and returns it.
func (l *list[T]) next() *T {
	last := len(l.blocks) - 1
	if last < 0 || len(l.blocks[last]) == cap(l.blocks[last]) {
		l.blocks = append(l.blocks, make([]T, 0, min(16<<len(l.blocks), 16<<10)))
		last++
	}
	l.blocks[last] = l.blocks[last][:len(l.blocks[last])+1]
	l.n++
	return &l.blocks[last][len(l.blocks[last])-1]
}

// all yields the items with their indices, in order.
func (l *list[T]) all() iter.Seq2[int, *T] {
	return func(yield func(int, *T) bool) {
		i := 0
		for _, b := range l.blocks {
			for j := range b {
				if !yield(i, &b[j]) {
					return
				}
				i++
			}
		}
	}
}

// wrongKind consumes a value of an unwanted kind and says so.
func wrongKind(dec *jsontext.Decoder, want string) error {
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	return fmt.Errorf("want %s, got %s", want, jsonread.Kind(v.Kind()))
}

// scalar reads a string (unquoted) or number (its text as written); null is
// "" with kind 'n'. Any other kind is an error: fault with the kind's name.
func scalar(dec *jsontext.Decoder, fault string) (text string, kind jsontext.Kind, err error) {
	switch k := dec.PeekKind(); k {
	case '"':
		tok, err := dec.ReadToken()
		return tok.String(), k, err
	case '0':
		v, err := dec.ReadValue()
		return string(v), k, err
	case 'n':
		return "", k, dec.SkipValue()
	}
	v, err := dec.ReadValue()
	if err != nil {
		return "", 0, err
	}
	return "", v.Kind(), fmt.Errorf(fault, jsonread.Kind(v.Kind()))
}

// name is text for names people read, trimmed; absent or null is "". A
// number is taken as its literal text. Bytes that are not valid UTF-8, and
// escaped lone surrogates, have become U+FFFD (jsonread's rule): a garbled
// character should not cost the whole list.
type name string

// UnmarshalJSONFrom reads a string or a number.
func (n *name) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	s, _, err := scalar(dec, "want a string, got %s")
	*n = name(strings.TrimSpace(s))
	return err
}

// code is text for ids, codes and the dimensions of a usage point, which
// become keys in the store: a string that was not valid UTF-8 is refused, as
// a replacement character could make two different values one. U+FFFD itself
// is refused too, whether it stands for invalid bytes, an escaped lone
// surrogate or was sent as it is: no id or code holds it.
type code string

// UnmarshalJSONFrom reads a string or a number.
func (c *code) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	var n name
	err := n.UnmarshalJSONFrom(dec)
	if err == nil && strings.Contains(string(n), "\uFFFD") {
		n, err = "", errors.New("not valid UTF-8 (or holds U+FFFD)")
	}
	*c = code(n)
	return err
}

// num is a number as read: its exact text, or for a plain integer of up to
// 18 digits sent as a number (the usual case) its value, read without
// making a string.
type num struct {
	text  string
	n     int64
	plain bool
}

// number reads a number, or a string that holds one; ok is false for null.
func number(dec *jsontext.Decoder) (v num, ok bool, err error) {
	if dec.PeekKind() == '0' {
		raw, err := dec.ReadValue()
		if err != nil {
			return num{}, false, err
		}
		if n, plain := plainInt(raw); plain {
			return num{n: n, plain: true}, true, nil
		}
		s := string(raw)
		return num{text: s}, true, checkNumber(s)
	}
	s, kind, err := scalar(dec, "not a number: %s")
	switch {
	case err != nil || kind == 'n':
		return num{}, false, err
	case kind == '"':
		s = strings.TrimSpace(s)
		if !isNumber(s) {
			return num{}, false, fmt.Errorf("not a number: %s", shorten(strconv.Quote(s), 40))
		}
	}
	return num{text: s}, true, checkNumber(s)
}

// String is the number's text.
func (v num) String() string {
	if v.plain {
		return strconv.FormatInt(v.n, 10)
	}
	return v.text
}

// plainInt reads an optional minus and 1 to 18 digits.
func plainInt(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// checkNumber bounds the exponent and length of a number's text, so that
// exact arithmetic on it stays cheap.
func checkNumber(s string) error {
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		exp, err := strconv.Atoi(s[i+1:])
		if err != nil || exp < -40 || exp > 40 {
			return fmt.Errorf("number out of range: %s", shorten(s, 40))
		}
	}
	if len(s) > 64 {
		return fmt.Errorf("number too long: %s", shorten(s, 40))
	}
	return nil
}

// whole is a whole number (1.2e2 is 120; 1.5 is an error); set is false
// when it is absent or null.
type whole struct {
	n   int64
	set bool
}

// UnmarshalJSONFrom reads a number or a string holding one.
func (w *whole) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	*w = whole{}
	v, ok, err := number(dec)
	if err != nil || !ok {
		return err
	}
	w.n, err = parseWhole(v)
	w.set = err == nil
	return err
}

// parseWhole reads a whole number exactly (1.2e2 is 120; 1.5 is an error).
func parseWhole(v num) (int64, error) {
	if v.plain {
		return v.n, nil // the usual case
	}
	if n, err := strconv.ParseInt(v.text, 10, 64); err == nil {
		return n, nil
	}
	r, ok := new(big.Rat).SetString(v.text)
	switch {
	case !ok:
		return 0, fmt.Errorf("not a number: %s", v.text)
	case !r.IsInt():
		return 0, fmt.Errorf("not a whole number: %s", r.FloatString(6))
	case !r.Num().IsInt64():
		return 0, errors.New("out of range")
	}
	return r.Num().Int64(), nil
}

// count checks a whole number that must not be negative (and, when
// required, must be there).
func (w whole) count(at where, key string, required bool) (int64, error) {
	switch {
	case !w.set && required:
		return 0, at.missing(key)
	case w.n < 0:
		return 0, at.fail(key, fmt.Errorf("negative: %d", w.n))
	}
	return w.n, nil
}

// decimal is a number read exactly; v is nil when it is absent or null.
type decimal struct{ v *big.Rat }

// UnmarshalJSONFrom reads a number or a string holding one.
func (d *decimal) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	*d = decimal{}
	n, ok, err := number(dec)
	if err != nil || !ok {
		return err
	}
	v, ok := new(big.Rat).SetString(n.String())
	if !ok {
		return fmt.Errorf("not a number: %s", n)
	}
	d.v = v
	return nil
}

// money is an amount in the currency's major unit, in nano-units; known is
// false when it is absent or null. Digits beyond the ninth decimal (float
// printing noise such as 0.30000000000000004) are rounded to the nearest nano.
type money struct {
	nanos int64
	known bool
}

// UnmarshalJSONFrom reads a number or a string holding one.
func (m *money) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	*m = money{}
	v, ok, err := number(dec)
	if err != nil || !ok {
		return err
	}
	if v.plain && v.n > -1e9 && v.n < 1e9 {
		*m = money{nanos: v.n * usage.NanosPerUnit, known: true}
		return nil
	}
	text := v.String()
	n, err := usage.ParseDecimal(text)
	if errors.Is(err, usage.ErrInexact) {
		v, _ := new(big.Rat).SetString(text)
		var exact bool
		if n, exact = roundRat(v.Mul(v, big.NewRat(usage.NanosPerUnit, 1))); exact {
			err = nil
		}
	}
	if err != nil {
		return err
	}
	*m = money{nanos: n, known: true}
	return nil
}

// Unix seconds accepted as timestamps: 1970 up to the end of year 9999.
const maxUnix = 253402300799

// stamp is a timestamp: UNIX seconds (number or numeric string) or an
// RFC 3339 / ISO 8601 string (UTC when it has no zone); set is false when it
// is absent, null or "". It is kept as seconds and nanoseconds, smaller than
// a time.Time, since an answer holds two for each of its points.
type stamp struct {
	sec  int64
	nsec int32
	set  bool
}

// time returns the timestamp in UTC; the zero time when it is not set.
func (s stamp) time() time.Time {
	if !s.set {
		return time.Time{}
	}
	return time.Unix(s.sec, int64(s.nsec)).UTC()
}

// timeLayouts are the string forms of a timestamp that are not UNIX seconds.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999", time.DateOnly}

// UnmarshalJSONFrom reads a number or a string.
func (s *stamp) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	*s = stamp{}
	if dec.PeekKind() == '"' {
		tok, err := dec.ReadToken()
		if err != nil {
			return err
		}
		text := strings.TrimSpace(tok.String())
		if text == "" {
			return nil
		}
		if !isNumber(text) {
			for _, layout := range timeLayouts {
				if t, err := time.Parse(layout, text); err == nil {
					*s = stamp{sec: t.Unix(), nsec: int32(t.Nanosecond()), set: true}
					return nil
				}
			}
			return fmt.Errorf("not a timestamp: %q", text)
		}
		if err := checkNumber(text); err != nil {
			return err
		}
		return s.setUnix(num{text: text})
	}
	v, ok, err := number(dec)
	if err != nil || !ok {
		return err
	}
	return s.setUnix(v)
}

func (s *stamp) setUnix(v num) error {
	n, err := parseWhole(v)
	if err != nil {
		return err
	}
	if n < 0 || n > maxUnix {
		return fmt.Errorf("UNIX time out of range: %d", n)
	}
	*s = stamp{sec: n, set: true}
	return nil
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

// isNumber reports whether s is exactly one JSON number (for numbers sent
// as strings; the decoder has checked those sent as numbers).
func isNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i == len(s):
		return false
	case s[i] == '0':
		i++
	case s[i] >= '1' && s[i] <= '9':
		i = digits(s, i)
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		if j := digits(s, i+1); j > i+1 {
			i = j
		} else {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := digits(s, i)
		if j == i {
			return false
		}
		i = j
	}
	return i == len(s)
}

// digits returns the index of the first non-digit at or after i.
func digits(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

func shorten(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// directions is Meta's "directions" of a call_analytics object: one code,
// or a list of them; absent or null is none.
type directions struct{ list []code }

// UnmarshalJSONFrom reads null, a string or an array of strings.
func (d *directions) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	*d = directions{}
	switch dec.PeekKind() {
	case 'n':
		return dec.SkipValue()
	case '[':
		return json.UnmarshalDecode(dec, &d.list)
	}
	var c code
	err := c.UnmarshalJSONFrom(dec)
	if c != "" {
		d.list = []code{c}
	}
	return err
}

// only is the one direction named, or "" when none or several are.
func (d directions) only() code {
	if len(d.list) == 1 {
		return d.list[0]
	}
	return ""
}
