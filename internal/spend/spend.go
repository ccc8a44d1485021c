// Package spend answers the spend-control questions of Insights from the
// store: a client's month-end forecast against its budget, and each
// channel's balance with its runway. The server's pages and API and the
// alert evaluator share it, so they always agree. The arithmetic lives in
// package forecast; this package only reads the right data in the client's
// time zone and currency.
package spend

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/insights-dev/insights/internal/forecast"
	"github.com/insights-dev/insights/internal/ratecard"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
)

// RunwayDays is how many recent days the spending rate behind a runway is
// averaged over.
const RunwayDays = 7

// Service computes forecasts and balances. The zero value is not usable:
// set Store.
type Service struct {
	Store *store.Store
	// Scope is whose data the service reads: the request's for a page or
	// the API, store.AllClients() for the alert evaluator. The zero Scope
	// sees nothing.
	Scope store.Scope
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Forecasts, when set, keeps forecasts until their inputs change.
	Forecasts *ForecastCache
	// RateCard, when set, prices the forecast of a category with nothing
	// observed in the month yet from the card in force for the month, when
	// that card is newer than the history (service in early October 2026:
	// free in the history, billed from the 1st). Nil: history prices only.
	RateCard *ratecard.Book
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

// Forecast is a client's (or some of its channels') month-end forecast.
type Forecast struct {
	Client   store.Client
	Zone     *time.Location
	Month    usage.Period
	Currency string
	// ToDateNanos is the month's cost so far, today's partial day included.
	ToDateNanos int64
	// ForecastNanos, LowNanos and HighNanos are the projected month total
	// and its range (equal to ToDateNanos once the month is over).
	ForecastNanos, LowNanos, HighNanos int64
	// Budget is the client's monthly budget; nil when none is set.
	Budget *store.Budget
	// Result holds the per-category and per-day detail.
	Result forecast.Result
	// InProgress is true for the current month.
	InProgress bool
}

// OverBudget reports whether the forecast exceeds the budget (same currency).
func (f Forecast) OverBudget() bool {
	return f.Budget != nil && f.Budget.Currency == f.Currency && f.ForecastNanos > f.Budget.AmountNanos
}

// ErrNoMonth is returned for a month before the client's data can tell anything.
var ErrNoMonth = errors.New("spend: month out of range")

// ClientCurrency is the currency the client's channels are billed in ("" when unknown).
func ClientCurrency(chs []store.Channel) string {
	for _, ch := range chs {
		if ch.Currency != "" {
			return usage.NormalizeCurrency(ch.Currency)
		}
	}
	return ""
}

// ForecastClient forecasts clientID's cost for the month (year, month) in
// the client's zone; month 0 means the current month there. channelIDs,
// when given, restrict it to those channels of the client.
func (s *Service) ForecastClient(ctx context.Context, clientID string, year int, month time.Month, channelIDs []string) (Forecast, error) {
	cl, err := s.Store.GetClient(ctx, s.Scope, clientID)
	if err != nil {
		return Forecast{}, fmt.Errorf("spend: forecast %q: %w", clientID, err)
	}
	chs, err := s.Store.ListChannels(ctx, s.Scope, store.ChannelFilter{ClientIDs: []string{clientID}})
	if err != nil {
		return Forecast{}, fmt.Errorf("spend: forecast %q: %w", clientID, err)
	}
	return s.Forecast(ctx, cl, chs, year, month, channelIDs)
}

// Forecast is ForecastClient for a client and its channels already read
// (chs: all of the client's channels, as store.ListChannels gives them).
func (s *Service) Forecast(ctx context.Context, cl store.Client, chs []store.Channel, year int, month time.Month, channelIDs []string) (Forecast, error) {
	clientID := cl.ID
	loc := store.ClientZone(cl, chs)
	now := s.now().In(loc)
	if month == 0 {
		year, month = now.Year(), now.Month()
	}
	mp := usage.MonthPeriod(year, month, loc)
	today := usage.DateOf(now)
	f := Forecast{Client: cl, Zone: loc, Month: mp, Currency: ClientCurrency(chs), InProgress: mp.Contains(now)}
	if b, err := s.Store.GetBudget(ctx, s.Scope, clientID); err == nil {
		f.Budget = &b
	} else if !errors.Is(err, store.ErrNotFound) {
		return Forecast{}, fmt.Errorf("spend: forecast %q: %w", clientID, err)
	}
	key := newForecastKey(f, channelIDs, today)
	if cached, ok := s.Forecasts.get(key); ok {
		return cached, nil
	}

	asOf := today.AddDays(-1) // the last complete local day
	histFrom := mp.From.AddDays(-forecast.HistoryDays)
	if asOf.Before(mp.From) {
		histFrom = asOf.AddDays(-forecast.HistoryDays + 1)
	}
	readTo := mp.To
	if today.Before(readTo) {
		readTo = today
	}
	var days []forecast.Day
	var todayNanos int64
	if !readTo.Before(histFrom) {
		span := usage.Period{From: histFrom, To: readTo, Loc: loc}
		rows, err := s.Store.QueryUsage(ctx, s.Scope, store.UsageFilter{Start: span.Start(), End: span.End(), DailyOK: true, DayZone: loc,
			ClientIDs: []string{clientID}, ChannelIDs: channelIDs, GroupBy: []usage.GroupField{usage.ByCategory}})
		if err != nil {
			return Forecast{}, fmt.Errorf("spend: forecast %q: %w", clientID, err)
		}
		if f.Currency == "" {
			for _, r := range rows {
				if r.Currency != "" {
					f.Currency = r.Currency
					break
				}
			}
		}
		for _, d := range forecast.DaysFromSummary(usage.Aggregate(rows, span, usage.Day), f.Currency) {
			if d.Date == today {
				todayNanos += d.CostNanos
				continue
			}
			days = append(days, d)
		}
	}
	in := forecast.Input{Month: mp, AsOf: asOf, Days: days}
	if !readTo.Before(histFrom) {
		prices, from, err := s.cardPrices(ctx, clientID, channelIDs, f.Currency, mp, usage.Period{From: histFrom, To: asOf, Loc: loc})
		if err != nil {
			return Forecast{}, fmt.Errorf("spend: forecast %q: %w", clientID, err)
		}
		in.CardPrices, in.CardFrom = prices, from
	}
	r := forecast.Make(in)
	f.Result = r
	f.ToDateNanos = r.ToDateNanos
	if f.InProgress {
		f.ToDateNanos += todayNanos
	}
	f.ForecastNanos = max(r.ForecastNanos, f.ToDateNanos)
	f.LowNanos = max(r.LowNanos, f.ToDateNanos)
	f.HighNanos = max(r.HighNanos, f.ForecastNanos)
	s.Forecasts.put(key, f)
	return f, nil
}

// cardPrices are the prices per unit of the card in force for month mp in
// currency, per category, weighted by the history's (hist) volumes per
// market and pricing type: a FREE_CUSTOMER_SERVICE message is priced at
// the card's rate (a card that bills service bills these replies; one that
// does not has a zero service rate), other free types at zero. Nil when
// there is no such card, or it is the card the history starts under.
func (s *Service) cardPrices(ctx context.Context, clientID string, channelIDs []string, currency string, mp, hist usage.Period) (map[usage.Category]forecast.Price, usage.Date, error) {
	card := s.RateCard.For(mp.From, currency)
	if card == nil || currency == "" || hist.To.Before(hist.From) || s.RateCard.For(hist.From, currency) == card {
		return nil, usage.Date{}, nil
	}
	rows, err := s.Store.QueryUsage(ctx, s.Scope, store.UsageFilter{Start: hist.Start(), End: hist.End(), DailyOK: true,
		DayZone: hist.Loc, ClientIDs: []string{clientID}, ChannelIDs: channelIDs,
		GroupBy: []usage.GroupField{usage.ByCategory, usage.ByPricingType, usage.ByCountry}})
	if err != nil {
		return nil, usage.Date{}, fmt.Errorf("history for the card prices: %w", err)
	}
	prices := map[usage.Category]forecast.Price{}
	unknown := map[usage.Category]bool{}
	for _, r := range rows {
		if r.Currency != currency && r.Currency != "" {
			continue
		}
		cat, pt := r.Key.Category, r.Key.PricingType
		var rate int64
		if !pt.Free() || pt == usage.PricingFreeCustomerService {
			n, ok := card.Rate(cat, r.Key.Country)
			if !ok {
				unknown[cat] = true
				continue
			}
			rate = n
		}
		p := prices[cat]
		p.CostNanos += r.Quantity() * rate // per unit: tokens of a token category
		p.Volume += r.Quantity()
		prices[cat] = p
	}
	for cat := range unknown {
		delete(prices, cat) // priced from the history, as without a card
	}
	return prices, card.EffectiveFrom, nil
}

// Balance is a channel's latest balance with its runway.
type Balance struct {
	ClientID, ChannelID string
	Currency            string
	BalanceNanos        int64
	ThresholdNanos      *int64
	// DailySpendNanos is the channel's mean daily cost over the last
	// RunwayDays days (messages and calls).
	DailySpendNanos int64
	// RunwayDays is nil when the channel spends nothing.
	RunwayDays *float64
	ReadAt     time.Time
}

// Low reports whether the balance is under its threshold.
func (b Balance) Low() bool { return b.ThresholdNanos != nil && b.BalanceNanos < *b.ThresholdNanos }

// Balances returns the latest balance of each channel in f that has one,
// ordered by client, then channel.
func (s *Service) Balances(ctx context.Context, f store.ChannelFilter) ([]Balance, error) {
	readings, err := s.Store.LatestBalances(ctx, s.Scope, f)
	if err != nil {
		return nil, fmt.Errorf("spend: balances: %w", err)
	}
	if len(readings) == 0 {
		return nil, nil
	}
	chs, err := s.Store.ListChannels(ctx, s.Scope, f)
	if err != nil {
		return nil, fmt.Errorf("spend: balances: %w", err)
	}
	clientOf := make(map[string]string, len(chs))
	for _, ch := range chs {
		clientOf[ch.ID] = ch.ClientID
	}
	end := s.now()
	start := end.Add(-RunwayDays * 24 * time.Hour)
	uf := store.UsageFilter{Start: start, End: end, ClientIDs: f.ClientIDs, WABAIDs: f.WABAIDs, ChannelIDs: f.ChannelIDs,
		GroupBy: []usage.GroupField{usage.ByChannel}, Totals: true}
	spent := map[string]usage.Totals{}
	add := func(ch, cur string, n int64) {
		if spent[ch] == nil {
			spent[ch] = usage.Totals{}
		}
		spent[ch].Add(cur, n)
	}
	rows, err := s.Store.QueryUsage(ctx, s.Scope, uf)
	if err != nil {
		return nil, fmt.Errorf("spend: balances: %w", err)
	}
	for _, r := range rows {
		add(r.Key.Channel, r.Currency, r.CostNanos)
	}
	calls, err := s.Store.QueryCalls(ctx, s.Scope, uf)
	if err != nil {
		return nil, fmt.Errorf("spend: balances: %w", err)
	}
	for _, r := range calls {
		add(r.Key.Channel, r.Currency, r.CostNanos)
	}
	out := make([]Balance, 0, len(readings))
	for _, rd := range readings {
		cur := usage.NormalizeCurrency(rd.Currency)
		b := Balance{ClientID: clientOf[rd.ChannelID], ChannelID: rd.ChannelID, Currency: cur,
			BalanceNanos: rd.BalanceNanos, ThresholdNanos: rd.ThresholdNanos, ReadAt: rd.ReadAt}
		b.DailySpendNanos = spent[rd.ChannelID][cur] / RunwayDays
		if days, ok := forecast.Runway(b.BalanceNanos, b.DailySpendNanos); ok {
			days = math.Round(days*10) / 10
			b.RunwayDays = &days
		}
		out = append(out, b)
	}
	sortBalances(out)
	return out, nil
}

func sortBalances(b []Balance) {
	slices.SortFunc(b, func(x, y Balance) int {
		if c := strings.Compare(x.ClientID, y.ClientID); c != 0 {
			return c
		}
		return strings.Compare(x.ChannelID, y.ChannelID)
	})
}
