package layout

import "context"

// Viewer is who looks at a page. The server puts it in the request context
// once per request (WithViewer), so every page's frame shows the signed-in
// user, the sign-out button, the CSRF token and only the navigation the
// viewer may open, without each handler passing them on.
type Viewer struct {
	// UserName, LogoutURL and CSRFToken fill the PageMeta fields of the
	// same names when the page left them empty.
	UserName  string
	LogoutURL string
	CSRFToken string
	// Nav, when set, rewrites the page's navigation: it drops links the
	// viewer may not open and adds the viewer's own (users, tokens).
	Nav func([]NavItem) []NavItem
}

type viewerKey struct{}

// WithViewer returns ctx carrying v for the page frame.
func WithViewer(ctx context.Context, v Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// ViewerFrom returns the viewer in ctx, if any.
func ViewerFrom(ctx context.Context) (Viewer, bool) {
	v, ok := ctx.Value(viewerKey{}).(Viewer)
	return v, ok
}

// forViewer completes p with the viewer in ctx.
func forViewer(ctx context.Context, p PageMeta) PageMeta {
	v, ok := ViewerFrom(ctx)
	if !ok {
		return p
	}
	if p.UserName == "" {
		p.UserName = v.UserName
	}
	if p.LogoutURL == "" {
		p.LogoutURL = v.LogoutURL
	}
	if p.CSRFToken == "" {
		p.CSRFToken = v.CSRFToken
	}
	if v.Nav != nil {
		p.Nav = v.Nav(p.Nav)
	}
	return p
}
