package partnerapi

// The strict half of reading an answer, for "insights check": the wire
// structs of decode.go, read by reflection, say which members each object
// has, which of them the decoder requires (the tag check:"required") and
// which kinds of JSON value each may hold. A walk of the answer with
// jsontext compares it with that and names every member that is there
// without being expected, every required one that is missing and every value
// of another kind, with its JSON path. The decoding that the poller uses
// stays lenient: it ignores unknown members.

import (
	"bytes"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/insights-dev/insights/internal/jsonread"
)

// Mismatch is one way an answer differs from the shape Insights decodes.
type Mismatch struct {
	// Path is the JSON path of the first value at fault, such as
	// "pricing_analytics.data[0].data_points[3].cost"; "" for the body.
	Path string
	// Problem says what is wrong: "unexpected field (string)", "missing
	// (required)", "string, want number", or the lenient decoder's error.
	Problem string
	// More counts further values with the same problem at the same place in
	// other list items.
	More int
}

// String is the path, the problem and how often it repeats.
func (m Mismatch) String() string {
	s := m.Problem
	if m.Path != "" {
		s = m.Path + ": " + s
	}
	if m.More > 0 {
		s += fmt.Sprintf(" (and %d more like it)", m.More)
	}
	return s
}

// known is a member that the API documents and Insights does not use: it is
// skipped when decoding and expected, of any kind, when checking.
type known struct{}

// UnmarshalJSONFrom skips the value.
func (*known) UnmarshalJSONFrom(dec *jsontext.Decoder) error { return dec.SkipValue() }

// Kinds of JSON value each value type of values.go expects (jsontext.Kind
// bytes: '"' string, '0' number, '{' object, '[' array); "" is any.
func (code) jsonKinds() string       { return `"` }
func (name) jsonKinds() string       { return `"` }
func (whole) jsonKinds() string      { return "0" }
func (decimal) jsonKinds() string    { return "0" }
func (money) jsonKinds() string      { return "0" }
func (stamp) jsonKinds() string      { return `"0` }
func (directions) jsonKinds() string { return `"[` }
func (known) jsonKinds() string      { return "" }

func (object[T]) shapeOf() (byte, reflect.Type) { return '{', reflect.TypeFor[T]() }
func (list[T]) shapeOf() (byte, reflect.Type)   { return '[', reflect.TypeFor[T]() }

// shape is what a value should look like.
type shape struct {
	kinds    string            // allowed kinds; "" any
	required bool              // a member the decoder cannot do without
	members  map[string]*shape // of an object
	order    []string          // member names in declaration order
	elem     *shape            // of an array's items
}

var shapes sync.Map // reflect.Type → *shape

// shapeFor is the shape of the wire struct type t, built once.
func shapeFor(t reflect.Type) *shape {
	if s, ok := shapes.Load(t); ok {
		return s.(*shape)
	}
	s := &shape{kinds: "{", members: map[string]*shape{}}
	addMembers(s, t)
	shapes.Store(t, s)
	return s
}

// addMembers adds the members of struct type t to s, inlined ones included.
func addMembers(s *shape, t reflect.Type) {
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		nm, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(opts, "inline") {
			addMembers(s, f.Type)
			continue
		}
		if nm == "" || nm == "-" {
			continue
		}
		m := valueShape(f.Type)
		m.required = f.Tag.Get("check") == "required"
		s.members[nm] = m
		s.order = append(s.order, nm)
	}
}

// valueShape is the shape of a member of type t.
func valueShape(t reflect.Type) *shape {
	zero := reflect.Zero(t).Interface()
	switch v := zero.(type) {
	case interface{ jsonKinds() string }:
		return &shape{kinds: v.jsonKinds()}
	case interface{ shapeOf() (byte, reflect.Type) }:
		kind, elem := v.shapeOf()
		if kind == '[' {
			return &shape{kinds: "[", elem: copyShape(shapeFor(elem))}
		}
		return copyShape(shapeFor(elem))
	}
	if t.Kind() == reflect.Struct {
		return copyShape(shapeFor(t))
	}
	panic(fmt.Sprintf("partnerapi: no shape for %s", t)) // a wire struct with a field of a new type: a bug
}

// copyShape copies s without its required flag, which belongs to the member.
func copyShape(s *shape) *shape { c := *s; c.required = false; return &c }

// checkShape walks body and lists how it differs from the wire struct type
// t: unexpected members, missing required ones, values of another kind.
// Mismatches at the same place of different list items are counted once,
// at the first. A body that is not JSON is one mismatch.
func checkShape(body []byte, t reflect.Type) []Mismatch {
	w := &shapeWalk{seen: map[string]int{}}
	dec := jsontext.NewDecoder(bytes.NewReader(body), jsonread.Options())
	if err := w.value(dec, shapeFor(t), ""); err != nil {
		return []Mismatch{{Problem: "not valid JSON: " + err.Error()}}
	}
	return w.out
}

type shapeWalk struct {
	out  []Mismatch
	seen map[string]int // pattern + problem → index in out
}

var listIndex = regexp.MustCompile(`\[\d+\]`)

// add records a problem at path, or counts it when the same one was seen at
// the same place of another item.
func (w *shapeWalk) add(path, problem string) {
	key := listIndex.ReplaceAllString(path, "[]") + "\x00" + problem
	if i, ok := w.seen[key]; ok {
		w.out[i].More++
		return
	}
	w.seen[key] = len(w.out)
	w.out = append(w.out, Mismatch{Path: path, Problem: problem})
}

// value checks the next value against s.
func (w *shapeWalk) value(dec *jsontext.Decoder, s *shape, path string) error {
	kind := dec.PeekKind()
	if kind == 'n' || s.kinds == "" {
		return dec.SkipValue()
	}
	if !strings.Contains(s.kinds, string(byte(kind))) {
		v, err := dec.ReadValue()
		if err == nil {
			w.add(path, fmt.Sprintf("%s, want %s", jsonread.Kind(v.Kind()), kindNames(s.kinds)))
		}
		return err
	}
	switch kind {
	case '{':
		return w.object(dec, s, path)
	case '[':
		return w.array(dec, s, path)
	}
	return dec.SkipValue()
}

func (w *shapeWalk) object(dec *jsontext.Decoder, s *shape, path string) error {
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	present := map[string]bool{}
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return err
		}
		nm := tok.String()
		at := join(path, nm)
		m, ok := s.members[nm]
		if !ok {
			v, err := dec.ReadValue()
			if err != nil {
				return err
			}
			w.add(at, fmt.Sprintf("unexpected field (%s)", jsonread.Kind(v.Kind())))
			continue
		}
		if dec.PeekKind() != 'n' {
			present[nm] = true
		}
		if err := w.value(dec, m, at); err != nil {
			return err
		}
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	for _, nm := range s.order {
		if s.members[nm].required && !present[nm] {
			w.add(join(path, nm), "missing (required)")
		}
	}
	return nil
}

func (w *shapeWalk) array(dec *jsontext.Decoder, s *shape, path string) error {
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	for i := 0; dec.PeekKind() != ']'; i++ {
		at := path + "[" + strconv.Itoa(i) + "]"
		if s.elem == nil {
			if err := dec.SkipValue(); err != nil {
				return err
			}
			continue
		}
		if err := w.value(dec, s.elem, at); err != nil {
			return err
		}
	}
	_, err := dec.ReadToken()
	return err
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// kindNames spells allowed kinds for people: "number", "string or number".
func kindNames(kinds string) string {
	names := make([]string, 0, len(kinds))
	for _, k := range []byte(kinds) {
		names = append(names, jsonread.Kind(jsontext.Kind(k)))
	}
	return strings.Join(names, " or ")
}
