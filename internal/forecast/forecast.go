// Package forecast projects a client's month-end messaging cost from the
// days observed so far, and how long a prepaid balance lasts (runway).
//
// It is pure: it reads daily usage per category in the client's own time
// zone (usage.Aggregate at day granularity gives it) and returns exact money
// in nano-units. Statistics (shares, levels, spreads) are float64; money never
// is: projected volumes are whole messages, priced with exact integer ratios.
//
// The model, per category:
//
//   - Weekday shape: each weekday's share of volume over the recent 8 weeks
//     (half from the category itself, half from all categories together,
//     so a campaign spike in one category does not bend the shape much).
//   - Level: the mean deseasonalised volume (volume ÷ weekday factor) of the
//     last 42 observed days (month-to-date days included, so a change this
//     month moves it; 42 beat 28 and 56 in the backtest).
//   - Trend: the level of the last 42 days against the 42 before, as a
//     daily growth rate, clamped to ±2 % a day and damped by half.
//   - Price: the month-to-date average price of the category (cost ÷ volume;
//     the recent 8 weeks when nothing is billed yet this month). Utility and
//     authentication prices fall through Meta's volume tiers as the month's
//     volume grows, so a price only goes down within a month: for those the
//     remaining volume is priced at the lower of the month-to-date average and
//     the average of the last 7 observed days (the marginal price reached so
//     far). This is the simple tier-aware adjustment; it never prices the rest
//     of the month above what the latest days cost.
//   - Range: the spread of the daily relative residuals of the total cost
//     against the fitted shape × level over the last 42 days gives σ; the
//     remaining days' sum then has variance Σ(σ·fᵢ)² (daily noise) plus
//     (σ/√n · Σfᵢ)² (uncertainty of the level from n days); low and high are
//     ±2 standard deviations, never below the cost already incurred. Real
//     (and simulated) days are heavier-tailed than a normal model assumes
//     (campaign days), so this range held the actual total in about three of
//     four backtest cases; read it as "likely", not as a 95 % interval.
//
// Naive is the baseline it is measured against ("month-to-date × days in
// month ÷ days elapsed"); the backtest on simulator data in this package's
// tests (TestBacktest) shows the model beats it on day 7, 14 and 21.
package forecast

import (
	"math"
	"math/big"
	"slices"
	"sort"
	"time"

	"github.com/insights-dev/insights/internal/usage"
)

// HistoryDays is how many days before the forecast day a caller should
// provide in Input.Days: the level and trend read up to that far back.
const HistoryDays = 112

// Windows of the model, in days.
const (
	shapeDays = 56 // 8 weeks
	levelDays = 42
	zRange    = 2.0  // range width in standard deviations (see the package doc)
	maxGrowth = 0.02 // per day
)

// Day is one local calendar day's usage of one category, in one currency.
type Day struct {
	Date      usage.Date
	Category  usage.Category
	Volume    int64
	CostNanos int64
}

// Input is what a forecast is made from.
type Input struct {
	// Month is the whole calendar month being forecast, in the client's zone.
	Month usage.Period
	// AsOf is the last complete day observed; the days after it up to the
	// month's end are projected. A day before Month.From means nothing of the
	// month is known yet; Month.To or later means the month is complete.
	AsOf usage.Date
	// Days are the observed days, one currency: typically the 8 weeks before
	// the month through AsOf. Days after AsOf are ignored. A day within the
	// history window without an entry counts as zero, but days before the
	// first entry at all are treated as unknown (a new client).
	Days []Day
	// CardPrices, when set, are the prices per unit of each category under
	// the rate card in force for Month (in the Days' currency), as the
	// caller derives them from the card and the history's mix of markets
	// and pricing types. A category with no volume in the month yet is
	// priced from its history, unless the history lies before CardFrom (the
	// card's effective date) and CardPrices has the category: then from the
	// card, since the history's price came from an older card (service in
	// early October 2026, free until then, billed from the 1st).
	CardPrices map[usage.Category]Price
	CardFrom   usage.Date
}

// Price is an exact price per unit: CostNanos for Volume units.
type Price struct{ CostNanos, Volume int64 }

// Result is a month-end forecast.
type Result struct {
	Month usage.Period
	AsOf  usage.Date
	// ToDateNanos is the cost of the observed days of the month.
	ToDateNanos int64
	// ForecastNanos is the projected month total; LowNanos and HighNanos
	// bound its 80 % range.
	ForecastNanos, LowNanos, HighNanos int64
	// Categories holds the forecast per category, in display order.
	Categories []CategoryResult
	// Daily has one entry per day of the month: observed cost, or the
	// projection with its range.
	Daily []DayResult
}

// CategoryResult is the forecast of one category.
type CategoryResult struct {
	Category                     usage.Category
	ToDateVolume, ForecastVolume int64
	ToDateNanos, ForecastNanos   int64
	// PriceNanos is the per-message price applied to the projected volume,
	// rounded to a nano-unit (display only; the sums use the exact ratio).
	PriceNanos int64
}

// DayResult is one day of the month: observed, or projected with a range.
type DayResult struct {
	Date      usage.Date
	Projected bool
	CostNanos int64
	// LowNanos and HighNanos bound the day's projection (equal to CostNanos
	// for an observed day).
	LowNanos, HighNanos int64
}

// price is an exact per-message price: cost ÷ volume.
type price struct{ cost, volume int64 }

func (p price) of(volume int64) int64 {
	if p.volume <= 0 || volume <= 0 {
		return 0
	}
	return mulDiv(volume, p.cost, p.volume)
}

func (p price) less(o price) bool {
	// p.cost/p.volume < o.cost/o.volume, exactly.
	a := new(big.Int).Mul(big.NewInt(p.cost), big.NewInt(o.volume))
	b := new(big.Int).Mul(big.NewInt(o.cost), big.NewInt(p.volume))
	return a.Cmp(b) < 0
}

// mulDiv returns a×b÷c rounded half away from zero, without overflow in
// the product (the result saturates at the int64 range).
func mulDiv(a, b, c int64) int64 {
	num := new(big.Int).Mul(big.NewInt(a), big.NewInt(b))
	den := big.NewInt(c)
	q, r := new(big.Int).QuoRem(num, den, new(big.Int))
	if r.Sign() != 0 {
		r2 := new(big.Int).Abs(r)
		r2.Lsh(r2, 1)
		if r2.Cmp(new(big.Int).Abs(den)) >= 0 {
			if (num.Sign() < 0) != (den.Sign() < 0) {
				q.Sub(q, big.NewInt(1))
			} else {
				q.Add(q, big.NewInt(1))
			}
		}
	}
	switch {
	case q.IsInt64():
		return q.Int64()
	case q.Sign() > 0:
		return math.MaxInt64
	default:
		return math.MinInt64
	}
}

// tiered reports whether Meta prices the category in volume tiers.
func tiered(c usage.Category) bool {
	return c == usage.CategoryUtility || c == usage.CategoryAuthentication ||
		c == usage.CategoryAuthenticationInternational
}

// dayIndex numbers days so that arithmetic is simple: days since 1970-01-01.
func dayIndex(d usage.Date) int {
	return int(d.In(time.UTC).Unix() / 86400)
}

func dateOfIndex(i int) usage.Date {
	return usage.DateOf(time.Unix(int64(i)*86400, 0).UTC())
}

func weekdayOf(i int) time.Weekday { return time.Weekday((i + 4) % 7) } // 1970-01-01 was a Thursday

// series is one category's observed days.
type series struct {
	vol  map[int]int64
	cost map[int]int64
}

// Make computes the forecast for in.
func Make(in Input) Result {
	monthFrom, monthTo := dayIndex(in.Month.From), dayIndex(in.Month.To)
	asOf := min(dayIndex(in.AsOf), monthTo)
	res := Result{Month: in.Month, AsOf: in.AsOf}
	byCat, cats, first := categorySeries(in.Days, asOf)

	// The history window: up to 8 weeks ending at AsOf, not before the
	// first observed day.
	p := plan{monthFrom: monthFrom, monthTo: monthTo, asOf: asOf,
		winFrom: max(asOf-HistoryDays+1, first), shapeFrom: max(asOf-shapeDays+1, first),
		remainingFrom: max(asOf+1, monthFrom),
		dailyFit:      map[int]float64{}, fitCost: map[int]float64{},
		cardPrices: in.CardPrices, cardFrom: math.MinInt}
	if !in.CardFrom.IsZero() {
		p.cardFrom = dayIndex(in.CardFrom)
	}
	p.nWin = asOf - p.winFrom + 1
	if first == math.MaxInt {
		p.nWin = 0
	}

	// Pooled weekday shape over all categories (volume).
	total := sumSeries(byCat)
	pooled := weekdayShape(total.vol, p.shapeFrom, asOf)
	for _, c := range cats {
		cr := p.category(c, byCat[c], pooled)
		res.ToDateNanos += cr.ToDateNanos
		res.ForecastNanos += cr.ForecastNanos
		res.Categories = append(res.Categories, cr)
	}

	sigma := p.residualSpread(total)
	sd := p.totalSpread(sigma)
	res.LowNanos = max(res.ToDateNanos, res.ForecastNanos-nanos(zRange*sd))
	res.HighNanos = max(res.ForecastNanos, res.ForecastNanos+nanos(zRange*sd))
	res.ForecastNanos = max(res.ForecastNanos, res.ToDateNanos)
	res.Daily = p.days(total, sigma)
	return res
}

// plan is the day ranges of one forecast and the fitted cost it
// accumulates over the categories.
type plan struct {
	monthFrom, monthTo, asOf int
	winFrom, shapeFrom, nWin int
	remainingFrom            int
	dailyFit                 map[int]float64 // projected cost per remaining day
	fitCost                  map[int]float64 // fitted cost per window day (for residuals)
	cardPrices               map[usage.Category]Price
	cardFrom                 int // day index of Input.CardFrom (math.MinInt when unset)
}

// categorySeries groups the days up to asOf by category, in display order,
// with the first observed day (math.MaxInt when none).
func categorySeries(days []Day, asOf int) (map[usage.Category]*series, []usage.Category, int) {
	byCat := map[usage.Category]*series{}
	first := math.MaxInt
	for _, d := range days {
		i := dayIndex(d.Date)
		if i > asOf {
			continue
		}
		first = min(first, i)
		s := byCat[d.Category]
		if s == nil {
			s = &series{vol: map[int]int64{}, cost: map[int]int64{}}
			byCat[d.Category] = s
		}
		s.vol[i] += d.Volume
		s.cost[i] += d.CostNanos
	}
	cats := make([]usage.Category, 0, len(byCat))
	for c := range byCat {
		cats = append(cats, c)
	}
	sort.Slice(cats, func(i, j int) bool {
		if ri, rj := cats[i].Rank(), cats[j].Rank(); ri != rj {
			return ri < rj
		}
		return cats[i] < cats[j]
	})
	return byCat, cats, first
}

// sumSeries adds up the categories' volume and cost per day; the volume
// counts messages only (a token category's tokens would swamp them).
func sumSeries(byCat map[usage.Category]*series) *series {
	total := &series{vol: map[int]int64{}, cost: map[int]int64{}}
	for c, s := range byCat {
		for i, v := range s.vol {
			if c.Unit() == usage.UnitMessage {
				total.vol[i] += v
			}
		}
		for i, v := range s.cost {
			total.cost[i] += v
		}
	}
	return total
}

// category forecasts one category: its month to date, its fitted level and
// trend on a weekday shape half its own and half pooled, priced at its
// recent price; it adds its fitted cost to p.dailyFit and p.fitCost.
func (p plan) category(c usage.Category, s *series, pooled [7]float64) CategoryResult {
	cr := CategoryResult{Category: c}
	for i := p.monthFrom; i <= p.asOf; i++ {
		cr.ToDateVolume += s.vol[i]
		cr.ToDateNanos += s.cost[i]
	}
	own := weekdayShape(s.vol, p.shapeFrom, p.asOf)
	var shape [7]float64
	for w := range shape {
		shape[w] = (own[w] + pooled[w]) / 2
	}
	level, growth, center := levelTrend(s.vol, shape, p.winFrom, p.asOf)
	pr := categoryPrice(c, s, p.monthFrom, p.winFrom, p.asOf)
	if cp, ok := p.cardPrices[c]; ok && cp.Volume > 0 && p.winFrom < p.cardFrom && monthVolume(s, p.monthFrom, p.asOf) == 0 {
		pr = price{cost: cp.CostNanos, volume: cp.Volume}
	}
	pPerMsg := 0.0
	if pr.volume > 0 {
		pPerMsg = float64(pr.cost) / float64(pr.volume)
		cr.PriceNanos = mulDiv(1, pr.cost, pr.volume)
	}
	var remVol int64
	for i := p.remainingFrom; i <= p.monthTo && p.nWin > 0; i++ {
		v := level * math.Pow(1+growth, float64(i-center)) * shape[weekdayOf(i)]
		vol := int64(math.Round(v))
		remVol += vol
		p.dailyFit[i] += v * pPerMsg
	}
	for i := max(p.winFrom, p.asOf-levelDays+1); i <= p.asOf && p.nWin > 0; i++ {
		p.fitCost[i] += level * math.Pow(1+growth, float64(i-center)) * shape[weekdayOf(i)] * pPerMsg
	}
	cr.ForecastVolume = cr.ToDateVolume + remVol
	cr.ForecastNanos = cr.ToDateNanos + pr.of(remVol)
	return cr
}

// residualSpread is the relative spread of the total daily cost against
// the fit.
func (p plan) residualSpread(total *series) float64 {
	var resid []float64
	for i, f := range p.fitCost {
		if f > 0 {
			resid = append(resid, float64(total.cost[i])/f-1)
		}
	}
	return stddev(resid)
}

// totalSpread is the standard deviation of the remaining days' total cost:
// each day's own spread plus the uncertainty of the level.
func (p plan) totalSpread(sigma float64) float64 {
	nLevel := float64(max(1, min(levelDays, p.nWin)))
	var sumF, varDaily float64
	for i := p.remainingFrom; i <= p.monthTo; i++ {
		f := p.dailyFit[i]
		sumF += f
		varDaily += (sigma * f) * (sigma * f)
	}
	return math.Sqrt(varDaily + math.Pow(sigma/math.Sqrt(nLevel)*sumF, 2))
}

// days is the month day by day: observed cost up to AsOf, projected cost
// with its range after.
func (p plan) days(total *series, sigma float64) []DayResult {
	var out []DayResult
	for i := p.monthFrom; i <= p.monthTo; i++ {
		d := DayResult{Date: dateOfIndex(i)}
		if i <= p.asOf {
			d.CostNanos = total.cost[i]
			d.LowNanos, d.HighNanos = d.CostNanos, d.CostNanos
		} else {
			f := p.dailyFit[i]
			d.Projected = true
			d.CostNanos = nanos(f)
			d.LowNanos = max(0, nanos(f-zRange*sigma*f))
			d.HighNanos = nanos(f + zRange*sigma*f)
		}
		out = append(out, d)
	}
	return out
}

// nanos rounds a statistical estimate to whole nano-units.
func nanos(f float64) int64 {
	if f >= math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(math.Round(f))
}

// weekdayShape returns each weekday's mean volume over [from, to] relative
// to the mean of all days; flat (all 1) with fewer than two weeks of data.
func weekdayShape(vol map[int]int64, from, to int) [7]float64 {
	flat := [7]float64{1, 1, 1, 1, 1, 1, 1}
	if to-from+1 < 14 {
		return flat
	}
	var sum [7]float64
	var n [7]int
	for i := from; i <= to; i++ {
		w := weekdayOf(i)
		sum[w] += float64(vol[i])
		n[w]++
	}
	var mean float64
	for w := range sum {
		mean += sum[w] / float64(n[w]) / 7
	}
	if mean <= 0 {
		return flat
	}
	var out [7]float64
	for w := range out {
		out[w] = sum[w] / float64(n[w]) / mean
	}
	return out
}

// levelTrend returns the deseasonalised level of the last 28 days of
// [from, to], the damped daily growth, and the day the level is centred on.
func levelTrend(vol map[int]int64, shape [7]float64, from, to int) (level, growth float64, center int) {
	if to < from {
		return 0, 0, to
	}
	mean := func(a, b int) float64 {
		var s float64
		var n int
		for i := a; i <= b; i++ {
			w := shape[weekdayOf(i)]
			if w <= 0 {
				continue
			}
			s += float64(vol[i]) / w
			n++
		}
		if n == 0 {
			return 0
		}
		return s / float64(n)
	}
	a := max(from, to-levelDays+1)
	level = mean(a, to)
	center = (a + to) / 2
	if prevFrom := max(from, a-levelDays); a-prevFrom >= 14 && level > 0 {
		prev := mean(prevFrom, a-1)
		if prev > 0 {
			dist := float64(center - (prevFrom+a-1)/2)
			growth = math.Pow(level/prev, 1/dist) - 1
			growth = math.Max(-maxGrowth, math.Min(maxGrowth, growth)) / 2
		}
	}
	return level, growth, center
}

// monthVolume is the category's volume observed in the month.
func monthVolume(s *series, monthFrom, asOf int) int64 {
	var v int64
	for i := monthFrom; i <= asOf; i++ {
		v += s.vol[i]
	}
	return v
}

// categoryPrice is the price applied to a category's projected volume.
func categoryPrice(c usage.Category, s *series, monthFrom, winFrom, asOf int) price {
	sum := func(a, b int) price {
		var p price
		for i := a; i <= b; i++ {
			p.cost += s.cost[i]
			p.volume += s.vol[i]
		}
		return p
	}
	p := sum(monthFrom, asOf)
	inMonth := asOf - monthFrom + 1
	if p.volume == 0 {
		p = sum(winFrom, asOf)
	}
	if tiered(c) && inMonth >= 3 {
		last := sum(max(monthFrom, asOf-6), asOf)
		if last.volume > 0 && last.less(p) {
			p = last
		}
	}
	return p
}

func stddev(x []float64) float64 {
	if len(x) < 2 {
		return 0
	}
	slices.Sort(x)
	var m float64
	for _, v := range x {
		m += v
	}
	m /= float64(len(x))
	var s float64
	for _, v := range x {
		s += (v - m) * (v - m)
	}
	return math.Sqrt(s / float64(len(x)-1))
}

// Naive is the baseline forecast: month-to-date × days in month ÷ days
// elapsed (0 when no day has elapsed).
func Naive(toDateNanos int64, daysElapsed, daysInMonth int) int64 {
	if daysElapsed <= 0 {
		return 0
	}
	return mulDiv(toDateNanos, int64(daysInMonth), int64(daysElapsed))
}

// Runway is how many days a balance lasts at dailySpendNanos a day. ok is
// false when nothing is being spent (the runway is unbounded); a balance at
// or below zero has a runway of 0 days.
func Runway(balanceNanos, dailySpendNanos int64) (days float64, ok bool) {
	if dailySpendNanos <= 0 {
		return 0, false
	}
	if balanceNanos <= 0 {
		return 0, true
	}
	return float64(balanceNanos) / float64(dailySpendNanos), true
}

// RecentDailySpend is the mean daily cost of the n days ending at asOf
// (days without an entry count as zero).
func RecentDailySpend(days []Day, asOf usage.Date, n int) int64 {
	if n <= 0 {
		return 0
	}
	to := dayIndex(asOf)
	var sum int64
	for _, d := range days {
		if i := dayIndex(d.Date); i <= to && i > to-n {
			sum += d.CostNanos
		}
	}
	return mulDiv(sum, 1, int64(n))
}

// DaysFromSummary turns a day-granularity summary grouped by category into
// Days of one currency (entries of other currencies are left out). A Day's
// volume is in its category's unit: tokens for a token category, so that
// its price per unit is per token.
func DaysFromSummary(s usage.Summary, currency string) []Day {
	out := make([]Day, 0, len(s.Series))
	for _, e := range s.Series {
		if e.Currency != currency && e.Currency != "" {
			continue
		}
		out = append(out, Day{Date: usage.DateOf(e.Bucket), Category: e.Key.Category, Volume: e.Quantity(), CostNanos: e.CostNanos})
	}
	return out
}

// CumulativeDay is one day of the month on a running-total curve: the cost
// so far (observed days) or projected, with the range around the projection.
type CumulativeDay struct {
	Date      usage.Date
	Projected bool
	// CostNanos is the running total up to and including the day.
	CostNanos int64
	// LowNanos and HighNanos bound it: equal to CostNanos on observed days;
	// on projected days the month's range, opened in proportion to the
	// projected cost added so far (so it reaches Low and High on the last day).
	LowNanos, HighNanos int64
}

// Cumulative returns the month as a running total, for a projected line with
// a range on a chart.
func (r Result) Cumulative() []CumulativeDay {
	out := make([]CumulativeDay, 0, len(r.Daily))
	var run int64
	added := r.ForecastNanos - r.ToDateNanos
	for _, d := range r.Daily {
		run += d.CostNanos
		c := CumulativeDay{Date: d.Date, Projected: d.Projected, CostNanos: run, LowNanos: run, HighNanos: run}
		if d.Projected && added > 0 {
			sofar := run - r.ToDateNanos
			c.LowNanos = run - mulDiv(r.ForecastNanos-r.LowNanos, sofar, added)
			c.HighNanos = run + mulDiv(r.HighNanos-r.ForecastNanos, sofar, added)
		}
		out = append(out, c)
	}
	return out
}
