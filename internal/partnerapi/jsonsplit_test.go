package partnerapi

import (
	"bytes"
	"encoding/json"
	"testing"
)

// The splitter must read valid JSON exactly as encoding/json does; these fuzz
// targets compare the two on every input (their seeds run in go test).

var splitSeeds = []string{
	`{}`, `[]`, ` { "a" : 1 , "b" : [ 1 , { "c" : "d" } ] } `,
	`{"a": "x\"y\\", "a": null, "b": {"c": [[], {}, "]"]}}`,
	`{"\u0069d": "escaped key", "id": "later wins", "": 0}`,
	`[1, -2.5e+3, true, false, null, "s", {"k": "}"}, [" [ "]]`,
	"{\"k\xff\": 1, \"k\": \"\xfe\"}", `{"n": 0.000, "m": -0, "e": 1E-7}`,
}

// FuzzSplitObject: members (last name wins) equal encoding/json's map.
func FuzzSplitObject(f *testing.F) {
	for _, s := range splitSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		body = bytes.TrimSpace(body)
		var want map[string]json.RawMessage
		if !json.Valid(body) || len(body) == 0 || body[0] != '{' || json.Unmarshal(body, &want) != nil {
			return
		}
		got := object{index: -1, members: splitObject(body)}
		for k, v := range want {
			r, ok := got.raw(k)
			if isNull(v) {
				if ok {
					t.Fatalf("%q: null read as %s", k, r)
				}
				continue
			}
			if !ok || !bytes.Equal(r, bytes.TrimSpace(v)) {
				t.Fatalf("%q: got %s (%v), want %s", k, r, ok, v)
			}
		}
		for _, m := range got.members {
			if _, ok := want[string(m.key)]; !ok {
				t.Fatalf("member %q is not in encoding/json's reading", m.key)
			}
		}
	})
}

// FuzzSplitArray: elements equal encoding/json's []RawMessage.
func FuzzSplitArray(f *testing.F) {
	for _, s := range splitSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		body = bytes.TrimSpace(body)
		var want []json.RawMessage
		if !json.Valid(body) || len(body) == 0 || body[0] != '[' || json.Unmarshal(body, &want) != nil {
			return
		}
		got := splitArray(body)
		if len(got) != len(want) {
			t.Fatalf("%d elements, want %d", len(got), len(want))
		}
		for i := range want {
			if !bytes.Equal(got[i], bytes.TrimSpace(want[i])) {
				t.Fatalf("element %d: got %s, want %s", i, got[i], want[i])
			}
		}
	})
}

// FuzzNumberAndString: isNumber and unquote agree with encoding/json.
func FuzzNumberAndString(f *testing.F) {
	for _, s := range []string{"0", "-0", "01", "1.", ".5", "1e", "1e+", "-", "1.5E-3", "12345678901234567890", "1 ", "+1", "0x1",
		`"a"`, `"a\"b"`, `"\u00e9"`, "\"\xff\"", `"\ud800"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var n json.Number
		if want := json.Unmarshal([]byte(s), &n) == nil && s != "" && (s[0] == '-' || (s[0] >= '0' && s[0] <= '9')) &&
			string(bytes.TrimSpace([]byte(s))) == s; isNumber(s) != want {
			t.Fatalf("isNumber(%q) = %v, want %v", s, !want, want)
		}
		if len(s) < 2 || s[0] != '"' || !json.Valid([]byte(s)) || string(bytes.TrimSpace([]byte(s))) != s {
			return // unquote is given whole, trimmed string values
		}
		var want string
		wantErr := json.Unmarshal([]byte(s), &want)
		got, err := unquote([]byte(s))
		if (err == nil) != (wantErr == nil) || got != want {
			t.Fatalf("unquote(%q) = %q, %v; want %q, %v", s, got, err, want, wantErr)
		}
	})
}
