// Package usage is the pure domain of Insights: Meta pricing categories and
// types, exact money, calendar periods and their previous period, time-zone
// bucketing, aggregation of usage rows into series, and KPI deltas.
//
// It imports only the standard library so every other package can share its
// vocabulary. Money is kept as integer nano-units (1e-9 of the currency's major
// unit) rather than a decimal library: Meta's costs carry at most a handful of
// decimals, integer sums are exact in Go, SQLite and PostgreSQL alike, and the
// database can SUM them without casting.
package usage
