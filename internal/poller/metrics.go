package poller

import (
	"errors"

	"github.com/insights-dev/insights/internal/metrics"
	"github.com/insights-dev/insights/internal/partnerapi"
	"github.com/insights-dev/insights/internal/store"
)

// Metric names the poller registers.
const (
	// MetricRequests counts Partner API requests by kind (backfill, recent,
	// week, balance) and outcome (ok, error, rate_limited).
	MetricRequests = "insights_poll_requests_total"
	// MetricTooMany counts HTTP 429 answers of the Partner API.
	MetricTooMany = "insights_poll_429_total"
)

type pollMetrics struct {
	requests *metrics.Counter
	tooMany  *metrics.Counter
}

func newPollMetrics(r *metrics.Registry) pollMetrics {
	return pollMetrics{
		requests: r.Counter(MetricRequests, "Partner API requests made by the poller, by kind and outcome.", "kind", "outcome"),
		tooMany:  r.Counter(MetricTooMany, "HTTP 429 (Too Many Requests) answers the poller received from the Partner API."),
	}
}

// countRequest counts one finished request in the metrics.
func (p *Poller) countRequest(run store.PollRun, err error) {
	p.m.requests.Inc(run.Kind, run.Outcome)
	var rl *partnerapi.RateLimitError
	if errors.As(err, &rl) && rl.StatusCode == 429 {
		p.m.tooMany.Inc()
	}
}

// Metrics returns the registry the poller counts in (Options.Metrics), for
// the server to expose with its own.
func (p *Poller) Metrics() *metrics.Registry { return p.opts.Metrics }
