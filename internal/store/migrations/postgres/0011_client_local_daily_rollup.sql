-- The client local-day rollup: per client, day of the client's own zone
-- (bucket_start is the UTC instant of its local midnight), category, pricing
-- type, country and currency. Store.Migrate fills it after the migrations.
CREATE TABLE usage_client_local_daily (
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

-- The zone whose days the client's local-day rollup keeps; '' for none.
ALTER TABLE clients ADD COLUMN rollup_zone TEXT NOT NULL DEFAULT '';
