package webhook

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary bodies to Parse. Seeds: the sample payloads in
// testdata/*.json plus the checked-in corpus in testdata/fuzz/FuzzParse/
// (which `go test` runs as ordinary cases). Parse must never panic, must fail
// only with a *ParseError, and on success must give every status a message id
// and every call a call id and event.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil {
		f.Fatal(err)
	}
	if len(files) == 0 {
		f.Fatal("no sample payloads in testdata")
	}
	for _, name := range files {
		body, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := Parse(body)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is %T, not *ParseError", err, err)
			}
			if b.Len() != 0 || len(b.Ignored) != 0 {
				t.Fatalf("half-accepted batch %+v with error %v", b, err)
			}
			return
		}
		for i, s := range b.Statuses {
			if s.MessageID == "" || s.Status == "" || s.WABAID == "" {
				t.Fatalf("status %d incomplete: %+v", i, s)
			}
			if s.Timestamp.IsZero() || s.Timestamp.Location().String() != "UTC" {
				t.Fatalf("status %d timestamp %v", i, s.Timestamp)
			}
		}
		for i, c := range b.Calls {
			if c.CallID == "" || c.Event == "" || c.WABAID == "" || c.DurationSeconds < 0 || c.Timestamp.IsZero() {
				t.Fatalf("call %d incomplete: %+v", i, c)
			}
		}
		// The counting helpers accept whatever Parse produced.
		_ = Resolve(b.Statuses)
		for _, s := range b.Statuses {
			_ = CountryFromPhone(s.RecipientID)
		}
	})
}
