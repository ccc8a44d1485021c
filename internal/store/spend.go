package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

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
