package server

import (
	"errors"
	"net/url"
	"testing"
	"time"
)

func TestApplyPreset(t *testing.T) {
	t.Parallel()
	// 2026-03-01 00:30 in Berlin is still 28 Feb in UTC: "today" follows the zone.
	now := time.Date(2026, 2, 28, 23, 30, 0, 0, time.UTC)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	tests := []struct {
		name       string
		query      string
		zone       *time.Location
		from, to   string
		wantPreset string
	}{
		{"default is last 30 days", "", berlin, "2026-01-31", "2026-03-01", "last_30_days"},
		{"today in the default zone", "preset=today", berlin, "2026-03-01", "2026-03-01", "today"},
		{"today in the tz parameter's zone", "preset=today&tz=UTC", berlin, "2026-02-28", "2026-02-28", "today"},
		{"yesterday", "preset=yesterday", berlin, "2026-02-28", "2026-02-28", "yesterday"},
		{"last 7 days", "preset=last_7_days", time.UTC, "2026-02-22", "2026-02-28", "last_7_days"},
		{"last 90 days", "preset=last_90_days", time.UTC, "2025-12-01", "2026-02-28", "last_90_days"},
		{"month to date", "preset=month_to_date", time.UTC, "2026-02-01", "2026-02-28", "month_to_date"},
		{"this month is the whole month", "preset=this_month", berlin, "2026-03-01", "2026-03-31", "this_month"},
		{"last month", "preset=last_month", berlin, "2026-02-01", "2026-02-28", "last_month"},
		{"last month across a year", "preset=last_month", time.UTC, "2026-01-01", "2026-01-31", "last_month"},
		{"preset wins over dates", "preset=today&from=2020-01-01&to=2020-01-02", time.UTC, "2026-02-28", "2026-02-28", "today"},
		{"dates alone are custom", "from=2026-01-01&to=2026-01-05", time.UTC, "2026-01-01", "2026-01-05", "custom"},
		{"custom with dates", "preset=custom&from=2026-01-01&to=2026-01-05", time.UTC, "2026-01-01", "2026-01-05", "custom"},
		{"custom without dates falls back", "preset=custom", time.UTC, "2026-01-30", "2026-02-28", "last_30_days"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, _ := url.ParseQuery(tt.query)
			out, preset, err := applyPreset(in, tt.zone, now)
			if err != nil {
				t.Fatal(err)
			}
			if out.Get("from") != tt.from || out.Get("to") != tt.to || preset != tt.wantPreset {
				t.Errorf("got %s..%s %q, want %s..%s %q", out.Get("from"), out.Get("to"), preset, tt.from, tt.to, tt.wantPreset)
			}
			if in.Get("from") == tt.from && tt.query == "" {
				t.Error("input values were modified")
			}
		})
	}
	t.Run("unknown preset names the field", func(t *testing.T) {
		_, _, err := applyPreset(url.Values{"preset": {"fortnight"}}, time.UTC, now)
		var pe *paramError
		if !errors.As(err, &pe) || pe.Field != "preset" {
			t.Fatalf("err = %v, want a paramError on preset", err)
		}
	})
}
