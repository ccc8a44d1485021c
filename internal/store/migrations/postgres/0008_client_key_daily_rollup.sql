-- The client daily rollup by key: per client, UTC day, category, pricing
-- type, country and currency, the sums of usage_daily.
CREATE TABLE usage_client_key_daily (
			client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
			bucket_start BIGINT NOT NULL,
			category TEXT NOT NULL,
			pricing_type TEXT NOT NULL,
			country TEXT NOT NULL,
			currency TEXT NOT NULL,
			volume BIGINT NOT NULL,
			cost_nanos BIGINT NOT NULL,
			cost_missing BIGINT NOT NULL,
			PRIMARY KEY (client_id, bucket_start, category, pricing_type, country, currency) INCLUDE (volume, cost_nanos, cost_missing)
		);

-- Fill the rollup from usage_daily.
INSERT INTO usage_client_key_daily (client_id, bucket_start, category, pricing_type, country, currency, volume, cost_nanos, cost_missing)
		SELECT c.client_id, u.bucket_start, u.category, u.pricing_type, u.country, u.currency, SUM(u.volume), SUM(u.cost_nanos), SUM(u.cost_missing)
		FROM usage_daily u JOIN channels c ON c.id = u.channel_id WHERE 1 = 1 GROUP BY c.client_id, u.bucket_start, u.category, u.pricing_type, u.country, u.currency;
