package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/insights-dev/insights/internal/ratecard"
	"github.com/insights-dev/insights/internal/webhook"
)

// Pending webhook events.
//
// A webhook can name a channel the poller has not discovered yet (a number
// added minutes ago). Its events are answered 200 like any other, so they
// must not be lost: they are kept in webhook_pending under their natural key
// (a repeat is a duplicate), with the channel key they name (the URL's
// channel id, else the metadata's phone_number_id and display_phone_number)
// and the parsed event as JSON. ResolvePendingWebhooks, run after each
// discovery, moves those whose key now finds a channel into webhook_events
// and the counters, exactly as if they had arrived then, and deletes them
// from webhook_pending in the same transaction, so each is counted once.
// Events that never resolve are dropped after PendingWebhookRetention.

// PendingWebhookRetention is how long an event whose channel stays unknown
// is kept.
const PendingWebhookRetention = 30 * 24 * time.Hour

// pendingResolveChunk bounds the events moved per transaction.
const pendingResolveChunk = 2000

// UnknownEvent is a webhook event whose channel Insights does not know yet.
// Exactly one of Status and Call is set.
type UnknownEvent struct {
	// URLChannel is the channel id the webhook's URL named; when set, only
	// that channel can take the event, as in the receiver.
	URLChannel string
	Status     *webhook.MessageStatus
	Call       *webhook.CallEvent
}

// pendingRow is one row of webhook_pending.
type pendingRow struct {
	key                                      evKey
	urlChannel, phoneNumberID, displayPhone  string
	phoneNumberIDDigits, displayDigits, body string
	receivedAt                               int64
}

func (u UnknownEvent) row() (pendingRow, error) {
	var r pendingRow
	var body []byte
	var err error
	switch {
	case u.Status != nil && u.Call == nil:
		r.key = statusEventKey(*u.Status)
		r.phoneNumberID, r.displayPhone = u.Status.PhoneNumberID, u.Status.DisplayPhoneNumber
		body, err = json.Marshal(u.Status)
	case u.Call != nil && u.Status == nil:
		r.key = callEventKey(*u.Call)
		r.phoneNumberID, r.displayPhone = u.Call.PhoneNumberID, u.Call.DisplayPhoneNumber
		body, err = json.Marshal(u.Call)
	default:
		return r, errors.New("unknown-channel event needs one of status and call")
	}
	if err != nil {
		return r, fmt.Errorf("encode %s %s %s: %w", r.key.kind, r.key.id, r.key.event, err)
	}
	r.urlChannel = strings.TrimSpace(u.URLChannel)
	r.phoneNumberID, r.displayPhone = strings.TrimSpace(r.phoneNumberID), strings.TrimSpace(r.displayPhone)
	r.phoneNumberIDDigits, r.displayDigits = phoneDigits(r.phoneNumberID), phoneDigits(r.displayPhone)
	r.body = string(body)
	return r, nil
}

// insertPending inserts rows, skipping those already pending, and says
// which rows it inserted.
func insertPending(tx *gorm.DB, rows []pendingRow) ([]bool, error) {
	inserted := map[evKey]bool{}
	for chunk := range slices.Chunk(rows, webhookChunk) {
		var b strings.Builder
		b.WriteString(`INSERT INTO webhook_pending (kind, ref_id, event, url_channel, phone_number_id,
			phone_number_id_digits, display_phone, display_digits, received_at, payload) VALUES `)
		args := make([]any, 0, len(chunk)*10)
		for i, r := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, r.key.kind, r.key.id, r.key.event, r.urlChannel, r.phoneNumberID,
				r.phoneNumberIDDigits, r.displayPhone, r.displayDigits, r.receivedAt, r.body)
		}
		b.WriteString(" ON CONFLICT (kind, ref_id, event) DO NOTHING RETURNING kind, ref_id, event")
		if err := scanKeys(tx, b.String(), args, inserted); err != nil {
			return nil, fmt.Errorf("insert pending events: %w", err)
		}
	}
	out := make([]bool, len(rows))
	for i, r := range rows {
		out[i] = inserted[r.key]
	}
	return out, nil
}

// scanKeys runs q and adds the (kind, ref_id, event) rows it returns to keys.
func scanKeys(tx *gorm.DB, q string, args []any, keys map[evKey]bool) error {
	res, err := tx.Raw(q, args...).Rows()
	if err != nil {
		return err
	}
	defer res.Close()
	for res.Next() {
		var k evKey
		if err := res.Scan(&k.kind, &k.id, &k.event); err != nil {
			return fmt.Errorf("scan: %w", err)
		}
		keys[k] = true
	}
	return res.Err()
}

// PendingResolution says what ResolvePendingWebhooks did.
type PendingResolution struct {
	// Stored counts the events moved into the counters; Duplicates those
	// that were already stored (the same event also came once its channel
	// was known).
	Stored, Duplicates int
	// Pruned counts the events dropped after PendingWebhookRetention.
	Pruned int
	// Waiting is how many events still wait for their channel.
	Waiting int64
}

// ResolvePendingWebhooks moves the pending events whose channel key now
// finds a channel (the same lookup the receiver makes) into the webhook
// counters, with costs estimated from rates, and drops those older than
// PendingWebhookRetention. Each event is stored and removed from the
// pending events in one transaction, so running it again, or concurrently
// with new deliveries of the same events, counts nothing twice.
func (s *Store) ResolvePendingWebhooks(ctx context.Context, rates *ratecard.Book) (PendingResolution, error) {
	var res PendingResolution
	for {
		n, err := s.resolvePendingChunk(ctx, rates, &res)
		if err != nil {
			return res, fmt.Errorf("store: resolve pending webhooks: %w", err)
		}
		if n < pendingResolveChunk {
			break
		}
	}
	cutoff := s.now().Add(-PendingWebhookRetention).Unix()
	del := s.w.WithContext(ctx).Exec("DELETE FROM webhook_pending WHERE received_at < ?", cutoff)
	if del.Error != nil {
		return res, fmt.Errorf("store: prune pending webhooks: %w", del.Error)
	}
	res.Pruned = int(del.RowsAffected)
	n, err := s.PendingWebhookCount(ctx)
	res.Waiting = n
	return res, err
}

// resolvablePending selects pending events with the channel their key now
// finds: the URL's channel when one was named, else the first channel (by
// id) whose phone number id or digits match the phone_number_id, else the
// display number.
const resolvablePending = `SELECT kind, ref_id, event, received_at, payload, channel_id FROM (
	SELECT p.kind, p.ref_id, p.event, p.received_at, p.payload, COALESCE(
		CASE WHEN p.url_channel <> '' THEN (SELECT c.id FROM channels c WHERE c.id = p.url_channel) END,
		CASE WHEN p.url_channel = '' AND p.phone_number_id <> '' THEN (SELECT MIN(c.id) FROM channels c
			WHERE c.phone_number_id = p.phone_number_id
			OR (p.phone_number_id_digits <> '' AND c.phone_digits = p.phone_number_id_digits)) END,
		CASE WHEN p.url_channel = '' AND p.display_phone <> '' THEN (SELECT MIN(c.id) FROM channels c
			WHERE c.phone_number_id = p.display_phone
			OR (p.display_digits <> '' AND c.phone_digits = p.display_digits)) END
	) AS channel_id FROM webhook_pending p
) r WHERE r.channel_id IS NOT NULL ORDER BY kind, ref_id, event LIMIT ?`

// resolvePendingChunk moves up to pendingResolveChunk resolvable events in
// one transaction, adds what it did to res, and returns how many it moved.
func (s *Store) resolvePendingChunk(ctx context.Context, rates *ratecard.Book, res *PendingResolution) (int, error) {
	s.webhookMu.Lock()
	defer s.webhookMu.Unlock()
	var rows []eventRow
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		rows, err = readResolvable(tx)
		if err != nil || len(rows) == 0 {
			return err
		}
		inserted, err := saveEventRows(tx, rates, rows, s.now().Unix())
		if err != nil {
			return err
		}
		for _, ok := range inserted {
			if ok {
				res.Stored++
			} else {
				res.Duplicates++
			}
		}
		return deletePending(tx, rows)
	})
	if err != nil {
		return 0, err
	}
	return len(rows), nil
}

// readResolvable reads the resolvable pending events as event rows of
// their channel.
func readResolvable(tx *gorm.DB) ([]eventRow, error) {
	res, err := tx.Raw(resolvablePending, pendingResolveChunk).Rows()
	if err != nil {
		return nil, fmt.Errorf("read pending: %w", err)
	}
	defer res.Close()
	var rows []eventRow
	for res.Next() {
		var k evKey
		var receivedAt int64
		var body, channelID string
		if err := res.Scan(&k.kind, &k.id, &k.event, &receivedAt, &body, &channelID); err != nil {
			return nil, fmt.Errorf("read pending: scan: %w", err)
		}
		r, err := decodePending(k, body, channelID)
		if err != nil {
			return nil, err
		}
		r.receivedAt = receivedAt
		rows = append(rows, r)
	}
	if err := res.Err(); err != nil {
		return nil, fmt.Errorf("read pending: %w", err)
	}
	return rows, nil
}

// decodePending turns a pending event's JSON back into the row it would
// have been stored as.
func decodePending(k evKey, body, channelID string) (eventRow, error) {
	switch k.kind {
	case kindStatus:
		var st webhook.MessageStatus
		if err := json.Unmarshal([]byte(body), &st); err != nil {
			return eventRow{}, fmt.Errorf("decode pending %s %s %s: %w", k.kind, k.id, k.event, err)
		}
		return statusRow(WebhookStatus{ChannelID: channelID, MessageStatus: st}, k.event), nil
	case kindCall:
		var ev webhook.CallEvent
		if err := json.Unmarshal([]byte(body), &ev); err != nil {
			return eventRow{}, fmt.Errorf("decode pending %s %s %s: %w", k.kind, k.id, k.event, err)
		}
		return callRow(WebhookCall{ChannelID: channelID, CallEvent: ev}, k.event), nil
	}
	return eventRow{}, fmt.Errorf("decode pending: unknown kind %q", k.kind)
}

// deletePending removes the pending events of rows.
func deletePending(tx *gorm.DB, rows []eventRow) error {
	for chunk := range slices.Chunk(rows, webhookChunk) {
		var b strings.Builder
		b.WriteString("DELETE FROM webhook_pending WHERE (kind, ref_id, event) IN (")
		args := make([]any, 0, len(chunk)*3)
		for i, r := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?)")
			args = append(args, r.kind, r.refID, r.event)
		}
		b.WriteString(")")
		if err := tx.Exec(b.String(), args...).Error; err != nil {
			return fmt.Errorf("delete pending: %w", err)
		}
	}
	return nil
}

// PendingWebhookCount returns how many webhook events wait for their
// channel, for health checks and metrics.
func (s *Store) PendingWebhookCount(ctx context.Context) (int64, error) {
	var n int64
	if err := s.r.WithContext(ctx).Raw("SELECT COUNT(*) FROM webhook_pending").Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("store: count pending webhooks: %w", err)
	}
	return n, nil
}
