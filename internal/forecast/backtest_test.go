package forecast

import (
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/simulator"
	"github.com/insights-dev/insights/internal/usage"
)

// backtestFile is where TestBacktest writes its figures for BENCHMARKS.md.
const backtestFile = "/tmp/forecast-backtest.txt"

// TestBacktest measures the month-end forecast on simulator ground truth:
// for every client of the demo partner and six complete months, forecasts
// made on day 7, 14 and 21 are compared with the actual month total, as
// mean absolute percentage error, beside the naive baseline. Reproduce with
//
//	go test ./internal/forecast -run TestBacktest -v
func TestBacktest(t *testing.T) {
	now := time.Date(2026, time.November, 25, 12, 0, 0, 0, time.UTC)
	sim := simulator.New(simulator.Config{Seed: 1, Now: func() time.Time { return now }, Clients: 6, History: 300 * 24 * time.Hour})
	months := []time.Month{time.May, time.June, time.July, time.August, time.September, time.October}
	cutoffs := []int{7, 14, 21}

	type errs struct {
		ours, naive []float64
		inRange     int
	}
	byCut := map[int]*errs{}
	for _, c := range cutoffs {
		byCut[c] = &errs{}
	}
	var lines []string
	measured := 0
	for _, cl := range sim.Clients() {
		loc, err := time.LoadLocation(cl.Timezone)
		if err != nil {
			t.Fatal(err)
		}
		histFrom := usage.MonthPeriod(2026, months[0], loc).Start().AddDate(0, 0, -HistoryDays-1)
		histTo := usage.MonthPeriod(2026, months[len(months)-1], loc).End()
		all := usage.Period{From: usage.DateOf(histFrom.In(loc)), To: usage.DateOf(histTo.In(loc)).AddDays(-1), Loc: loc}
		var rows []usage.Row
		costless := false
		for _, w := range cl.WABAs {
			for _, ch := range w.Channels {
				for _, p := range sim.UsagePoints(ch.ID, histFrom, histTo) {
					costless = costless || !p.CostKnown
					rows = append(rows, usage.Row{Bucket: p.Start, Key: usage.GroupKey{Category: p.Category}, Currency: p.Currency, Volume: p.Volume, CostNanos: p.CostNanos})
				}
			}
		}
		if costless {
			// A WABA on the partner's credit line: its source reports no
			// cost, so there is no actual total to measure against.
			t.Logf("%s: left out, its usage has no cost (credit line)", cl.Name)
			continue
		}
		measured++
		days := DaysFromSummary(usage.Aggregate(rows, all, usage.Day), cl.Currency)
		for _, m := range months {
			mp := usage.MonthPeriod(2026, m, loc)
			var actual int64
			for _, dd := range days {
				if !dd.Date.Before(mp.From) && !mp.To.Before(dd.Date) {
					actual += dd.CostNanos
				}
			}
			if actual == 0 {
				t.Fatalf("%s %s: no cost in the simulator", cl.Name, m)
			}
			for _, cut := range cutoffs {
				asOf := mp.From.AddDays(cut - 1)
				r := Make(Input{Month: mp, AsOf: asOf, Days: days})
				naive := Naive(r.ToDateNanos, cut, mp.Days())
				eo := ape(r.ForecastNanos, actual)
				en := ape(naive, actual)
				byCut[cut].ours = append(byCut[cut].ours, eo)
				byCut[cut].naive = append(byCut[cut].naive, en)
				inRange := r.LowNanos <= actual && actual <= r.HighNanos
				if inRange {
					byCut[cut].inRange++
				}
				lines = append(lines, fmt.Sprintf("%-24s %s day %2d  actual %14s  ours %14s (%5.1f%%) [%s – %s] in range %v  naive %14s (%5.1f%%)",
					cl.Name, m.String()[:3], cut, usage.FormatFixed(actual, 2), usage.FormatFixed(r.ForecastNanos, 2), eo,
					usage.FormatFixed(r.LowNanos, 2), usage.FormatFixed(r.HighNanos, 2), inRange, usage.FormatFixed(naive, 2), en))
			}
		}
	}

	var b strings.Builder
	fmt.Fprintf(&b, "Month-end forecast backtest (simulator seed 1, %d of its %d clients: those whose source reports costs; months May–Oct 2026, client time zones)\n",
		measured, len(sim.Clients()))
	fmt.Fprintf(&b, "Reproduce: make bench-forecast (or go test ./internal/forecast -run TestBacktest -v)\n\n")
	fmt.Fprintf(&b, "%-8s %10s %10s %6s %16s\n", "made on", "ours MAPE", "naive MAPE", "n", "actual in range")
	var allOurs, allNaive []float64
	for _, c := range cutoffs {
		e := byCut[c]
		fmt.Fprintf(&b, "day %-4d %9.2f%% %9.2f%% %6d %16d\n", c, mean(e.ours), mean(e.naive), len(e.ours), e.inRange)
		allOurs = append(allOurs, e.ours...)
		allNaive = append(allNaive, e.naive...)
		if mean(e.ours) >= mean(e.naive) {
			t.Errorf("day %d: ours MAPE %.2f%% does not beat naive %.2f%%", c, mean(e.ours), mean(e.naive))
		}
	}
	fmt.Fprintf(&b, "%-8s %9.2f%% %9.2f%% %6d\n\n", "all", mean(allOurs), mean(allNaive), len(allOurs))
	b.WriteString(strings.Join(lines, "\n") + "\n")
	t.Log("\n" + b.String())
	if err := os.WriteFile(backtestFile, []byte(b.String()), 0o644); err != nil {
		t.Logf("could not write %s: %v", backtestFile, err)
	}
	if mean(allOurs) >= mean(allNaive) {
		t.Errorf("overall: ours MAPE %.2f%% does not beat naive %.2f%%", mean(allOurs), mean(allNaive))
	}
}

func ape(forecast, actual int64) float64 {
	return math.Abs(float64(forecast-actual)) / float64(actual) * 100
}

func mean(x []float64) float64 {
	if len(x) == 0 {
		return 0
	}
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}
