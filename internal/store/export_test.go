package store

import "context"

// SaveStats exposes what SaveUsageWindow did, for the tests.
type SaveStats = saveStats

// SaveUsageWindowStats is SaveUsageWindow returning its counts.
func (s *Store) SaveUsageWindowStats(ctx context.Context, w UsageWindow) (SaveStats, error) {
	return s.saveUsageWindow(ctx, w)
}
