package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
	"gorm.io/gorm"

	"github.com/insights-dev/insights/internal/usage"
)

// UsageFilter selects stored points for QueryUsage and QueryCalls.
type UsageFilter struct {
	// Start and End bound the stored bucket starts: [Start, End), in UTC.
	Start, End time.Time
	// Granularity of the stored points to read; empty reads half_hour, the
	// granularity the poller fetches.
	Granularity usage.Granularity
	// Each non-empty list keeps only rows matching one of its values.
	ClientIDs, WABAIDs, ChannelIDs []string
	Categories, Countries          []string
	PricingTypes                   []string
	// GroupBy lists the dimensions to keep apart; bucket and currency are
	// always kept apart.
	GroupBy []usage.GroupField
	// DailyOK tells QueryUsage that the caller only needs the sums per
	// whole day of DayZone (it shows days or months there), and that it
	// reads usage from the smallest rollup that answers the filter instead
	// of the raw points: when half-hour points are asked for and Start and
	// End are midnights of DayZone. The per-channel daily rollup has one row
	// per channel, UTC day and key; the client rollup by key one per client,
	// day and key when no channel or WABA is filtered on or kept apart; the
	// client rollup one per client and day when the filter keeps nothing
	// narrower than clients apart. QueryCalls and the webhook queries ignore
	// it.
	DailyOK bool
	// Totals sums over the whole of [Start, End) instead of per stored
	// bucket: one row per group and currency, each with Start as its
	// bucket. QueryUsage reads the rollups for the whole UTC days inside
	// the range and the raw points for the parts before the first and after
	// the last UTC midnight, whatever the zone of the caller.
	Totals bool
	// DayZone, with DailyOK, is the zone whose local days (or months) the
	// caller sums the rows into; nil means UTC. When its days are not UTC
	// days and Start and End are its midnights, QueryUsage reads the
	// clients' local-day rollup when they keep that zone (see
	// localrollup.go), else folds the UTC daily rollups into its days (see
	// queryLocalDays): one row per local day (its midnight as bucket), group
	// and currency. With Totals, a DayZone whose midnights bound the range
	// lets QueryUsage sum the local-day rollup.
	DayZone *time.Location

	// MaxRows, when positive, bounds the rows one read may return: past it
	// the read stops and fails with ErrTooManyRows instead of filling
	// memory with a series nobody can use.
	MaxRows int

	// secondsOfDay, when hi > 0, keeps only rows whose bucket starts in
	// [lo, hi) seconds after its UTC midnight (queryLocalDays).
	secondsOfDay secondsOfDay
}

// ErrTooManyRows is returned by a read that would return more than its
// filter's MaxRows rows.
var ErrTooManyRows = errors.New("store: too many rows")

// overLimit reports whether a read that has gathered n rows has passed f's MaxRows.
func (f UsageFilter) overLimit(n int) bool { return f.MaxRows > 0 && n > f.MaxRows }

// groupColumn maps a group field to its column in the usage query.
var groupColumn = map[usage.GroupField]string{
	usage.ByCategory:    "u.category",
	usage.ByPricingType: "u.pricing_type",
	usage.ByCountry:     "u.country",
	usage.ByChannel:     "u.channel_id",
	usage.ByWABA:        "c.waba_id",
	usage.ByClient:      "c.client_id",
}

// where builds the FROM/WHERE part shared by usage and call queries.
// table is aliased u; withUsageDims adds the filters that only usage rows
// have; byGranularity filters on the stored granularity (the webhook
// counters are all half-hourly and have no such column).
func (f UsageFilter) where(table string, withUsageDims, needJoin, byGranularity bool) (string, []any, error) {
	if f.Start.IsZero() || f.End.IsZero() || !f.Start.Before(f.End) {
		return "", nil, fmt.Errorf("want Start before End, got [%s, %s)",
			f.Start.UTC().Format(time.RFC3339), f.End.UTC().Format(time.RFC3339))
	}
	g := f.Granularity
	if g == "" {
		g = usage.HalfHour
	}
	var b strings.Builder
	b.WriteString(" FROM " + table + " u")
	if needJoin || len(f.ClientIDs) > 0 || len(f.WABAIDs) > 0 {
		b.WriteString(" JOIN channels c ON c.id = u.channel_id")
	}
	var args []any
	if f.secondsOfDay.hi > 0 {
		// One index probe per half-hour bucket of those hours. The list
		// alone bounds the range: with a range beside it SQLite would scan
		// the range instead.
		b.WriteString(" WHERE u.bucket_start IN ?")
		args = append(args, f.secondsOfDay.bucketStarts(f.Start, f.End))
	} else {
		b.WriteString(" WHERE u.bucket_start >= ? AND u.bucket_start < ?")
		args = append(args, f.Start.Unix(), f.End.Unix())
	}
	if byGranularity {
		b.WriteString(" AND u.granularity = ?")
		args = append(args, string(g))
	}
	in := func(col string, vals []string) {
		if len(vals) > 0 {
			b.WriteString(" AND " + col + " IN ?")
			args = append(args, vals)
		}
	}
	in("u.channel_id", f.ChannelIDs)
	in("c.client_id", f.ClientIDs)
	in("c.waba_id", f.WABAIDs)
	in("u.country", f.Countries)
	if withUsageDims {
		in("u.category", f.Categories)
		in("u.pricing_type", f.PricingTypes)
	}
	return b.String(), args, nil
}

// compareGroups orders two keys by the group fields, then currency, as the
// usage queries' ORDER BY does.
func compareGroups(groups []usage.GroupField, a, b usage.GroupKey, curA, curB string) int {
	for _, g := range groups {
		if c := strings.Compare(a.Get(g), b.Get(g)); c != 0 {
			return c
		}
	}
	return strings.Compare(curA, curB)
}

// bucketColumn is the first selected column: the stored bucket, or with
// Totals the range's start (an integer written into the SQL).
func (f UsageFilter) bucketColumn() string {
	if f.Totals {
		return "CAST(" + strconv.FormatInt(f.Start.Unix(), 10) + " AS BIGINT)"
	}
	return "u.bucket_start"
}

// groupAndOrder groups and orders by the bucket (unless Totals) and cols.
func (f UsageFilter) groupAndOrder(cols []string) string {
	if !f.Totals {
		cols = append([]string{"u.bucket_start"}, cols...)
	}
	list := strings.Join(cols, ", ")
	return " GROUP BY " + list + " ORDER BY " + list
}

// usageSource is a table that usage queries read: the Partner API's points
// or the webhook counters, with the expression of one row's volume (summed
// per group; see volumeSums).
type usageSource struct {
	op, table, volume string
	// categoryless marks a rollup without a category column, whose volume
	// holds messages only (units.go).
	categoryless bool
	// missing counts the points of unknown cost; empty means the rows with
	// a NULL cost.
	missing string
	// estimated counts the points whose cost is an estimate from the rate
	// card; empty means the raw points' flag, SUM(u.cost_estimated).
	estimated     string
	byGranularity bool
	// byClient marks a table keyed by client_id instead of channel_id (the
	// client rollup): clients are filtered and grouped on its own column.
	byClient bool
	// keptZone keeps only the clients whose local-day rollup is kept in
	// UsageFilter.DayZone (the local-day rollup).
	keptZone bool
}

var (
	apiUsage = usageSource{op: "query usage", table: "usage_points", volume: "u.volume", byGranularity: true}
	// webhookUsage counts one message per stored status; one of a token
	// category is not counted, as the API's message volume leaves it out.
	// Every cost of a webhook counter is an estimate from the rate card.
	webhookUsage = usageSource{op: "query webhook usage", table: "webhook_messages", volume: "1",
		estimated: "SUM(CASE WHEN u.cost_nanos IS NULL THEN 0 ELSE 1 END)"}
)

// QueryUsage sums stored usage points per stored bucket, requested group
// fields and currency, ordered by bucket, then groups, then currency.
// CostNanos sums the known costs; CostMissing counts points of unknown cost.
func (s *Store) QueryUsage(ctx context.Context, sc Scope, f UsageFilter) ([]usage.Row, error) {
	f, ok := sc.usage(f)
	if !ok {
		return nil, nil
	}
	if f.Granularity != "" && f.Granularity != usage.HalfHour {
		return s.queryUsage(ctx, apiUsage, f)
	}
	if mayReadLocalRollup(f) {
		if rows, ok, err := s.queryLocalRollup(ctx, f); err != nil || ok {
			return rows, err
		}
	}
	if f.Totals {
		return s.queryTotals(ctx, f)
	}
	if f.DailyOK && isUTCMidnight(f.Start) && isUTCMidnight(f.End) && utcOffsetZero(f.Start, f.End, f.DayZone) {
		return s.queryUsage(ctx, f.rollup(), f)
	}
	if f.DailyOK && f.DayZone != nil && isLocalMidnight(f.Start, f.DayZone) && isLocalMidnight(f.End, f.DayZone) &&
		!usage.ZoneIsApproximate(f.DayZone, localPeriod(f.Start, f.End, f.DayZone)) {
		return s.queryLocalDays(ctx, f)
	}
	return s.queryUsage(ctx, apiUsage, f)
}

// mayReadLocalRollup reports whether the clients' local-day rollup can
// answer f, if they keep f.DayZone: days (or totals) of a zone whose days
// are not UTC days, between two of its midnights, for clients, with no
// channel or WABA filtered on or kept apart.
func mayReadLocalRollup(f UsageFilter) bool {
	return f.DayZone != nil && (f.DailyOK || f.Totals) && len(f.ClientIDs) > 0 && f.clientKeyLevel() &&
		f.Start.Before(f.End) && isLocalMidnight(f.Start, f.DayZone) && isLocalMidnight(f.End, f.DayZone) &&
		!utcOffsetZero(f.Start, f.End, f.DayZone) // UTC days: the UTC-day rollups answer
}

// queryLocalRollup reads f (see mayReadLocalRollup) from the local-day
// rollup; ok is false when a client of f does not keep f.DayZone. The
// query itself keeps only clients that keep the zone, so for one client
// (a client's view) the zone is checked again only when no row comes back.
func (s *Store) queryLocalRollup(ctx context.Context, f UsageFilter) (rows []usage.Row, ok bool, err error) {
	ids := uniqueSorted(f.ClientIDs)
	if len(ids) > 1 {
		if ok, err := s.localRollupKept(ctx, ids, f.DayZone); err != nil || !ok {
			return nil, false, err
		}
	}
	if rows, err = s.queryUsage(ctx, clientLocalDailyUsage, f); err != nil || len(rows) > 0 || len(ids) > 1 {
		return rows, err == nil, err
	}
	ok, err = s.localRollupKept(ctx, ids, f.DayZone)
	return rows, ok, err
}

// rollup is the smallest rollup that answers f over whole UTC days.
func (f UsageFilter) rollup() usageSource {
	switch {
	case f.clientLevel():
		return clientDailyUsage
	case f.clientKeyLevel():
		return clientKeyDailyUsage
	}
	return dailyUsage
}

// rangePart is a piece of a filter's range and the table that answers it.
type rangePart struct {
	src        usageSource
	start, end time.Time
	// secondsOfDay, when hi > 0, keeps only the part's rows whose bucket
	// starts that many seconds after its UTC midnight (queryLocalDays).
	secondsOfDay secondsOfDay
}

// narrow is f restricted to the part's range.
func (p rangePart) narrow(f UsageFilter) UsageFilter {
	f.Start, f.End, f.secondsOfDay = p.start, p.end, p.secondsOfDay
	return f
}

// secondsOfDay is a span [lo, hi) of seconds after UTC midnight.
type secondsOfDay struct{ lo, hi int64 }

// halfHoursPerDay is how many half-hour buckets start in the span each day.
func (s secondsOfDay) halfHoursPerDay() int {
	return int((s.hi - s.lo + usage.HalfHourSeconds - 1) / usage.HalfHourSeconds)
}

// bucketStarts lists the half-hour bucket starts in the span of each UTC
// day in [start, end), two UTC midnights. Half-hour points start on half
// hours (SaveUsageWindow refuses others), so these are all the buckets there.
func (s secondsOfDay) bucketStarts(start, end time.Time) []int64 {
	first := (s.lo + usage.HalfHourSeconds - 1) / usage.HalfHourSeconds * usage.HalfHourSeconds
	var out []int64
	for d := start.Unix(); d < end.Unix(); d += 86400 {
		for t := d + first; t < d+s.hi; t += usage.HalfHourSeconds {
			out = append(out, t)
		}
	}
	return out
}

// dayParts splits [f.Start, f.End) into the whole UTC days inside it, read
// from days, and the hours before the first and after the last UTC midnight,
// read from the raw points; a single raw part when no whole day fits.
func (f UsageFilter) dayParts(days usageSource) []rangePart {
	lo, hi := utcMidnight(f.Start), utcMidnight(f.End)
	if lo.Before(f.Start) {
		lo = lo.AddDate(0, 0, 1)
	}
	if !lo.Before(hi) {
		return []rangePart{{src: apiUsage, start: f.Start, end: f.End}}
	}
	parts := []rangePart{{src: days, start: lo, end: hi}}
	if f.Start.Before(lo) {
		parts = append(parts, rangePart{src: apiUsage, start: f.Start, end: lo})
	}
	if hi.Before(f.End) {
		parts = append(parts, rangePart{src: apiUsage, start: hi, end: f.End})
	}
	return parts
}

// readParts reads each part of f's range with read, all at once, and
// returns their rows in the order of parts.
func readParts[T any](ctx context.Context, f UsageFilter, parts []rangePart,
	read func(context.Context, usageSource, UsageFilter) ([]T, error)) ([][]T, error) {
	out := make([][]T, len(parts))
	g, gctx := errgroup.WithContext(ctx)
	for i, p := range parts {
		g.Go(func() (err error) {
			out[i], err = read(gctx, p.src, p.narrow(f))
			return err
		})
	}
	return out, g.Wait()
}

// queryTotals answers a Totals filter: the whole UTC days inside it from the
// rollup, the edges (when its bounds are not UTC midnights, as in most
// zones) from the raw points, summed per group and currency.
func (s *Store) queryTotals(ctx context.Context, f UsageFilter) ([]usage.Row, error) {
	parts := f.dayParts(f.rollup())
	if len(parts) == 1 {
		return s.queryUsage(ctx, parts[0].src, f)
	}
	type key struct {
		k   usage.GroupKey
		cur string
	}
	results, err := readParts(ctx, f, parts, s.queryUsage)
	if err != nil {
		return nil, err
	}
	sums := map[key]*usage.Row{}
	var order []key
	for _, rows := range results {
		for _, r := range rows {
			k := key{r.Key, r.Currency}
			sum := sums[k]
			if sum == nil {
				sum = &usage.Row{Bucket: f.Start.UTC(), Key: r.Key, Currency: r.Currency}
				sums[k] = sum
				order = append(order, k)
			}
			sum.Volume += r.Volume
			sum.Units += r.Units
			sum.CostNanos += r.CostNanos
			sum.CostMissing += r.CostMissing
			sum.CostEstimated += r.CostEstimated
		}
	}
	groups := normalizeGroups(f.GroupBy, usage.AllGroupFields)
	slices.SortFunc(order, func(a, b key) int { return compareGroups(groups, a.k, b.k, a.cur, b.cur) })
	out := make([]usage.Row, 0, len(order))
	for _, k := range order {
		out = append(out, *sums[k])
	}
	return out, nil
}

func (s *Store) queryUsage(ctx context.Context, src usageSource, f UsageFilter) ([]usage.Row, error) {
	return queryUsageOn(s.r.WithContext(ctx), src, f)
}

// queryUsageOn is queryUsage through db (the read pool, or a transaction
// that must see its own writes).
func queryUsageOn(db *gorm.DB, src usageSource, f UsageFilter) ([]usage.Row, error) {
	groups := normalizeGroups(f.GroupBy, usage.AllGroupFields)
	needJoin := slices.Contains(groups, usage.ByWABA) || slices.Contains(groups, usage.ByClient)
	clientIDs := f.ClientIDs
	if src.byClient {
		needJoin, f.ClientIDs = false, nil
	}
	from, args, err := f.where(src.table, true, needJoin, src.byGranularity)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", src.op, err)
	}
	if src.byClient && len(clientIDs) > 0 {
		from += " AND u.client_id IN ?"
		args = append(args, clientIDs)
	}
	if src.keptZone {
		from += " AND u.client_id IN (SELECT id FROM clients WHERE rollup_zone = ?)"
		args = append(args, f.DayZone.String())
	}
	var cols []string
	for _, g := range groups {
		if src.byClient && g == usage.ByClient {
			cols = append(cols, "u.client_id")
			continue
		}
		cols = append(cols, groupColumn[g])
	}
	cols = append(cols, "u.currency")
	missing := src.missing
	if missing == "" {
		missing = "SUM(CASE WHEN u.cost_nanos IS NULL THEN 1 ELSE 0 END)"
	}
	estimated := cmp.Or(src.estimated, "SUM(u.cost_estimated)")
	volume, units := src.volumeSums(f, groups)
	q := "SELECT " + f.bucketColumn() + ", " + strings.Join(cols, ", ") +
		", CAST(" + volume + " AS BIGINT), CAST(" + units + " AS BIGINT), CAST(COALESCE(SUM(u.cost_nanos), 0) AS BIGINT)" +
		", CAST(" + missing + " AS BIGINT), CAST(" + estimated + " AS BIGINT)" +
		from + f.groupAndOrder(cols)

	rows, err := db.Raw(q, args...).Rows()
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", src.op, err)
	}
	defer rows.Close()
	var out []usage.Row
	dims := make([]string, len(groups))
	dest := make([]any, 0, len(groups)+6)
	for rows.Next() {
		var r usage.Row
		var bucket int64
		dest = append(dest[:0], &bucket)
		for i := range dims {
			dest = append(dest, &dims[i])
		}
		dest = append(dest, &r.Currency, &r.Volume, &r.Units, &r.CostNanos, &r.CostMissing, &r.CostEstimated)
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("store: %s: scan: %w", src.op, err)
		}
		r.Bucket = fromUnix(bucket)
		r.Key = groupKey(groups, dims)
		out = append(out, r)
		if f.overLimit(len(out)) {
			return nil, fmt.Errorf("store: %s: %w (%d)", src.op, ErrTooManyRows, f.MaxRows)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %s: %w", src.op, err)
	}
	return out, nil
}

// callGroups are the dimensions call points have.
var callGroups = []usage.GroupField{usage.ByCountry, usage.ByChannel, usage.ByWABA, usage.ByClient}

// callSource is a table that call queries read, with the expressions that
// sum its calls and seconds and any extra condition.
type callSource struct {
	op, table, count, seconds, extra string
	// estimated counts the points whose cost is an estimate.
	estimated     string
	byGranularity bool
}

var (
	apiCalls = callSource{op: "query calls", table: "call_points", count: "SUM(u.count)", seconds: "SUM(u.seconds)",
		estimated: "SUM(u.cost_estimated)", byGranularity: true}
	// Every cost of a webhook call is an estimate from the rate card.
	webhookCalls = callSource{op: "query webhook calls", table: "webhook_calls", count: "COUNT(*)",
		seconds: "COALESCE(SUM(u.duration_seconds), 0)", extra: " AND u.counted = 1",
		estimated: "SUM(CASE WHEN u.cost_nanos IS NULL THEN 0 ELSE 1 END)"}
)

// QueryCalls sums stored call points per stored bucket, direction, the
// requested group fields among country, channel, WABA and client, and
// currency. Categories and PricingTypes do not apply to calls and are ignored.
func (s *Store) QueryCalls(ctx context.Context, sc Scope, f UsageFilter) ([]usage.CallRow, error) {
	f, ok := sc.usage(f)
	if !ok {
		return nil, nil
	}
	return s.queryCalls(ctx, apiCalls, f)
}

func (s *Store) queryCalls(ctx context.Context, src callSource, f UsageFilter) ([]usage.CallRow, error) {
	groups := normalizeGroups(f.GroupBy, callGroups)
	needJoin := slices.Contains(groups, usage.ByWABA) || slices.Contains(groups, usage.ByClient)
	from, args, err := f.where(src.table, false, needJoin, src.byGranularity)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", src.op, err)
	}
	from += src.extra
	cols := []string{"u.direction"}
	for _, g := range groups {
		cols = append(cols, groupColumn[g])
	}
	cols = append(cols, "u.currency")
	q := "SELECT " + f.bucketColumn() + ", " + strings.Join(cols, ", ") +
		", CAST(" + src.count + " AS BIGINT), CAST(" + src.seconds + " AS BIGINT), CAST(COALESCE(SUM(u.cost_nanos), 0) AS BIGINT)" +
		", CAST(SUM(CASE WHEN u.cost_nanos IS NULL THEN 1 ELSE 0 END) AS BIGINT), CAST(" + src.estimated + " AS BIGINT)" +
		from + f.groupAndOrder(cols)

	rows, err := s.r.WithContext(ctx).Raw(q, args...).Rows()
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", src.op, err)
	}
	defer rows.Close()
	var out []usage.CallRow
	dims := make([]string, len(groups))
	dest := make([]any, 0, len(groups)+8)
	for rows.Next() {
		var r usage.CallRow
		var bucket int64
		var dir string
		dest = append(dest[:0], &bucket, &dir)
		for i := range dims {
			dest = append(dest, &dims[i])
		}
		dest = append(dest, &r.Currency, &r.Count, &r.Seconds, &r.CostNanos, &r.CostMissing, &r.CostEstimated)
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("store: %s: scan: %w", src.op, err)
		}
		r.Bucket = fromUnix(bucket)
		r.Direction = usage.Direction(dir)
		r.Key = groupKey(groups, dims)
		out = append(out, r)
		if f.overLimit(len(out)) {
			return nil, fmt.Errorf("store: %s: %w (%d)", src.op, ErrTooManyRows, f.MaxRows)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %s: %w", src.op, err)
	}
	return out, nil
}

// UsageBounds returns the start of the first and the end of the last stored
// usage bucket of the channels in f ("data from … up to …"); ok is false when
// none is stored.
func (s *Store) UsageBounds(ctx context.Context, sc Scope, f ChannelFilter) (first, last time.Time, ok bool, err error) {
	if f, ok = sc.channels(f); !ok {
		return first, last, false, nil
	}
	// Separate scalar subqueries let both engines answer MIN and MAX from an
	// index instead of scanning the table.
	where, args := f.scope("channel_id")
	q := "SELECT (SELECT MIN(bucket_start) FROM usage_points), (SELECT MAX(bucket_start) FROM usage_points)"
	var qargs []any
	if where != "" {
		// Scoped: one index probe per channel and granularity for each
		// bound; a MIN over "channel_id IN (…)" reads every row of those
		// channels instead.
		cwhere, cargs := f.scope("c.id")
		probe := func(agg string) string {
			return "(SELECT " + agg + "(p.bucket_start) FROM usage_points p WHERE p.channel_id = c.id AND p.granularity = g.name)"
		}
		q = "SELECT MIN(lo), MAX(hi) FROM (SELECT " + probe("MIN") + " AS lo, " + probe("MAX") + " AS hi" +
			" FROM channels c CROSS JOIN (SELECT 'half_hour' AS name UNION ALL SELECT 'day' UNION ALL SELECT 'month') g" +
			" WHERE " + cwhere + ") bounds"
		qargs = cargs
	} else {
		where = "1 = 1"
	}
	var lo, hi sql.NullInt64
	if err := s.r.WithContext(ctx).Raw(q, qargs...).Row().Scan(&lo, &hi); err != nil {
		return time.Time{}, time.Time{}, false, fmt.Errorf("store: usage bounds: %w", err)
	}
	if !lo.Valid || !hi.Valid {
		return time.Time{}, time.Time{}, false, nil
	}
	// The last bucket ends where the longest granularity stored at its start
	// ends (buckets of one start and granularity end together). One probe
	// per granularity, all in one statement, reads one row through the
	// primary key or the range index, where MAX(bucket_end) over every row
	// at that start looked up each of them (250 ms for 10,000 channels on
	// SQLite).
	probe := "(SELECT bucket_end FROM usage_points WHERE bucket_start = ? AND granularity = ? AND " + where + " LIMIT 1)"
	q = "SELECT " + probe + ", " + probe + ", " + probe
	var qa []any
	for _, g := range []usage.Granularity{usage.Month, usage.Day, usage.HalfHour} {
		qa = append(append(qa, hi.Int64, string(g)), args...)
	}
	var ends [3]sql.NullInt64
	if err := s.r.WithContext(ctx).Raw(q, qa...).Row().Scan(&ends[0], &ends[1], &ends[2]); err != nil {
		return time.Time{}, time.Time{}, false, fmt.Errorf("store: usage bounds: %w", err)
	}
	for _, e := range ends {
		if e.Valid {
			hi.Int64 = e.Int64
			break
		}
	}
	return fromUnix(lo.Int64), fromUnix(hi.Int64), true, nil
}

// normalizeGroups keeps the allowed fields of want, once each, in canonical order.
func normalizeGroups(want, allowed []usage.GroupField) []usage.GroupField {
	var out []usage.GroupField
	for _, g := range allowed {
		if slices.Contains(want, g) {
			out = append(out, g)
		}
	}
	return out
}

func groupKey(groups []usage.GroupField, vals []string) usage.GroupKey {
	var k usage.GroupKey
	for i, g := range groups {
		switch g {
		case usage.ByCategory:
			k.Category = usage.Category(vals[i])
		case usage.ByPricingType:
			k.PricingType = usage.PricingType(vals[i])
		case usage.ByCountry:
			k.Country = vals[i]
		case usage.ByChannel:
			k.Channel = vals[i]
		case usage.ByWABA:
			k.WABA = vals[i]
		case usage.ByClient:
			k.Client = vals[i]
		}
	}
	return k
}
