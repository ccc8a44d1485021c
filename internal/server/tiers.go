package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/insights-dev/insights/internal/ratecard"
	"github.com/insights-dev/insights/internal/report"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
	"github.com/insights-dev/insights/templates/pages"
)

// builtinTierBook is the built-in rate-card book, read once: the tiers
// are priced from it when Options.RateCard is nil.
var builtinTierBook = sync.OnceValue(ratecard.Builtin)

// tierBook is the book volume tiers are priced from.
func (s *Server) tierBook() *ratecard.Book {
	if s.opts.RateCard != nil {
		return s.opts.RateCard
	}
	return builtinTierBook()
}

type tierJSON struct {
	Country  string  `json:"country"` // ISO code, or Meta's region name when it is not one country
	Category string  `json:"category"`
	Volume   int64   `json:"volume"`
	Tier     string  `json:"tier"`
	NextTier *string `json:"next_tier"`
	ToNext   *int64  `json:"to_next"`
	Rate     *string `json:"rate"`
	NextRate *string `json:"next_rate"`
	Currency string  `json:"currency"`
	Source   string  `json:"source"`
	// PaceVolume and SavingAtPace: the month's volume at the pace so far
	// and what the messages past the next tier's start would save.
	PaceVolume   *int64  `json:"pace_volume"`
	SavingAtPace *string `json:"saving_at_pace"`
}

type tiersJSON struct {
	Client        string     `json:"client"`
	Month         string     `json:"month"`
	TZ            string     `json:"tz"`
	Tiers         []tierJSON `json:"tiers"`
	PortfolioNote *string    `json:"portfolio_note"`
}

// tierMonth is a client's month of volume tiers: the one named by the
// month parameter, else the current one in the client's zone. A share
// link sees it only when its dates cover the month's days so far.
func (s *Server) tierMonth(c echo.Context, zone *time.Location) (usage.Period, error) {
	today := usage.DateOf(s.now().In(zone))
	year, month := today.Year, today.Month
	if m := c.QueryParam("month"); m != "" {
		y, mo, err := usage.ParseMonth(m)
		if err != nil {
			return usage.Period{}, &paramError{"month", err.Error()}
		}
		year, month = y, mo
	}
	p := usage.MonthPeriod(year, month, zone)
	shown := monthSoFar(p, today)
	if within := scopeFrom(c).dates(); !within.Contains(shown) {
		return usage.Period{}, &paramError{"month", fmt.Sprintf("the tiers of %s show %s, outside this shared view (%s)",
			p.From.In(time.UTC).Format("January 2006"), formatPeriod(shown), within)}
	}
	return p, nil
}

// getTiers answers GET /api/v1/tiers?client=ID[&month=YYYY-MM]: the
// client's volume-tier progress per market and category in the month.
func (s *Server) getTiers(c echo.Context) error {
	ctx := c.Request().Context()
	ids := scopeFrom(c).Filter(clientParams(c))
	if len(ids) != 1 {
		return &paramError{"client", "one client is required"}
	}
	sc := requestScope(c)
	cl, err := s.store.GetClient(ctx, sc, ids[0])
	if errors.Is(err, store.ErrNotFound) {
		return &paramError{"client", fmt.Sprintf("there is no client with id %q", ids[0])}
	}
	if err != nil {
		return fmt.Errorf("tiers: %w", err)
	}
	chs, err := s.store.ListChannels(ctx, sc, store.ChannelFilter{ClientIDs: []string{cl.ID}})
	if err != nil {
		return fmt.Errorf("tiers: %w", err)
	}
	zone := store.ClientZone(cl, chs)
	month, err := s.tierMonth(c, zone)
	if err != nil {
		return err
	}
	p, err := s.reports.Tiers(ctx, sc, cl.ID, month, s.tierBook(), s.now())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, tiersToJSON(cl.ID, zone, p))
}

func tiersToJSON(client string, zone *time.Location, p report.TierProgress) tiersJSON {
	out := tiersJSON{Client: client, Month: fmt.Sprintf("%04d-%02d", p.Month.From.Year, int(p.Month.From.Month)),
		TZ: zone.String(), Tiers: make([]tierJSON, 0, len(p.Rows))}
	if p.MultiWABA() {
		note := fmt.Sprintf("The channels of this client span %d WABAs. Meta counts volume tiers per business portfolio "+
			"(all WABAs of a business): these volumes are summed over them, which matches Meta's count only if they "+
			"belong to one portfolio.", len(p.WABAs))
		out.PortfolioNote = &note
	}
	str := func(s string) *string { return &s }
	for _, r := range p.Rows {
		j := tierJSON{Country: r.Country, Category: string(r.Category), Volume: r.Volume, Tier: r.Tier.String(),
			Currency: r.Currency, Source: r.Source}
		if j.Country == "" {
			j.Country = r.Region
		}
		if r.HasNext {
			j.NextTier = str(r.Next.String())
			j.NextRate = str(usage.FormatDecimal(r.NextRate))
		}
		if r.HasToNext {
			j.ToNext = &r.ToNext
		}
		if r.HasRate {
			j.Rate = str(usage.FormatDecimal(r.Rate))
		}
		if r.PaceVolume > 0 {
			j.PaceVolume = &r.PaceVolume
		}
		if r.HasPaceSaving {
			j.SavingAtPace = str(usage.FormatFixed(r.PaceSavingNanos, 2))
		}
		out.Tiers = append(out.Tiers, j)
	}
	return out
}

// monthSoFar is the days of month up to today (its first day for a month
// still to come).
func monthSoFar(month usage.Period, today usage.Date) usage.Period {
	if today.Before(month.To) {
		month.To = today
	}
	if month.To.Before(month.From) {
		month.To = month.From
	}
	return month
}

// tierMonthOf is the month whose volume tiers a view of period shows: the
// current month in zone, or the period's last month when the period ends
// before the current month began (a view of last month shows its tiers).
func (s *Server) tierMonthOf(period usage.Period, zone *time.Location) usage.Period {
	today := usage.DateOf(s.now().In(zone))
	month := usage.MonthPeriod(today.Year, today.Month, zone)
	if period.To.Before(month.From) {
		month = usage.MonthPeriod(period.To.Year, period.To.Month, zone)
	}
	return month
}

// tiersPanel builds the "Volume tiers" section of a client's view for
// month. A failure to read it is logged and leaves the section out, so the
// rest of the view still shows.
func (s *Server) tiersPanel(ctx context.Context, c echo.Context, sc insightsScope, zone *time.Location, month usage.Period) pages.TiersPanel {
	p, err := s.reports.Tiers(ctx, requestScope(c), sc.client.ID, month, s.tierBook(), s.now())
	if err != nil {
		s.log.Error("volume tiers", "client", sc.client.ID, "err", err)
		return pages.TiersPanel{}
	}
	v := pages.TiersPanel{Show: true, Month: month.From.In(time.UTC).Format("January 2006"), Zone: zone.String(),
		WABAs: len(p.WABAs), Card: p.CardID}
	for _, r := range p.Rows {
		v.Rows = append(v.Rows, tierRowView(r))
	}
	return v
}

func tierRowView(r report.TierRow) pages.TierRowView {
	v := pages.TierRowView{Region: r.Region, Country: r.Country, Category: r.Category.Label(), Volume: formatInt(r.Volume),
		Tier: r.Tier.String(), Source: r.Source, NextAt: "—", ToGo: "—", PriceNow: "—",
		Flat: r.Tier.From == 0 && r.Tier.To == 0 && !r.HasNext}
	if r.HasNext {
		v.NextAt = formatInt(r.Next.From)
		v.PriceNext = formatRate(r.Currency, r.NextRate)
	}
	if r.HasToNext {
		v.ToGo = formatInt(r.ToNext)
	}
	if r.HasRate {
		v.PriceNow = formatRate(r.Currency, r.Rate)
	}
	if r.PaceVolume > 0 {
		v.PaceVolume = formatInt(r.PaceVolume)
	}
	if r.HasPaceSaving {
		v.PaceSaving = formatMoney(r.Currency, r.PaceSavingNanos)
	}
	return v
}

// formatRate writes a rate per unit exactly ("$0.0035"), as many decimals
// as it has.
func formatRate(currency string, nanos int64) string {
	return currencySymbol(currency) + formatDecimalString(usage.FormatDecimal(nanos))
}
