// Package jsonread holds the rules by which Insights reads JSON that comes
// from outside (Partner API answers, webhook payloads), so that both read it
// one way: typed decoding with github.com/go-json-experiment/json (the
// encoding/json/v2 design), with faults named by their JSON path.
//
// Why these rules:
//
//   - A member name that repeats is not refused: the last one counts (as
//     encoding/json always did), because the sources have never promised
//     unique names and refusing would cost a whole answer.
//   - Strings that are not valid UTF-8 are read with U+FFFD in place of the
//     bad bytes (and of escaped lone surrogates) instead of failing the whole
//     body; the decoders decide per field whether that is acceptable (a
//     name people read) or not (an id that becomes a key).
//   - A body that is not valid JSON is reported as such even when decoding
//     stopped earlier at a value of the wrong type, so that a truncated or
//     garbled body is always named for what it is.
package jsonread

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Options are the reading rules above, for json.Unmarshal and
// jsontext.NewDecoder alike.
func Options() json.Options {
	return json.JoinOptions(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
}

// Unmarshal decodes body into v under Options (and opts). On failure it
// returns the library's error, except that a body which is not valid JSON
// always fails with its *jsontext.SyntacticError, wherever decoding stopped.
// A decode that an unmarshaler stopped with a context's error (the caller
// is shutting down) returns that error at once, without reading on.
func Unmarshal(body []byte, v any, opts ...json.Options) error {
	err := json.Unmarshal(body, v, append([]json.Options{Options()}, opts...)...)
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if syntax := SyntaxError(body); syntax != nil {
		return syntax
	}
	return err
}

// SyntaxError returns why body is not one valid JSON value, or nil when it is.
func SyntaxError(body []byte) error {
	dec := jsontext.NewDecoder(bytes.NewBuffer(body), Options())
	if err := dec.SkipValue(); errors.Is(err, io.EOF) {
		return &jsontext.SyntacticError{Err: io.ErrUnexpectedEOF} // no value at all
	} else if err != nil {
		return err
	}
	if _, err := dec.ReadToken(); err == nil {
		return &jsontext.SyntacticError{ByteOffset: dec.InputOffset(), Err: errors.New("more than one JSON value")}
	} else if !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// Path writes a JSON Pointer (RFC 6901) the way Insights names values in its
// errors: "/entry/0/changes/1/value" is "entry[0].changes[1].value". A
// reference token of digits only is taken for an array index; the shapes
// Insights reads have no member names of digits only.
func Path(p jsontext.Pointer) string {
	var b strings.Builder
	for tok := range p.Tokens() {
		if _, err := strconv.ParseUint(tok, 10, 64); err == nil {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}

// Kind names a JSON kind for messages: "a string", "an object", "null".
func Kind(k jsontext.Kind) string {
	switch k {
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
	case '0':
		return "a number"
	}
	return "nothing"
}
