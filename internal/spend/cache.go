package spend

import (
	"strings"
	"sync"
	"time"

	"github.com/insights-dev/insights/internal/usage"
)

// ForecastCache keeps recent forecasts until something they depend on
// changes: the client's usage (store.Client.UsageVersion), its channels,
// zone or budget, the month asked for or the local day. Forecasting reads
// up to three months of a client's usage; every Insights view of the client
// shows the same forecast, whatever its period or filters, and the alert
// evaluator asks for every client every few minutes. Safe for concurrent use.
type ForecastCache struct {
	mu      sync.Mutex
	max     int
	entries map[forecastKey]Forecast
	order   []forecastKey // oldest first
	hits    int           // answers from the cache, for the tests
}

// ForecastCacheSize is the usual bound of a ForecastCache: a forecast per
// client and a few per channel view for a partner of a few thousand.
const ForecastCacheSize = 8192

// NewForecastCache keeps at most max forecasts, dropping the oldest first.
func NewForecastCache(max int) *ForecastCache {
	return &ForecastCache{max: max, entries: make(map[forecastKey]Forecast, max)}
}

// forecastKey is everything a forecast is computed from besides the
// stored usage itself, which UsageVersion stands for.
type forecastKey struct {
	client, channels, zone string
	version                int64
	year                   int
	month                  time.Month
	today                  usage.Date
	budgetCurrency         string
	budgetNanos            int64
	budgetSet              bool
	currency               string
}

func newForecastKey(f Forecast, channelIDs []string, today usage.Date) forecastKey {
	k := forecastKey{client: f.Client.ID, channels: strings.Join(channelIDs, ","), zone: f.Zone.String(),
		version: f.Client.UsageVersion, year: f.Month.From.Year, month: f.Month.From.Month, today: today, currency: f.Currency}
	if f.Budget != nil {
		k.budgetSet, k.budgetCurrency, k.budgetNanos = true, f.Budget.Currency, f.Budget.AmountNanos
	}
	return k
}

func (c *ForecastCache) get(k forecastKey) (Forecast, bool) {
	if c == nil {
		return Forecast{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	f, ok := c.entries[k]
	if ok {
		c.hits++
	}
	return f, ok
}

func (c *ForecastCache) put(k forecastKey, f Forecast) {
	if c == nil || c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[k]; ok {
		return
	}
	for len(c.order) >= c.max {
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
	c.entries[k] = f
	c.order = append(c.order, k)
}

// Clear drops every forecast, as new usage for every client would: the next
// request for each computes it again.
func (c *ForecastCache) Clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
	c.order = c.order[:0]
}
