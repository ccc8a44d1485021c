package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/insights-dev/insights/internal/alerts"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/templates/pages"
)

// showAlerts answers GET /alerts (partner staff): firing alerts, then the
// resolved ones, newest first.
func (s *Server) showAlerts(c echo.Context) error {
	ctx := c.Request().Context()
	list, err := s.store.ListAlerts(ctx, requestScope(c), store.AlertFilter{})
	if err != nil {
		return err
	}
	clients, err := s.store.ListClients(ctx, requestScope(c))
	if err != nil {
		return err
	}
	names := make(map[string]string, len(clients))
	for _, cl := range clients {
		names[cl.ID] = cl.Name
	}
	v := pages.AlertsView{Meta: s.pageMeta("", "UTC", "alerts"), Delivery: s.opts.AlertDelivery}
	now := s.now().UTC()
	for _, a := range list {
		r := pages.AlertRow{ID: strconv.FormatInt(a.ID, 10), Kind: a.Kind, KindLabel: alertKindTitle(a.Kind),
			Client: a.ClientID, ClientHref: clientPath(a.ClientID), Message: a.Message, Since: a.FiredAt.UTC().Format("2 Jan 2006 15:04 UTC")}
		if n, ok := names[a.ClientID]; ok && n != "" {
			r.Client = n
		}
		end := now
		if a.State == store.AlertResolved {
			end = a.ResolvedAt
			r.Resolved = a.ResolvedAt.UTC().Format("2 Jan 2006 15:04 UTC")
		}
		r.Duration = end.Sub(a.FiredAt).Truncate(time.Minute).String()
		if a.State == store.AlertFiring {
			v.Current = append(v.Current, r)
		} else {
			v.Past = append(v.Past, r)
		}
	}
	return s.render(c, http.StatusOK, pages.Alerts(v))
}

// alertKindTitle is the capitalised human name of an alert kind.
func alertKindTitle(kind string) string {
	l := alerts.KindLabel(kind)
	if l == "" {
		return kind
	}
	return string(l[0]-'a'+'A') + l[1:]
}
