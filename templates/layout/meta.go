// Package layout holds the page frame every Insights page shares: head with
// our own assets, skip link, top navigation with the user, client scope and
// time zone, the demo-mode banner, and the footer. Pages render inside it as
// children of Page.
package layout

// DemoNotice is the text of the banner shown on every page in demo mode.
const DemoNotice = "Demo mode — simulated data from the built-in Partner API simulator; no real client data"

// NavLink names a link of the top navigation; the frame words it, so
// handlers only say which links a viewer gets and where they lead.
type NavLink int

// The links of the top navigation.
const (
	NavCustom     NavLink = iota // worded by NavItem.Label
	NavOverview                  // the partner overview
	NavReports                   // the monthly statements
	NavAlerts                    // the alerts page
	NavUsage                     // a client viewer's own client (NavItem.Client names it when there are several)
	NavTokens                    // the viewer's API tokens
	NavShareLinks                // the admins' share links
	NavUsers                     // the admins' users
)

// NavItem is one link of the top navigation.
type NavItem struct {
	// Link says which link this is; Label words a NavCustom one.
	Link  NavLink
	Label string
	// Client is the client id a NavUsage link adds to its label, for a
	// viewer of several clients; empty for one.
	Client string
	Href   string
	Active bool
	// TestID overrides the link's data-testid (default "nav-" + its label in lower case).
	TestID string
}

// label is the words of a navigation link.
func (n NavItem) label() string {
	switch n.Link {
	case NavOverview:
		return "Overview"
	case NavReports:
		return "Reports"
	case NavAlerts:
		return "Alerts"
	case NavUsage:
		if n.Client != "" {
			return "Usage · " + n.Client
		}
		return "Usage"
	case NavTokens:
		return "API tokens"
	case NavShareLinks:
		return "Share links"
	case NavUsers:
		return "Users"
	}
	return n.Label
}

// AssetURLs are the versioned URLs of the page's own assets.
type AssetURLs struct {
	CSS     string
	JS      string
	ECharts string
	Favicon string
}

// URLer hands out asset URLs; *static.Assets is one.
type URLer interface {
	URL(name string) string
}

// Asset names inside the static file system.
const (
	AssetCSS     = "css/app.css"
	AssetJS      = "js/app.js"
	AssetECharts = "vendor/echarts.min.js"
	AssetFavicon = "img/favicon.svg"
)

// AssetsFrom fills AssetURLs from u, so handlers need not know file names.
func AssetsFrom(u URLer) AssetURLs {
	return AssetURLs{
		CSS:     u.URL(AssetCSS),
		JS:      u.URL(AssetJS),
		ECharts: u.URL(AssetECharts),
		Favicon: u.URL(AssetFavicon),
	}
}

// PageMeta is what every page needs besides its own content. Handlers
// fill the data (scope, zone, navigation); each page component words its
// own title (WithTitle) and, for pages about several clients, the scope
// (WithScope).
type PageMeta struct {
	// Title is the page's own title; " · Insights" is appended.
	Title string
	Nav   []NavItem
	// UserName is shown as signed in; empty when nobody is (demo mode).
	UserName string
	// LogoutURL, when set with a UserName, adds a sign-out button (POST with CSRFToken).
	LogoutURL string
	// ClientScope names what the page is about ("Acme GmbH", "All clients").
	ClientScope string
	// Zone is the IANA time zone of every time on the page.
	Zone     string
	DemoMode bool
	Assets   AssetURLs
	// CSRFToken is put in a meta tag for scripts and in the sign-out form.
	CSRFToken string
	// Version is shown in the footer when set.
	Version string
}

// WithTitle is p with the page's own title.
func (p PageMeta) WithTitle(title string) PageMeta {
	p.Title = title
	return p
}

// WithScope is p naming what the page is about, unless the handler named
// a client already.
func (p PageMeta) WithScope(scope string) PageMeta {
	if p.ClientScope == "" {
		p.ClientScope = scope
	}
	return p
}

func fullTitle(t string) string {
	if t == "" {
		return "Insights"
	}
	return t + " · Insights"
}

func navTestID(n NavItem) string {
	if n.TestID != "" {
		return n.TestID
	}
	return "nav-" + slug(n.label())
}

func slug(s string) string {
	b := make([]byte, 0, len(s))
	dash := false
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b = append(b, byte(r))
			dash = false
		case r >= 'A' && r <= 'Z':
			b = append(b, byte(r-'A'+'a'))
			dash = false
		default:
			if !dash && len(b) > 0 {
				b = append(b, '-')
				dash = true
			}
		}
	}
	for len(b) > 0 && b[len(b)-1] == '-' {
		b = b[:len(b)-1]
	}
	return string(b)
}
