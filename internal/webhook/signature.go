package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
)

// Signature header names: 360dialog signs partner webhooks with the platform
// secret in HeaderSignature360; Meta signs direct deliveries with the app
// secret in HeaderSignatureHub.
const (
	HeaderSignature360 = "X-360dialog-Signature"
	HeaderSignatureHub = "X-Hub-Signature-256"
)

// Errors returned by [VerifySignature]; test with errors.Is.
var (
	// ErrMissingSignature means neither signature header was sent.
	ErrMissingSignature = errors.New("webhook: missing signature")
	// ErrBadSignature means a signature was sent but does not match the body
	// (or is not a hex SHA-256 digest at all).
	ErrBadSignature = errors.New("webhook: bad signature")
	// ErrNoSigningKey means VerifySignature was called without a key; an empty
	// key would make every forged signature easy, so it never passes.
	ErrNoSigningKey = errors.New("webhook: no signing key configured")
)

// VerifySignature checks that body carries a valid HMAC-SHA256 under key in
// either header: header360 is the value of X-360dialog-Signature (bare hex, as
// 360dialog sends it), headerHub that of X-Hub-Signature-256 ("sha256=<hex>",
// as Meta sends it). Either form may carry the "sha256=" prefix or not, in
// any letter case. The body must be the raw bytes as received, before any
// decoding. Digests are compared in constant time. It returns nil when one
// present header matches, ErrMissingSignature when both are empty, and
// ErrBadSignature otherwise.
func VerifySignature(body []byte, key string, header360, headerHub string) error {
	if key == "" {
		return ErrNoSigningKey
	}
	header360, headerHub = strings.TrimSpace(header360), strings.TrimSpace(headerHub)
	if header360 == "" && headerHub == "" {
		return ErrMissingSignature
	}
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write(body)
	want := mac.Sum(nil)
	ok := false
	for _, h := range []string{header360, headerHub} {
		if h == "" {
			continue
		}
		got, err := decodeSignature(h)
		if err != nil {
			continue
		}
		// Evaluate both headers regardless of the first result; the
		// comparison itself is constant time.
		if hmac.Equal(got, want) {
			ok = true
		}
	}
	if !ok {
		return ErrBadSignature
	}
	return nil
}

// decodeSignature strips an optional "sha256=" prefix and decodes the hex
// digest, which must be exactly 32 bytes.
func decodeSignature(h string) ([]byte, error) {
	const prefix = "sha256="
	if len(h) >= len(prefix) && strings.EqualFold(h[:len(prefix)], prefix) {
		h = h[len(prefix):]
	}
	b, err := hex.DecodeString(h)
	if err != nil {
		return nil, err
	}
	if len(b) != sha256.Size {
		return nil, errors.New("not a SHA-256 digest")
	}
	return b, nil
}
