// Package poller decides what to fetch from the 360dialog Partner API and
// when: it discovers clients and channels, backfills each channel's history
// once, then keeps re-fetching the recent days (the source revises them)
// within the usage endpoint's rate limits, and records every request it makes
// as a poll run. It stops cleanly when its context is cancelled.
//
// # What is fetched
//
// Always half-hour buckets (usage.HalfHour): they re-bucket exactly into any
// client's local days and months, which UTC daily buckets cannot. Windows are
// half-open and aligned: they end at "now rounded up to the next half hour",
// so the running half hour is included (the source reports it once it has
// ended) and replaced on the next fetch. Each window's answer is saved with
// store.SaveUsageWindow, which treats it as authoritative for the buckets in
// it (one transaction: upsert what changed, delete what vanished), so a window
// is either wholly saved or not at all, re-polling changes nothing, and a
// revised number replaces the old one. Per channel:
//
//   - backfill: one request for [UTC midnight BackfillDays ago, now), split in
//     halves (newest first) only when the source refuses the window with a
//     4xx that is not a rate limit or the answer is larger than the client
//     accepts. Raising BackfillDays later fetches just the missing older
//     range; a poller that was down for days closes the gap through a longer
//     "recent" window.
//   - recent: [UTC midnight of yesterday, now), every RecentEvery.
//   - week: the last 7 days, every WeekEvery (daily), to catch later revisions.
//   - balance: every BalanceEvery; balance requests do not count against the
//     usage limits, but are kept rare anyway.
//
// # Budget arithmetic
//
// The usage endpoint allows 10 requests per rolling hour per channel and 200
// per WABA. A channel's hourly budget is therefore
//
//	budget = min(ChannelLimit, WABALimit / channels in its WABA)
//
// (10 for WABAs of up to 20 channels, 5 for 40, 1 for 200). The steady cycle
// spends (1 − Reserve) of it on "recent" fetches, so
//
//	RecentEvery ≥ Window / (budget × (1 − Reserve))
//
// which is 60 min / (10 × 0.8) = 7.5 min by default and 15 min in a WABA of 40
// channels; a configured RecentEvery is used only when it is longer. The
// remaining 20% pays for the daily week re-fetch, the one-off backfill,
// retries and a user's "refresh now". Every usage request first takes a slot
// with store.ReserveRequest (limits: the channel's budget and WABALimit,
// over Window plus a one-minute margin for clock skew and latency between us
// and the API). The request log lives in the database and the reservation
// checks and records in one transaction, so a restart, a second process or a
// replica never spends the same slot twice. No slot means "skip this channel
// until the next pass", not an error. A 429 (or a rate-limit 400) pauses the
// channel until its Retry-After (which partnerapi keeps between 5 seconds and
// an hour; a minute when the API names none); pages and /healthz show such
// pauses (store.SourcePauses). Other errors back off exponentially (1, 2, 4
// … minutes, at most an hour) and store nothing for the failed window.
//
// # Discovery
//
// The client and channel lists are re-read every DiscoverEvery, and sooner
// when RequestDiscovery asks (the webhook receiver does when a delivery names
// a number Insights does not know): requests coalesce into one discovery,
// which starts no sooner than DiscoverMinGap after the previous one, so a
// flood of unknown numbers costs one list read per gap. Options.OnDiscovered
// runs after each successful discovery; serve resolves there the webhook
// events that waited for their channel.
//
// # Several replicas
//
// Every channel's turn in a pass starts by claiming its lease in the
// database (store.ClaimChannel, one atomic upsert) for LeaseTTL plus a minute
// of clock skew, and ends by releasing it; the channel's work itself is cut
// off after LeaseTTL. So no channel is polled by two pollers at once, a
// channel leased by another poller is simply deferred to a later pass, and
// the channels of a replica that dies mid-pass are taken over once their
// leases run out. The poll state is read after the claim, so a replica sees
// what the previous holder saved. Each poller names itself in the leases
// with Options.Holder (hostname/pid/random by default).
//
// # Why not River
//
// River's strength is distributing jobs across replicas exactly once. Here
// the scarce resource is the per-channel and per-WABA rate budget, and it
// already lives in the database with atomic reservations; so do the poll
// state and the leases. Adding River would add a queue schema and a leader
// election without protecting anything the reservations and leases do not
// already protect.
package poller
