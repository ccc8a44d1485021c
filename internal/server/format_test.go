package server

import (
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/usage"
)

func TestFormatInt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   int64
		want string
	}{
		{0, "0"}, {7, "7"}, {999, "999"}, {1000, "1,000"}, {12345, "12,345"},
		{1234567, "1,234,567"}, {-1234, "−1,234"}, {-5, "−5"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := formatInt(tt.in); got != tt.want {
				t.Errorf("formatInt(%d) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestFormatMoney(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cur   string
		nanos int64
		want  string
	}{
		{"EUR", 1_234_567_000_000, "€1,234.57"},
		{"USD", 13_081_200_000, "$13.08"},
		{"INR", 100_000_000_000_000, "₹100,000.00"},
		{"BRL", 80_000_000, "R$0.08"},
		{"GBP", 5_000_000, "£0.01"}, // half away from zero
		{"GBP", 4_999_999, "£0.00"},
		{"JPY", 1_500_000_000_000, "¥1,500"},
		{"CHF", 12 * usage.NanosPerUnit, "CHF 12.00"},
		{"XOF", 1_000 * usage.NanosPerUnit, "XOF 1,000.00"},
		{"eur", 0, "€0.00"},
		{"EUR", -1_500_000_000, "−€1.50"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := formatMoney(tt.cur, tt.nanos); got != tt.want {
				t.Errorf("formatMoney(%q, %d) = %q, want %q", tt.cur, tt.nanos, got, tt.want)
			}
		})
	}
}

func TestFormatChange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		cur, prev int64
		text      string
		class     string
	}{
		{"up", 150, 100, "+50.0%", "delta--up"},
		{"down", 75, 100, "−25.0%", "delta--down"},
		{"flat", 100, 100, "0.0%", "delta--flat"},
		{"tiny change rounds to flat", 100000, 100001, "0.0%", "delta--flat"},
		{"previous zero is n/a", 10, 0, "n/a", "delta--na"},
		{"both zero is n/a", 0, 0, "n/a", "delta--na"},
		{"large", 2350, 100, "+2,250.0%", "delta--up"},
		{"to zero", 0, 40, "−100.0%", "delta--down"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := formatChange(usage.Compare(tt.cur, tt.prev))
			if d.Text != tt.text || d.Class != tt.class {
				t.Errorf("formatChange(%d vs %d) = %q %q, want %q %q", tt.cur, tt.prev, d.Text, d.Class, tt.text, tt.class)
			}
			if d.Title() == "" {
				t.Error("empty title")
			}
		})
	}
}

func TestFormatShareDurationMinutes(t *testing.T) {
	t.Parallel()
	if got := formatShare(1, 3); got != "33.3%" {
		t.Errorf("formatShare(1,3) = %q", got)
	}
	if got := formatShare(5, 0); got != "–" {
		t.Errorf("formatShare(5,0) = %q", got)
	}
	for secs, want := range map[int64]string{0: "0s", 38: "38s", 245: "4m 05s", 3720: "1h 02m", 360000: "100h 00m"} {
		if got := formatDuration(secs); got != want {
			t.Errorf("formatDuration(%d) = %q, want %q", secs, got, want)
		}
	}
	for secs, want := range map[int64]string{0: "0.0", 59: "0.9", 90: "1.5", 74_073: "1,234.5"} {
		if got := formatMinutes(secs); got != want {
			t.Errorf("formatMinutes(%d) = %q, want %q", secs, got, want)
		}
	}
}

func TestFormatPeriod(t *testing.T) {
	t.Parallel()
	d := func(s string) usage.Date { x, _ := usage.ParseDate(s); return x }
	tests := []struct {
		from, to, want string
	}{
		{"2026-11-01", "2026-11-30", "1 – 30 Nov 2026"},
		{"2026-10-03", "2026-11-01", "3 Oct – 1 Nov 2026"},
		{"2025-12-28", "2026-01-03", "28 Dec 2025 – 3 Jan 2026"},
		{"2026-03-03", "2026-03-03", "3 Mar 2026"},
	}
	for _, tt := range tests {
		p := usage.Period{From: d(tt.from), To: d(tt.to), Loc: time.UTC}
		if got := formatPeriod(p); got != tt.want {
			t.Errorf("formatPeriod(%s..%s) = %q, want %q", tt.from, tt.to, got, tt.want)
		}
	}
	if got := formatInstant(time.Time{}, time.UTC); got != "never" {
		t.Errorf("formatInstant(zero) = %q", got)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	if got := formatInstant(time.Date(2026, 3, 3, 13, 5, 0, 0, time.UTC), berlin); got != "3 Mar 2026, 14:05 CET" {
		t.Errorf("formatInstant = %q", got)
	}
}
