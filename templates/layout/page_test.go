package layout

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"
)

type fakeURLer struct{}

func (fakeURLer) URL(name string) string { return "/static/" + name + "?v=12345678" }

func render(t *testing.T, p PageMeta, content string) (*goquery.Document, string) {
	t.Helper()
	child := templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		_, err := io.WriteString(w, content)
		return err
	})
	var buf bytes.Buffer
	if err := Page(p).Render(templ.WithChildren(context.Background(), child), &buf); err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(buf.String()))
	if err != nil {
		t.Fatal(err)
	}
	return doc, buf.String()
}

func fullMeta() PageMeta {
	return PageMeta{
		Title: "Overview",
		Nav: []NavItem{
			{Label: "Overview", Href: "/", Active: true},
			{Label: "Monthly reports", Href: "/reports/monthly"},
		},
		UserName:    "ada@example.com",
		LogoutURL:   "/logout",
		ClientScope: "Acme GmbH",
		Zone:        "Europe/Berlin",
		DemoMode:    true,
		Assets:      AssetsFrom(fakeURLer{}),
		CSRFToken:   "tok<en>",
		Version:     "v1.2.3",
	}
}

func TestPage(t *testing.T) {
	doc, raw := render(t, fullMeta(), `<p data-testid="content">hello</p>`)

	if !strings.HasPrefix(raw, "<!doctype html>") && !strings.HasPrefix(raw, "<!DOCTYPE html>") {
		t.Errorf("no doctype: %.40s", raw)
	}
	if lang, _ := doc.Find("html").Attr("lang"); lang != "en" {
		t.Errorf("lang = %q", lang)
	}
	if got := doc.Find("title").Text(); got != "Overview · Insights" {
		t.Errorf("title = %q", got)
	}
	if v, _ := doc.Find(`meta[name="viewport"]`).Attr("content"); !strings.Contains(v, "width=device-width") {
		t.Errorf("viewport = %q", v)
	}
	if v, _ := doc.Find(`meta[name="csrf-token"]`).Attr("content"); v != "tok<en>" {
		t.Errorf("csrf meta = %q", v)
	}
	if v, _ := doc.Find(`link[rel="stylesheet"]`).Attr("href"); v != "/static/css/app.css?v=12345678" {
		t.Errorf("css href = %q", v)
	}
	scripts := doc.Find("head script")
	if scripts.Length() != 2 {
		t.Fatalf("%d head scripts, want 2", scripts.Length())
	}
	if src, _ := scripts.Eq(0).Attr("src"); src != "/static/vendor/echarts.min.js?v=12345678" {
		t.Errorf("first script = %q (echarts must load before app.js)", src)
	}
	if src, _ := scripts.Eq(1).Attr("src"); src != "/static/js/app.js?v=12345678" {
		t.Errorf("second script = %q", src)
	}
	if strings.Contains(raw, "https://") || strings.Contains(raw, "http://") {
		t.Errorf("page references a remote host")
	}

	tests := []struct{ testid, want string }{
		{"skip-link", "Skip to content"},
		{"client-scope", "Acme GmbH"},
		{"zone", "Europe/Berlin"},
		{"user-name", "ada@example.com"},
		{"demo-banner", DemoNotice},
		{"content", "hello"},
		{"footer-zone", "Times in Europe/Berlin"},
		{"version", "v1.2.3"},
		{"nav-overview", "Overview"},
		{"nav-monthly-reports", "Monthly reports"},
	}
	for _, tt := range tests {
		t.Run(tt.testid, func(t *testing.T) {
			sel := doc.Find(`[data-testid="` + tt.testid + `"]`)
			if sel.Length() != 1 {
				t.Fatalf("%d elements, want 1", sel.Length())
			}
			if got := strings.Join(strings.Fields(sel.Text()), " "); !strings.Contains(got, tt.want) {
				t.Errorf("text = %q, want it to contain %q", got, tt.want)
			}
		})
	}
	if href, _ := doc.Find(`[data-testid="skip-link"]`).Attr("href"); href != "#main" || doc.Find("main#main").Length() != 1 {
		t.Errorf("skip link target missing")
	}
	if doc.Find(`[data-testid="main"] [data-testid="content"]`).Length() != 1 {
		t.Errorf("content is not inside main")
	}
	if cur, ok := doc.Find(`[data-testid="nav-overview"]`).Attr("aria-current"); !ok || cur != "page" {
		t.Errorf("active nav item lacks aria-current")
	}
	if _, ok := doc.Find(`[data-testid="nav-monthly-reports"]`).Attr("aria-current"); ok {
		t.Errorf("inactive nav item has aria-current")
	}
	if v, _ := doc.Find(`[data-testid="logout-form"] input[name="_csrf"]`).Attr("value"); v != "tok<en>" {
		t.Errorf("logout form csrf = %q", v)
	}
	if doc.Find(`button[data-theme-toggle][data-testid="theme-toggle"]`).Length() != 1 {
		t.Errorf("theme toggle missing")
	}
	// Nothing but the two asset scripts: no inline script from the layout.
	if n := doc.Find("script:not([src])").Length(); n != 0 {
		t.Errorf("%d inline scripts in the layout", n)
	}
}

func TestPageMinimal(t *testing.T) {
	doc, _ := render(t, PageMeta{Assets: AssetURLs{CSS: "/c.css", JS: "/a.js"}}, "")
	if got := doc.Find("title").Text(); got != "Insights" {
		t.Errorf("title = %q", got)
	}
	for _, absent := range []string{"demo-banner", "user-name", "client-scope", "zone", "nav", "logout-form", "version"} {
		if doc.Find(`[data-testid="`+absent+`"]`).Length() != 0 {
			t.Errorf("%s shown without data", absent)
		}
	}
	if doc.Find("head script").Length() != 1 {
		t.Errorf("echarts script without a URL")
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{"Overview": "overview", "Monthly reports": "monthly-reports", " Calls & voice! ": "calls-voice", "API v1": "api-v1"} {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
}
