package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// spendMigration (version 6) adds spend control: monthly budgets, alerts
// with their deliveries, and reseller prices.
var spendMigration = migration{6, "spend control: budgets, alerts, deliveries, client prices", func(d dialect) []string {
	return []string{
		`CREATE TABLE budgets (
			client_id TEXT NOT NULL PRIMARY KEY REFERENCES clients (id) ON DELETE CASCADE,
			currency TEXT NOT NULL,
			amount_nanos BIGINT NOT NULL,
			updated_at BIGINT NOT NULL
		)`,
		// An alert is one episode of a condition: it fires, and later
		// resolves. At most one episode per kind, client and subject is open.
		`CREATE TABLE alerts (
			id ` + d.serialPK() + `,
			kind TEXT NOT NULL,
			client_id TEXT NOT NULL,
			subject TEXT NOT NULL DEFAULT '',
			state TEXT NOT NULL,
			message TEXT NOT NULL,
			fired_at BIGINT NOT NULL,
			resolved_at BIGINT,
			updated_at BIGINT NOT NULL
		)`,
		`CREATE UNIQUE INDEX alerts_open_idx ON alerts (kind, client_id, subject) WHERE state = 'firing'`,
		`CREATE INDEX alerts_fired_idx ON alerts (fired_at)`,
		// One row per alert, transport and event (firing, resolved): the
		// row is the promise to deliver once; claims keep two processes
		// from sending the same row.
		`CREATE TABLE alert_deliveries (
			alert_id BIGINT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
			transport TEXT NOT NULL,
			event TEXT NOT NULL,
			status TEXT NOT NULL,
			attempts BIGINT NOT NULL DEFAULT 0,
			next_attempt_at BIGINT NOT NULL,
			claimed_until BIGINT,
			last_error TEXT NOT NULL DEFAULT '',
			sent_at BIGINT,
			PRIMARY KEY (alert_id, transport, event)
		)` + d.keyedTable(),
		`CREATE INDEX alert_deliveries_due_idx ON alert_deliveries (status, next_attempt_at)`,
		// A client's price: a markup on cost for every category (category
		// ''), or a per-message price for one category.
		`CREATE TABLE client_prices (
			client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
			category TEXT NOT NULL,
			markup_basis_points BIGINT,
			price_nanos BIGINT,
			updated_at BIGINT NOT NULL,
			PRIMARY KEY (client_id, category)
		)` + d.keyedTable(),
	}
}}

// Budget is a client's monthly budget, in the client's currency.
type Budget struct {
	ClientID    string
	Currency    string
	AmountNanos int64
	UpdatedAt   time.Time
}

type budgetModel struct {
	ClientID    string `gorm:"primaryKey"`
	Currency    string
	AmountNanos int64
	UpdatedAt   int64 `gorm:"autoUpdateTime:false"`
}

func (budgetModel) TableName() string { return "budgets" }

// SetBudget stores a client's monthly budget; an amount of zero removes it.
// A negative amount is refused. The client must exist.
func (s *Store) SetBudget(ctx context.Context, b Budget) error {
	switch {
	case b.ClientID == "":
		return fmt.Errorf("store: set budget: client id is required")
	case b.AmountNanos < 0:
		return fmt.Errorf("store: set budget %q: amount must not be negative", b.ClientID)
	case b.AmountNanos == 0:
		if err := s.w.WithContext(ctx).Where("client_id = ?", b.ClientID).Delete(&budgetModel{}).Error; err != nil {
			return fmt.Errorf("store: remove budget %q: %w", b.ClientID, err)
		}
		return nil
	case b.Currency == "":
		return fmt.Errorf("store: set budget %q: currency is required", b.ClientID)
	}
	if _, err := s.GetClient(ctx, AllClients(), b.ClientID); err != nil {
		return fmt.Errorf("store: set budget: %w", err)
	}
	m := budgetModel{ClientID: b.ClientID, Currency: b.Currency, AmountNanos: b.AmountNanos, UpdatedAt: s.now().Unix()}
	err := s.w.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "client_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"currency", "amount_nanos", "updated_at"}),
	}).Create(&m).Error
	if err != nil {
		return fmt.Errorf("store: set budget %q: %w", b.ClientID, err)
	}
	return nil
}

// GetBudget returns a client's budget, or ErrNotFound when it has none.
func (s *Store) GetBudget(ctx context.Context, sc Scope, clientID string) (Budget, error) {
	if !sc.Allows(clientID) {
		return Budget{}, ErrNotFound
	}
	var m budgetModel
	err := s.r.WithContext(ctx).Where("client_id = ?", clientID).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Budget{}, ErrNotFound
	}
	if err != nil {
		return Budget{}, fmt.Errorf("store: get budget %q: %w", clientID, err)
	}
	return Budget{ClientID: m.ClientID, Currency: m.Currency, AmountNanos: m.AmountNanos, UpdatedAt: fromUnix(m.UpdatedAt)}, nil
}

// ListBudgets returns every budget, ordered by client.
func (s *Store) ListBudgets(ctx context.Context) ([]Budget, error) {
	var rows []budgetModel
	if err := s.r.WithContext(ctx).Order("client_id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: list budgets: %w", err)
	}
	out := make([]Budget, len(rows))
	for i, m := range rows {
		out[i] = Budget{ClientID: m.ClientID, Currency: m.Currency, AmountNanos: m.AmountNanos, UpdatedAt: fromUnix(m.UpdatedAt)}
	}
	return out, nil
}
