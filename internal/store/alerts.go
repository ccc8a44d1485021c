package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Alert states.
const (
	AlertFiring   = "firing"
	AlertResolved = "resolved"
)

// Delivery statuses.
const (
	DeliveryPending = "pending"
	DeliverySent    = "sent"
	DeliveryFailed  = "failed" // gave up after the last attempt
)

// alertsLock serialises alert state changes on PostgreSQL.
const alertsLock = "insights:alerts"

// Alert is one episode of an alert condition for a client: it fires, and
// later resolves. Subject tells episodes of one kind apart (a channel or a
// category); "" when the kind has one per client.
type Alert struct {
	ID         int64
	Kind       string
	ClientID   string
	Subject    string
	State      string
	Message    string
	FiredAt    time.Time
	ResolvedAt time.Time // zero while firing
	UpdatedAt  time.Time
}

type alertModel struct {
	ID         int64 `gorm:"primaryKey"`
	Kind       string
	ClientID   string
	Subject    string
	State      string
	Message    string
	FiredAt    int64
	ResolvedAt *int64
	UpdatedAt  int64 `gorm:"autoUpdateTime:false"`
}

func (alertModel) TableName() string { return "alerts" }

func (m alertModel) alert() Alert {
	return Alert{ID: m.ID, Kind: m.Kind, ClientID: m.ClientID, Subject: m.Subject, State: m.State, Message: m.Message,
		FiredAt: fromUnix(m.FiredAt), ResolvedAt: fromNullUnix(m.ResolvedAt), UpdatedAt: fromUnix(m.UpdatedAt)}
}

type deliveryModel struct {
	AlertID       int64  `gorm:"primaryKey;autoIncrement:false"`
	Transport     string `gorm:"primaryKey"`
	Event         string `gorm:"primaryKey"`
	Status        string
	Attempts      int64
	NextAttemptAt int64
	ClaimedUntil  *int64
	LastError     string
	SentAt        *int64
}

func (deliveryModel) TableName() string { return "alert_deliveries" }

// FireAlert opens an episode of a.Kind for a.ClientID and a.Subject at
// a.FiredAt unless one is already firing; fired is true when it opened one.
// A new episode gets a pending "firing" delivery for each transport, in the
// same transaction, so it is delivered exactly once whoever sends it. An
// episode already firing keeps its start; its message is updated.
func (s *Store) FireAlert(ctx context.Context, a Alert, transports []string) (out Alert, fired bool, err error) {
	if a.Kind == "" || a.ClientID == "" || a.FiredAt.IsZero() {
		return Alert{}, false, fmt.Errorf("store: fire alert: kind, client and time are required")
	}
	now := s.now().Unix()
	err = s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.dialect.lock(ctx, tx, alertsLock); err != nil {
			return err
		}
		var open alertModel
		err := tx.Where("kind = ? AND client_id = ? AND subject = ? AND state = ?", a.Kind, a.ClientID, a.Subject, AlertFiring).Take(&open).Error
		if err == nil {
			if open.Message != a.Message {
				open.Message, open.UpdatedAt = a.Message, now
				if err := tx.Model(&open).Updates(map[string]any{"message": a.Message, "updated_at": now}).Error; err != nil {
					return err
				}
			}
			out = open.alert()
			return nil
		}
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		m := alertModel{Kind: a.Kind, ClientID: a.ClientID, Subject: a.Subject, State: AlertFiring, Message: a.Message,
			FiredAt: a.FiredAt.Unix(), UpdatedAt: now}
		if err := tx.Create(&m).Error; err != nil {
			return err
		}
		if err := addDeliveries(tx, m.ID, AlertFiring, transports, m.FiredAt); err != nil {
			return err
		}
		out, fired = m.alert(), true
		return nil
	})
	if err != nil {
		return Alert{}, false, fmt.Errorf("store: fire alert %s/%s: %w", a.Kind, a.ClientID, err)
	}
	return out, fired, nil
}

// ResolveAlert closes the firing episode of kind for clientID and subject,
// if any, at time at, with a pending "resolved" delivery per transport;
// resolved is false when none was firing.
func (s *Store) ResolveAlert(ctx context.Context, kind, clientID, subject string, at time.Time, transports []string) (out Alert, resolved bool, err error) {
	now := s.now().Unix()
	err = s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.dialect.lock(ctx, tx, alertsLock); err != nil {
			return err
		}
		var open alertModel
		err := tx.Where("kind = ? AND client_id = ? AND subject = ? AND state = ?", kind, clientID, subject, AlertFiring).Take(&open).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		r := at.Unix()
		res := tx.Model(&alertModel{}).Where("id = ? AND state = ?", open.ID, AlertFiring).
			Updates(map[string]any{"state": AlertResolved, "resolved_at": r, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return nil
		}
		if err := addDeliveries(tx, open.ID, AlertResolved, transports, r); err != nil {
			return err
		}
		open.State, open.ResolvedAt, open.UpdatedAt = AlertResolved, &r, now
		out, resolved = open.alert(), true
		return nil
	})
	if err != nil {
		return Alert{}, false, fmt.Errorf("store: resolve alert %s/%s: %w", kind, clientID, err)
	}
	return out, resolved, nil
}

// addDeliveries queues one delivery per transport, due from the event time.
func addDeliveries(tx *gorm.DB, alertID int64, event string, transports []string, due int64) error {
	for _, t := range transports {
		d := deliveryModel{AlertID: alertID, Transport: t, Event: event, Status: DeliveryPending, NextAttemptAt: due}
		if err := tx.Create(&d).Error; err != nil {
			return err
		}
	}
	return nil
}

// AlertFilter narrows ListAlerts; the zero value lists every alert.
type AlertFilter struct {
	ClientIDs []string
	State     string // AlertFiring, AlertResolved or "" for both
	Limit     int    // 0 means 500
}

// ListAlerts returns alerts, firing ones first, then newest first.
func (s *Store) ListAlerts(ctx context.Context, sc Scope, f AlertFilter) ([]Alert, error) {
	ids, ok := sc.clientsFor(f.ClientIDs)
	if !ok {
		return nil, nil
	}
	f.ClientIDs = ids
	q := s.r.WithContext(ctx).Model(&alertModel{})
	if len(f.ClientIDs) > 0 {
		q = q.Where("client_id IN ?", f.ClientIDs)
	}
	if f.State != "" {
		q = q.Where("state = ?", f.State)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 500
	}
	var rows []alertModel
	err := q.Order("CASE WHEN state = 'firing' THEN 0 ELSE 1 END, fired_at DESC, id DESC").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: list alerts: %w", err)
	}
	out := make([]Alert, len(rows))
	for i, m := range rows {
		out[i] = m.alert()
	}
	return out, nil
}

// Delivery is one pending message of an alert over one transport.
type Delivery struct {
	Alert     Alert
	Transport string
	Event     string // AlertFiring or AlertResolved
	Attempts  int    // including the current, claimed attempt
	LastError string
}

// ClaimDeliveries claims up to limit pending deliveries that are due at now
// for lease: no other caller gets them until the lease ends or they are
// completed or failed. Each claim counts as an attempt.
func (s *Store) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Delivery, error) {
	var due []deliveryModel
	err := s.r.WithContext(ctx).Where("status = ? AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)",
		DeliveryPending, now.Unix(), now.Unix()).Order("next_attempt_at, alert_id").Limit(limit).Find(&due).Error
	if err != nil {
		return nil, fmt.Errorf("store: claim deliveries: %w", err)
	}
	var out []Delivery
	until := now.Add(lease).Unix()
	for _, d := range due {
		res := s.w.WithContext(ctx).Model(&deliveryModel{}).
			Where("alert_id = ? AND transport = ? AND event = ? AND status = ? AND (claimed_until IS NULL OR claimed_until <= ?)",
				d.AlertID, d.Transport, d.Event, DeliveryPending, now.Unix()).
			Updates(map[string]any{"claimed_until": until, "attempts": gorm.Expr("attempts + 1")})
		if res.Error != nil {
			return out, fmt.Errorf("store: claim delivery %d/%s: %w", d.AlertID, d.Transport, res.Error)
		}
		if res.RowsAffected == 0 {
			continue // another process claimed it first
		}
		var a alertModel
		if err := s.w.WithContext(ctx).Where("id = ?", d.AlertID).Take(&a).Error; err != nil {
			return out, fmt.Errorf("store: claim delivery %d: read alert: %w", d.AlertID, err)
		}
		out = append(out, Delivery{Alert: a.alert(), Transport: d.Transport, Event: d.Event, Attempts: int(d.Attempts) + 1, LastError: d.LastError})
	}
	return out, nil
}

// CompleteDelivery records a delivery as sent at at.
func (s *Store) CompleteDelivery(ctx context.Context, d Delivery, at time.Time) error {
	err := s.w.WithContext(ctx).Model(&deliveryModel{}).
		Where("alert_id = ? AND transport = ? AND event = ?", d.Alert.ID, d.Transport, d.Event).
		Updates(map[string]any{"status": DeliverySent, "sent_at": at.Unix(), "claimed_until": nil, "last_error": ""}).Error
	if err != nil {
		return fmt.Errorf("store: complete delivery %d/%s: %w", d.Alert.ID, d.Transport, err)
	}
	return nil
}

// FailDelivery records a failed attempt: retried from next, or given up
// (status failed) when next is zero.
func (s *Store) FailDelivery(ctx context.Context, d Delivery, cause string, next time.Time) error {
	up := map[string]any{"claimed_until": nil, "last_error": cause}
	if next.IsZero() {
		up["status"] = DeliveryFailed
	} else {
		up["next_attempt_at"] = next.Unix()
	}
	err := s.w.WithContext(ctx).Model(&deliveryModel{}).
		Where("alert_id = ? AND transport = ? AND event = ?", d.Alert.ID, d.Transport, d.Event).Updates(up).Error
	if err != nil {
		return fmt.Errorf("store: fail delivery %d/%s: %w", d.Alert.ID, d.Transport, err)
	}
	return nil
}

// DeliveryCounts returns how many deliveries are in each status (for tests
// and the alerts page).
func (s *Store) DeliveryCounts(ctx context.Context) (map[string]int64, error) {
	var rows []struct {
		Status string
		N      int64
	}
	if err := s.r.WithContext(ctx).Raw("SELECT status, COUNT(*) AS n FROM alert_deliveries GROUP BY status").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: delivery counts: %w", err)
	}
	out := map[string]int64{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}
