package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/insights-dev/insights/internal/usage"
)

// UsageWindow is the Partner API's answer for one channel, one granularity
// and one window [Start, End): the whole truth about the complete buckets in it.
type UsageWindow struct {
	ChannelID   string
	Start, End  time.Time
	Granularity usage.Granularity
	Points      []usage.Point
	Calls       []usage.CallPoint
	// Run, when set, is recorded in the same transaction as the points.
	Run *PollRun
}

// saveStats counts what SaveUsageWindow did, for tests and benchmarks.
type saveStats struct {
	Written, Unchanged, Deleted, Partial int
}

// SaveUsageWindow stores the answer for a window in one transaction. For the
// channel and granularity, stored rows whose bucket lies wholly inside
// [Start, End) are replaced by the answer: changed and new points are upserted
// (a revised number replaces the old one), rows missing from the answer are
// deleted, and unchanged rows are not written, so saving the same window
// twice changes nothing.
//
// A point is refused, and nothing at all is written, when its channel differs
// from the window's (an empty ChannelID means the window's), its granularity
// differs (empty means the window's), or its bucket does not overlap the
// window. A point whose bucket the window covers only in part — a daily or
// monthly bucket cut by the window's edges — is dropped: it is not stored and
// it never replaces or deletes a complete bucket stored earlier.
// Points with the same natural key are summed (their cost is unknown if any
// part's is); differing currencies under one key are refused.
func (s *Store) SaveUsageWindow(ctx context.Context, w UsageWindow) error {
	_, err := s.saveUsageWindow(ctx, w)
	return err
}

func (s *Store) saveUsageWindow(ctx context.Context, w UsageWindow) (saveStats, error) {
	if err := w.validate(); err != nil {
		return saveStats{}, fmt.Errorf("store: save usage window: %w", err)
	}
	points, partial, err := collect(w, w.Points, usagePointRow)
	if err != nil {
		return saveStats{Partial: partial}, fmt.Errorf("store: save usage window %s: %w", w.ChannelID, err)
	}
	calls, partialCalls, err := collect(w, w.Calls, callPointRow)
	st := saveStats{Partial: partial + partialCalls}
	if err != nil {
		return st, fmt.Errorf("store: save usage window %s: %w", w.ChannelID, err)
	}
	err = s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		saved, err := s.saveWindowRows(ctx, tx, w, points, calls)
		st.add(saved)
		return err
	})
	if err != nil {
		return saveStats{}, fmt.Errorf("store: save usage window %s [%s, %s): %w", w.ChannelID,
			w.Start.UTC().Format(time.RFC3339), w.End.UTC().Format(time.RFC3339), err)
	}
	return st, nil
}

// saveWindowRows writes a window's usage and call points in tx, under the
// channel's lock, with the rollups of the usage points and the poll run.
func (s *Store) saveWindowRows(ctx context.Context, tx *gorm.DB, w UsageWindow,
	points *windowAnswer[usagePointModel, usageKey], calls *windowAnswer[callPointModel, callKey]) (saveStats, error) {
	if err := s.dialect.lock(ctx, tx, "channel:"+w.ChannelID); err != nil {
		return saveStats{}, err
	}
	d, st, err := saveRows(tx, w, points)
	if err != nil {
		return st, err
	}
	// The daily rollups of the days the window touches, when the half-hour
	// points changed.
	if w.Granularity == usage.HalfHour && (st.Written > 0 || st.Deleted > 0) {
		if err := refreshDaily(tx, w.ChannelID, w.Start, w.End); err != nil {
			return st, err
		}
		if err := s.refreshClientDaily(ctx, tx, w.ChannelID, w.Start, w.End, usageDelta(d)); err != nil {
			return st, err
		}
	}
	_, callStats, err := saveRows(tx, w, calls)
	st.add(callStats)
	if err != nil || w.Run == nil {
		return st, err
	}
	// The run that fetched the window is recorded with it, so a stored
	// window always has its successful run and vice versa.
	m, err := pollRunRow(*w.Run)
	if err != nil {
		return st, err
	}
	if err := tx.Create(&m).Error; err != nil {
		return st, fmt.Errorf("record poll run: %w", err)
	}
	return st, nil
}

func (st *saveStats) add(o saveStats) {
	st.Written += o.Written
	st.Unchanged += o.Unchanged
	st.Deleted += o.Deleted
	st.Partial += o.Partial
}

// usageDelta is what d changes in the client's local days.
func usageDelta(d windowDiff[usagePointModel]) localDelta {
	delta := localDelta{}
	for _, old := range d.replaced {
		delta.add(old, -1)
	}
	for _, old := range d.removed {
		delta.add(old, -1)
	}
	for _, r := range d.write {
		delta.add(r, 1)
	}
	return delta
}

// collect checks each of pts against w and gathers the rows of those whose
// bucket w covers whole, by key; partial counts the others, dropped.
func collect[P any, R windowRow[R, K], K comparable](w UsageWindow, pts []P,
	row func(UsageWindow, P) (R, bool, error)) (a *windowAnswer[R, K], partial int, err error) {
	a = newWindowAnswer[R](len(pts))
	for i, p := range pts {
		r, keep, err := row(w, p)
		if err == nil && keep {
			err = a.add(r)
		}
		if err != nil {
			return nil, partial, fmt.Errorf("%s %d: %w", r.table().noun, i, err)
		}
		if !keep {
			partial++
		}
	}
	return a, partial, nil
}

type usageKey struct {
	start                          int64
	category, pricingType, country string
	tier                           string
}

var usagePointTable = newRowTable("usage_points", "point",
	[]string{"channel_id", "granularity", "bucket_start", "category", "pricing_type", "country", "tier"},
	[]string{"bucket_end", "volume", "currency", "cost_nanos", "cost_estimated"})

// usagePointRow is the row of p, keep false when w covers its bucket in part.
func usagePointRow(w UsageWindow, p usage.Point) (usagePointModel, bool, error) {
	start, end, keep, err := w.classify(p.ChannelID, p.Granularity, p.Start, p.End)
	if err != nil || !keep {
		return usagePointModel{}, keep, err
	}
	return usagePointModel{
		ChannelID: w.ChannelID, Granularity: string(w.Granularity), BucketStart: start, Category: string(p.Category),
		PricingType: string(p.PricingType), Country: p.Country, Tier: p.Tier, BucketEnd: end,
		Volume: p.Volume, Currency: p.Currency, CostNanos: knownCost(p.CostKnown, p.CostNanos),
		CostEstimated: estimatedFlag(p.CostKnown, p.CostEstimated),
	}, true, nil
}

func (m usagePointModel) key() usageKey {
	return usageKey{m.BucketStart, m.Category, m.PricingType, m.Country, m.Tier}
}

func (m usagePointModel) keyValues() []any {
	return []any{m.ChannelID, m.Granularity, m.BucketStart, m.Category, m.PricingType, m.Country, m.Tier}
}

func (m usagePointModel) sameValues(o usagePointModel) bool {
	return m.Volume == o.Volume && m.Currency == o.Currency && m.BucketEnd == o.BucketEnd &&
		equalNullInt(m.CostNanos, o.CostNanos) && m.CostEstimated == o.CostEstimated
}

func (m usagePointModel) merged(o usagePointModel) (usagePointModel, error) {
	if m.Currency != o.Currency {
		return m, fmt.Errorf("currency %q differs from %q for the same key", o.Currency, m.Currency)
	}
	m.Volume += o.Volume
	m.CostNanos = sumCost(m.CostNanos, o.CostNanos)
	m.CostEstimated = sumEstimated(m.CostNanos, m.CostEstimated, o.CostEstimated)
	return m, nil
}

func (usagePointModel) table() *rowTable { return usagePointTable }

type callKey struct {
	start              int64
	direction, country string
}

var callPointTable = newRowTable("call_points", "call point",
	[]string{"channel_id", "granularity", "bucket_start", "direction", "country"},
	[]string{"bucket_end", "count", "seconds", "currency", "cost_nanos", "cost_estimated"})

// callPointRow is the row of c, keep false when w covers its bucket in part.
func callPointRow(w UsageWindow, c usage.CallPoint) (callPointModel, bool, error) {
	start, end, keep, err := w.classify(c.ChannelID, c.Granularity, c.Start, c.End)
	if err != nil || !keep {
		return callPointModel{}, keep, err
	}
	return callPointModel{
		ChannelID: w.ChannelID, Granularity: string(w.Granularity), BucketStart: start, Direction: string(c.Direction),
		Country: c.Country, BucketEnd: end, Count: c.Count, Seconds: c.Seconds, Currency: c.Currency,
		CostNanos: knownCost(c.CostKnown, c.CostNanos), CostEstimated: estimatedFlag(c.CostKnown, c.CostEstimated),
	}, true, nil
}

func (m callPointModel) key() callKey { return callKey{m.BucketStart, m.Direction, m.Country} }

func (m callPointModel) keyValues() []any {
	return []any{m.ChannelID, m.Granularity, m.BucketStart, m.Direction, m.Country}
}

func (m callPointModel) sameValues(o callPointModel) bool {
	return m.Count == o.Count && m.Seconds == o.Seconds && m.Currency == o.Currency &&
		m.BucketEnd == o.BucketEnd && equalNullInt(m.CostNanos, o.CostNanos) && m.CostEstimated == o.CostEstimated
}

func (m callPointModel) merged(o callPointModel) (callPointModel, error) {
	if m.Currency != o.Currency {
		return m, fmt.Errorf("currency %q differs from %q for the same key", o.Currency, m.Currency)
	}
	m.Count += o.Count
	m.Seconds += o.Seconds
	m.CostNanos = sumCost(m.CostNanos, o.CostNanos)
	m.CostEstimated = sumEstimated(m.CostNanos, m.CostEstimated, o.CostEstimated)
	return m, nil
}

func (callPointModel) table() *rowTable { return callPointTable }

// knownCost is a cost as stored: nil when the source omitted it.
func knownCost(known bool, nanos int64) *int64 {
	if !known {
		return nil
	}
	return &nanos
}

// estimatedFlag is a point's cost_estimated: 1 for a cost Insights
// estimated, 0 for the source's own cost or none.
func estimatedFlag(known, estimated bool) int64 {
	if known && estimated {
		return 1
	}
	return 0
}

// sumEstimated is the cost_estimated of two parts of one key summed into
// a point of cost sum: an estimate if either part's is, none when the sum
// is unknown.
func sumEstimated(sum *int64, a, b int64) int64 {
	if sum == nil {
		return 0
	}
	return max(a, b)
}

// sumCost adds two stored costs; the sum is unknown if either is.
func sumCost(a, b *int64) *int64 {
	if a == nil || b == nil {
		return nil
	}
	sum := *a + *b
	return &sum
}

func (w UsageWindow) validate() error {
	if w.ChannelID == "" {
		return fmt.Errorf("window without channel id")
	}
	if !w.Start.Before(w.End) {
		return fmt.Errorf("window end %s not after start %s", w.End.UTC().Format(time.RFC3339), w.Start.UTC().Format(time.RFC3339))
	}
	switch w.Granularity {
	case usage.HalfHour, usage.Day, usage.Month:
	default:
		return fmt.Errorf("unknown granularity %q", w.Granularity)
	}
	return nil
}

// classify checks one point against the window and returns its bucket bounds
// in unix seconds; keep is false for a bucket the window covers only in part.
func (w UsageWindow) classify(channelID string, g usage.Granularity, start, end time.Time) (s, e int64, keep bool, err error) {
	if channelID != "" && channelID != w.ChannelID {
		return 0, 0, false, fmt.Errorf("channel %q differs from the window's %q", channelID, w.ChannelID)
	}
	if g != "" && g != w.Granularity {
		return 0, 0, false, fmt.Errorf("granularity %q differs from the window's %q", g, w.Granularity)
	}
	if start.IsZero() {
		return 0, 0, false, fmt.Errorf("bucket without start")
	}
	if end.IsZero() {
		end = usage.BucketEnd(start.UTC(), w.Granularity)
	}
	if !start.Before(end) {
		return 0, 0, false, fmt.Errorf("bucket end %s not after start %s", end.UTC().Format(time.RFC3339), start.UTC().Format(time.RFC3339))
	}
	if w.Granularity == usage.HalfHour && start.Unix()%usage.HalfHourSeconds != 0 {
		// The local-day fold of the rollups reads buckets by their starts.
		return 0, 0, false, fmt.Errorf("half-hour bucket starts at %s, not on a half hour", start.UTC().Format(time.RFC3339))
	}
	if !start.Before(w.End) || !end.After(w.Start) {
		return 0, 0, false, fmt.Errorf("bucket [%s, %s) lies outside the window",
			start.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339))
	}
	if start.Before(w.Start) || end.After(w.End) {
		return 0, 0, false, nil
	}
	return start.Unix(), end.Unix(), true, nil
}

func equalNullInt(a, b *int64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}
