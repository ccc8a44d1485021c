package jsonread

import (
	"errors"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

func TestPath(t *testing.T) {
	tests := []struct {
		ptr  jsontext.Pointer
		want string
	}{
		{"", ""},
		{"/entry", "entry"},
		{"/entry/0/changes/12/value", "entry[0].changes[12].value"},
		{"/0/a", "[0].a"},
		{"/a~1b/c~0d", "a/b.c~d"},
	}
	for _, tt := range tests {
		if got := Path(tt.ptr); got != tt.want {
			t.Errorf("Path(%q) = %q, want %q", tt.ptr, got, tt.want)
		}
	}
}

func TestUnmarshal(t *testing.T) {
	var v struct {
		A string `json:"a"`
		B []int  `json:"b"`
	}
	// Repeated names: the last counts; invalid UTF-8 becomes U+FFFD.
	if err := Unmarshal([]byte("{\"a\": \"x\", \"a\": \"y\xff\"}"), &v); err != nil || v.A != "y\uFFFD" {
		t.Errorf("got %q, %v", v.A, err)
	}
	// A wrong type early does not hide that the body is not JSON at all.
	var syntax *jsontext.SyntacticError
	for _, body := range []string{`{"a": 1, "b": [}`, `{"a": "x"} {}`, `{"a": "x"} z`, ``} {
		if err := Unmarshal([]byte(body), &v); !errors.As(err, &syntax) {
			t.Errorf("Unmarshal(%q) = %v, want a syntax error", body, err)
		}
	}
	var semantic *json.SemanticError
	if err := Unmarshal([]byte(`{"a": 1, "b": []}`), &v); !errors.As(err, &semantic) || Path(semantic.JSONPointer) != "a" {
		t.Errorf("wrong type: %v", err)
	}
	if err := SyntaxError([]byte(" {\"a\": [1, {}]} \n")); err != nil {
		t.Errorf("valid body: %v", err)
	}
}
