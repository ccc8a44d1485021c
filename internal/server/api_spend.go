package server

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/insights-dev/insights/internal/spend"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
)

// spendService reads forecasts and balances for pages and the API.
func (s *Server) spendService(sc store.Scope) *spend.Service {
	return &spend.Service{Store: s.store, Scope: sc, Now: s.now, Forecasts: s.forecasts, RateCard: s.opts.RateCard}
}

type balanceJSON struct {
	Client     string   `json:"client"`
	Channel    string   `json:"channel"`
	Balance    string   `json:"balance"`
	Currency   string   `json:"currency"`
	Threshold  *string  `json:"threshold"`
	RunwayDays *float64 `json:"runway_days"`
	ReadAt     string   `json:"read_at"`
}

// getBalances answers GET /api/v1/balances[?client=ID]: each channel's
// latest balance, threshold and runway (null when it spends nothing).
func (s *Server) getBalances(c echo.Context) error {
	ctx := c.Request().Context()
	if !scopeFrom(c).dates().ContainsDay(usage.DateOf(s.now().UTC())) {
		// Balances are today's figures: not part of a share link whose dates end before today.
		return &paramError{"client", "balances are today's figures, outside this shared view (" + scopeFrom(c).dates().String() + ")"}
	}
	var f store.ChannelFilter
	for _, id := range clientParams(c) {
		if _, err := s.store.GetClient(ctx, requestScope(c), id); err != nil {
			return &paramError{"client", fmt.Sprintf("there is no client with id %q", id)}
		}
		f.ClientIDs = append(f.ClientIDs, id)
	}
	bs, err := s.spendService(requestScope(c)).Balances(ctx, f)
	if err != nil {
		return err
	}
	out := struct {
		Balances []balanceJSON `json:"balances"`
	}{Balances: make([]balanceJSON, 0, len(bs))}
	for _, b := range bs {
		j := balanceJSON{Client: b.ClientID, Channel: b.ChannelID, Balance: usage.FormatDecimal(b.BalanceNanos),
			Currency: b.Currency, RunwayDays: b.RunwayDays, ReadAt: b.ReadAt.UTC().Format(time.RFC3339)}
		if b.ThresholdNanos != nil {
			t := usage.FormatDecimal(*b.ThresholdNanos)
			j.Threshold = &t
		}
		out.Balances = append(out.Balances, j)
	}
	return c.JSON(http.StatusOK, out)
}

type forecastJSON struct {
	Client   string  `json:"client"`
	Month    string  `json:"month"`
	TZ       string  `json:"tz"`
	Currency string  `json:"currency"`
	ToDate   string  `json:"to_date"`
	Forecast string  `json:"forecast"`
	Low      string  `json:"low"`
	High     string  `json:"high"`
	Budget   *string `json:"budget"`
}

// getForecast answers GET /api/v1/forecast?client=ID[&month=YYYY-MM]: the
// month-to-date cost, the projected month total with its range, and the
// budget; the default month is the current one in the client's zone. With
// several clients (a viewer of several: the access guard names them all)
// it answers {"forecasts": [one object per client]}. A forecast shows the
// month's days up to today, so a share link sees it only when its dates
// cover them.
func (s *Server) getForecast(c echo.Context) error {
	ctx := c.Request().Context()
	ids := scopeFrom(c).Filter(clientParams(c))
	if len(ids) == 0 {
		return &paramError{"client", "client is required"}
	}
	year, month := 0, time.Month(0)
	if m := c.QueryParam("month"); m != "" {
		y, mo, err := usage.ParseMonth(m)
		if err != nil {
			return &paramError{"month", err.Error()}
		}
		year, month = y, mo
	}
	within := scopeFrom(c).dates()
	out := make([]forecastJSON, 0, len(ids))
	for _, id := range ids {
		f, err := s.spendService(requestScope(c)).ForecastClient(ctx, id, year, month, nil)
		if errors.Is(err, store.ErrNotFound) {
			return &paramError{"client", fmt.Sprintf("there is no client with id %q", id)}
		}
		if err != nil {
			return err
		}
		if shown := forecastDays(f, s.now()); !within.Contains(shown) {
			return &paramError{"month", fmt.Sprintf("the forecast for %s shows %s, outside this shared view (%s)",
				f.Month.From.In(time.UTC).Format("January 2006"), formatPeriod(shown), within)}
		}
		out = append(out, forecastToJSON(f))
	}
	if len(out) == 1 {
		return c.JSON(http.StatusOK, out[0])
	}
	return c.JSON(http.StatusOK, struct {
		Forecasts []forecastJSON `json:"forecasts"`
	}{out})
}

// forecastDays are the days whose figures a forecast shows: its month up to
// today (the whole month once it is over).
func forecastDays(f spend.Forecast, now time.Time) usage.Period {
	p := f.Month
	if today := usage.DateOf(now.In(f.Zone)); today.Before(p.To) {
		p.To = today
	}
	if p.To.Before(p.From) {
		p.To = p.From
	}
	return p
}

// forecastToJSON writes the month-to-date cost exactly and the estimates
// (forecast, low, high) rounded to cents.
func forecastToJSON(f spend.Forecast) forecastJSON {
	j := forecastJSON{Client: f.Client.ID, Month: fmt.Sprintf("%04d-%02d", f.Month.From.Year, int(f.Month.From.Month)),
		TZ: f.Zone.String(), Currency: f.Currency, ToDate: usage.FormatDecimal(f.ToDateNanos),
		Forecast: usage.FormatFixed(f.ForecastNanos, 2), Low: usage.FormatFixed(f.LowNanos, 2), High: usage.FormatFixed(f.HighNanos, 2)}
	if f.Budget != nil {
		b := usage.FormatDecimal(f.Budget.AmountNanos)
		j.Budget = &b
	}
	return j
}

type alertJSON struct {
	ID      int64  `json:"id"`
	Kind    string `json:"kind"`
	Client  string `json:"client"`
	State   string `json:"state"`
	Since   string `json:"since"`
	Message string `json:"message"`
}

// getAlerts answers GET /api/v1/alerts[?client=ID]: firing alerts first,
// then past ones, newest first; since is when the alert entered its current
// state. For a client viewer the access guard fills in its clients.
func (s *Server) getAlerts(c echo.Context) error {
	as, err := s.store.ListAlerts(c.Request().Context(), requestScope(c), store.AlertFilter{ClientIDs: clientParams(c)})
	if err != nil {
		return err
	}
	out := struct {
		Alerts []alertJSON `json:"alerts"`
	}{Alerts: make([]alertJSON, 0, len(as))}
	for _, a := range as {
		out.Alerts = append(out.Alerts, alertJSON{ID: a.ID, Kind: a.Kind, Client: a.ClientID, State: a.State,
			Since: alertSince(a).Format(time.RFC3339), Message: a.Message})
	}
	return c.JSON(http.StatusOK, out)
}

// alertSince is when an alert entered its current state.
func alertSince(a store.Alert) time.Time {
	if a.State == store.AlertResolved && !a.ResolvedAt.IsZero() {
		return a.ResolvedAt.UTC()
	}
	return a.FiredAt.UTC()
}

// clientParams are the client ids of the client query parameter (repeated
// or comma-separated).
func clientParams(c echo.Context) []string {
	var out []string
	for _, v := range c.QueryParams()["client"] {
		for _, id := range strings.Split(v, ",") {
			if id = strings.TrimSpace(id); id != "" {
				out = append(out, id)
			}
		}
	}
	return out
}
