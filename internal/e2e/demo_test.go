package e2e

import (
	"database/sql"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3" // to check the database file after a hard stop
)

// TestDemoServesDataAndStopsOnSIGTERM is the first-run experience: with no
// credentials, "insights serve" runs on the simulator, has 90 days of data
// within 60 seconds, and stops promptly and cleanly on SIGTERM.
func TestDemoServesDataAndStopsOnSIGTERM(t *testing.T) {
	in := start(t, "", "serve")
	took := in.waitForData(t, 60*time.Second)
	t.Logf("demo data served %s after start", took.Round(100*time.Millisecond))

	var h struct {
		Demo bool
	}
	if err := getJSON(in.URL("/healthz"), &h); err != nil || !h.Demo {
		t.Errorf("healthz must report demo mode: %+v, %v", h, err)
	}
	// The address to open is a plain line, not buried in a log record.
	if want := "Insights is running with simulated demo data: open " + in.URL("") + " in your browser"; !strings.Contains(in.log.String(), want+" (Ctrl+C stops it)\n") {
		t.Errorf("the output does not say %q:\n%s", want, in.log.String())
	}
	if d := in.stop(t); d > 5*time.Second {
		t.Errorf("shutdown took %s, want under 5s", d)
	}
}

// TestSIGTERMDuringBackfillLeavesConsistentDatabase stops the process in the
// middle of its first pass and checks the database is intact and usable.
func TestSIGTERMDuringBackfillLeavesConsistentDatabase(t *testing.T) {
	in := start(t, "", "serve", "--backfill-days", "120")
	time.Sleep(1500 * time.Millisecond) // the backfill pass is under way
	if d := in.stop(t); d > 5*time.Second {
		t.Errorf("shutdown during a pass took %s, want under 5s", d)
	}
	db, err := sql.Open("sqlite3", in.DB)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
		t.Fatalf("integrity_check = %q, %v", res, err)
	}
	// Every channel either has its whole backfill window or nothing: a
	// channel with points but no recorded successful backfill would be a
	// half-written window.
	var orphans int
	err = db.QueryRow(`SELECT COUNT(DISTINCT u.channel_id) FROM usage_points u
		WHERE NOT EXISTS (SELECT 1 FROM poll_runs r WHERE r.channel_id = u.channel_id AND r.outcome = 'ok')`).Scan(&orphans)
	if err != nil {
		t.Fatal(err)
	}
	if orphans != 0 {
		t.Errorf("%d channels have points without a successful poll run", orphans)
	}
	// The same database serves again after a restart.
	again := start(t, in.DB, "serve")
	again.waitForData(t, 60*time.Second)
	again.stop(t)
}
