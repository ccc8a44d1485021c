-- The client daily rollup: per client, UTC day and currency, the sums of
-- usage_daily over the client's channels.
CREATE TABLE usage_client_daily (
			client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
			bucket_start BIGINT NOT NULL,
			currency TEXT NOT NULL,
			volume BIGINT NOT NULL,
			cost_nanos BIGINT NOT NULL,
			cost_missing BIGINT NOT NULL,
			PRIMARY KEY (client_id, bucket_start, currency)
		) WITHOUT ROWID;

-- Partner-wide ranges read only the index.
CREATE INDEX usage_client_daily_range_idx ON usage_client_daily (bucket_start, client_id, currency, volume, cost_nanos, cost_missing);

-- Fill the rollup from usage_daily.
INSERT INTO usage_client_daily (client_id, bucket_start, currency, volume, cost_nanos, cost_missing)
		SELECT c.client_id, u.bucket_start, u.currency, SUM(u.volume), SUM(u.cost_nanos), SUM(u.cost_missing)
		FROM usage_daily u JOIN channels c ON c.id = u.channel_id WHERE 1 = 1 GROUP BY c.client_id, u.bucket_start, u.currency;
