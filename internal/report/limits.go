package report

import (
	"context"
	"fmt"
	"time"

	"github.com/insights-dev/insights/internal/usage"
)

// MaxSeriesRows bounds the entries of one answer's series (rows of the JSON
// API and CSV export, points of a page's charts): about 6 MB of JSON.
const MaxSeriesRows = 50_000

// MaxStoredRows bounds the stored rows one usage or call read may bring into
// memory on the way to a series (the raw half-hour rows of a day series can
// be many per entry): about 40 MB.
const MaxStoredRows = 250_000

// QueryError is a question a report will not answer as asked (a series too
// large, a statement month outside a shared view): the user must read Msg,
// and Field names the parameter to change.
type QueryError struct {
	Field string
	Msg   string
}

func (e *QueryError) Error() string { return e.Field + ": " + e.Msg }

// tooLargeError is the answer to a query whose series would exceed
// MaxSeriesRows (rows, when known, is the bound it would reach), with what to
// change.
func tooLargeError(q Query, rows int64) error {
	field, how := "granularity", "a coarser granularity or a shorter range"
	if len(q.GroupBy) > 0 {
		field, how = "group_by", "fewer group_by fields, a coarser granularity or a shorter range"
	}
	what := fmt.Sprintf("more than the %d series rows one answer may hold", MaxSeriesRows)
	if rows > 0 {
		what = fmt.Sprintf("up to %d series rows, more than the %d one answer may hold", rows, MaxSeriesRows)
	}
	return &QueryError{field, "this query would return " + what + "; narrow it: " + how}
}

// checkSeriesSize refuses q before any usage is read when its series could
// exceed MaxSeriesRows for certain: the buckets of its range times, for each
// field kept apart, the number of values the field can take (the channels,
// WABAs or clients in the query's scope; the values filtered on). Fields
// without a known bound count once here; the stored-row and series checks
// of Usage catch what they add.
func (s Service) checkSeriesSize(ctx context.Context, q Query) error {
	n := int64(seriesBuckets(q))
	var perChannel map[usage.GroupField]int
	for _, f := range q.GroupBy {
		switch f {
		case usage.ByChannel, usage.ByWABA, usage.ByClient:
			if perChannel == nil {
				var err error
				if perChannel, err = s.scopeCardinality(ctx, q); err != nil {
					return err
				}
			}
			n *= int64(max(perChannel[f], 1))
		case usage.ByCategory:
			n *= int64(max(len(q.Categories), 1))
		case usage.ByCountry:
			n *= int64(max(len(q.Countries), 1))
		}
		if n > MaxSeriesRows {
			return tooLargeError(q, n)
		}
	}
	return nil
}

// seriesBuckets is the number of display buckets of q's range.
func seriesBuckets(q Query) int {
	p := q.Period
	switch q.Granularity {
	case usage.HalfHour:
		return int(p.End().Sub(p.Start()) / (usage.HalfHourSeconds * time.Second))
	case usage.Month:
		return (p.To.Year-p.From.Year)*12 + int(p.To.Month-p.From.Month) + 1
	}
	return p.Days()
}

// scopeCardinality counts the channels, WABAs and clients q reads.
func (s Service) scopeCardinality(ctx context.Context, q Query) (map[usage.GroupField]int, error) {
	chs, err := s.Store.ListChannels(ctx, q.Scope, q.ChannelFilter())
	if err != nil {
		return nil, fmt.Errorf("count the scope of a query: %w", err)
	}
	wabas, clients := map[string]bool{}, map[string]bool{}
	for _, ch := range chs {
		wabas[ch.WABAID], clients[ch.ClientID] = true, true
	}
	return map[usage.GroupField]int{usage.ByChannel: len(chs), usage.ByWABA: len(wabas), usage.ByClient: len(clients)}, nil
}
