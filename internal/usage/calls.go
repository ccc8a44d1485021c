package usage

import (
	"sort"
	"time"
)

// CallRow is a call-analytics aggregate read from the store: a UTC source
// bucket and direction (plus optional dimensions), summed.
type CallRow struct {
	Bucket    time.Time
	Direction Direction
	Key       GroupKey // Channel/WABA/Client/Country when grouped by them
	Currency  string
	Count     int64
	Seconds   int64
	CostNanos int64
	// CostMissing counts the points whose cost was unknown, CostEstimated
	// those whose cost Insights estimated from the rate card (as in Row).
	CostMissing, CostEstimated int64
}

// CallEntry is one element of a call series in display buckets.
type CallEntry struct {
	Bucket    time.Time
	Direction Direction
	Key       GroupKey
	Count     int64
	Seconds   int64
}

// CallSummary holds the voice KPIs of a period.
type CallSummary struct {
	Calls    int64
	Seconds  int64
	Inbound  int64
	Outbound int64
	Cost     Totals
	// CostMissing and CostEstimated count points as in CallRow.
	CostMissing, CostEstimated int64
	// ByCurrency holds the calls and seconds of each currency's rows (""
	// for rows without one), so that a per-currency line carries its own
	// calls rather than the total.
	ByCurrency map[string]CallCount
	Series     []CallEntry
}

// CallCount is a number of calls and their duration.
type CallCount struct {
	Calls   int64
	Seconds int64
}

// Minutes is the total call duration in minutes, rounded down to 0.01.
func (c CallSummary) Minutes() float64 { return float64(c.Seconds*100/60) / 100 }

// AverageSeconds is the mean call duration, rounded to whole seconds; 0 without calls.
func (c CallSummary) AverageSeconds() int64 {
	if c.Calls == 0 {
		return 0
	}
	return (c.Seconds + c.Calls/2) / c.Calls
}

// AggregateCalls re-buckets call rows into display buckets of g in p's zone.
func AggregateCalls(rows []CallRow, p Period, g Granularity) CallSummary {
	type k struct {
		b   int64
		d   Direction
		key GroupKey
	}
	sums := map[k]*CallEntry{}
	s := CallSummary{Cost: Totals{}, ByCurrency: map[string]CallCount{}}
	for _, r := range rows {
		if !p.Contains(r.Bucket) {
			continue
		}
		b := BucketStart(r.Bucket, g, p.Loc)
		kk := k{b.Unix(), r.Direction, r.Key}
		e := sums[kk]
		if e == nil {
			e = &CallEntry{Bucket: b, Direction: r.Direction, Key: r.Key}
			sums[kk] = e
		}
		e.Count += r.Count
		e.Seconds += r.Seconds
		s.Calls += r.Count
		s.Seconds += r.Seconds
		bc := s.ByCurrency[r.Currency]
		bc.Calls += r.Count
		bc.Seconds += r.Seconds
		s.ByCurrency[r.Currency] = bc
		switch r.Direction {
		case DirectionInbound:
			s.Inbound += r.Count
		case DirectionOutbound:
			s.Outbound += r.Count
		}
		if r.Currency != "" {
			s.Cost.Add(r.Currency, r.CostNanos)
		}
		s.CostMissing += r.CostMissing
		s.CostEstimated += r.CostEstimated
	}
	s.Series = make([]CallEntry, 0, len(sums))
	for _, e := range sums {
		s.Series = append(s.Series, *e)
	}
	sort.Slice(s.Series, func(i, j int) bool {
		a, b := s.Series[i], s.Series[j]
		if !a.Bucket.Equal(b.Bucket) {
			return a.Bucket.Before(b.Bucket)
		}
		if a.Direction != b.Direction {
			return a.Direction < b.Direction
		}
		return a.Key.Channel < b.Key.Channel
	})
	return s
}

// PulseSeconds is the billing unit of business-initiated calls.
const PulseSeconds = 6

// Pulses is the number of 6-second pulses billed for a call of d seconds (rounded up).
func Pulses(seconds int64) int64 { return (seconds + PulseSeconds - 1) / PulseSeconds }

// CallCost prices a business-initiated call: pulses × per-minute rate / 10,
// exactly in nano-units. User-initiated calls are free.
func CallCost(dir Direction, seconds, ratePerMinuteNanos int64) int64 {
	if dir != DirectionOutbound {
		return 0
	}
	return Pulses(seconds) * ratePerMinuteNanos / (60 / PulseSeconds)
}
