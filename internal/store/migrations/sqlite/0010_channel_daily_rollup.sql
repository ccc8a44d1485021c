-- Per channel, UTC day, pricing type and currency, the sums of usage_daily
-- (for the per-channel breakdown of a view).
CREATE TABLE usage_channel_daily (
			channel_id TEXT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
			bucket_start BIGINT NOT NULL,
			pricing_type TEXT NOT NULL,
			currency TEXT NOT NULL,
			volume BIGINT NOT NULL,
			cost_nanos BIGINT NOT NULL,
			cost_missing BIGINT NOT NULL,
			PRIMARY KEY (channel_id, bucket_start, pricing_type, currency)
		) WITHOUT ROWID;

-- Fill the rollup from usage_daily.
INSERT INTO usage_channel_daily (channel_id, bucket_start, pricing_type, currency, volume, cost_nanos, cost_missing)
		SELECT channel_id, bucket_start, pricing_type, currency, SUM(volume), SUM(cost_nanos), SUM(cost_missing)
		FROM usage_daily WHERE 1 = 1 GROUP BY channel_id, bucket_start, pricing_type, currency;
