package config

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// MaxLogoBytes bounds the logo file: it is embedded in every statement.
const MaxLogoBytes = 512 << 10

// logoTypes maps the accepted logo file extensions to their media types.
var logoTypes = map[string]string{
	".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
	".gif": "image/gif", ".webp": "image/webp", ".svg": "image/svg+xml",
}

// checkLogo reports why path cannot be used as the statements' logo.
func checkLogo(path string) error {
	_, err := LoadLogo(path)
	return err
}

// LoadLogo reads the image at path and returns it as a data: URI, so that a
// statement carries its logo with it (in the page, the PDF and a saved
// copy). An empty path gives an empty URI.
func LoadLogo(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	typ, ok := logoTypes[strings.ToLower(filepath.Ext(path))]
	if !ok {
		return "", fmt.Errorf("%s: not a PNG, JPEG, GIF, WebP or SVG file (by its extension)", path)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("read logo: %w", err)
	}
	if fi.Size() > MaxLogoBytes {
		return "", fmt.Errorf("%s: %d bytes is larger than the %d allowed", path, fi.Size(), MaxLogoBytes)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read logo: %w", err)
	}
	return "data:" + typ + ";base64," + base64.StdEncoding.EncodeToString(b), nil
}
