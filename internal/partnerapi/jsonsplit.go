package partnerapi

// Splitting of JSON that json.Valid has accepted: objects into members and
// arrays into elements, as slices of the body, without copying or checking
// the grammar a second time. A backfill answer holds tens of thousands of
// points; reading each through encoding/json's map decoding cost about a
// second per answer (BenchmarkDecodeUsageBackfill).

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// splitObject returns the members of a valid JSON object, in order.
func splitObject(r []byte) []member {
	out := make([]member, 0, 12)
	i := skipSpace(r, 1)
	for r[i] != '}' {
		end := stringEnd(r, i)
		key := r[i+1 : end-1]
		if bytes.IndexByte(key, '\\') >= 0 || !utf8.Valid(key) {
			var s string
			_ = json.Unmarshal(r[i:end], &s) // valid JSON: cannot fail
			key = []byte(s)
		}
		i = skipSpace(r, skipSpace(r, end)+1) // past the colon
		vend := valueEnd(r, i)
		out = append(out, member{key: key, val: r[i:vend]})
		i = skipSpace(r, vend)
		if r[i] == ',' {
			i = skipSpace(r, i+1)
		}
	}
	return out
}

// splitArray returns the elements of a valid JSON array, in order.
func splitArray(r []byte) [][]byte {
	var out [][]byte
	i := skipSpace(r, 1)
	for r[i] != ']' {
		end := valueEnd(r, i)
		out = append(out, r[i:end])
		i = skipSpace(r, end)
		if r[i] == ',' {
			i = skipSpace(r, i+1)
		}
	}
	return out
}

// valueEnd returns the index just past the value that starts at r[i].
func valueEnd(r []byte, i int) int {
	switch r[i] {
	case '"':
		return stringEnd(r, i)
	case '{', '[':
		depth := 0
		for ; ; i++ {
			switch r[i] {
			case '"':
				i = stringEnd(r, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
	}
	for i < len(r) { // a number, true, false or null
		switch r[i] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			return i
		}
		i++
	}
	return i
}

// stringEnd returns the index just past the string that starts at r[i].
func stringEnd(r []byte, i int) int {
	for i++; ; i++ {
		switch r[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
}

func skipSpace(r []byte, i int) int {
	for i < len(r) && (r[i] == ' ' || r[i] == '\t' || r[i] == '\r' || r[i] == '\n') {
		i++
	}
	return i
}

// unquote returns the text of a JSON string value as encoding/json would.
func unquote(r []byte) (string, error) {
	if in := r[1 : len(r)-1]; bytes.IndexByte(in, '\\') < 0 && utf8.Valid(in) {
		return string(in), nil
	}
	var s string
	err := json.Unmarshal(r, &s)
	return s, err
}

// isNumber reports whether s is exactly one JSON number.
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
