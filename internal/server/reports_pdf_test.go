package server_test

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/insights-dev/insights/internal/metrics"
	"github.com/insights-dev/insights/internal/pdf"
	"github.com/insights-dev/insights/internal/pdf/pdftest"
	"github.com/insights-dev/insights/internal/server"
	"github.com/insights-dev/insights/internal/simulator"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
)

// needTool finds a program the PDF test needs; CI installs them all, so a
// missing one fails there and skips elsewhere.
func needTool(t *testing.T, names ...string) string {
	t.Helper()
	for _, n := range names {
		if n == "" {
			continue
		}
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not installed (CI installs chromium and poppler-utils)", names)
	}
	t.Skipf("statement PDF test skipped: %v not installed", names)
	return ""
}

// TestMonthlyReportPDF prints client statements with headless Chromium and
// checks the PDF: at most two A4 pages for one client-month with all its
// tables, and its text carries the month's totals as the API gives them.
// Set INSIGHTS_REPORT_ARTIFACTS to a folder to keep the PDFs and their
// pages as PNG (pdftoppm -png -r 60) for a look.
func TestMonthlyReportPDF(t *testing.T) {
	t.Parallel()
	chromium := needTool(t, os.Getenv("INSIGHTS_CHROMIUM"), "/usr/bin/chromium", "chromium", "chromium-browser")
	needTool(t, "pdftotext")
	needTool(t, "pdfinfo")

	cfg := simulator.Config{Seed: 11, Now: func() time.Time { return simNow }}
	sim := simulator.New(cfg)
	st := storetest.OpenSeeded(t, cfg, seededFrom, seededTo)
	r := &pdf.Renderer{ExecPath: chromium}
	t.Cleanup(r.Close)
	h := server.New(server.Options{Store: st, AllowAnonymous: true, Now: func() time.Time { return simNow },
		PartnerName: "Northwind Messaging", PDF: r,
		Logo: testLogo}).Handler()

	dir := os.Getenv("INSIGHTS_REPORT_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range reportPDFCases(sim.Clients()) {
		t.Run(tc.name, func(t *testing.T) {
			rec, body := reportGet(t, h, "/reports/monthly?"+tc.query+"&month=2026-10&format=pdf")
			if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/pdf" {
				t.Fatalf("format=pdf: %d %s\n%.500s", rec.Code, rec.Header().Get("Content-Type"), body)
			}
			pdfPath := filepath.Join(dir, "statement-"+tc.name+".pdf")
			if err := os.WriteFile(pdfPath, rec.Body.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			info, err := exec.Command("pdfinfo", pdfPath).Output()
			if err != nil {
				t.Fatalf("pdfinfo: %v", err)
			}
			pages := 0
			if m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindSubmatch(info); m != nil {
				pages, _ = strconv.Atoi(string(m[1]))
			}
			wantSize := "(A4)"
			if strings.Contains(tc.query, "letter") {
				wantSize = "(letter)"
			}
			if !bytes.Contains(info, []byte(wantSize)) {
				t.Errorf("page size: want %s\n%s", wantSize, info)
			}
			if tc.name != "partner" && (pages < 1 || pages > 2) {
				t.Errorf("%d pages: one client-month must fit on at most two pages", pages)
			}
			text, err := exec.Command("pdftotext", "-layout", pdfPath, "-").Output()
			if err != nil {
				t.Fatalf("pdftotext: %v", err)
			}
			q := url.Values{"from": {"2026-10-01"}, "to": {"2026-10-31"}, "tz": {tc.zone}}
			if v, _ := url.ParseQuery(tc.query); v.Get("client") != "" {
				q.Set("client", v.Get("client"))
			}
			var u usageJSON
			getJSON(t, h, "/api/v1/usage?"+q.Encode(), &u)
			if len(u.Totals) == 0 {
				t.Fatal("no usage in the API for this month")
			}
			var vol int64
			for _, tot := range u.Totals {
				vol += tot.Volume
			}
			wants := []string{"Northwind Messaging", "October 2026", tc.zone, "Meta's invoice is final", "Page 1 of", formatCount(vol)}
			for _, tot := range u.Totals {
				n, _ := usage.ParseDecimal(tot.Cost)
				wants = append(wants, moneyText(n))
			}
			for _, w := range wants {
				if !strings.Contains(string(text), w) {
					t.Errorf("PDF text lacks %q", w)
				}
			}
			if strings.Contains(string(text), "Download PDF") || strings.Contains(string(text), "Sign out") {
				t.Error("the PDF shows screen-only controls")
			}
			if out, err := exec.Command("pdftoppm", "-png", "-r", "60", pdfPath, strings.TrimSuffix(pdfPath, ".pdf")).CombinedOutput(); err != nil {
				t.Logf("pdftoppm: %v %s", err, out)
			}
			t.Logf("%s: %d pages, %d bytes (%s)", tc.name, pages, rec.Body.Len(), pdfPath)
		})
	}
}

// reportPDFCase is a statement to print: its query and the zone it is in.
type reportPDFCase struct{ name, query, zone string }

// reportPDFCases are the client with the most channels (the longest
// statement), one in Kolkata on letter paper, and the partner's statement.
func reportPDFCases(clients []simulator.Client) []reportPDFCase {
	most := clients[0]
	for _, c := range clients {
		if n := channelsOf(c); n > channelsOf(most) {
			most = c
		}
	}
	cases := []reportPDFCase{{"most-channels", "client=" + url.QueryEscape(most.ID), most.Timezone}}
	for _, c := range clients {
		if c.Timezone == "Asia/Kolkata" {
			cases = append(cases, reportPDFCase{"kolkata-letter", "client=" + url.QueryEscape(c.ID) + "&paper=letter", c.Timezone})
			break
		}
	}
	return append(cases, reportPDFCase{"partner", "", "UTC"})
}

// testLogo is a small SVG mark as a data URI, like config.LoadLogo makes.
var testLogo = "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString([]byte(
	`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40"><rect width="40" height="40" rx="8" fill="#0f766e"/>`+
		`<path d="M10 29V11l20 18V11" stroke="#fff" stroke-width="4" fill="none" stroke-linejoin="round"/></svg>`))

func channelsOf(c simulator.Client) int {
	n := 0
	for _, w := range c.WABAs {
		n += len(w.Channels)
	}
	return n
}

// moneyText is an amount as the statement writes it, without its symbol
// ("6,568.46").
func moneyText(nanos int64) string {
	s := usage.FormatFixed(nanos, 2)
	whole, frac, _ := strings.Cut(s, ".")
	n, _ := strconv.ParseInt(whole, 10, 64)
	return formatCount(n) + "." + frac
}

// TestMonthlyReportPDFBusy holds the only print slot: a statement download
// waits the queue wait, then gets a 503 page with Retry-After that says to
// try again, the refusal is counted in /metrics, and once the slot is free
// the same download is a PDF again.
func TestMonthlyReportPDFBusy(t *testing.T) {
	t.Parallel()
	r := &pdf.Renderer{ExecPath: needTool(t, os.Getenv("INSIGHTS_CHROMIUM"), "/usr/bin/chromium", "chromium", "chromium-browser"),
		Concurrency: 1, QueueWait: 100 * time.Millisecond}
	t.Cleanup(r.Close)
	h, _ := edgeServer(t, server.Options{PDF: r})
	const path = "/reports/monthly?client=kir&month=2026-10&format=pdf"

	release := pdftest.HoldSlot(t, r)
	rec, body := reportGet(t, h, path)
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("format=pdf with every print slot busy: %d, want 503\n%.600s", rec.Code, body)
	}
	if got := rec.Header().Get("Retry-After"); got != "5" {
		t.Errorf("Retry-After %q, want 5", got)
	}
	if !strings.Contains(body, "Try the download again in a few seconds") || !strings.Contains(body, "Print") {
		t.Errorf("the busy page does not say to try again or print from the browser:\n%.2000s", body)
	}
	if strings.Contains(body, "%PDF-") || rec.Header().Get(echo.HeaderContentDisposition) != "" {
		t.Error("a refused download must not be offered as a file")
	}
	mrec, mbody := reportGet(t, h, "/metrics")
	samples, err := metrics.ParseText(strings.NewReader(mbody))
	if mrec.Code != http.StatusOK || err != nil {
		t.Fatalf("GET /metrics: %d %v", mrec.Code, err)
	}
	if samples[server.MetricPDFRejected] != 1 || samples[server.MetricPDFPrinting] != 1 {
		t.Errorf("%s = %v, %s = %v; want 1 and 1", server.MetricPDFRejected, samples[server.MetricPDFRejected],
			server.MetricPDFPrinting, samples[server.MetricPDFPrinting])
	}

	release()
	rec, body = reportGet(t, h, path)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/pdf" || !strings.HasPrefix(body, "%PDF-") {
		t.Fatalf("format=pdf once the slot is free: %d %s\n%.300s", rec.Code, rec.Header().Get("Content-Type"), body)
	}
}
