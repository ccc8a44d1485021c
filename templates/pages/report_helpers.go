package pages

import (
	"strings"

	"github.com/a-h/templ"
)

// logoURL passes the configured logo through as an image URL: it is a
// data:image/… URI made by config.LoadLogo from the operator's own file, which
// templ's URL filter would otherwise replace. Anything else is dropped.
func logoURL(uri string) templ.SafeURL {
	if !strings.HasPrefix(uri, "data:image/") {
		return ""
	}
	return templ.SafeURL(uri)
}

// pageSizeRule is the @page size of a statement for paper ("a4" or
// "letter"; anything else is A4). It is written into the page because the
// shared stylesheets cannot know which paper was chosen.
func pageSizeRule(paper string) string {
	size := "A4"
	if paper == "letter" {
		size = "letter"
	}
	return "<style>@page { size: " + size + " portrait; }</style>"
}

// reportTitle is the statement's page title: the month and the client, or
// the clients it covers.
func reportTitle(v ReportView) string {
	scope := v.Scope
	if v.ScopeID == "" {
		scope = strings.ToLower(scope)
	}
	return "Statement " + v.Month + " · " + scope
}
