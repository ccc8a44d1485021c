package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/insights-dev/insights/internal/usage"
	"github.com/insights-dev/insights/internal/webhook"
)

// AccountEvent is one account_update event of a WABA, as the webhook
// delivered it. Tier updates fill the tier fields; other events keep what
// they said in Detail.
type AccountEvent struct {
	ID int64
	// WABAID is Meta's id of the WABA (the webhook entry's id).
	WABAID string
	// ClientID is the client of the WABA: as resolved at receipt, else
	// from the channels known when read; "" when unknown.
	ClientID string
	Event    string
	// OccurredAt is when Meta says the event happened (UTC); zero when it
	// did not say.
	OccurredAt      time.Time
	PricingCategory usage.Category
	Tier            string // "LOWER:UPPER" as Meta writes it
	EffectiveMonth  string // "2026-11"
	Region          string // Meta's market name, e.g. "India"
	// Detail is the event's raw JSON ("{}" when none was kept).
	Detail     string
	ReceivedAt time.Time
}

// dedupKey is the natural key under which a repeated delivery is stored
// once: for a tier update its WABA, category, market, tier and month (the
// time is not part of it, so that the same update announced twice keeps one
// row, with the earlier time); for other events the whole event.
func (e AccountEvent) dedupKey() string {
	if e.Event == webhook.EventTierUpdate {
		return strings.Join([]string{e.Event, e.WABAID, string(e.PricingCategory), e.Region, e.Tier, e.EffectiveMonth}, "|")
	}
	sum := sha256.Sum256([]byte(e.Detail))
	return strings.Join([]string{e.Event, e.WABAID, strconv.FormatInt(unixOrZero(e.OccurredAt), 10),
		hex.EncodeToString(sum[:16])}, "|")
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// SaveAccountEvents stores account events, each once under its natural key
// (see AccountEvent): a repeated tier update keeps the smallest known
// occurred_at. Events without a ClientID get the client of their WABA when
// a channel of it is known. It returns how many events were new.
func (s *Store) SaveAccountEvents(ctx context.Context, events []AccountEvent) (stored int, err error) {
	if len(events) == 0 {
		return 0, nil
	}
	now := s.now().UTC().Unix()
	db := s.w.WithContext(ctx)
	for _, e := range events {
		if e.WABAID == "" || e.Event == "" {
			return stored, fmt.Errorf("store: save account events: an event needs a WABA and an event name")
		}
		if e.Detail == "" {
			e.Detail = "{}"
		}
		clientID := e.ClientID
		if clientID == "" {
			clientID, err = s.clientOfWABA(ctx, e.WABAID)
			if err != nil {
				return stored, err
			}
		}
		var ids []int64
		err := db.Raw(`INSERT INTO account_events
			(waba_id, client_id, event, occurred_at, pricing_category, tier, effective_month, region, detail, dedup_key, received_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (dedup_key) DO NOTHING RETURNING id`,
			e.WABAID, clientID, e.Event, unixOrZero(e.OccurredAt), string(e.PricingCategory), e.Tier,
			e.EffectiveMonth, e.Region, e.Detail, e.dedupKey(), now).Scan(&ids).Error
		if err != nil {
			return stored, fmt.Errorf("store: save account event: %w", err)
		}
		if len(ids) > 0 {
			stored++
			continue
		}
		// A duplicate: keep the earliest time Meta gave (0 is unknown).
		if at := unixOrZero(e.OccurredAt); at > 0 {
			err = db.Exec(`UPDATE account_events SET occurred_at = ?, detail = ?
				WHERE dedup_key = ? AND (occurred_at = 0 OR occurred_at > ?)`, at, e.Detail, e.dedupKey(), at).Error
			if err != nil {
				return stored, fmt.Errorf("store: save account event: keep earliest: %w", err)
			}
		}
	}
	return stored, nil
}

// clientOfWABA is the client of a channel of WABA id (Meta's id or the
// Partner API's), "" when none is known.
func (s *Store) clientOfWABA(ctx context.Context, wabaID string) (string, error) {
	var ids []string
	err := s.r.WithContext(ctx).Raw(`SELECT client_id FROM channels
		WHERE waba_external_id = ? OR waba_id = ? ORDER BY client_id LIMIT 1`, wabaID, wabaID).Scan(&ids).Error
	if err != nil {
		return "", fmt.Errorf("store: client of WABA %q: %w", wabaID, err)
	}
	if len(ids) == 0 {
		return "", nil
	}
	return ids[0], nil
}

// AccountEventFilter narrows ListAccountEvents; empty fields match all.
type AccountEventFilter struct {
	// ClientIDs keeps the events of these clients: stored under them, or of
	// a WABA one of their channels belongs to.
	ClientIDs []string
	Events    []string
	// EffectiveMonth keeps tier updates for one month ("2026-11").
	EffectiveMonth string
}

type accountEventRow struct {
	ID              int64
	WABAID          string `gorm:"column:waba_id"`
	ClientID        string
	Event           string
	OccurredAt      int64
	PricingCategory string
	Tier            string
	EffectiveMonth  string
	Region          string
	Detail          string
	ReceivedAt      int64
}

// ListAccountEvents returns the account events sc may see, oldest first
// (events without a time by receipt). A scope of some clients sees only
// events of their WABAs; a scope with dates only events that happened in
// them.
func (s *Store) ListAccountEvents(ctx context.Context, sc Scope, f AccountEventFilter) ([]AccountEvent, error) {
	ids, ok := sc.clientsFor(f.ClientIDs)
	if !ok {
		return nil, nil
	}
	var b strings.Builder
	var args []any
	b.WriteString(`SELECT e.id, e.waba_id, CASE WHEN e.client_id <> '' THEN e.client_id ELSE COALESCE(
			(SELECT MIN(c.client_id) FROM channels c WHERE c.waba_external_id = e.waba_id OR c.waba_id = e.waba_id), '') END AS client_id,
		e.event, e.occurred_at, e.pricing_category, e.tier, e.effective_month, e.region, e.detail, e.received_at
		FROM account_events e WHERE 1 = 1`)
	if len(ids) > 0 {
		b.WriteString(` AND (e.client_id IN ? OR (e.client_id = '' AND EXISTS (SELECT 1 FROM channels c
			WHERE c.client_id IN ? AND (c.waba_external_id = e.waba_id OR c.waba_id = e.waba_id))))`)
		args = append(args, ids, ids)
	}
	if len(f.Events) > 0 {
		b.WriteString(" AND e.event IN ?")
		args = append(args, f.Events)
	}
	if f.EffectiveMonth != "" {
		b.WriteString(" AND e.effective_month = ?")
		args = append(args, f.EffectiveMonth)
	}
	if !sc.from.IsZero() {
		b.WriteString(" AND e.occurred_at >= ?")
		args = append(args, sc.from.Unix())
	}
	if !sc.to.IsZero() {
		b.WriteString(" AND e.occurred_at < ?")
		args = append(args, sc.to.Unix())
	}
	b.WriteString(" ORDER BY CASE WHEN e.occurred_at = 0 THEN e.received_at ELSE e.occurred_at END, e.id")
	var rows []accountEventRow
	if err := s.r.WithContext(ctx).Raw(b.String(), args...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: list account events: %w", err)
	}
	out := make([]AccountEvent, len(rows))
	for i, r := range rows {
		out[i] = AccountEvent{ID: r.ID, WABAID: r.WABAID, ClientID: r.ClientID, Event: r.Event,
			PricingCategory: usage.Category(r.PricingCategory), Tier: r.Tier, EffectiveMonth: r.EffectiveMonth,
			Region: r.Region, Detail: r.Detail, ReceivedAt: time.Unix(r.ReceivedAt, 0).UTC()}
		if r.OccurredAt > 0 {
			out[i].OccurredAt = time.Unix(r.OccurredAt, 0).UTC()
		}
	}
	return out, nil
}

// TierVolume is the volume of one WABA in one market and category over a
// span, under one tier string of the Partner API's usage points.
type TierVolume struct {
	WABAID   string
	Country  string
	Category usage.Category
	// Tier is the points' tier ("LOWER:UPPER"); "" for paid points the API
	// reported without one.
	Tier   string
	Volume int64
	// Last is the start of the latest bucket with this volume.
	Last time.Time
}

// TierVolumes sums the paid half-hour usage points of a client's channels
// with bucket starts in [start, end) by WABA, market, category and tier
// string: what volume tiers count. Free messages (which carry no tier) and
// the token categories (no volume tiers; their volume is not messages) are
// left out.
func (s *Store) TierVolumes(ctx context.Context, sc Scope, clientID string, start, end time.Time) ([]TierVolume, error) {
	if !sc.Allows(clientID) {
		return nil, nil
	}
	start, end, ok := sc.span(start, end)
	if !ok {
		return nil, nil
	}
	var rows []struct {
		WABAID      string `gorm:"column:waba_id"`
		Country     string
		Category    string
		PricingType string
		Tier        string
		Volume      int64
		Last        int64
	}
	err := s.r.WithContext(ctx).Raw(`SELECT c.waba_id, u.country, u.category, u.pricing_type, u.tier,
			SUM(u.volume) AS volume, MAX(u.bucket_start) AS last
		FROM usage_points u JOIN channels c ON c.id = u.channel_id
		WHERE c.client_id = ? AND u.granularity = ? AND u.bucket_start >= ? AND u.bucket_start < ? AND u.volume > 0
			AND u.category NOT IN `+tokenList()+`
		GROUP BY c.waba_id, u.country, u.category, u.pricing_type, u.tier
		ORDER BY c.waba_id, u.country, u.category, u.tier`,
		clientID, string(usage.HalfHour), start.Unix(), end.Unix()).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: tier volumes: %w", err)
	}
	type key struct{ waba, country, cat, tier string }
	idx := map[key]int{}
	var out []TierVolume
	for _, r := range rows {
		if r.Tier == "" && usage.PricingType(r.PricingType).Free() {
			continue
		}
		k := key{r.WABAID, r.Country, r.Category, r.Tier}
		last := time.Unix(r.Last, 0).UTC()
		if i, ok := idx[k]; ok {
			out[i].Volume += r.Volume
			out[i].Last = maxTime(out[i].Last, last)
			continue
		}
		idx[k] = len(out)
		out = append(out, TierVolume{WABAID: r.WABAID, Country: r.Country, Category: usage.Category(r.Category),
			Tier: r.Tier, Volume: r.Volume, Last: last})
	}
	return out, nil
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
