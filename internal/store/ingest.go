package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

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

type usageKey struct {
	start                          int64
	category, pricingType, country string
	tier                           string
}

type callKey struct {
	start              int64
	direction, country string
}

func (s *Store) saveUsageWindow(ctx context.Context, w UsageWindow) (saveStats, error) {
	var st saveStats
	if err := w.validate(); err != nil {
		return st, fmt.Errorf("store: save usage window: %w", err)
	}
	gran := string(w.Granularity)

	points := make(map[usageKey]*usagePointModel, len(w.Points))
	order := make([]usageKey, 0, len(w.Points))
	for i, p := range w.Points {
		start, end, keep, err := w.classify(p.ChannelID, p.Granularity, p.Start, p.End)
		if err != nil {
			return st, fmt.Errorf("store: save usage window %s: point %d: %w", w.ChannelID, i, err)
		}
		if !keep {
			st.Partial++
			continue
		}
		k := usageKey{start, string(p.Category), string(p.PricingType), p.Country, p.Tier}
		var cost *int64
		if p.CostKnown {
			c := p.CostNanos
			cost = &c
		}
		if m, ok := points[k]; ok {
			if m.Currency != p.Currency {
				return st, fmt.Errorf("store: save usage window %s: point %d: currency %q differs from %q for the same key",
					w.ChannelID, i, p.Currency, m.Currency)
			}
			m.Volume += p.Volume
			if m.CostNanos != nil && cost != nil {
				*m.CostNanos += *cost
			} else {
				m.CostNanos = nil
			}
			continue
		}
		points[k] = &usagePointModel{
			ChannelID: w.ChannelID, Granularity: gran, BucketStart: start, Category: k.category,
			PricingType: k.pricingType, Country: k.country, Tier: k.tier, BucketEnd: end,
			Volume: p.Volume, Currency: p.Currency, CostNanos: cost,
		}
		order = append(order, k)
	}

	calls := make(map[callKey]*callPointModel, len(w.Calls))
	callOrder := make([]callKey, 0, len(w.Calls))
	for i, c := range w.Calls {
		start, end, keep, err := w.classify(c.ChannelID, c.Granularity, c.Start, c.End)
		if err != nil {
			return st, fmt.Errorf("store: save usage window %s: call point %d: %w", w.ChannelID, i, err)
		}
		if !keep {
			st.Partial++
			continue
		}
		k := callKey{start, string(c.Direction), c.Country}
		var cost *int64
		if c.CostKnown {
			v := c.CostNanos
			cost = &v
		}
		if m, ok := calls[k]; ok {
			if m.Currency != c.Currency {
				return st, fmt.Errorf("store: save usage window %s: call point %d: currency %q differs from %q for the same key",
					w.ChannelID, i, c.Currency, m.Currency)
			}
			m.Count += c.Count
			m.Seconds += c.Seconds
			if m.CostNanos != nil && cost != nil {
				*m.CostNanos += *cost
			} else {
				m.CostNanos = nil
			}
			continue
		}
		calls[k] = &callPointModel{
			ChannelID: w.ChannelID, Granularity: gran, BucketStart: start, Direction: k.direction,
			Country: k.country, BucketEnd: end, Count: c.Count, Seconds: c.Seconds, Currency: c.Currency,
			CostNanos: cost,
		}
		callOrder = append(callOrder, k)
	}

	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.dialect.lock(ctx, tx, "channel:"+w.ChannelID); err != nil {
			return err
		}
		// bucket_start < End bounds the index range scan; bucket_end <= End
		// keeps complete buckets that reach past the window out of it.
		inWindow := "channel_id = ? AND granularity = ? AND bucket_start >= ? AND bucket_start < ? AND bucket_end <= ?"
		args := []any{w.ChannelID, gran, w.Start.Unix(), w.End.Unix(), w.End.Unix()}

		// Usage points: diff against what is stored.
		var stored []usagePointModel
		if err := tx.Where(inWindow, args...).Find(&stored).Error; err != nil {
			return fmt.Errorf("read stored points: %w", err)
		}
		seen := make(map[usageKey]bool, len(stored))
		delta := localDelta{} // for the client's local days
		for _, old := range stored {
			k := usageKey{old.BucketStart, old.Category, old.PricingType, old.Country, old.Tier}
			if m, ok := points[k]; ok {
				seen[k] = true
				if m.Volume == old.Volume && m.Currency == old.Currency && m.BucketEnd == old.BucketEnd &&
					equalNullInt(m.CostNanos, old.CostNanos) {
					delete(points, k)
					st.Unchanged++
				} else {
					delta.add(old, -1) // replaced below
				}
				continue
			}
			delta.add(old, -1)
			res := tx.Where("channel_id = ? AND granularity = ? AND bucket_start = ? AND category = ? AND pricing_type = ? AND country = ? AND tier = ?",
				w.ChannelID, gran, old.BucketStart, old.Category, old.PricingType, old.Country, old.Tier).
				Delete(&usagePointModel{})
			if res.Error != nil {
				return fmt.Errorf("delete vanished point: %w", res.Error)
			}
			st.Deleted += int(res.RowsAffected)
		}
		rows := make([]usagePointModel, 0, len(points))
		for _, k := range order {
			if m, ok := points[k]; ok {
				rows = append(rows, *m)
				delta.add(*m, 1)
			}
		}
		if len(rows) > 0 {
			err := tx.Clauses(clause.OnConflict{
				Columns: []clause.Column{{Name: "channel_id"}, {Name: "granularity"}, {Name: "bucket_start"},
					{Name: "category"}, {Name: "pricing_type"}, {Name: "country"}, {Name: "tier"}},
				DoUpdates: clause.AssignmentColumns([]string{"bucket_end", "volume", "currency", "cost_nanos"}),
				Where: clause.Where{Exprs: []clause.Expression{clause.Expr{SQL: "usage_points.volume IS DISTINCT FROM excluded.volume" +
					" OR usage_points.currency IS DISTINCT FROM excluded.currency" +
					" OR usage_points.cost_nanos IS DISTINCT FROM excluded.cost_nanos" +
					" OR usage_points.bucket_end IS DISTINCT FROM excluded.bucket_end"}}},
			}).CreateInBatches(rows, batchSize).Error
			if err != nil {
				return fmt.Errorf("upsert points: %w", err)
			}
			st.Written += len(rows)
		}
		// The daily rollup of the days the window touches, when the
		// half-hour points changed.
		if w.Granularity == usage.HalfHour && (len(rows) > 0 || st.Deleted > 0) {
			if err := refreshDaily(tx, w.ChannelID, w.Start, w.End); err != nil {
				return err
			}
			if err := s.refreshClientDaily(ctx, tx, w.ChannelID, w.Start, w.End, delta); err != nil {
				return err
			}
		}

		// Call points: the same, on their own key.
		var storedCalls []callPointModel
		if err := tx.Where(inWindow, args...).Find(&storedCalls).Error; err != nil {
			return fmt.Errorf("read stored call points: %w", err)
		}
		for _, old := range storedCalls {
			k := callKey{old.BucketStart, old.Direction, old.Country}
			if m, ok := calls[k]; ok {
				if m.Count == old.Count && m.Seconds == old.Seconds && m.Currency == old.Currency &&
					m.BucketEnd == old.BucketEnd && equalNullInt(m.CostNanos, old.CostNanos) {
					delete(calls, k)
					st.Unchanged++
				}
				continue
			}
			res := tx.Where("channel_id = ? AND granularity = ? AND bucket_start = ? AND direction = ? AND country = ?",
				w.ChannelID, gran, old.BucketStart, old.Direction, old.Country).Delete(&callPointModel{})
			if res.Error != nil {
				return fmt.Errorf("delete vanished call point: %w", res.Error)
			}
			st.Deleted += int(res.RowsAffected)
		}
		callRows := make([]callPointModel, 0, len(calls))
		for _, k := range callOrder {
			if m, ok := calls[k]; ok {
				callRows = append(callRows, *m)
			}
		}
		if len(callRows) > 0 {
			err := tx.Clauses(clause.OnConflict{
				Columns: []clause.Column{{Name: "channel_id"}, {Name: "granularity"}, {Name: "bucket_start"},
					{Name: "direction"}, {Name: "country"}},
				DoUpdates: clause.AssignmentColumns([]string{"bucket_end", "count", "seconds", "currency", "cost_nanos"}),
			}).CreateInBatches(callRows, batchSize).Error
			if err != nil {
				return fmt.Errorf("upsert call points: %w", err)
			}
			st.Written += len(callRows)
		}
		if w.Run != nil {
			// The run that fetched the window is recorded with it, so a
			// stored window always has its successful run and vice versa.
			m, err := pollRunRow(*w.Run)
			if err != nil {
				return err
			}
			if err := tx.Create(&m).Error; err != nil {
				return fmt.Errorf("record poll run: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return saveStats{}, fmt.Errorf("store: save usage window %s [%s, %s): %w", w.ChannelID,
			w.Start.UTC().Format(time.RFC3339), w.End.UTC().Format(time.RFC3339), err)
	}
	return st, nil
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
		end = bucketEnd(start, w.Granularity)
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

// bucketEnd is the end of the UTC bucket of granularity g starting at start.
func bucketEnd(start time.Time, g usage.Granularity) time.Time {
	t := start.UTC()
	switch g {
	case usage.Day:
		return t.AddDate(0, 0, 1)
	case usage.Month:
		return t.AddDate(0, 1, 0)
	default:
		return t.Add(usage.HalfHourSeconds * time.Second)
	}
}

func equalNullInt(a, b *int64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}
