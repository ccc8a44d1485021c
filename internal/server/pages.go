package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/insights-dev/insights/internal/report"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
	"github.com/insights-dev/insights/static"
	"github.com/insights-dev/insights/templates/layout"
	"github.com/insights-dev/insights/templates/pages"
)

// What the dashboard pages share: the embedded assets, the page frame, the
// filter bar's choices and the freshness line.

// assets returns the embedded assets, or nil when hashing them failed at
// start (logged then), in which case pages fall back to unversioned URLs.
func (s *Server) assets() *static.Assets { return s.staticAssets }

// plainURLs hands out unversioned asset URLs when hashing failed.
type plainURLs struct{}

func (plainURLs) URL(name string) string { return static.DefaultPrefix + name }

// serveStatic answers GET /static/*: versioned URLs are cached for a year.
func (s *Server) serveStatic(c echo.Context) error {
	a := s.assets()
	if a == nil {
		return echo.NewHTTPError(http.StatusServiceUnavailable, "static files are not available")
	}
	a.ServeHTTP(c.Response(), c.Request())
	return nil
}

// pageMeta fills what the page frame needs: the client the page is about
// (its name; "" for pages about several), the zone of its times and the
// active navigation link ("overview", "reports", "alerts" or ""). The page
// component adds its own title.
func (s *Server) pageMeta(scope, zone string, active string) layout.PageMeta {
	var u layout.URLer = plainURLs{}
	if a := s.assets(); a != nil {
		u = a
	}
	return layout.PageMeta{
		Nav: []layout.NavItem{
			{Link: layout.NavOverview, Href: "/", Active: active == "overview"},
			{Link: layout.NavReports, Href: "/reports", Active: active == "reports"},
			{Link: layout.NavAlerts, Href: "/alerts", Active: active == "alerts"},
		},
		ClientScope: scope,
		Zone:        zone,
		DemoMode:    s.opts.Demo,
		Assets:      layout.AssetsFrom(u),
	}
}

// commonZones are offered in the time-zone filter besides the scope's own.
var commonZones = []string{
	"UTC", "Europe/London", "Europe/Berlin", "Europe/Madrid", "Europe/Istanbul", "Europe/Moscow",
	"Africa/Lagos", "Africa/Johannesburg", "Asia/Dubai", "Asia/Kolkata", "Asia/Kathmandu",
	"Asia/Jakarta", "Asia/Singapore", "Asia/Tokyo", "Australia/Sydney", "Pacific/Auckland",
	"America/Sao_Paulo", "America/Argentina/Buenos_Aires", "America/Mexico_City", "America/Bogota",
	"America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
}

// zoneOptions lists the zone choices with the scope's default first.
func zoneOptions(def, current string) []pages.Option {
	names := []string{def}
	for _, z := range commonZones {
		if !slices.Contains(names, z) {
			names = append(names, z)
		}
	}
	if current != "" && !slices.Contains(names, current) {
		names = append(names, current)
	}
	out := make([]pages.Option, 0, len(names))
	for i, z := range names {
		out = append(out, pages.Option{Value: z, Default: i == 0, Selected: z == current})
	}
	return out
}

// presetButtons lists the date presets with the dates they stand for today.
func presetButtons(active string, loc *time.Location, now time.Time) []pages.PresetButton {
	today := usage.DateOf(now.In(loc))
	out := make([]pages.PresetButton, 0, len(datePresets))
	for _, p := range datePresets {
		f, t := p.Range(today)
		out = append(out, pages.PresetButton{Key: p.Key, From: f.String(), To: t.String(), Active: p.Key == active})
	}
	return out
}

// granularities are the bucket sizes the filter bar offers.
var granularities = []usage.Granularity{usage.HalfHour, usage.Day, usage.Month}

func granularityOptions(current usage.Granularity) []pages.Option {
	out := make([]pages.Option, 0, len(granularities))
	for _, g := range granularities {
		out = append(out, pages.Option{Value: string(g), Selected: g == current})
	}
	return out
}

// changeOf formats current against previous.
func changeOf(current, previous int64) pages.Delta {
	return formatChange(usage.Compare(current, previous))
}

// hideComparisons takes the previous-period figures out of KPI cards whose
// previous period was not read (it lies outside a share link's dates).
func hideComparisons(kpis []pages.KPI) {
	for i := range kpis {
		kpis[i].Previous = ""
		kpis[i].Delta = noChange(pages.PrevOutsideShare)
	}
}

// freshness reads how current the data of the channels in f is: the end of
// the newest stored bucket, the last successful poll, the channels the
// Partner API has paused and the poll errors of the last 24 hours.
func (s *Server) freshness(ctx context.Context, sc store.Scope, f store.ChannelFilter, loc *time.Location) (pages.Freshness, error) {
	var fr pages.Freshness
	now := s.now()
	_, last, ok, err := s.store.UsageBounds(ctx, sc, f)
	if err != nil {
		return fr, fmt.Errorf("freshness: %w", err)
	}
	if ok {
		fr.DataUntil = formatInstant(last, loc)
	}
	polled, pok, err := s.store.LastSuccessfulPoll(ctx, sc, f)
	if err != nil {
		return fr, fmt.Errorf("freshness: %w", err)
	}
	if pok {
		fr.LastPoll = formatInstant(polled, loc)
	}
	paused, err := s.store.SourcePauses(ctx, sc, f, now)
	if err != nil {
		return fr, fmt.Errorf("freshness: %w", err)
	}
	if paused.Channels > 0 {
		fr.PausedChannels, fr.PausedUntil = paused.Channels, formatInstant(paused.Until, loc)
	}
	errs, err := s.store.RecentPollErrors(ctx, sc, f, now.Add(-24*time.Hour))
	if err != nil {
		return fr, fmt.Errorf("freshness: %w", err)
	}
	fr.ErrorCount = len(errs)
	for _, e := range errs {
		if len(fr.ErrorSample) == 3 {
			break
		}
		msg := e.Error
		if msg == "" {
			msg = e.Outcome
		}
		who := e.ChannelID
		if who == "" {
			who = e.Kind
		}
		fr.ErrorSample = append(fr.ErrorSample, formatInstant(e.StartedAt, loc)+" · "+who+": "+msg)
	}
	switch {
	case !pok && len(errs) > 0:
		fr.State = "failed"
	case !pok:
		fr.State = "unknown"
	case now.Sub(polled) > 3*time.Hour:
		fr.State = "stale"
		if len(errs) > 0 {
			fr.State = "failed"
		}
	default:
		fr.State = "fresh"
	}
	return fr, nil
}

// pageQuery parses a page's filters: the preset first, then the shared
// parser with the scope's zone and a 30-day default; the query reads
// through the request's scope.
func (s *Server) pageQuery(c echo.Context, zone *time.Location) (report.Query, string, error) {
	vals, preset, err := applyPreset(lastPreset(c.QueryParams()), zone, s.now())
	if err != nil {
		return report.Query{}, "", err
	}
	// Pages choose their own grouping and source.
	vals.Del("group_by")
	vals.Del("source")
	vals.Del("client")
	q, err := parseQuery(vals, queryDefaults{Zone: zone, Today: usage.DateOf(s.now().In(zone)), DefaultDays: 30})
	q.Scope, q.Within = requestScope(c), scopeFrom(c).dates()
	return q, preset, err
}

// lastPreset keeps only the last preset value: the filter form carries the
// current preset in a hidden field and the pressed preset button after it.
func lastPreset(v url.Values) url.Values {
	ps := v["preset"]
	if len(ps) <= 1 {
		return v
	}
	out := url.Values{}
	for k, vals := range v {
		out[k] = vals
	}
	out["preset"] = []string{ps[len(ps)-1]}
	return out
}

// zoneOf loads a stored zone name, falling back to UTC.
func zoneOf(names ...string) *time.Location {
	for _, n := range names {
		if n == "" {
			continue
		}
		if loc, err := usage.LoadZone(n); err == nil {
			return loc
		}
	}
	return time.UTC
}
