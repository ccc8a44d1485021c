package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Client is a client (end customer) of the partner, as listed by the Partner API.
type Client struct {
	ID        string
	Name      string
	Status    string
	Timezone  string // IANA zone; "" when unknown
	Country   string
	UpdatedAt time.Time // when the record was last written; set on upsert when zero
	// UsageVersion changes whenever the client's stored usage changes (a
	// saved window that changed points, a channel moving in or out): a key
	// for results derived from the usage, such as forecasts.
	UsageVersion int64
}

// Channel is one WhatsApp phone number of a client, in one WABA.
type Channel struct {
	ID               string
	ClientID         string
	WABAID           string
	WABAExternalID   string
	Currency         string
	Timezone         string
	PhoneNumber      string
	PhoneNumberID    string // Meta's phone_number_id, when known (webhooks carry it)
	PhoneName        string
	Status           string
	BillingStartedAt time.Time // zero when unknown
	UpdatedAt        time.Time // when the record was last written; set on upsert when zero
}

// ChannelFilter narrows a query to channels. Each non-empty list restricts
// the result to channels matching one of its values; lists combine with AND.
// The zero filter matches every channel.
type ChannelFilter struct {
	ClientIDs  []string
	WABAIDs    []string
	ChannelIDs []string
}

// scope returns a SQL condition (and its arguments) restricting col, a
// channel id column, to the channels of f; "" when f is empty.
func (f ChannelFilter) scope(col string) (string, []any) {
	var conds []string
	var args []any
	if len(f.ChannelIDs) > 0 {
		conds = append(conds, col+" IN ?")
		args = append(args, f.ChannelIDs)
	}
	if len(f.ClientIDs) > 0 || len(f.WABAIDs) > 0 {
		var sub []string
		if len(f.ClientIDs) > 0 {
			sub = append(sub, "client_id IN ?")
			args = append(args, f.ClientIDs)
		}
		if len(f.WABAIDs) > 0 {
			sub = append(sub, "waba_id IN ?")
			args = append(args, f.WABAIDs)
		}
		conds = append(conds, col+" IN (SELECT id FROM channels WHERE "+strings.Join(sub, " AND ")+")")
	}
	return strings.Join(conds, " AND "), args
}

// batchSize bounds rows per multi-row INSERT: 500 rows of ≤ 13 columns stay
// well under SQLite's and PostgreSQL's bound-parameter limits.
const batchSize = 500

// UpsertClients inserts or updates clients by id. A client must exist before
// its channels are upserted.
func (s *Store) UpsertClients(ctx context.Context, clients []Client) error {
	if len(clients) == 0 {
		return nil
	}
	now := s.now().Unix()
	rows := make([]clientModel, 0, len(clients))
	seen := make(map[string]int, len(clients))
	for _, c := range clients {
		if c.ID == "" {
			return fmt.Errorf("store: upsert clients: client without id (name %q)", c.Name)
		}
		m := clientModel{ID: c.ID, Name: c.Name, Status: c.Status, Timezone: c.Timezone, Country: c.Country, UpdatedAt: now}
		if !c.UpdatedAt.IsZero() {
			m.UpdatedAt = c.UpdatedAt.Unix()
		}
		if i, ok := seen[c.ID]; ok { // the last occurrence wins
			rows[i] = m
			continue
		}
		seen[c.ID] = len(rows)
		rows = append(rows, m)
	}
	err := s.w.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "id"}},
		DoUpdates: clause.AssignmentColumns([]string{"name", "status", "timezone", "country", "updated_at"}),
	}).CreateInBatches(rows, batchSize).Error
	if err != nil {
		return fmt.Errorf("store: upsert clients: %w", err)
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return s.syncLocalRollups(ctx, ids)
}

// UpsertChannels inserts or updates channels by id. Their clients must exist.
func (s *Store) UpsertChannels(ctx context.Context, channels []Channel) error {
	if len(channels) == 0 {
		return nil
	}
	now := s.now().Unix()
	rows := make([]channelModel, 0, len(channels))
	seen := make(map[string]int, len(channels))
	for _, c := range channels {
		if c.ID == "" || c.ClientID == "" {
			return fmt.Errorf("store: upsert channels: channel %q without id or client id", c.ID)
		}
		m := channelModel{
			ID: c.ID, ClientID: c.ClientID, WABAID: c.WABAID, WABAExternalID: c.WABAExternalID,
			Currency: c.Currency, Timezone: c.Timezone, PhoneNumber: c.PhoneNumber,
			PhoneDigits: phoneDigits(c.PhoneNumber), PhoneNumberID: c.PhoneNumberID, PhoneName: c.PhoneName,
			Status: c.Status, BillingStartedAt: nullUnix(c.BillingStartedAt), UpdatedAt: now,
		}
		if !c.UpdatedAt.IsZero() {
			m.UpdatedAt = c.UpdatedAt.Unix()
		}
		if i, ok := seen[c.ID]; ok {
			rows[i] = m
			continue
		}
		seen[c.ID] = len(rows)
		rows = append(rows, m)
	}
	var moved []string
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if moved, err = movedClients(tx, rows); err != nil {
			return err
		}
		err = tx.Clauses(clause.OnConflict{
			Columns: []clause.Column{{Name: "id"}},
			DoUpdates: clause.AssignmentColumns([]string{"client_id", "waba_id", "waba_external_id", "currency",
				"timezone", "phone_number", "phone_digits", "phone_number_id", "phone_name", "status",
				"billing_started_at", "updated_at"}),
		}).CreateInBatches(rows, batchSize).Error
		if err != nil {
			return err
		}
		// A channel that moved to another client takes its usage along;
		// both clients' local-day rollups are rebuilt below.
		for _, id := range moved {
			if err := s.recomputeClientDaily(ctx, tx, id, math.MinInt64, math.MaxInt64); err != nil {
				return err
			}
			if err := rebuildClientLocal(tx, id, ""); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: upsert channels: %w", err)
	}
	// A channel's zone may be its client's zone.
	ids := moved
	for _, r := range rows {
		ids = append(ids, r.ClientID)
	}
	return s.syncLocalRollups(ctx, ids)
}

// ListClients returns every client, ordered by name, then id.
func (s *Store) ListClients(ctx context.Context, sc Scope) ([]Client, error) {
	var rows []clientModel
	q := s.r.WithContext(ctx).Order("name, id")
	if !sc.All() {
		q = q.Where("id IN ?", append(sc.ClientIDs(), ""))
	}
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: list clients: %w", err)
	}
	out := make([]Client, len(rows))
	for i, m := range rows {
		out[i] = m.client()
	}
	return out, nil
}

// GetClient returns the client with id, or ErrNotFound.
func (s *Store) GetClient(ctx context.Context, sc Scope, id string) (Client, error) {
	if !sc.Allows(id) {
		return Client{}, fmt.Errorf("store: get client %q: %w", id, ErrNotFound)
	}
	var m clientModel
	err := s.r.WithContext(ctx).Where("id = ?", id).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Client{}, fmt.Errorf("store: get client %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return Client{}, fmt.Errorf("store: get client %q: %w", id, err)
	}
	return m.client(), nil
}

// ListChannels returns the channels matching f, ordered by client, WABA, id.
func (s *Store) ListChannels(ctx context.Context, sc Scope, f ChannelFilter) ([]Channel, error) {
	f, ok := sc.channels(f)
	if !ok {
		return nil, nil
	}
	q := s.r.WithContext(ctx).Order("client_id, waba_id, id")
	if cond, args := f.scope("id"); cond != "" {
		q = q.Where(cond, args...)
	}
	var rows []channelModel
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: list channels: %w", err)
	}
	out := make([]Channel, len(rows))
	for i, m := range rows {
		out[i] = m.channel()
	}
	return out, nil
}

// GetChannel returns the channel with id, or ErrNotFound.
func (s *Store) GetChannel(ctx context.Context, sc Scope, id string) (Channel, error) {
	var m channelModel
	q := s.r.WithContext(ctx).Where("id = ?", id)
	if !sc.All() {
		q = q.Where("client_id IN ?", append(sc.ClientIDs(), ""))
	}
	err := q.Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Channel{}, fmt.Errorf("store: get channel %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return Channel{}, fmt.Errorf("store: get channel %q: %w", id, err)
	}
	return m.channel(), nil
}

// ChannelByPhone finds the channel of a phone number (compared by its digits,
// so "+49 151 123" matches "49151123") or of a Meta phone_number_id, as
// webhooks identify it. When several match, the lowest id wins. It returns
// ErrNotFound when none does.
func (s *Store) ChannelByPhone(ctx context.Context, phoneOrPhoneNumberID string) (Channel, error) {
	v := strings.TrimSpace(phoneOrPhoneNumberID)
	if v == "" {
		return Channel{}, fmt.Errorf("store: channel by phone: empty phone: %w", ErrNotFound)
	}
	q := s.r.WithContext(ctx).Where("phone_number_id = ?", v)
	if d := phoneDigits(v); d != "" {
		q = q.Or("phone_digits = ?", d)
	}
	var m channelModel
	err := q.Order("id").Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Channel{}, fmt.Errorf("store: channel by phone %q: %w", v, ErrNotFound)
	}
	if err != nil {
		return Channel{}, fmt.Errorf("store: channel by phone %q: %w", v, err)
	}
	return m.channel(), nil
}

// phoneDigits keeps only the digits of a phone number.
func phoneDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (m clientModel) client() Client {
	return Client{ID: m.ID, Name: m.Name, Status: m.Status, Timezone: m.Timezone, Country: m.Country,
		UpdatedAt: fromUnix(m.UpdatedAt), UsageVersion: m.UsageVersion}
}

func (m channelModel) channel() Channel {
	return Channel{
		ID: m.ID, ClientID: m.ClientID, WABAID: m.WABAID, WABAExternalID: m.WABAExternalID,
		Currency: m.Currency, Timezone: m.Timezone, PhoneNumber: m.PhoneNumber, PhoneNumberID: m.PhoneNumberID,
		PhoneName: m.PhoneName, Status: m.Status, BillingStartedAt: fromNullUnix(m.BillingStartedAt),
		UpdatedAt: fromUnix(m.UpdatedAt),
	}
}
