package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
)

// ChannelTotal is one channel's usage over a range in one currency.
type ChannelTotal struct {
	ChannelID, Currency string
	// Volume counts every message, PaidVolume those of a paid pricing
	// type (usage.PricingType.Free is false); tokens are in neither, their
	// cost is in CostNanos.
	Volume, PaidVolume int64
	CostNanos          int64
	CostMissing        int64
	// CostEstimated counts the points whose cost is an estimate from the
	// rate card; CostNanos includes them.
	CostEstimated int64
}

// ChannelTotals sums the usage of the channels in f over [f.Start, f.End)
// per channel and currency (f.GroupBy is ignored), ordered by channel and
// currency: the per-channel breakdown of a view. Like a Totals query it
// reads the whole UTC days from a rollup (the channel rollup, or the daily
// one when categories or countries are filtered on) and the edges from the
// raw points. Grouping by channel alone follows the rollup's key order, so the
// database streams the sums instead of sorting every row; the rare channel
// whose rows carry more than one currency in a range is summed again per
// currency.
func (s *Store) ChannelTotals(ctx context.Context, sc Scope, f UsageFilter) ([]ChannelTotal, error) {
	f, ok := sc.usage(f)
	if !ok {
		return nil, nil
	}
	f.GroupBy, f.Totals = nil, false
	// The channel rollup has no category or country to filter on.
	days := channelDailyUsage
	if len(f.Categories) > 0 || len(f.Countries) > 0 {
		days = dailyUsage
	}
	parts := f.dayParts(days)
	results, err := readParts(ctx, f, parts, s.channelTotals)
	if err != nil {
		return nil, err
	}
	type key struct{ ch, cur string }
	sums := map[key]*ChannelTotal{}
	for _, rows := range results {
		for _, r := range rows {
			k := key{r.ChannelID, r.Currency}
			t := sums[k]
			if t == nil {
				t = &ChannelTotal{ChannelID: r.ChannelID, Currency: r.Currency}
				sums[k] = t
			}
			t.Volume += r.Volume
			t.PaidVolume += r.PaidVolume
			t.CostNanos += r.CostNanos
			t.CostMissing += r.CostMissing
			t.CostEstimated += r.CostEstimated
		}
	}
	out := make([]ChannelTotal, 0, len(sums))
	for _, t := range sums {
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b ChannelTotal) int {
		if c := strings.Compare(a.ChannelID, b.ChannelID); c != 0 {
			return c
		}
		return strings.Compare(a.Currency, b.Currency)
	})
	return out, nil
}

// channelTotals runs the per-channel sums of f on src; channels whose rows
// have several currencies are summed again per currency.
func (s *Store) channelTotals(ctx context.Context, src usageSource, f UsageFilter) ([]ChannelTotal, error) {
	from, args, err := f.channelOrderWhere(src)
	if err != nil {
		return nil, fmt.Errorf("store: channel totals: %w", err)
	}
	missing := src.missing
	if missing == "" {
		missing = "SUM(CASE WHEN u.cost_nanos IS NULL THEN 1 ELSE 0 END)"
	}
	// Messages only: the channel rollup holds no tokens, the other
	// sources leave them out (units.go).
	volume := "u.volume"
	if !src.categoryless {
		volume = messagesOf("u.category", "u.volume")
	}
	sums := "CAST(SUM(" + volume + ") AS BIGINT) AS volume" +
		", CAST(SUM(CASE WHEN u.pricing_type LIKE 'FREE%' THEN 0 ELSE " + volume + " END) AS BIGINT) AS paid_volume" +
		", CAST(COALESCE(SUM(u.cost_nanos), 0) AS BIGINT) AS cost_nanos, CAST(" + missing + " AS BIGINT) AS cost_missing" +
		", CAST(" + cmp.Or(src.estimated, "SUM(u.cost_estimated)") + " AS BIGINT) AS cost_estimated"
	var rows []struct {
		ChannelID, MinCurrency, MaxCurrency string
		Volume, PaidVolume, CostNanos       int64
		CostMissing, CostEstimated          int64
	}
	q := "SELECT u.channel_id AS channel_id, MIN(u.currency) AS min_currency, MAX(u.currency) AS max_currency, " + sums + from + " GROUP BY u.channel_id"
	if err := s.r.WithContext(ctx).Raw(q, args...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: channel totals: %w", err)
	}
	out := make([]ChannelTotal, 0, len(rows))
	var mixed []string
	for _, r := range rows {
		if r.MinCurrency != r.MaxCurrency {
			mixed = append(mixed, r.ChannelID)
			continue
		}
		out = append(out, ChannelTotal{ChannelID: r.ChannelID, Currency: r.MinCurrency, Volume: r.Volume,
			PaidVolume: r.PaidVolume, CostNanos: r.CostNanos, CostMissing: r.CostMissing, CostEstimated: r.CostEstimated})
	}
	if len(mixed) > 0 {
		mf := f
		mf.ChannelIDs = mixed
		from, args, err := mf.channelOrderWhere(src)
		if err != nil {
			return nil, fmt.Errorf("store: channel totals: %w", err)
		}
		var per []ChannelTotal
		q := "SELECT u.channel_id AS channel_id, u.currency AS currency, " + sums + from + " GROUP BY u.channel_id, u.currency"
		if err := s.r.WithContext(ctx).Raw(q, args...).Scan(&per).Error; err != nil {
			return nil, fmt.Errorf("store: channel totals per currency: %w", err)
		}
		out = append(out, per...)
	}
	return out, nil
}

// channelOrderWhere is f.where on src with the channel, client and WABA
// criteria as "channel_id IN (…)" instead of a join with channels: the rows
// then come in the key order of src, by channel, and a GROUP BY channel
// needs no sort.
func (f UsageFilter) channelOrderWhere(src usageSource) (string, []any, error) {
	scope := ChannelFilter{ClientIDs: f.ClientIDs, WABAIDs: f.WABAIDs, ChannelIDs: f.ChannelIDs}
	f.ClientIDs, f.WABAIDs, f.ChannelIDs = nil, nil, nil
	from, args, err := f.where(src.table, true, false, src.byGranularity)
	if err != nil {
		return "", nil, err
	}
	if cond, cargs := scope.scope("u.channel_id"); cond != "" {
		from += " AND " + cond
		args = append(args, cargs...)
	}
	return from, args, nil
}
