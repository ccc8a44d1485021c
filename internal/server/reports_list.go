package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/insights-dev/insights/internal/report"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
	"github.com/insights-dev/insights/templates/pages"
)

// listReports answers GET /reports: the months with data, per client (in
// the client's zone) and for the whole partner (in UTC), newest first.
func (s *Server) listReports(c echo.Context) error {
	ctx := c.Request().Context()
	clients, err := s.store.ListClients(ctx, requestScope(c))
	if err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	channels, err := s.store.ListChannels(ctx, requestScope(c), store.ChannelFilter{})
	if err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	zones := map[string]string{}
	for _, ch := range channels {
		if _, ok := zones[ch.ClientID]; !ok && ch.Timezone != "" {
			zones[ch.ClientID] = ch.Timezone
		}
	}
	// A client viewer sees its own clients only (access.go).
	sc := scopeFrom(c)
	v := pages.ReportListView{Meta: s.pageMeta("", "", "reports")}
	if v.Partner, err = s.monthsEntry(ctx, requestScope(c), store.ChannelFilter{ClientIDs: sc.Filter(nil)}, "", "", time.UTC, sc.dates()); err != nil {
		return err
	}
	sort.Slice(clients, func(i, j int) bool {
		return strings.ToLower(clients[i].Name) < strings.ToLower(clients[j].Name)
	})
	for _, cl := range clients {
		if !sc.Allows(cl.ID) {
			continue
		}
		loc := zoneOf(cl.Timezone, zones[cl.ID])
		e, err := s.monthsEntry(ctx, requestScope(c), store.ChannelFilter{ClientIDs: []string{cl.ID}}, cl.ID, cl.Name, loc, sc.dates())
		if err != nil {
			return err
		}
		v.Clients = append(v.Clients, e)
	}
	return s.render(c, http.StatusOK, pages.ReportList(v))
}

// monthsEntry lists the months with data of the channels in f, in loc, that
// lie wholly within the requester's dates.
func (s *Server) monthsEntry(ctx context.Context, sc store.Scope, f store.ChannelFilter, clientID, name string, loc *time.Location,
	within report.DateBounds) (pages.ReportListEntry, error) {
	e := pages.ReportListEntry{ID: clientID, Name: name, Zone: loc.String()}
	first, last, ok, err := s.store.UsageBounds(ctx, sc, f)
	if err != nil {
		return e, fmt.Errorf("reports: %w", err)
	}
	if !ok {
		return e, nil
	}
	now := s.now().In(loc)
	// last is the end of the newest bucket (exclusive).
	for _, m := range monthsBetween(first.In(loc), last.Add(-time.Nanosecond).In(loc)) {
		if len(e.Months) == maxListedMonths {
			break
		}
		p := usage.MonthPeriod(m.Year(), m.Month(), loc)
		if !within.Contains(p) {
			continue
		}
		q := url.Values{}
		if clientID != "" {
			q.Set("client", clientID)
		} else if loc != time.UTC {
			q.Set("tz", loc.String())
		}
		q.Set("month", monthKey(p))
		href := "/reports/monthly?" + q.Encode()
		e.Months = append(e.Months, pages.ReportMonth{
			Key: monthKey(p), Label: monthLabel(p), Href: href,
			PDFHref: href + "&format=pdf", CSV: href + "&format=csv",
			Partial: m.Year() == now.Year() && m.Month() == now.Month(),
		})
	}
	return e, nil
}

// monthsBetween lists the first days (UTC dates) of the calendar months from
// the month of last back to the month of first, newest first.
func monthsBetween(first, last time.Time) []time.Time {
	var out []time.Time
	stop := time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, time.UTC)
	for m := time.Date(last.Year(), last.Month(), 1, 0, 0, 0, 0, time.UTC); !m.Before(stop); m = m.AddDate(0, -1, 0) {
		out = append(out, m)
		if len(out) > 10*maxListedMonths {
			break
		}
	}
	return out
}
