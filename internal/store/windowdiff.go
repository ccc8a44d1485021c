package store

import (
	"fmt"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// windowRow is a stored point that SaveUsageWindow replaces window by window
// (a usage point or a call point), so that one diff, delete and upsert serve
// both tables.
type windowRow[R any, K comparable] interface {
	// key is the row's natural key within its channel and granularity.
	key() K
	// keyValues are the row's values of its table's key columns, in order.
	keyValues() []any
	// sameValues reports whether o holds what the row holds, so that a row
	// identical to the stored one is not rewritten.
	sameValues(o R) bool
	// merged is the row summed with o of the same key: an answer may report
	// a key twice.
	merged(o R) (R, error)
	// table describes the row's table.
	table() *rowTable
}

// rowTable is what the shared delete and upsert know of a point table.
type rowTable struct {
	noun       string // what a row is called in errors
	keyWhere   string // the natural key, one placeholder per key column
	onConflict clause.OnConflict
}

// newRowTable describes table name, keyed by the keys columns, whose values
// columns an upsert replaces, and only where one of them differs.
func newRowTable(name, noun string, keys, values []string) *rowTable {
	cols := make([]clause.Column, len(keys))
	conds := make([]string, len(keys))
	for i, k := range keys {
		cols[i] = clause.Column{Name: k}
		conds[i] = k + " = ?"
	}
	differs := make([]string, len(values))
	for i, v := range values {
		differs[i] = name + "." + v + " IS DISTINCT FROM excluded." + v
	}
	return &rowTable{noun: noun, keyWhere: strings.Join(conds, " AND "), onConflict: clause.OnConflict{
		Columns:   cols,
		DoUpdates: clause.AssignmentColumns(values),
		Where:     clause.Where{Exprs: []clause.Expression{clause.Expr{SQL: strings.Join(differs, " OR ")}}},
	}}
}

// windowAnswer is one kind of point of a window's answer: one row per key,
// in the order the answer first gave each key.
type windowAnswer[R windowRow[R, K], K comparable] struct {
	rows  []R
	index map[K]int
}

func newWindowAnswer[R windowRow[R, K], K comparable](n int) *windowAnswer[R, K] {
	return &windowAnswer[R, K]{rows: make([]R, 0, n), index: make(map[K]int, n)}
}

// add puts r in the answer, summed into an earlier row of its key.
func (a *windowAnswer[R, K]) add(r R) error {
	k := r.key()
	i, ok := a.index[k]
	if !ok {
		a.index[k] = len(a.rows)
		a.rows = append(a.rows, r)
		return nil
	}
	m, err := a.rows[i].merged(r)
	if err != nil {
		return err
	}
	a.rows[i] = m
	return nil
}

// windowDiff is what an answer changes among the rows stored for its window.
type windowDiff[R any] struct {
	write     []R // new and changed rows, in the answer's order
	replaced  []R // the stored rows that changed rows replace
	removed   []R // stored rows the answer no longer has
	unchanged int // rows of the answer identical to the stored ones
}

// diffWindow compares the rows stored for a window with its answer.
func diffWindow[R windowRow[R, K], K comparable](stored []R, a *windowAnswer[R, K]) windowDiff[R] {
	var d windowDiff[R]
	var same []bool
	for _, old := range stored {
		i, ok := a.index[old.key()]
		switch {
		case !ok:
			d.removed = append(d.removed, old)
		case a.rows[i].sameValues(old):
			if same == nil {
				same = make([]bool, len(a.rows))
			}
			same[i] = true
			d.unchanged++
		default:
			d.replaced = append(d.replaced, old)
		}
	}
	if d.unchanged == 0 {
		d.write = a.rows
		return d
	}
	d.write = make([]R, 0, len(a.rows)-d.unchanged)
	for i, r := range a.rows {
		if !same[i] {
			d.write = append(d.write, r)
		}
	}
	return d
}

// saveRows brings one point table in line with the answer a for w inside
// tx: rows the answer no longer has are deleted, new and changed rows are
// upserted, and rows identical to the stored ones are left alone.
func saveRows[R windowRow[R, K], K comparable](tx *gorm.DB, w UsageWindow, a *windowAnswer[R, K]) (windowDiff[R], saveStats, error) {
	var (
		zero   R
		t      = zero.table()
		st     saveStats
		stored []R
	)
	// bucket_start < End bounds the index range scan; bucket_end <= End keeps
	// complete buckets that reach past the window out of it.
	err := tx.Where("channel_id = ? AND granularity = ? AND bucket_start >= ? AND bucket_start < ? AND bucket_end <= ?",
		w.ChannelID, string(w.Granularity), w.Start.Unix(), w.End.Unix(), w.End.Unix()).Find(&stored).Error
	if err != nil {
		return windowDiff[R]{}, st, fmt.Errorf("read stored %ss: %w", t.noun, err)
	}
	d := diffWindow(stored, a)
	st.Unchanged = d.unchanged
	for _, old := range d.removed {
		res := tx.Where(t.keyWhere, old.keyValues()...).Delete(&zero)
		if res.Error != nil {
			return d, st, fmt.Errorf("delete vanished %s: %w", t.noun, res.Error)
		}
		st.Deleted += int(res.RowsAffected)
	}
	if len(d.write) > 0 {
		if err := tx.Clauses(t.onConflict).CreateInBatches(d.write, batchSize).Error; err != nil {
			return d, st, fmt.Errorf("upsert %ss: %w", t.noun, err)
		}
		st.Written = len(d.write)
	}
	return d, st, nil
}
