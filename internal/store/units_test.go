package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
)

// The window of ch1 (client c1, Europe/Berlin) behind the unit tests, over
// two UTC days: 33 messages (marketing, and 3 of a category Insights does
// not know) and 7,000 Meta Business Agent tokens.
const (
	unitMessages = 33
	unitTokens   = 7000
	unitCost     = 10 + 20 + 3 + 100 + 200 + 400
)

func saveUnitMix(t *testing.T, s *store.Store) {
	t.Helper()
	pts := []usage.Point{
		hh("ch1", 2, usage.CategoryMarketing, 10, 10),
		hh("ch1", 50, usage.CategoryMarketing, 20, 20),
		hh("ch1", 5, "NEW_THING", 3, 3),
		hh("ch1", 3, usage.CategoryMetaBusinessAgent, 1000, 100),
		hh("ch1", 30, usage.CategoryMetaBusinessAgent, 2000, 200),
		hh("ch1", 60, usage.CategoryMetaBusinessAgent, 4000, 400),
	}
	if err := s.SaveUsageWindow(context.Background(), window("ch1", 0, 96, pts...)); err != nil {
		t.Fatal(err)
	}
}

// unitSums sums rows: messages, tokens, cost; and the tokens of rows that
// are not the agent's (must be none) and the messages of the agent's rows.
type unitSums struct{ messages, units, cost, strayUnits, agentMessages int64 }

func sumUnits(rows []usage.Row) unitSums {
	var s unitSums
	for _, r := range rows {
		s.messages += r.Volume
		s.units += r.Units
		s.cost += r.CostNanos
		if r.Key.Category == usage.CategoryMetaBusinessAgent {
			s.agentMessages += r.Volume
		} else if r.Key.Category != "" {
			s.strayUnits += r.Units
		}
	}
	return s
}

// Every source of usage (raw points, each rollup, the local days and their
// fold, totals with raw edges, channel totals) counts the window's messages
// without the agent's tokens, carries the tokens as units when kept apart
// by category, and their cost in the cost; the same after RebuildRollups.
func TestTokensAreNotMessagesInAnySource(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seed(t, s)
		saveUnitMix(t, s)
		reads := unitReads(t, s)
		checkUnitsEverywhere(t, s, reads, "after SaveUsageWindow")
		if err := s.RebuildRollups(ctx); err != nil {
			t.Fatal(err)
		}
		checkUnitsEverywhere(t, s, reads, "after RebuildRollups")
	})
}

// unitRead is one way of reading the unit mix back.
type unitRead struct {
	name string
	// byCategory: the read keeps categories apart (units expected).
	byCategory bool
	run        func(context.Context) ([]usage.Row, error)
}

// unitReads lists every source of usage, each grouped in several ways.
func unitReads(t *testing.T, s *store.Store) []unitRead {
	t.Helper()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	byCat := []usage.GroupField{usage.ByCategory}
	wide := store.UsageFilter{Start: day0.AddDate(0, 0, -1), End: day0.AddDate(0, 0, 3)}
	// Berlin days around the window: the local rollup (client) and the
	// fold of UTC days (a channel filter).
	bp := usage.Period{From: usage.DateOf(day0.In(berlin)).AddDays(-1), To: usage.DateOf(day0.In(berlin)).AddDays(3), Loc: berlin}
	local := store.UsageFilter{Start: bp.Start(), End: bp.End(), DailyOK: true, DayZone: berlin}
	query := func(f store.UsageFilter) func(context.Context) ([]usage.Row, error) {
		return func(ctx context.Context) ([]usage.Row, error) { return s.QueryUsage(ctx, store.AllClients(), f) }
	}
	with := func(f store.UsageFilter, set func(*store.UsageFilter)) store.UsageFilter { set(&f); return f }
	var reads []unitRead
	for _, g := range [][]usage.GroupField{nil, byCat, {usage.ByClient}, {usage.ByPricingType, usage.ByCountry}} {
		cat := len(g) == 1 && g[0] == usage.ByCategory
		name := fmt.Sprint(g)
		reads = append(reads,
			unitRead{"raw points " + name, cat, query(with(wide, func(f *store.UsageFilter) { f.GroupBy = g }))},
			unitRead{"daily rollup " + name, cat, func(ctx context.Context) ([]usage.Row, error) {
				return s.QueryUsageDaily(ctx, with(wide, func(f *store.UsageFilter) { f.GroupBy = g }))
			}},
			unitRead{"client rollup by key " + name, cat, func(ctx context.Context) ([]usage.Row, error) {
				return s.QueryUsageClientKeyDaily(ctx, with(wide, func(f *store.UsageFilter) { f.GroupBy = g }))
			}},
			unitRead{"UTC days " + name, cat, query(with(wide, func(f *store.UsageFilter) { f.GroupBy, f.DailyOK = g, true }))},
			unitRead{"totals " + name, cat, query(with(wide, func(f *store.UsageFilter) {
				// Edges from the raw points, days from a rollup.
				f.Start, f.End, f.GroupBy, f.Totals = day0.Add(time.Hour), day0.Add(47*time.Hour), g, true
			}))},
			unitRead{"local-day rollup " + name, cat, query(with(local, func(f *store.UsageFilter) {
				f.GroupBy, f.ClientIDs = g, []string{"c1"}
			}))},
			unitRead{"folded local days " + name, cat, query(with(local, func(f *store.UsageFilter) {
				f.GroupBy, f.ChannelIDs = g, []string{"ch1"}
			}))},
		)
	}
	reads = append(reads,
		unitRead{"client rollup", false, func(ctx context.Context) ([]usage.Row, error) {
			return s.QueryUsageClientDaily(ctx, with(wide, func(f *store.UsageFilter) { f.GroupBy = []usage.GroupField{usage.ByClient} }))
		}},
		unitRead{"agent only, by category", true, query(with(wide, func(f *store.UsageFilter) {
			f.GroupBy, f.DailyOK, f.Categories = byCat, true, []string{string(usage.CategoryMetaBusinessAgent)}
		}))},
	)
	return reads
}

// checkUnitsEverywhere checks every read, the channel totals and the tier
// volumes of the unit mix: messages without tokens, tokens as units.
func checkUnitsEverywhere(t *testing.T, s *store.Store, reads []unitRead, when string) {
	t.Helper()
	ctx := context.Background()
	t.Helper()
	if zone, err := s.RollupZone(ctx, "c1"); err != nil || zone != "Europe/Berlin" {
		t.Fatalf("c1 keeps local days of %q (%v)", zone, err)
	}
	for _, r := range reads {
		rows, err := r.run(ctx)
		if err != nil {
			t.Fatalf("%s %s: %v", when, r.name, err)
		}
		got := sumUnits(rows)
		want := unitSums{messages: unitMessages, cost: unitCost}
		if r.byCategory {
			want.units = unitTokens
		}
		if r.name == "agent only, by category" {
			want.messages, want.cost = 0, 100+200+400
		}
		if got != want {
			t.Errorf("%s, %s: %+v, want %+v", when, r.name, got, want)
		}
	}
	for _, f := range []store.UsageFilter{
		{Start: day0, End: day0.AddDate(0, 0, 2)},                            // the channel rollup
		{Start: day0, End: day0.AddDate(0, 0, 2), Countries: []string{"DE"}}, // the daily rollup
		{Start: day0.Add(time.Hour), End: day0.Add(47 * time.Hour)},          // with raw edges
	} {
		ct, err := s.ChannelTotals(ctx, store.AllClients(), f)
		if err != nil {
			t.Fatal(err)
		}
		if len(ct) != 1 || ct[0].Volume != unitMessages || ct[0].PaidVolume != unitMessages || ct[0].CostNanos != unitCost {
			t.Errorf("%s, channel totals of %v: %+v, want %d messages, cost %d", when, f, ct, unitMessages, unitCost)
		}
	}
	tv, err := s.TierVolumes(ctx, store.AllClients(), "c1", day0, day0.AddDate(0, 0, 2))
	if err != nil {
		t.Fatal(err)
	}
	var tiered int64
	for _, v := range tv {
		if v.Category == usage.CategoryMetaBusinessAgent {
			t.Errorf("%s: tier volume of the agent's tokens: %+v", when, v)
		}
		tiered += v.Volume
	}
	if tiered != unitMessages {
		t.Errorf("%s: tier volumes sum to %d, want %d messages", when, tiered, unitMessages)
	}
}

// Migration 15 recomputes the category-less rollups' rows written when
// their volume still held the tokens: they come back with messages only,
// and the other rows are left as they were.
func TestMigrationRecomputesMessageVolume(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seed(t, s)
		saveUnitMix(t, s)
		saveRollupPoints(t, s, "ch3", "USD", 3) // no tokens: untouched
		total := func(table, where string) int64 {
			t.Helper()
			n, err := s.QueryInt(ctx, "SELECT COALESCE(SUM(volume), 0) FROM "+table+" WHERE "+where)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := map[string]int64{"usage_channel_daily": total("usage_channel_daily", "channel_id = 'ch3'"),
			"usage_client_daily": total("usage_client_daily", "client_id = 'c2'")}
		// The rows as the old code wrote them: tokens added to messages.
		for _, q := range []string{
			`UPDATE usage_channel_daily SET volume = (SELECT SUM(d.volume) FROM usage_daily d
				WHERE d.channel_id = usage_channel_daily.channel_id AND d.bucket_start = usage_channel_daily.bucket_start
				AND d.pricing_type = usage_channel_daily.pricing_type AND d.currency = usage_channel_daily.currency)`,
			`UPDATE usage_client_daily SET volume = (SELECT SUM(d.volume) FROM usage_daily d JOIN channels c ON c.id = d.channel_id
				WHERE c.client_id = usage_client_daily.client_id AND d.bucket_start = usage_client_daily.bucket_start
				AND d.currency = usage_client_daily.currency)`,
			`DELETE FROM schema_migrations WHERE version = 15`,
		} {
			if err := s.ExecRaw(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		for _, table := range []string{"usage_channel_daily", "usage_client_daily"} {
			if got := total(table, "1 = 1") - before[table]; got != unitMessages+unitTokens {
				t.Fatalf("%s with the old semantics: %d for c1, want %d", table, got, unitMessages+unitTokens)
			}
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if got := total("usage_channel_daily", "channel_id = 'ch1'"); got != unitMessages {
			t.Errorf("usage_channel_daily of ch1 after migration 15: %d, want %d messages", got, unitMessages)
		}
		if got := total("usage_client_daily", "client_id = 'c1'"); got != unitMessages {
			t.Errorf("usage_client_daily of c1 after migration 15: %d, want %d messages", got, unitMessages)
		}
		if got := total("usage_channel_daily", "channel_id = 'ch3'"); got != before["usage_channel_daily"] {
			t.Errorf("usage_channel_daily of ch3 (no tokens) changed: %d, was %d", got, before["usage_channel_daily"])
		}
		if got := total("usage_client_daily", "client_id = 'c2'"); got != before["usage_client_daily"] {
			t.Errorf("usage_client_daily of c2 (no tokens) changed: %d, was %d", got, before["usage_client_daily"])
		}
		rows, err := s.QueryUsage(ctx, store.AllClients(), store.UsageFilter{Start: day0, End: day0.AddDate(0, 0, 2),
			ClientIDs: []string{"c1"}, GroupBy: []usage.GroupField{usage.ByClient}, DailyOK: true})
		if err != nil {
			t.Fatal(err)
		}
		if got := sumUnits(rows); got.messages != unitMessages {
			t.Errorf("c1's messages read after migration 15: %+v", got)
		}
	})
}

// A webhook status of a token category is not counted as a message, as the
// API's message volume leaves it out.
func TestWebhookCountsLeaveTokenCategoriesOut(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seed(t, s)
		b := store.WebhookBatch{Statuses: []store.WebhookStatus{
			st("ch1", "m1", "delivered", 0, usage.CategoryMarketing, usage.PricingRegular),
			st("ch1", "m2", "delivered", 0, usage.CategoryMetaBusinessAgent, usage.PricingRegular),
			st("ch1", "m3", "delivered", 0, "NEW_THING", usage.PricingRegular),
		}}
		if _, _, err := s.SaveWebhookBatch(ctx, testCard(t), b); err != nil {
			t.Fatal(err)
		}
		rows, err := s.QueryWebhookUsage(ctx, store.AllClients(), store.UsageFilter{Start: day0, End: day0.AddDate(0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		if got := sumUnits(rows); got.messages != 2 || got.units != 0 {
			t.Errorf("webhook counts %+v, want 2 messages (marketing and the unknown one), no units", got)
		}
	})
}
