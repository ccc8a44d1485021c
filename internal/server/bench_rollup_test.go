package server_test

import (
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
)

// halfHourlyScale has the row profile of real traffic: 24 half hours a day
// per key (12 busy hours), 200 channels of 20 clients, 95 days: 2.7 million
// usage rows, and 24 times fewer in the daily rollup.
var halfHourlyScale = storetest.Scale{Clients: 20, Channels: 200, Days: 95, HalfHours: 24,
	End: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)}

// BenchmarkPagesHalfHourly is BenchmarkPages on halfHourlyScale, where the
// daily rollup reads 24 times fewer rows than the raw aggregate.
func BenchmarkPagesHalfHourly(b *testing.B) {
	forEachScaleDB(b, halfHourlyScale, func(b *testing.B, st *store.Store) { benchPages(b, st, halfHourlyScale) })
}
