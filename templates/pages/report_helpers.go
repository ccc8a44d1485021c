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
	scope := reportScope(v)
	if v.ScopeID == "" {
		scope = strings.ToLower(scope)
	}
	return "Statement " + v.Month + " · " + scope
}

// marginsTable is a statement's margin table with its note.
func marginsTable(m ReportMargins) ReportTable {
	t := m.Table
	t.Note = basisText(m.Basis) + " · for partner staff only, never shown to the client"
	return t
}

// marginsNotComputed says why a statement has no margin table.
func marginsNotComputed(currency string) string {
	if currency == "" {
		currency = "unknown"
	}
	return "Not computed: the client's costs this month are not all in its currency (" + currency + ")."
}
