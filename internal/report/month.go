package report

import (
	"context"
	"fmt"
	"time"

	"github.com/insights-dev/insights/internal/usage"
)

// MonthReport is what one statement is made of: the month and the month
// before, read through Usage and Calls like the JSON API.
type MonthReport struct {
	Month, Prev      usage.Period
	Cur, Before      usage.Summary // daily buckets · monthly bucket
	Calls, PrevCalls usage.CallSummary
	// PrevHidden: the month before lies outside a share link's dates and
	// was not read; the statement shows no comparison.
	PrevHidden bool
}

// PreviousMonth is the calendar month before p (p must be a whole month):
// Period.Previous would give an equally long span instead.
func PreviousMonth(p usage.Period) usage.Period {
	t := time.Date(p.From.Year, p.From.Month-1, 1, 0, 0, 0, 0, time.UTC)
	return usage.MonthPeriod(t.Year(), t.Month(), p.Loc)
}

// Month reads the month behind q (whose Period is a calendar month) and the
// calendar month before it. A month not wholly inside q.Within is a
// *QueryError on "month".
func (s Service) Month(ctx context.Context, q Query) (MonthReport, error) {
	r := MonthReport{Month: q.Period, Prev: PreviousMonth(q.Period)}
	if !q.Within.Contains(q.Period) {
		return r, &QueryError{"month", "statements cover whole months, and " + q.Period.From.In(time.UTC).Format("January 2006") +
			" is not wholly inside this shared view (" + q.Within.String() + ")"}
	}
	r.PrevHidden = !q.Within.Contains(r.Prev)
	q.Granularity = usage.Day
	cq := q
	cq.GroupBy = nil
	var err error
	if r.Cur, r.Calls, err = s.monthFigures(ctx, q, cq); err != nil {
		return r, err
	}
	if r.PrevHidden {
		r.Before = usage.Summary{Cost: usage.Totals{}}
		return r, nil
	}
	q.Period, q.Granularity = r.Prev, usage.Month
	cq.Period, cq.Granularity = r.Prev, usage.Month
	r.Before, r.PrevCalls, err = s.monthFigures(ctx, q, cq)
	return r, err
}

// monthFigures reads the usage behind q and the calls behind cq.
func (s Service) monthFigures(ctx context.Context, q, cq Query) (usage.Summary, usage.CallSummary, error) {
	u, err := s.Usage(ctx, q)
	if err != nil {
		return usage.Summary{}, usage.CallSummary{}, fmt.Errorf("report: %w", err)
	}
	c, err := s.Calls(ctx, cq)
	if err != nil {
		return usage.Summary{}, usage.CallSummary{}, fmt.Errorf("report: %w", err)
	}
	return u.Current, c.Current, nil
}
