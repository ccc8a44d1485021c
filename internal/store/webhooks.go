package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/insights-dev/insights/internal/ratecard"
	"github.com/insights-dev/insights/internal/usage"
	"github.com/insights-dev/insights/internal/webhook"
)

// Webhook counters.
//
// Every webhook event is kept in webhook_events under its natural key
// (kind, id, event): a message status under (message id, status), a call
// event under (call id, event). Inserting with ON CONFLICT DO NOTHING
// RETURNING tells which events are new; duplicates and retries stop there
// and change nothing else.
//
// New events are folded into one row per message (webhook_messages, keyed by
// wamid) and one row per call (webhook_calls, keyed by call id). The fold is
// independent of arrival order: a message counts once, at its earliest
// delivered status, or at its earliest read status when no delivered status
// has been seen (so a read that arrived before its delivered is moved to the
// delivered time when that comes); sent, failed and unknown statuses never
// count. Its pricing comes from a delivered or read status that carries
// pricing, else from any status that does (see webhook.PricingFrom). A call
// counts once its terminate event has come with status COMPLETED (or no
// status but a duration), in the half hour in which it started, like the
// Partner API's call analytics, which count completed calls.
//
// Costs are the estimates webhook.EstimateMessage and EstimateCall give for
// the folded message or call from the rate-card book: the card in force on
// the UTC day the message counted (or the call started), in the channel's
// billing currency when the book has cards in it (else the book's default
// currency), and NULL (unknown) when the card has no rate for it; the store
// only keeps them.

// WebhookStatus is a message status to store, with the channel the receiver
// mapped it to.
type WebhookStatus struct {
	ChannelID string
	webhook.MessageStatus
}

// WebhookCall is a call event to store, with the channel the receiver mapped
// it to.
type WebhookCall struct {
	ChannelID string
	webhook.CallEvent
}

// WebhookBatch is the events of one webhook delivery.
type WebhookBatch struct {
	// Statuses and Calls are the events whose channel the receiver found.
	Statuses []WebhookStatus
	Calls    []WebhookCall
	// Unknown are the events whose channel is not known yet: they are kept
	// in webhook_pending until ResolvePendingWebhooks finds their channel.
	Unknown []UnknownEvent
}

// Len is the number of events in the batch.
func (b WebhookBatch) Len() int { return len(b.Statuses) + len(b.Calls) + len(b.Unknown) }

// WebhookResult says what saving one batch did.
type WebhookResult struct {
	// Stored counts the events that were new; Duplicates those already
	// stored (or repeated within the batches saved together); Pending the
	// new events kept until their channel is known.
	Stored, Duplicates, Pending int
}

// Event kinds in webhook_events.
const (
	kindStatus = "status"
	kindCall   = "call"
)

// evKey is the natural key of a webhook event.
type evKey struct{ kind, id, event string }

// webhookChunk bounds rows per multi-row statement: 400 rows × 17 columns
// stay under both engines' bound-parameter limits.
const webhookChunk = 400

// SaveWebhookBatch stores one batch in one transaction; see SaveWebhookBatches.
func (s *Store) SaveWebhookBatch(ctx context.Context, rates *ratecard.Book, b WebhookBatch) (stored, duplicates int, err error) {
	res, err := s.SaveWebhookBatches(ctx, rates, []WebhookBatch{b})
	if err != nil {
		return 0, 0, err
	}
	return res[0].Stored, res[0].Duplicates, nil
}

// SaveWebhookBatches stores several batches in one transaction (group
// commit) and returns what happened to each, in order. Events already stored
// are duplicates and change nothing; new ones update their message's or
// call's counters, with costs estimated from rates (nil: costs unknown).
// Unknown events are kept pending under their natural key. Either every
// batch is stored or, on error, none is. Every event of Statuses and Calls
// needs the id of an existing channel.
func (s *Store) SaveWebhookBatches(ctx context.Context, rates *ratecard.Book, batches []WebhookBatch) ([]WebhookResult, error) {
	results := make([]WebhookResult, len(batches))
	g, err := gatherEvents(batches, results)
	if err != nil {
		return nil, fmt.Errorf("store: save webhooks: %w", err)
	}
	if len(g.rows) == 0 && len(g.pending) == 0 {
		return results, nil
	}
	now := s.now().Unix()
	for i := range g.rows {
		g.rows[i].receivedAt = now
	}
	for i := range g.pending {
		g.pending[i].receivedAt = now
	}
	s.webhookMu.Lock()
	defer s.webhookMu.Unlock()
	err = s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		inserted, err := saveEventRows(tx, rates, g.rows, now)
		if err != nil {
			return err
		}
		for i, ok := range inserted {
			if ok {
				results[g.owners[i]].Stored++
			} else {
				results[g.owners[i]].Duplicates++
			}
		}
		kept, err := insertPending(tx, g.pending)
		if err != nil {
			return err
		}
		for i, ok := range kept {
			if ok {
				results[g.pendingOwners[i]].Pending++
			} else {
				results[g.pendingOwners[i]].Duplicates++
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: save webhooks: %w", err)
	}
	return results, nil
}

// gathered is the rows of a group of batches, each with the index of the
// batch it came from, repeats within the group left out (and counted as
// duplicates).
type gathered struct {
	rows          []eventRow
	owners        []int
	pending       []pendingRow
	pendingOwners []int
}

func gatherEvents(batches []WebhookBatch, results []WebhookResult) (gathered, error) {
	var g gathered
	seen := map[evKey]bool{}
	first := func(bi int, k evKey) bool {
		if seen[k] {
			results[bi].Duplicates++
			return false
		}
		seen[k] = true
		return true
	}
	for bi, b := range batches {
		for _, st := range b.Statuses {
			if st.ChannelID == "" {
				return g, fmt.Errorf("status %s %s without channel", st.MessageID, st.Status)
			}
			if k := statusEventKey(st.MessageStatus); first(bi, k) {
				g.rows = append(g.rows, statusRow(st, k.event))
				g.owners = append(g.owners, bi)
			}
		}
		for _, ev := range b.Calls {
			if ev.ChannelID == "" {
				return g, fmt.Errorf("call %s %s without channel", ev.CallID, ev.Event)
			}
			if k := callEventKey(ev.CallEvent); first(bi, k) {
				g.rows = append(g.rows, callRow(ev, k.event))
				g.owners = append(g.owners, bi)
			}
		}
		for _, u := range b.Unknown {
			r, err := u.row()
			if err != nil {
				return g, err
			}
			if first(bi, r.key) {
				g.pending = append(g.pending, r)
				g.pendingOwners = append(g.pendingOwners, bi)
			}
		}
	}
	return g, nil
}

func statusEventKey(st webhook.MessageStatus) evKey {
	return evKey{kindStatus, st.MessageID, strings.ToLower(strings.TrimSpace(st.Status))}
}

func callEventKey(ev webhook.CallEvent) evKey {
	return evKey{kindCall, ev.CallID, strings.ToLower(strings.TrimSpace(ev.Event))}
}

// saveEventRows inserts rows into webhook_events and folds the new ones
// into their messages and calls; it says which rows were new.
func saveEventRows(tx *gorm.DB, rates *ratecard.Book, rows []eventRow, now int64) ([]bool, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	inserted, err := insertEvents(tx, rows)
	if err != nil {
		return nil, err
	}
	isNew := make([]bool, len(rows))
	var newStatuses, newCalls []eventRow
	for i, r := range rows {
		if !inserted[evKey{r.kind, r.refID, r.event}] {
			continue
		}
		isNew[i] = true
		if r.kind == kindStatus {
			newStatuses = append(newStatuses, r)
		} else {
			newCalls = append(newCalls, r)
		}
	}
	p, err := newPricer(tx, rates, rows)
	if err != nil {
		return nil, err
	}
	if err := foldMessages(tx, p, newStatuses, now); err != nil {
		return nil, err
	}
	if err := foldCalls(tx, p, newCalls, now); err != nil {
		return nil, err
	}
	return isNew, nil
}

// eventRow is one row of webhook_events.
type eventRow struct {
	kind, refID, event, channelID, wabaID string
	at, receivedAt                        int64
	party, category, pricingType          string
	hasPricing                            bool
	direction, callStatus                 string
	duration, startAt, endAt              *int64
	errorCodes                            string
	// Call-only fields not kept in webhook_events but needed by the fold.
	from, to string
}

func statusRow(st WebhookStatus, status string) eventRow {
	codes := make([]string, len(st.ErrorCodes))
	for i, c := range st.ErrorCodes {
		codes[i] = strconv.Itoa(c)
	}
	return eventRow{
		kind: kindStatus, refID: st.MessageID, event: status, channelID: st.ChannelID, wabaID: st.WABAID,
		at: st.Timestamp.Unix(), party: st.RecipientID, category: string(st.Category),
		pricingType: string(st.PricingType), hasPricing: st.HasPricing, errorCodes: strings.Join(codes, ","),
	}
}

func callRow(ev WebhookCall, event string) eventRow {
	r := eventRow{
		kind: kindCall, refID: ev.CallID, event: event, channelID: ev.ChannelID, wabaID: ev.WABAID,
		at: ev.Timestamp.Unix(), direction: string(ev.Direction), callStatus: ev.Status,
		startAt: nullUnix(ev.StartTime), endAt: nullUnix(ev.EndTime), from: ev.From, to: ev.To,
	}
	r.party = ev.To
	if ev.Direction == usage.DirectionInbound {
		r.party = ev.From
	}
	if event == webhook.EventTerminate || ev.DurationSeconds > 0 {
		d := ev.DurationSeconds
		r.duration = &d
	}
	return r
}

// insertEvents inserts rows, skipping those already stored, and returns the
// keys of the rows it inserted.
func insertEvents(tx *gorm.DB, rows []eventRow) (map[evKey]bool, error) {
	inserted := make(map[evKey]bool, len(rows))
	for chunk := range slices.Chunk(rows, webhookChunk) {
		var b strings.Builder
		b.WriteString(`INSERT INTO webhook_events (kind, ref_id, event, channel_id, waba_id, at, received_at, party,
			category, pricing_type, has_pricing, direction, call_status, duration_seconds, start_at, end_at, error_codes) VALUES `)
		args := make([]any, 0, len(chunk)*17)
		for i, r := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, r.kind, r.refID, r.event, r.channelID, r.wabaID, r.at, r.receivedAt, r.party,
				r.category, r.pricingType, boolInt(r.hasPricing), r.direction, r.callStatus, r.duration, r.startAt,
				r.endAt, r.errorCodes)
		}
		b.WriteString(" ON CONFLICT (kind, ref_id, event) DO NOTHING RETURNING kind, ref_id, event")
		if err := scanKeys(tx, b.String(), args, inserted); err != nil {
			return nil, fmt.Errorf("insert events: %w", err)
		}
	}
	return inserted, nil
}

// messageState is one row of webhook_messages.
type messageState struct {
	id, channelID, country, category, pricingType string
	pricingRank                                   int64
	sentAt, deliveredAt, readAt, failedAt         *int64
	countedStatus                                 string
	bucket                                        *int64
	currency                                      string
	cost                                          *int64
}

// Pricing ranks: which kind of status the message's pricing came from.
const (
	rankNone        = 0
	rankOther       = 1 // sent or another non-chargeable status
	rankChargeable  = 2 // delivered or read
	halfHourSeconds = usage.HalfHourSeconds
)

func earliest(p **int64, at int64) {
	if *p == nil || at < **p {
		v := at
		*p = &v
	}
}

// apply folds one new status into the message.
func (m *messageState) apply(r eventRow) {
	if m.country == "" {
		m.country = webhook.CountryFromPhone(r.party)
	}
	switch r.event {
	case webhook.StatusSent:
		earliest(&m.sentAt, r.at)
	case webhook.StatusDelivered:
		earliest(&m.deliveredAt, r.at)
	case webhook.StatusRead:
		earliest(&m.readAt, r.at)
	case webhook.StatusFailed:
		earliest(&m.failedAt, r.at)
	}
	if r.hasPricing {
		rank := int64(rankOther)
		if r.event == webhook.StatusDelivered || r.event == webhook.StatusRead {
			rank = rankChargeable
		}
		if rank > m.pricingRank {
			m.pricingRank, m.category, m.pricingType = rank, r.category, r.pricingType
		}
	}
}

// derive recomputes the counted status, bucket and estimated cost.
func (m *messageState) derive(rates *pricer) {
	var at *int64
	switch {
	case m.deliveredAt != nil:
		m.countedStatus, at = webhook.StatusDelivered, m.deliveredAt
	case m.readAt != nil:
		m.countedStatus, at = webhook.StatusRead, m.readAt
	default:
		m.countedStatus, m.bucket, m.cost, m.currency = "", nil, nil, ""
		return
	}
	b := floorHalfHour(*at)
	m.bucket = &b
	e := webhook.EstimateMessage(rates.book, webhook.CountedMessage{Category: usage.Category(m.category),
		PricingType: usage.PricingType(m.pricingType), Country: m.country, Priced: m.pricingRank != rankNone,
		Day: utcDay(*at), Currency: rates.currency[m.channelID]})
	m.currency, m.cost = e.Currency, estimateCost(e)
}

// pricer estimates the costs of one fold: the book, and the billing
// currency of each channel the fold touches.
type pricer struct {
	book     *ratecard.Book
	currency map[string]string // channel id → currency
}

// newPricer reads the currencies of the channels of rows.
func newPricer(tx *gorm.DB, book *ratecard.Book, rows []eventRow) (*pricer, error) {
	p := &pricer{book: book, currency: map[string]string{}}
	if book == nil {
		return p, nil
	}
	var ids []string
	for _, r := range rows {
		if _, ok := p.currency[r.channelID]; !ok {
			p.currency[r.channelID] = ""
			ids = append(ids, r.channelID)
		}
	}
	for chunk := range slices.Chunk(ids, webhookChunk) {
		var found []struct{ ID, Currency string }
		if err := tx.Raw(`SELECT id, currency FROM channels WHERE id IN ?`, chunk).Scan(&found).Error; err != nil {
			return nil, fmt.Errorf("read channel currencies: %w", err)
		}
		for _, f := range found {
			p.currency[f.ID] = f.Currency
		}
	}
	return p, nil
}

// utcDay is the UTC calendar day of a UNIX time.
func utcDay(at int64) usage.Date { return usage.DateOf(time.Unix(at, 0).UTC()) }

// estimateCost is e's cost, nil when unknown.
func estimateCost(e webhook.Estimate) *int64 { return knownCost(e.Known, e.Nanos) }

func floorHalfHour(at int64) int64 {
	b := at - at%halfHourSeconds
	if at < 0 && at%halfHourSeconds != 0 {
		b -= halfHourSeconds
	}
	return b
}

const messageCols = `message_id, channel_id, country, category, pricing_type, pricing_rank, sent_at, delivered_at,
	read_at, failed_at, counted_status, bucket_start, currency, cost_nanos, updated_at`

// foldMessages applies new statuses to their messages' rows.
func foldMessages(tx *gorm.DB, rates *pricer, rows []eventRow, now int64) error {
	if len(rows) == 0 {
		return nil
	}
	ids := make([]string, 0, len(rows))
	states := make(map[string]*messageState, len(rows))
	for _, r := range rows {
		if _, ok := states[r.refID]; !ok {
			states[r.refID] = nil
			ids = append(ids, r.refID)
		}
	}
	for chunk := range slices.Chunk(ids, webhookChunk) {
		res, err := tx.Raw(`SELECT message_id, channel_id, country, category, pricing_type, pricing_rank, sent_at,
			delivered_at, read_at, failed_at FROM webhook_messages WHERE message_id IN ?`, chunk).Rows()
		if err != nil {
			return fmt.Errorf("read messages: %w", err)
		}
		for res.Next() {
			m := &messageState{}
			if err := res.Scan(&m.id, &m.channelID, &m.country, &m.category, &m.pricingType, &m.pricingRank,
				&m.sentAt, &m.deliveredAt, &m.readAt, &m.failedAt); err != nil {
				res.Close()
				return fmt.Errorf("read messages: scan: %w", err)
			}
			states[m.id] = m
		}
		err = res.Err()
		res.Close()
		if err != nil {
			return fmt.Errorf("read messages: %w", err)
		}
	}
	for _, r := range rows {
		m := states[r.refID]
		if m == nil {
			m = &messageState{id: r.refID, channelID: r.channelID}
			states[r.refID] = m
		}
		m.apply(r)
	}
	for chunk := range slices.Chunk(ids, webhookChunk) {
		var b strings.Builder
		b.WriteString("INSERT INTO webhook_messages (" + messageCols + ") VALUES ")
		args := make([]any, 0, len(chunk)*15)
		for i, id := range chunk {
			m := states[id]
			m.derive(rates)
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, m.id, m.channelID, m.country, m.category, m.pricingType, m.pricingRank, m.sentAt,
				m.deliveredAt, m.readAt, m.failedAt, m.countedStatus, m.bucket, m.currency, m.cost, now)
		}
		b.WriteString(` ON CONFLICT (message_id) DO UPDATE SET country = excluded.country, category = excluded.category,
			pricing_type = excluded.pricing_type, pricing_rank = excluded.pricing_rank, sent_at = excluded.sent_at,
			delivered_at = excluded.delivered_at, read_at = excluded.read_at, failed_at = excluded.failed_at,
			counted_status = excluded.counted_status, bucket_start = excluded.bucket_start,
			currency = excluded.currency, cost_nanos = excluded.cost_nanos, updated_at = excluded.updated_at`)
		if err := tx.Exec(b.String(), args...).Error; err != nil {
			return fmt.Errorf("upsert messages: %w", err)
		}
	}
	return nil
}

// callState is one row of webhook_calls.
type callState struct {
	id, channelID, direction, caller, callee, country, status string
	connectAt, startAt, endAt, terminatedAt, duration         *int64
	bucket                                                    *int64
	counted                                                   bool
	currency                                                  string
	cost                                                      *int64
}

func (c *callState) apply(r eventRow) {
	if c.direction == "" {
		c.direction = r.direction
	}
	if c.caller == "" {
		c.caller = r.from
	}
	if c.callee == "" {
		c.callee = r.to
	}
	if r.startAt != nil {
		earliest(&c.startAt, *r.startAt)
	}
	if r.endAt != nil && c.endAt == nil {
		v := *r.endAt
		c.endAt = &v
	}
	switch r.event {
	case webhook.EventConnect:
		earliest(&c.connectAt, r.at)
	case webhook.EventTerminate:
		at := r.at
		c.terminatedAt = &at
		c.status = r.callStatus
		if r.duration != nil {
			d := *r.duration
			c.duration = &d
		}
	}
}

func (c *callState) derive(rates *pricer) {
	user := c.callee
	if usage.Direction(c.direction) == usage.DirectionInbound {
		user = c.caller
	}
	c.country = webhook.CountryFromPhone(user)
	c.counted, c.bucket, c.cost, c.currency = false, nil, nil, ""
	if c.terminatedAt == nil {
		return
	}
	var secs int64
	if c.duration != nil {
		secs = max(*c.duration, 0)
	}
	c.counted = webhook.CallCompleted(c.status, secs)
	var start int64
	switch {
	case c.startAt != nil:
		start = *c.startAt
	case c.connectAt != nil:
		start = *c.connectAt
	default:
		start = *c.terminatedAt - secs
	}
	b := floorHalfHour(start)
	c.bucket = &b
	e := webhook.EstimateCall(rates.book, webhook.CountedCall{Direction: usage.Direction(c.direction), Country: c.country,
		Seconds: secs, Completed: c.counted, Day: utcDay(start), Currency: rates.currency[c.channelID]})
	c.currency, c.cost = e.Currency, estimateCost(e)
}

const callCols = `call_id, channel_id, direction, caller, callee, country, status, connect_at, start_at, end_at,
	terminated_at, duration_seconds, bucket_start, counted, currency, cost_nanos, updated_at`

// foldCalls applies new call events to their calls' rows.
func foldCalls(tx *gorm.DB, rates *pricer, rows []eventRow, now int64) error {
	if len(rows) == 0 {
		return nil
	}
	ids := make([]string, 0, len(rows))
	states := make(map[string]*callState, len(rows))
	for _, r := range rows {
		if _, ok := states[r.refID]; !ok {
			states[r.refID] = nil
			ids = append(ids, r.refID)
		}
	}
	for chunk := range slices.Chunk(ids, webhookChunk) {
		res, err := tx.Raw(`SELECT call_id, channel_id, direction, caller, callee, status, connect_at, start_at,
			end_at, terminated_at, duration_seconds FROM webhook_calls WHERE call_id IN ?`, chunk).Rows()
		if err != nil {
			return fmt.Errorf("read calls: %w", err)
		}
		for res.Next() {
			c := &callState{}
			if err := res.Scan(&c.id, &c.channelID, &c.direction, &c.caller, &c.callee, &c.status, &c.connectAt,
				&c.startAt, &c.endAt, &c.terminatedAt, &c.duration); err != nil {
				res.Close()
				return fmt.Errorf("read calls: scan: %w", err)
			}
			states[c.id] = c
		}
		err = res.Err()
		res.Close()
		if err != nil {
			return fmt.Errorf("read calls: %w", err)
		}
	}
	for _, r := range rows {
		c := states[r.refID]
		if c == nil {
			c = &callState{id: r.refID, channelID: r.channelID}
			states[r.refID] = c
		}
		c.apply(r)
	}
	for chunk := range slices.Chunk(ids, webhookChunk) {
		var b strings.Builder
		b.WriteString("INSERT INTO webhook_calls (" + callCols + ") VALUES ")
		args := make([]any, 0, len(chunk)*17)
		for i, id := range chunk {
			c := states[id]
			c.derive(rates)
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, c.id, c.channelID, c.direction, c.caller, c.callee, c.country, c.status, c.connectAt,
				c.startAt, c.endAt, c.terminatedAt, c.duration, c.bucket, boolInt(c.counted), c.currency, c.cost, now)
		}
		b.WriteString(` ON CONFLICT (call_id) DO UPDATE SET direction = excluded.direction, caller = excluded.caller,
			callee = excluded.callee, country = excluded.country, status = excluded.status,
			connect_at = excluded.connect_at, start_at = excluded.start_at, end_at = excluded.end_at,
			terminated_at = excluded.terminated_at, duration_seconds = excluded.duration_seconds,
			bucket_start = excluded.bucket_start, counted = excluded.counted, currency = excluded.currency,
			cost_nanos = excluded.cost_nanos, updated_at = excluded.updated_at`)
		if err := tx.Exec(b.String(), args...).Error; err != nil {
			return fmt.Errorf("upsert calls: %w", err)
		}
	}
	return nil
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// QueryWebhookUsage sums the messages counted from webhooks per half-hour
// bucket (UTC, of the counting status), requested group fields and currency,
// in the shape of QueryUsage: Volume is the number of counted messages,
// CostNanos the sum of their estimated costs, CostMissing the number whose
// cost the rate card could not estimate. f.Granularity is ignored: webhook
// counters are kept per half hour, which every display granularity re-buckets.
func (s *Store) QueryWebhookUsage(ctx context.Context, sc Scope, f UsageFilter) ([]usage.Row, error) {
	f, ok := sc.usage(f)
	if !ok {
		return nil, nil
	}
	return s.queryUsage(ctx, webhookUsage, f)
}

// QueryWebhookCalls sums the completed calls counted from webhooks per
// half-hour bucket (UTC, of the call's start), direction, the requested
// group fields among country, channel, WABA and client, and currency, in the
// shape of QueryCalls. Calls not yet terminated, failed and missed calls are
// not counted (see ListWebhookCalls for them).
func (s *Store) QueryWebhookCalls(ctx context.Context, sc Scope, f UsageFilter) ([]usage.CallRow, error) {
	f, ok := sc.usage(f)
	if !ok {
		return nil, nil
	}
	return s.queryCalls(ctx, webhookCalls, f)
}

// CallDetail is one call as its webhook events describe it: the detail the
// Partner API's call analytics do not give.
type CallDetail struct {
	CallID    string
	ChannelID string
	Direction usage.Direction
	Status    string // as the terminate event reported it; "" while the call is open
	Country   string // the user's market
	Start     time.Time
	// DurationSeconds is the terminate event's duration; 0 while open.
	DurationSeconds int64
	Terminated      bool
	// Completed is true for calls the counters count.
	Completed bool
	Currency  string
	CostNanos int64
	CostKnown bool
}

// ListWebhookCalls returns the calls of the channels in f that started (or,
// while open, connected) in [f.Start, f.End), newest first, at most limit
// (all when limit ≤ 0). Open, failed and missed calls are included.
func (s *Store) ListWebhookCalls(ctx context.Context, sc Scope, f UsageFilter, limit int) ([]CallDetail, error) {
	f, ok := sc.usage(f)
	if !ok {
		return nil, nil
	}
	if f.Start.IsZero() || f.End.IsZero() || !f.Start.Before(f.End) {
		return nil, fmt.Errorf("store: list webhook calls: want Start before End")
	}
	q := `SELECT u.call_id, u.channel_id, u.direction, u.status, u.country,
		COALESCE(u.start_at, u.connect_at, u.terminated_at - COALESCE(u.duration_seconds, 0)),
		COALESCE(u.duration_seconds, 0), CASE WHEN u.terminated_at IS NULL THEN 0 ELSE 1 END, u.counted,
		u.currency, u.cost_nanos FROM webhook_calls u`
	if len(f.ClientIDs) > 0 || len(f.WABAIDs) > 0 {
		q += " JOIN channels c ON c.id = u.channel_id"
	}
	q += " WHERE COALESCE(u.start_at, u.connect_at, u.terminated_at - COALESCE(u.duration_seconds, 0)) >= ?" +
		" AND COALESCE(u.start_at, u.connect_at, u.terminated_at - COALESCE(u.duration_seconds, 0)) < ?"
	args := []any{f.Start.Unix(), f.End.Unix()}
	for _, in := range []struct {
		col  string
		vals []string
	}{{"u.channel_id", f.ChannelIDs}, {"c.client_id", f.ClientIDs}, {"c.waba_id", f.WABAIDs}, {"u.country", f.Countries}} {
		if len(in.vals) > 0 {
			q += " AND " + in.col + " IN ?"
			args = append(args, in.vals)
		}
	}
	q += " ORDER BY 6 DESC, u.call_id"
	if limit > 0 {
		q += " LIMIT " + strconv.Itoa(limit)
	}
	rows, err := s.r.WithContext(ctx).Raw(q, args...).Rows()
	if err != nil {
		return nil, fmt.Errorf("store: list webhook calls: %w", err)
	}
	defer rows.Close()
	var out []CallDetail
	for rows.Next() {
		var d CallDetail
		var dir string
		var start, terminated, counted int64
		var cost *int64
		if err := rows.Scan(&d.CallID, &d.ChannelID, &dir, &d.Status, &d.Country, &start, &d.DurationSeconds,
			&terminated, &counted, &d.Currency, &cost); err != nil {
			return nil, fmt.Errorf("store: list webhook calls: scan: %w", err)
		}
		d.Direction, d.Start, d.Terminated, d.Completed = usage.Direction(dir), fromUnix(start), terminated == 1, counted == 1
		if cost != nil {
			d.CostNanos, d.CostKnown = *cost, true
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list webhook calls: %w", err)
	}
	return out, nil
}

// WebhookEventCount returns how many webhook events are stored, for checks
// and metrics.
func (s *Store) WebhookEventCount(ctx context.Context) (int64, error) {
	var n int64
	if err := s.r.WithContext(ctx).Raw("SELECT COUNT(*) FROM webhook_events").Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("store: count webhook events: %w", err)
	}
	return n, nil
}

// HasWebhookEvent reports whether the event with the natural key (kind
// "status" or "call", message or call id, status or event) is stored.
func (s *Store) HasWebhookEvent(ctx context.Context, kind, id, event string) (bool, error) {
	var n int64
	err := s.r.WithContext(ctx).Raw("SELECT COUNT(*) FROM webhook_events WHERE kind = ? AND ref_id = ? AND event = ?",
		kind, id, strings.ToLower(event)).Scan(&n).Error
	if err != nil {
		return false, fmt.Errorf("store: has webhook event: %w", err)
	}
	return n > 0, nil
}
