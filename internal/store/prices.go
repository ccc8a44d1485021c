package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/insights-dev/insights/internal/usage"
)

// ClientPrice is what a reseller charges a client: a markup on cost for
// every category (Category ""), or a per-message price for one category
// (which overrides the markup for it). Exactly one of MarkupBasisPoints
// (1 % = 100) and PriceNanos is set.
type ClientPrice struct {
	ClientID          string
	Category          usage.Category
	MarkupBasisPoints *int64
	PriceNanos        *int64
}

type clientPriceModel struct {
	ClientID          string `gorm:"primaryKey"`
	Category          string `gorm:"primaryKey"`
	MarkupBasisPoints *int64
	PriceNanos        *int64
	UpdatedAt         int64 `gorm:"autoUpdateTime:false"`
}

func (clientPriceModel) TableName() string { return "client_prices" }

// SetClientPrice stores a client price; with neither field set it removes
// the client's price for that category (or its markup).
func (s *Store) SetClientPrice(ctx context.Context, p ClientPrice) error {
	if p.ClientID == "" {
		return fmt.Errorf("store: set client price: client id is required")
	}
	if p.MarkupBasisPoints != nil && p.PriceNanos != nil {
		return fmt.Errorf("store: set client price %q: a markup or a price, not both", p.ClientID)
	}
	if p.MarkupBasisPoints == nil && p.PriceNanos == nil {
		err := s.w.WithContext(ctx).Where("client_id = ? AND category = ?", p.ClientID, string(p.Category)).Delete(&clientPriceModel{}).Error
		if err != nil {
			return fmt.Errorf("store: remove client price %q: %w", p.ClientID, err)
		}
		return nil
	}
	m := clientPriceModel{ClientID: p.ClientID, Category: string(p.Category), MarkupBasisPoints: p.MarkupBasisPoints,
		PriceNanos: p.PriceNanos, UpdatedAt: s.now().Unix()}
	err := s.w.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "client_id"}, {Name: "category"}},
		DoUpdates: clause.AssignmentColumns([]string{"markup_basis_points", "price_nanos", "updated_at"}),
	}).Create(&m).Error
	if err != nil {
		return fmt.Errorf("store: set client price %q: %w", p.ClientID, err)
	}
	return nil
}

// ReplaceClientPrices makes prices the client's whole price list in one
// transaction (an empty list clears it), so a reader never sees half of an
// old list and half of a new one.
func (s *Store) ReplaceClientPrices(ctx context.Context, clientID string, prices []ClientPrice) error {
	if clientID == "" {
		return fmt.Errorf("store: replace client prices: client id is required")
	}
	rows := make([]clientPriceModel, 0, len(prices))
	for _, p := range prices {
		if p.ClientID != clientID || (p.MarkupBasisPoints == nil) == (p.PriceNanos == nil) {
			return fmt.Errorf("store: replace client prices %q: each entry needs this client and exactly one of markup and price", clientID)
		}
		rows = append(rows, clientPriceModel{ClientID: clientID, Category: string(p.Category), MarkupBasisPoints: p.MarkupBasisPoints,
			PriceNanos: p.PriceNanos, UpdatedAt: s.now().Unix()})
	}
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("client_id = ?", clientID).Delete(&clientPriceModel{}).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		return tx.Create(&rows).Error
	})
	if err != nil {
		return fmt.Errorf("store: replace client prices %q: %w", clientID, err)
	}
	return nil
}

// ClientPrices returns a client's prices, the markup ("" category) first.
func (s *Store) ClientPrices(ctx context.Context, sc Scope, clientID string) ([]ClientPrice, error) {
	if !sc.Allows(clientID) {
		return nil, nil
	}
	var rows []clientPriceModel
	if err := s.r.WithContext(ctx).Where("client_id = ?", clientID).Order("category").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: client prices %q: %w", clientID, err)
	}
	out := make([]ClientPrice, len(rows))
	for i, m := range rows {
		out[i] = ClientPrice{ClientID: m.ClientID, Category: usage.Category(m.Category), MarkupBasisPoints: m.MarkupBasisPoints, PriceNanos: m.PriceNanos}
	}
	return out, nil
}
