// Package metrics is a small registry of counters, histograms and
// scrape-time gauges, written out in the Prometheus text exposition format
// (version 0.0.4) for GET /metrics. The poller and the server share one
// Registry; it has no dependency beyond the standard library.
//
// Names and labels are fixed when a family is registered; registering the
// same name again returns the existing family (so two pollers in one process
// share their counters), and a mismatch of kind or labels panics, as a
// programming error.
package metrics
