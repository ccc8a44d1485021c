package store_test

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
)

// TestChannelTotals compares ChannelTotals with the raw points summed per
// channel, currency and paid or free pricing type, for ranges aligned to UTC
// days or not, with a channel that has two currencies and free messages.
func TestChannelTotals(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seedUsage(t, s) // ch2 has EUR and USD points, ch3 free ones
		pts := rollupPoints("ch1", "EUR", 2)
		free := hh("ch1", 70, usage.CategoryService, 11, 0)
		free.PricingType, free.Tier = usage.PricingFreeEntryPoint, ""
		if err := s.SaveUsageWindow(ctx, window("ch1", 0, 96, append(pts, free)...)); err != nil {
			t.Fatal(err)
		}
		type key struct{ ch, cur string }
		type val struct{ volume, paid, cost, missing, estimated int64 }
		ranges := [][2]time.Time{
			{day0, day0.AddDate(0, 0, 2)},
			{day0.Add(-2 * time.Hour), day0.Add(37 * time.Hour)},
			{day0.Add(30 * time.Minute), day0.Add(5 * time.Hour)},
		}
		filters := []store.UsageFilter{{}, {ClientIDs: []string{"c1"}}, {ChannelIDs: []string{"ch2", "ch3"}}, {Countries: []string{"DE"}},
			{ClientIDs: []string{"c1"}, Categories: []string{string(usage.CategoryMarketing)}}, {PricingTypes: []string{string(usage.PricingRegular)}}}
		for ri, r := range ranges {
			for fi, f := range filters {
				name := fmt.Sprintf("range %d filter %d", ri, fi)
				f.Start, f.End = r[0], r[1]
				f.GroupBy = []usage.GroupField{usage.ByChannel, usage.ByPricingType}
				raw, err := s.QueryUsage(ctx, store.AllClients(), f)
				if err != nil {
					t.Fatal(err)
				}
				want := map[key]val{}
				for _, row := range raw {
					k := key{row.Key.Channel, row.Currency}
					v := want[k]
					v.volume += row.Volume
					if !row.Key.PricingType.Free() {
						v.paid += row.Volume
					}
					v.cost += row.CostNanos
					v.missing += row.CostMissing
					v.estimated += row.CostEstimated
					want[k] = v
				}
				got, err := s.ChannelTotals(ctx, store.AllClients(), f)
				if err != nil {
					t.Fatal(err)
				}
				have := map[key]val{}
				for _, c := range got {
					have[key{c.ChannelID, c.Currency}] = val{c.Volume, c.PaidVolume, c.CostNanos, c.CostMissing, c.CostEstimated}
				}
				if !maps.Equal(have, want) || len(have) != len(got) {
					t.Errorf("%s:\nchannel totals %v\nraw            %v", name, have, want)
				}
				// A rebuild of the rollups from the raw points gives the same.
				if ri == 0 {
					if err := s.RebuildRollups(ctx); err != nil {
						t.Fatal(err)
					}
					again, err := s.ChannelTotals(ctx, store.AllClients(), f)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(again, got) {
						t.Errorf("%s: after RebuildRollups %v, before %v", name, again, got)
					}
				}
				if ri == 0 && fi == 0 && (len(want) < 4 || want[key{"ch2", "USD"}].volume == 0 || want[key{"ch1", "EUR"}].paid == want[key{"ch1", "EUR"}].volume ||
					want[key{"ch1", "EUR"}].estimated == 0) {
					t.Errorf("%s: the data miss a mixed-currency channel or free messages: %v", name, want)
				}
			}
		}
	})
}
