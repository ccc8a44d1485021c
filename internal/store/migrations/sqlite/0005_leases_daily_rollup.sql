-- One row per channel some poller holds or held; expires_at is unix seconds.
-- A lease is free when it has expired or has no row.
CREATE TABLE channel_leases (
			channel_id TEXT NOT NULL PRIMARY KEY REFERENCES channels (id) ON DELETE CASCADE,
			holder TEXT NOT NULL,
			expires_at BIGINT NOT NULL
		);

-- The daily rollup: per channel, UTC day (bucket_start), category, pricing
-- type, country and currency, the sums of the half-hour points of that day.
CREATE TABLE usage_daily (
			channel_id TEXT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
			bucket_start BIGINT NOT NULL,
			category TEXT NOT NULL,
			pricing_type TEXT NOT NULL,
			country TEXT NOT NULL,
			currency TEXT NOT NULL,
			volume BIGINT NOT NULL,
			cost_nanos BIGINT NOT NULL,
			cost_missing BIGINT NOT NULL,
			PRIMARY KEY (channel_id, bucket_start, category, pricing_type, country, currency)
		) WITHOUT ROWID;

-- Partner-wide ranges read only the index (on SQLite it also holds the key
-- columns).
CREATE INDEX usage_daily_range_idx ON usage_daily (bucket_start, currency, volume, cost_nanos, cost_missing);

-- Fill the rollup from the points already stored.
INSERT INTO usage_daily (channel_id, bucket_start, category, pricing_type, country, currency, volume, cost_nanos, cost_missing) SELECT channel_id, bucket_start - bucket_start % 86400, category, pricing_type, country, currency,
		SUM(volume), COALESCE(SUM(cost_nanos), 0), SUM(CASE WHEN cost_nanos IS NULL THEN 1 ELSE 0 END)
		FROM usage_points WHERE granularity = 'half_hour' GROUP BY channel_id, bucket_start - bucket_start % 86400, category, pricing_type, country, currency;
