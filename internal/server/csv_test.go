package server_test

import (
	"encoding/csv"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/server"
	"github.com/insights-dev/insights/internal/simulator"
	"github.com/insights-dev/insights/internal/store/storetest"
)

// TestCSVCellsCannotRunAsFormulas checks that a value from upstream that a
// spreadsheet would run as a formula (here a category name) reaches the
// usage export and the statement CSV with an apostrophe before it, while
// the numbers stay plain.
func TestCSVCellsCannotRunAsFormulas(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	sim := simulator.New(simulator.Config{Seed: 11, Now: func() time.Time { return simNow }})
	ch := sim.Channels()[0]
	for _, cat := range []string{"=HYPERLINK(\"http://evil\")", "+SUM(A1)", "@CMD", "-2+3"} {
		if err := sim.AddUnknownCategory(ch.ID, cat); err != nil {
			t.Fatal(err)
		}
	}
	storetest.SeedFromSimulator(t, st, sim, time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC))
	h := server.New(server.Options{Store: st, AllowAnonymous: true}).Handler()
	for _, target := range []string{
		"/export/usage.csv?from=2026-11-01&to=2026-11-01&group_by=category&channel=" + ch.ID,
		"/reports/monthly?format=csv&month=2026-10&client=" + ch.ClientID,
	} {
		t.Run(target, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
			}
			rows, err := csv.NewReader(strings.NewReader(rec.Body.String())).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			seen := 0
			for _, row := range rows {
				for _, cell := range row {
					if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) && !isNumber(cell) {
						t.Errorf("cell %q would run as a formula (row %v)", cell, row)
					}
					if strings.HasPrefix(cell, "'=HYPERLINK") || cell == "'-2+3" || cell == "'@CMD" {
						seen++
					}
				}
			}
			if seen == 0 {
				t.Errorf("no neutralised cell found in %d rows", len(rows))
			}
		})
	}
}

func isNumber(s string) bool {
	for i, r := range s {
		if !(r >= '0' && r <= '9' || r == '.' || r == '-' && i == 0) {
			return false
		}
	}
	return true
}
