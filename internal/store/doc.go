// Package store keeps Insights' data in SQLite or PostgreSQL through GORM: the
// clients and channels of the partner, raw usage and call points as the Partner
// API reports them, poll runs, per-channel poll state, the shared request log
// that enforces the Partner API's rate limits, and balance readings. It is the
// only package that imports GORM; callers see plain structs and usage types.
//
// Choices, and why:
//
//   - Migrations are versioned SQL, applied in order, each in its own
//     transaction and recorded in schema_migrations. Live models are never
//     AutoMigrated, so a schema change is always a reviewed, ordered step that
//     runs the same way on both databases. Each step is a literal SQL file
//     per dialect (migrations/sqlite, migrations/postgres), frozen once
//     released: a test keeps every file's checksum, and no step is built
//     from code the rest of the package uses, so changing that code cannot
//     change an old step. The schema's dialect differences (auto-increment
//     keys, SQLite's WITHOUT ROWID, PostgreSQL's INCLUDE columns) are spelled
//     out in those files; the run-time ones (PostgreSQL's advisory locks)
//     live in dialect.go; everything else is SQL both engines accept,
//     including INSERT … ON CONFLICT … DO UPDATE and IS DISTINCT FROM.
//
//   - Every instant is stored as BIGINT unix seconds in UTC on both dialects:
//     comparisons and indexes are integer ones, no driver converts zones, and
//     bucket keys compare exactly. Unset instants are NULL.
//
//   - Money is BIGINT nano-units (see package usage) beside a currency column;
//     an unknown cost is NULL, never 0, and sums report how many were unknown.
//
//   - SQLite runs in WAL mode with busy_timeout=5000, foreign_keys=on and
//     synchronous=NORMAL. The Store holds two handles on the same file: a read
//     pool of several query-only connections, so page queries run in parallel
//     with ingest, and a write handle of exactly one connection whose
//     transactions BEGIN IMMEDIATE. One writer means writers queue in Go
//     instead of failing with SQLITE_BUSY, and a read-check-write transaction
//     (ReserveRequest) cannot interleave with another writer — in this process
//     or, thanks to BEGIN IMMEDIATE, in another one. On PostgreSQL both
//     handles are the same pool.
//
//   - SaveUsageWindow treats the API's answer for a window as authoritative: in
//     one transaction it reads the stored rows of that window, upserts what
//     changed (multi-row INSERT … ON CONFLICT DO UPDATE in batches), and deletes
//     what vanished. Rows whose values did not change are not written at all,
//     so polling the same window twice changes nothing, not even a tuple.
//
//   - A bucket that the window covers only in part (a daily or monthly bucket
//     cut by the window's edges, or a half-hour bucket cut by an unaligned edge)
//     is dropped, never stored: every stored row is a complete bucket, so a
//     partial one can never overwrite it. A bucket that does not overlap the
//     window at all is refused with an error and nothing is written.
//
//   - The rate-limit request log lives in the database so restarts, a second
//     process and replicas share one budget. ReserveRequest checks and records
//     in one transaction; on PostgreSQL it first takes a transaction-level
//     advisory lock on the WABA, so two replicas cannot both take the last slot.
//
//   - Foreign keys hold the data together: a channel needs its client, and
//     points, poll state and balances need their channel (upsert clients,
//     then channels, then data). Poll runs and the request log have none, so
//     partner-wide runs and budgets never fail on a missing channel.
//
//   - Several replicas share one database: a channel is polled only under its
//     lease (ClaimChannel / ReleaseChannel, one atomic INSERT … ON CONFLICT DO
//     UPDATE … WHERE the lease expired or is the caller's), so no channel is
//     polled twice at once and a dead replica's channels are taken over when
//     its leases run out.
//
//   - The daily rollup usage_daily holds, per channel and UTC day, the sums of
//     the half-hour points by category, pricing type, country and currency;
//     usage_channel_daily sums it per channel, day, pricing type and currency
//     (the per-channel breakdown, ChannelTotals). SaveUsageWindow recomputes
//     the days a window touches from the raw points in the same transaction
//     (only when a point changed), so the rollups are never stale and saving
//     twice changes nothing. Call points have no rollup.
//
//   - The client daily rollup usage_client_daily sums usage_daily per client,
//     UTC day and currency, and usage_client_key_daily per client, day,
//     category, pricing type, country and currency. SaveUsageWindow
//     recomputes the window's client for the touched days right after
//     usage_daily, under the client's advisory lock on PostgreSQL (two
//     channels of one client saved at once cannot leave a stale sum), and
//     moves the client's UsageVersion on (forecasts are cached against it);
//     UpsertChannels recomputes both clients of a channel that moves.
//     RebuildRollups recomputes every rollup from the raw points, for rows
//     loaded around SaveUsageWindow.
//
//   - Units (units.go): the volume of a token category (Meta Business
//     Agent) counts tokens. Every read sums message volume without it and
//     the tokens apart (usage.Row.Units, when kept apart by category); the
//     two rollups without a category column, usage_channel_daily and
//     usage_client_daily, hold message volume only (migration 15 recomputed
//     their older rows). Costs include the tokens' everywhere.
//
//   - QueryUsage reads the smallest rollup that answers a query when the
//     caller sets UsageFilter.DailyOK (it shows days or months of
//     UsageFilter.DayZone): the client rollup when nothing narrower than a
//     client is filtered on or kept apart (the partner overview), the client
//     rollup by key when no channel or WABA is (a client's own view), else
//     the per-channel one. Days of a zone whose offset is 0 are UTC days; in
//     any other zone with whole half-hour offsets the UTC days are folded
//     into local days: each UTC day's rollup row goes to the local day of its
//     noon and the raw points of the hours outside that day (at most twelve)
//     are moved to theirs (localdays.go). Zones with :45 offsets read the raw
//     points.
//
//   - The local-day rollup usage_client_local_daily holds, per client, day of
//     the client's own zone (clients.rollup_zone) and key, that fold done
//     ahead: SaveUsageWindow adds what the window changed (the new points less
//     the ones they replace or remove) in its transaction; a zone change, a
//     channel moving or RebuildRollups rebuilds the client's rows by the fold
//     (localrollup.go). Days and totals of a client's own zone are read from
//     it.
//
//   - A cost the source left out is stored as unknown (NULL), or, when the
//     poller estimated it from the rate card (usage.Point.CostEstimated),
//     as that estimate with cost_estimated = 1. Every rollup carries
//     cost_missing and cost_estimated, the counts of such points, beside
//     cost_nanos (which includes the estimates). A point reported again
//     with the same estimate is unchanged; one later reported with the
//     source's own cost replaces the estimate like any revision.
//
//   - UsageFilter.Totals sums a range without buckets (breakdowns, previous
//     periods). QueryUsage answers it in any zone: the whole UTC days inside
//     the range from the smallest rollup that fits, the edges before the
//     first and after the last UTC midnight from the raw points.
//
//   - Prune deletes webhook events, poll runs and audit entries older than
//     the caller's horizons in batches of a few thousand rows, so the SQLite
//     writer is never held for long; the webhook counters, usage points and
//     rollups are never pruned (upkeep.go says why pruning events cannot
//     double count). Optimize (PRAGMA optimize) and CheckpointWAL (a
//     TRUNCATE checkpoint, so the -wal file does not keep its largest size)
//     tend the SQLite file and do nothing on PostgreSQL.
//
//   - Backup copies a SQLite database with VACUUM INTO on a reader connection
//     while writers go on; PostgreSQL is backed up with pg_dump.
package store
