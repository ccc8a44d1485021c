// Package simulator is an http.Handler that behaves like the 360dialog Partner
// API for one made-up partner: the same paths, X-API-Key auth, paging, error
// bodies, inclusive usage windows, daily and monthly partial buckets, and the
// usage route's rate limits (10 requests per rolling hour per channel, 200 per
// WABA) with 429 and Retry-After. It backs `insights demo`, `insights
// simulate`, the tests of partnerapi and poller, and the benchmarks.
//
// Design choices:
//
//   - Data is generated on the fly: every half-hour bucket of every channel is
//     a pure function of (Seed, channel, bucket) computed by hashing, so a year
//     of history for thousands of channels costs no memory and the same seed
//     gives the same bytes. Only test-made changes (revisions, extra
//     categories, faults) and the rate-limit log are kept in memory.
//   - All arithmetic is integer (splitmix64 hashing, volumes in milli-messages
//     before stochastic rounding, money in usage nano-units), so results do not
//     depend on the platform's floating point and costs are exact. Costs are
//     written to JSON from nano-units as decimal text (json.Number).
//   - Daily and monthly buckets are sums of the half-hour data of the UTC day or
//     month that lies in the requested window, so they are partial when the
//     window covers them only in part, as the real API does.
//   - Call analytics give count and an integer average duration per bucket. At
//     half-hour granularity the durations are generated so that the average is
//     exact (count × average = total seconds); at daily and monthly granularity
//     the average is rounded to whole seconds, as the API's own would be.
//   - Prices come from the built-in rate cards (ratecard.Builtin), the card
//     in force on each bucket's day: service replies are free until
//     2026-09-30 and billed (REGULAR) from 2026-10-01, entry-point
//     conversations stay free. Some clients have traits: Kirana Express
//     sends utility in bulk and crosses a volume tier within the month,
//     Brightside Dental has a Meta Business Agent stream (tokens, from
//     2026-08-01), Himal Treks is on a credit line (no cost on its pricing
//     points). See ratecard.go.
//   - Ground truth for tests (UsagePoints, CallPoints) comes from the same
//     generator, not through HTTP, so tests can compare totals to the cent.
package simulator
