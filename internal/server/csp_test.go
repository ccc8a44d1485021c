package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/labstack/echo/v4"

	"github.com/insights-dev/insights/internal/auth"
)

// TestPagesRunNoInlineScript fetches every HTML page and checks that it
// would work under a script-src without 'unsafe-inline': the only scripts
// are files (src=) and JSON data blocks, no element carries an on* handler
// or a javascript: URL, and the header sent says so. The chart pages must
// still hand every chart's option to app.js in a block that names an
// element on the page and parses as JSON.
func TestPagesRunNoInlineScript(t *testing.T) {
	t.Parallel()
	f := newAccessFixture(t)
	secret, _, err := f.s.acl.auth.CreateShareLink(context.Background(), "test", "", 0,
		auth.NewShare{ClientID: "acme", ExpiresAt: pageNow.Add(24 * time.Hour), Password: passShare})
	if err != nil {
		t.Fatal(err)
	}
	pages := []struct {
		route, target, who string
		charts             bool // the page must carry at least one chart block
	}{
		{"/login", "/login", "anonymous", false},
		{"/setup", "/setup", "anonymous", false},
		{"/s/:token", "/s/" + secret, "anonymous", false},
		{"/", "/", "admin", false},
		{"/clients/:client", "/clients/acme", "admin", true},
		{"/clients/:client", "/clients/acme", "share-acme", true},
		{"/clients/:client/channels/:channel", "/clients/acme/channels/ch-a1", "admin", true},
		{"/reports", "/reports?client=acme", "admin", false},
		{"/reports/monthly", "/reports/monthly?client=acme&month=2026-03", "admin", true},
		{"/reconcile", "/reconcile?client=acme&from=2026-03-01&to=2026-03-14", "admin", false},
		{"/alerts", "/alerts", "admin", false},
		{"/users", "/users", "admin", false},
		{"/tokens", "/tokens", "admin", false},
		{"/share-links", "/share-links", "admin", false},
		{"", "/clients/no-such-client", "admin", false}, // the error page
	}
	covered := map[string]bool{}
	for _, p := range pages {
		covered[p.route] = true
		t.Run(p.who+" "+p.target, func(t *testing.T) {
			rec := f.do(http.MethodGet, p.target, f.creds[p.who], nil)
			if !strings.HasPrefix(rec.Header().Get(echo.HeaderContentType), "text/html") {
				t.Fatalf("GET %s: %d %q, want an HTML page", p.target, rec.Code, rec.Header().Get(echo.HeaderContentType))
			}
			checkScriptSrc(t, rec.Header().Get("Content-Security-Policy"))
			doc, err := goquery.NewDocumentFromReader(rec.Body)
			if err != nil {
				t.Fatal(err)
			}
			if n := checkNoInlineCode(t, doc); p.charts && n == 0 {
				t.Errorf("GET %s: no chart option blocks", p.target)
			}
		})
	}
	for _, r := range f.s.echo.Routes() {
		if r.Method == http.MethodGet && isPagePath(r.Path) && !covered[r.Path] {
			t.Errorf("page %s is not checked for inline scripts", r.Path)
		}
	}
}

// checkScriptSrc fails unless the policy's script-src is exactly 'self'.
func checkScriptSrc(t *testing.T, csp string) {
	t.Helper()
	for _, d := range strings.Split(csp, ";") {
		if f := strings.Fields(d); len(f) > 0 && f[0] == "script-src" {
			if got := strings.Join(f[1:], " "); got != "'self'" {
				t.Errorf("script-src %s, want 'self' alone", got)
			}
			return
		}
	}
	t.Errorf("Content-Security-Policy %q has no script-src", csp)
}

// checkNoInlineCode fails for anything on the page that a browser would run
// from the markup itself, and returns the number of chart option blocks.
func checkNoInlineCode(t *testing.T, doc *goquery.Document) int {
	t.Helper()
	blocks := 0
	doc.Find("script").Each(func(_ int, s *goquery.Selection) {
		_, hasSrc := s.Attr("src")
		typ, _ := s.Attr("type")
		switch {
		case hasSrc && strings.TrimSpace(s.Text()) == "":
		case strings.EqualFold(typ, "application/json"):
			blocks++
			id, _ := s.Attr("data-chart-for")
			if id == "" || doc.Find("#"+id).Length() != 1 {
				t.Errorf("option block for %q names no element on the page", id)
			}
			if !json.Valid([]byte(s.Text())) {
				t.Errorf("option block for %q is not JSON: %.120s", id, s.Text())
			}
		default:
			t.Errorf("inline script (type %q): %.120s", typ, s.Text())
		}
	})
	doc.Find("*").Each(func(_ int, el *goquery.Selection) {
		for _, a := range el.Nodes[0].Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") {
				t.Errorf("<%s %s=%q>: inline event handler", goquery.NodeName(el), a.Key, a.Val)
			}
			if strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:") {
				t.Errorf("<%s %s=%q>: javascript: URL", goquery.NodeName(el), a.Key, a.Val)
			}
		}
	})
	return blocks
}
