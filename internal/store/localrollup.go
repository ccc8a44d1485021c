package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/insights-dev/insights/internal/usage"
)

// The client local-day rollup: per client, day of the client's own zone,
// category, pricing type, country and currency, the sums of the client's
// half-hour points. A client's view and its forecast work in the client's
// zone; with this rollup they read one row per day and key instead of
// folding UTC days (queryLocalDays) on every page.
//
// clients.rollup_zone names the zone the rollup keeps for the client; "" means
// none (a zone whose days are UTC days needs none, one whose offset is not
// whole half hours cannot have one). The rows are always exact for that zone:
// SaveUsageWindow applies what a window changed (localDelta) in its
// transaction, a channel moving between clients clears both clients' rows in
// the upsert's transaction, and syncLocalRollups rebuilds a client whose zone
// is not the one kept (by the fold of queryLocalDays, done once). QueryUsage
// reads the rollup only when every client of the filter keeps the filter's
// DayZone.

// clientLocalDailyUsage reads the local-day rollup; its bucket_start is the
// UTC instant of the local midnight.
var clientLocalDailyUsage = usageSource{op: "query usage (client local-day rollup)", table: "usage_client_local_daily",
	volume: "u.volume", missing: "SUM(u.cost_missing)", estimated: "SUM(u.cost_estimated)", byClient: true, keptZone: true}

// clientLocalDailyModel is one row of usage_client_local_daily.
type clientLocalDailyModel struct {
	ClientID    string
	BucketStart int64
	Category    string
	PricingType string
	Country     string
	Currency    string
	Volume      int64
	CostNanos   int64
	CostMissing int64
	// CostEstimated counts the points whose cost is an estimate.
	CostEstimated int64
}

func (clientLocalDailyModel) TableName() string { return "usage_client_local_daily" }

// localKeys are the dimensions the local-day rollup keeps apart.
var localKeys = []usage.GroupField{usage.ByCategory, usage.ByPricingType, usage.ByCountry}

// ClientZone is the zone of a client's own days: its time zone, else the
// first of its channels' zones (chs in ListChannels order) that loads; UTC
// when none does.
func ClientZone(cl Client, chs []Channel) *time.Location {
	names := make([]string, 0, len(chs)+1)
	names = append(names, cl.Timezone)
	for _, ch := range chs {
		names = append(names, ch.Timezone)
	}
	for _, name := range names {
		if name == "" {
			continue
		}
		if loc, err := usage.LoadZone(name); err == nil {
			return loc
		}
	}
	return time.UTC
}

// zoneSpan is the span over which a zone must have whole half-hour offsets,
// and not always offset zero, for the local rollup to keep it.
func zoneSpan(now time.Time) usage.Period {
	return usage.Period{From: usage.DateOf(now.AddDate(-3, 0, 0)), To: usage.DateOf(now.AddDate(1, 0, 0)), Loc: time.UTC}
}

// keptZone is the rollup_zone for a client in loc: its name, or "" when
// the local rollup has nothing to add (days that are UTC days) or cannot be
// exact (offsets that are not whole half hours).
func keptZone(loc *time.Location, now time.Time) string {
	span := zoneSpan(now)
	if loc == nil || utcOffsetZero(span.Start(), span.End(), loc) {
		return ""
	}
	span.Loc = loc
	if usage.ZoneIsApproximate(loc, span) {
		return ""
	}
	return loc.String()
}

// localRollupKept reports whether every client in ids keeps the local-day
// rollup in loc.
func (s *Store) localRollupKept(ctx context.Context, ids []string, loc *time.Location) (bool, error) {
	ids = uniqueSorted(ids)
	var n int64
	err := s.r.WithContext(ctx).Raw(`SELECT COUNT(*) FROM clients WHERE id IN ? AND rollup_zone = ?`, ids, loc.String()).
		Scan(&n).Error
	if err != nil {
		return false, fmt.Errorf("store: local-day rollup zone: %w", err)
	}
	return n == int64(len(ids)), nil
}

func uniqueSorted(ids []string) []string {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	return slices.Compact(ids)
}

// syncLocalRollups rebuilds the local-day rollup of each client in ids
// (every client when ids is empty) that does not keep its zone, each in a
// transaction of its own under the client's lock.
func (s *Store) syncLocalRollups(ctx context.Context, ids []string) error {
	var clients []clientModel
	q := s.w.WithContext(ctx).Select("id", "timezone", "rollup_zone").Order("id")
	if len(ids) > 0 {
		q = q.Where("id IN ?", uniqueSorted(ids))
	}
	if err := q.Find(&clients).Error; err != nil {
		return fmt.Errorf("store: sync local-day rollups: %w", err)
	}
	if len(clients) == 0 {
		return nil
	}
	chs, err := s.ListChannels(ctx, AllClients(), ChannelFilter{ClientIDs: ids})
	if err != nil {
		return fmt.Errorf("store: sync local-day rollups: %w", err)
	}
	byClient := map[string][]Channel{}
	for _, ch := range chs {
		byClient[ch.ClientID] = append(byClient[ch.ClientID], ch)
	}
	now, began, rebuilt := s.now(), time.Now(), 0
	for _, c := range clients {
		want := keptZone(ClientZone(Client{Timezone: c.Timezone}, byClient[c.ID]), now)
		if want == c.RollupZone {
			continue
		}
		err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := s.dialect.lock(ctx, tx, "client:"+c.ID); err != nil {
				return err
			}
			var kept string // another replica may have rebuilt it meanwhile
			if err := tx.Raw(`SELECT rollup_zone FROM clients WHERE id = ?`, c.ID).Scan(&kept).Error; err != nil || kept == want {
				return err
			}
			return rebuildClientLocal(tx, c.ID, want)
		})
		if err != nil {
			return fmt.Errorf("store: sync local-day rollup of client %s to %q: %w", c.ID, want, err)
		}
		s.log.Debug("rebuilt local-day usage rollup", "client", c.ID, "zone", want, "was", c.RollupZone)
		rebuilt++
	}
	if rebuilt > 0 {
		s.log.Info("rebuilt local-day usage rollups", "clients", rebuilt, "duration_ms", time.Since(began).Milliseconds())
	}
	return nil
}

// rebuildClientLocal replaces all of clientID's local-day rows by the days of
// zone ("" keeps none) and records the zone, inside the caller's transaction.
func rebuildClientLocal(tx *gorm.DB, clientID, zone string) error {
	if err := tx.Exec(`DELETE FROM usage_client_local_daily WHERE client_id = ?`, clientID).Error; err != nil {
		return fmt.Errorf("clear local-day rollup: %w", err)
	}
	if zone != "" {
		loc, err := usage.LoadZone(zone)
		if err != nil {
			return err
		}
		var span struct{ Lo, Hi *int64 }
		if err := tx.Raw(`SELECT MIN(bucket_start) AS lo, MAX(bucket_start) AS hi FROM usage_client_key_daily WHERE client_id = ?`,
			clientID).Scan(&span).Error; err != nil {
			return fmt.Errorf("local-day rollup: client's days: %w", err)
		}
		if span.Lo != nil {
			lo, _ := localDayOf(time.Unix(*span.Lo, 0), loc)
			_, hi := localDayOf(time.Unix(*span.Hi+86399, 0), loc)
			if usage.ZoneIsApproximate(loc, localPeriod(lo, hi, loc)) {
				zone = "" // older data in offsets of other times: keep none
			} else if err := refillClientLocal(tx, clientID, loc, lo, hi); err != nil {
				return err
			}
		}
	}
	return tx.Exec(`UPDATE clients SET rollup_zone = ? WHERE id = ?`, zone, clientID).Error
}

// localDelta is what a saved window changes in its client's local days,
// before the zone is known: per raw bucket start and key (tiers summed), the
// sums of the points written less those of the points they replace or
// remove. SaveUsageWindow has both at hand (it diffs the window against the
// stored points), so the local days are kept without reading the client's
// other channels.
type localDelta map[localDeltaKey]*localSums

type localDeltaKey struct {
	bucketStart                              int64
	category, pricingType, country, currency string
}

type localSums struct{ volume, costNanos, costMissing, costEstimated int64 }

// add counts p into d with sign +1 (written) or -1 (replaced or removed).
func (d localDelta) add(p usagePointModel, sign int64) {
	v := localSums{volume: sign * p.Volume, costEstimated: sign * p.CostEstimated}
	if p.CostNanos != nil {
		v.costNanos = sign * *p.CostNanos
	} else {
		v.costMissing = sign
	}
	addSums(d, localDeltaKey{p.BucketStart, p.Category, p.PricingType, p.Country, p.Currency}, v)
}

// addSums adds v to m's entry for k, creating it when missing.
func addSums[K comparable](m map[K]*localSums, k K, v localSums) {
	e := m[k]
	if e == nil {
		e = &localSums{}
		m[k] = e
	}
	e.volume += v.volume
	e.costNanos += v.costNanos
	e.costMissing += v.costMissing
	e.costEstimated += v.costEstimated
}

// localRowKey is a row of usage_client_local_daily within one client.
type localRowKey struct {
	day                                      int64
	category, pricingType, country, currency string
}

// refreshClientLocal applies a saved window's delta to clientID's local
// days, when the client keeps a local-day rollup; inside SaveUsageWindow's
// transaction, under the client's lock. A row whose sums come to nothing is
// removed when no raw point of its day and key is left.
func refreshClientLocal(tx *gorm.DB, clientID string, delta localDelta) error {
	var zone string
	if err := tx.Raw(`SELECT rollup_zone FROM clients WHERE id = ?`, clientID).Scan(&zone).Error; err != nil {
		return fmt.Errorf("local-day rollup zone: %w", err)
	}
	if zone == "" || len(delta) == 0 {
		return nil
	}
	loc, err := usage.LoadZone(zone)
	if err != nil {
		return rebuildClientLocal(tx, clientID, "")
	}
	sums := make(map[localRowKey]*localSums, len(delta))
	dayEnd := map[int64]int64{}
	for k, d := range delta {
		t := time.Unix(k.bucketStart, 0)
		if _, off := t.In(loc).Zone(); off%usage.HalfHourSeconds != 0 {
			return rebuildClientLocal(tx, clientID, "") // a :45 offset at that time: keep none
		}
		start, end := localDayOf(t, loc)
		dayEnd[start.Unix()] = end.Unix()
		addSums(sums, localRowKey{start.Unix(), k.category, k.pricingType, k.country, k.currency}, *d)
	}
	models := make([]clientLocalDailyModel, 0, len(sums))
	for k, v := range sums {
		models = append(models, clientLocalDailyModel{ClientID: clientID, BucketStart: k.day, Category: k.category,
			PricingType: k.pricingType, Country: k.country, Currency: k.currency,
			Volume: v.volume, CostNanos: v.costNanos, CostMissing: v.costMissing, CostEstimated: v.costEstimated})
	}
	slices.SortFunc(models, func(a, b clientLocalDailyModel) int { // a stable statement order
		return cmp.Or(cmp.Compare(a.BucketStart, b.BucketStart), cmp.Compare(a.Category, b.Category),
			cmp.Compare(a.PricingType, b.PricingType), cmp.Compare(a.Country, b.Country), cmp.Compare(a.Currency, b.Currency))
	})
	add := func(col string) clause.Assignment {
		return clause.Assignment{Column: clause.Column{Name: col},
			Value: gorm.Expr("usage_client_local_daily." + col + " + excluded." + col)}
	}
	err = tx.Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "client_id"}, {Name: "bucket_start"}, {Name: "category"},
			{Name: "pricing_type"}, {Name: "country"}, {Name: "currency"}},
		DoUpdates: clause.Set{add("volume"), add("cost_nanos"), add("cost_missing"), add("cost_estimated")},
	}).CreateInBatches(models, batchSize).Error
	if err != nil {
		return fmt.Errorf("update local-day rollup: %w", err)
	}
	return dropEmptyLocalRows(tx, clientID, dayEnd)
}

// dropEmptyLocalRows removes clientID's rows of the given local days (start
// to end, unix seconds) whose sums are nothing and that no raw point is left
// for: usually none, as points rarely vanish.
func dropEmptyLocalRows(tx *gorm.DB, clientID string, dayEnd map[int64]int64) error {
	days := make([]int64, 0, len(dayEnd))
	for d := range dayEnd {
		days = append(days, d)
	}
	slices.Sort(days)
	var empty []clientLocalDailyModel
	if err := tx.Where("client_id = ? AND bucket_start IN ? AND volume = 0 AND cost_nanos = 0 AND cost_missing = 0 AND cost_estimated = 0",
		clientID, days).Find(&empty).Error; err != nil {
		return fmt.Errorf("local-day rollup: empty rows: %w", err)
	}
	for _, r := range empty {
		var n int64
		err := tx.Raw(`SELECT COUNT(*) FROM (SELECT 1 FROM usage_points p JOIN channels c ON c.id = p.channel_id
			WHERE c.client_id = ? AND p.granularity = ? AND p.bucket_start >= ? AND p.bucket_start < ?
			AND p.category = ? AND p.pricing_type = ? AND p.country = ? AND p.currency = ? LIMIT 1) x`,
			clientID, string(usage.HalfHour), r.BucketStart, dayEnd[r.BucketStart], r.Category, r.PricingType, r.Country, r.Currency).
			Scan(&n).Error
		if err != nil {
			return fmt.Errorf("local-day rollup: points left: %w", err)
		}
		if n > 0 {
			continue
		}
		err = tx.Where("client_id = ? AND bucket_start = ? AND category = ? AND pricing_type = ? AND country = ? AND currency = ?",
			clientID, r.BucketStart, r.Category, r.PricingType, r.Country, r.Currency).Delete(&clientLocalDailyModel{}).Error
		if err != nil {
			return fmt.Errorf("local-day rollup: drop empty row: %w", err)
		}
	}
	return nil
}

// refillClientLocal replaces clientID's local-day rows in [lo, hi), two
// midnights of loc, by the fold of the UTC-day rollup and the raw hours.
func refillClientLocal(tx *gorm.DB, clientID string, loc *time.Location, lo, hi time.Time) error {
	if err := tx.Exec(`DELETE FROM usage_client_local_daily WHERE client_id = ? AND bucket_start >= ? AND bucket_start < ?`,
		clientID, lo.Unix(), hi.Unix()).Error; err != nil {
		return fmt.Errorf("clear local-day rollup: %w", err)
	}
	rows, err := localDaysOn(tx, UsageFilter{Start: lo, End: hi, ClientIDs: []string{clientID}, GroupBy: localKeys,
		DailyOK: true, DayZone: loc})
	if err != nil {
		return fmt.Errorf("fold local days: %w", err)
	}
	if len(rows) == 0 {
		return nil
	}
	models := make([]clientLocalDailyModel, len(rows))
	for i, r := range rows {
		models[i] = clientLocalDailyModel{ClientID: clientID, BucketStart: r.Bucket.Unix(),
			Category: string(r.Key.Category), PricingType: string(r.Key.PricingType), Country: r.Key.Country,
			Currency: r.Currency, Volume: r.Quantity(), CostNanos: r.CostNanos, CostMissing: r.CostMissing,
			CostEstimated: r.CostEstimated}
	}
	if err := tx.CreateInBatches(models, batchSize).Error; err != nil {
		return fmt.Errorf("write local-day rollup: %w", err)
	}
	return nil
}
