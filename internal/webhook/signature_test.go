package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"
)

func sign(key string, body []byte) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

func TestVerifySignature(t *testing.T) {
	body, err := os.ReadFile("testdata/status-delivered.json")
	if err != nil {
		t.Fatal(err)
	}
	const key = "platform-secret"
	good := sign(key, body)
	other := sign("another-secret", body)
	tests := []struct {
		name      string
		body      []byte
		key       string
		h360, hub string
		want      error
	}{
		{"360 bare hex", body, key, good, "", nil},
		{"360 upper-case hex", body, key, strings.ToUpper(good), "", nil},
		{"360 with sha256= prefix", body, key, "sha256=" + good, "", nil},
		{"360 with SHA256= prefix", body, key, "SHA256=" + good, "", nil},
		{"360 with surrounding space", body, key, " " + good + " ", "", nil},
		{"hub with prefix", body, key, "", "sha256=" + good, nil},
		{"hub bare hex", body, key, "", good, nil},
		{"both good", body, key, good, "sha256=" + good, nil},
		{"360 bad, hub good", body, key, other, "sha256=" + good, nil},
		{"360 good, hub garbage", body, key, good, "sha256=zz", nil},
		{"missing both", body, key, "", "", ErrMissingSignature},
		{"blank headers", body, key, "  ", "\t", ErrMissingSignature},
		{"wrong key", body, key, other, "", ErrBadSignature},
		{"body changed", append([]byte(" "), body...), key, good, "", ErrBadSignature},
		{"hub wrong", body, key, "", "sha256=" + other, ErrBadSignature},
		{"both wrong", body, key, other, other, ErrBadSignature},
		{"not hex", body, key, "sha256=" + strings.Repeat("g", 64), "", ErrBadSignature},
		{"truncated digest", body, key, good[:62], "", ErrBadSignature},
		{"prefix only", body, key, "sha256=", "", ErrBadSignature},
		{"sha1 prefix", body, key, "sha1=" + good, "", ErrBadSignature},
		{"empty key", body, "", good, "", ErrNoSigningKey},
		{"empty body signed", []byte{}, key, sign(key, nil), "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifySignature(tt.body, tt.key, tt.h360, tt.hub)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("VerifySignature = %v, want %v", err, tt.want)
			}
		})
	}
}

// A known vector, so that the scheme (HMAC-SHA256 over the raw body, hex) is
// pinned independently of the helper above.
func TestVerifySignatureKnownVector(t *testing.T) {
	// echo -n 'The quick brown fox jumps over the lazy dog' | openssl dgst -sha256 -hmac key
	const want = "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
	if err := VerifySignature([]byte("The quick brown fox jumps over the lazy dog"), "key", want, ""); err != nil {
		t.Fatalf("known vector rejected: %v", err)
	}
}
