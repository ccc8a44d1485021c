package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadLogo(t *testing.T) {
	dir := t.TempDir()
	svg := filepath.Join(dir, "logo.svg")
	if err := os.WriteFile(svg, []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), 0o644); err != nil {
		t.Fatal(err)
	}
	txt := filepath.Join(dir, "logo.txt")
	if err := os.WriteFile(txt, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.png")
	if err := os.WriteFile(big, make([]byte, MaxLogoBytes+1), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, wantPrefix, wantErr string
	}{
		{"empty", "", "", ""},
		{"svg", svg, "data:image/svg+xml;base64,PHN2Zy", ""},
		{"wrong type", txt, "", "not a PNG"},
		{"too big", big, "", "larger than"},
		{"missing", filepath.Join(dir, "nope.png"), "", "read logo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadLogo(tt.path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !strings.HasPrefix(got, tt.wantPrefix) || (tt.wantPrefix == "" && got != "") {
				t.Fatalf("LoadLogo = %q, %v; want prefix %q", got, err, tt.wantPrefix)
			}
		})
	}
	// Load reports a bad logo with the other problems.
	_, _, err := Load(func(k string) string {
		if k == "INSIGHTS_LOGO" {
			return txt
		}
		return ""
	}, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "INSIGHTS_LOGO") {
		t.Fatalf("Load with a bad logo: %v", err)
	}
}
