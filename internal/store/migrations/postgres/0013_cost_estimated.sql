-- Costs that the source left out and Insights estimated from the rate card
-- in force on the point's day: on the raw points a flag (1 when cost_nanos
-- is such an estimate, else 0), on the rollups the number of estimated
-- points summed into the row (cost_nanos includes their estimates).
ALTER TABLE usage_points ADD COLUMN cost_estimated BIGINT NOT NULL DEFAULT 0;

ALTER TABLE call_points ADD COLUMN cost_estimated BIGINT NOT NULL DEFAULT 0;

ALTER TABLE usage_daily ADD COLUMN cost_estimated BIGINT NOT NULL DEFAULT 0;

ALTER TABLE usage_channel_daily ADD COLUMN cost_estimated BIGINT NOT NULL DEFAULT 0;

ALTER TABLE usage_client_daily ADD COLUMN cost_estimated BIGINT NOT NULL DEFAULT 0;

ALTER TABLE usage_client_key_daily ADD COLUMN cost_estimated BIGINT NOT NULL DEFAULT 0;

ALTER TABLE usage_client_local_daily ADD COLUMN cost_estimated BIGINT NOT NULL DEFAULT 0;

-- The covering indexes of partner-wide ranges hold the summed columns, now
-- cost_estimated too, so those reads still never touch the tables.
DROP INDEX usage_points_range_idx;

CREATE INDEX usage_points_range_idx ON usage_points (bucket_start, granularity, currency, volume, cost_nanos, cost_estimated);

DROP INDEX usage_daily_range_idx;

CREATE INDEX usage_daily_range_idx ON usage_daily (bucket_start, currency, volume, cost_nanos, cost_missing, cost_estimated);

DROP INDEX usage_client_daily_range_idx;

CREATE INDEX usage_client_daily_range_idx ON usage_client_daily (bucket_start, client_id, currency, volume, cost_nanos, cost_missing, cost_estimated);

-- The rollups whose primary key carries the summed columns (INCLUDE) for
-- index-only reads carry cost_estimated as well.
ALTER TABLE usage_client_key_daily DROP CONSTRAINT usage_client_key_daily_pkey,
			ADD PRIMARY KEY (client_id, bucket_start, category, pricing_type, country, currency) INCLUDE (volume, cost_nanos, cost_missing, cost_estimated);

ALTER TABLE usage_channel_daily DROP CONSTRAINT usage_channel_daily_pkey,
			ADD PRIMARY KEY (channel_id, bucket_start, pricing_type, currency) INCLUDE (volume, cost_nanos, cost_missing, cost_estimated);

ALTER TABLE usage_client_local_daily DROP CONSTRAINT usage_client_local_daily_pkey,
			ADD PRIMARY KEY (client_id, bucket_start, category, pricing_type, country, currency) INCLUDE (volume, cost_nanos, cost_missing, cost_estimated);
