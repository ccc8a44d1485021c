CREATE TABLE clients (
				id TEXT NOT NULL PRIMARY KEY,
				name TEXT NOT NULL DEFAULT '',
				status TEXT NOT NULL DEFAULT '',
				timezone TEXT NOT NULL DEFAULT '',
				country TEXT NOT NULL DEFAULT '',
				updated_at BIGINT NOT NULL
			);

CREATE TABLE channels (
				id TEXT NOT NULL PRIMARY KEY,
				client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
				waba_id TEXT NOT NULL DEFAULT '',
				waba_external_id TEXT NOT NULL DEFAULT '',
				currency TEXT NOT NULL DEFAULT '',
				timezone TEXT NOT NULL DEFAULT '',
				phone_number TEXT NOT NULL DEFAULT '',
				phone_digits TEXT NOT NULL DEFAULT '',
				phone_number_id TEXT NOT NULL DEFAULT '',
				phone_name TEXT NOT NULL DEFAULT '',
				status TEXT NOT NULL DEFAULT '',
				billing_started_at BIGINT,
				updated_at BIGINT NOT NULL
			);

CREATE INDEX channels_client_idx ON channels (client_id);

CREATE INDEX channels_waba_idx ON channels (waba_id);

CREATE INDEX channels_phone_idx ON channels (phone_digits);

CREATE INDEX channels_phone_id_idx ON channels (phone_number_id);

-- The natural key is the primary key; its prefix (channel_id, granularity,
-- bucket_start) serves every per-channel range query.
CREATE TABLE usage_points (
				channel_id TEXT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
				granularity TEXT NOT NULL,
				bucket_start BIGINT NOT NULL,
				category TEXT NOT NULL,
				pricing_type TEXT NOT NULL,
				country TEXT NOT NULL,
				tier TEXT NOT NULL,
				bucket_end BIGINT NOT NULL,
				volume BIGINT NOT NULL,
				currency TEXT NOT NULL,
				cost_nanos BIGINT,
				PRIMARY KEY (channel_id, granularity, bucket_start, category, pricing_type, country, tier)
			);

-- Partner-wide ranges and "data up to" bounds (replaced in step 3).
CREATE INDEX usage_points_bucket_idx ON usage_points (bucket_start);

CREATE TABLE call_points (
				channel_id TEXT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
				granularity TEXT NOT NULL,
				bucket_start BIGINT NOT NULL,
				direction TEXT NOT NULL,
				country TEXT NOT NULL,
				bucket_end BIGINT NOT NULL,
				count BIGINT NOT NULL,
				seconds BIGINT NOT NULL,
				currency TEXT NOT NULL,
				cost_nanos BIGINT,
				PRIMARY KEY (channel_id, granularity, bucket_start, direction, country)
			);

CREATE TABLE poll_runs (
				id BIGSERIAL PRIMARY KEY,
				channel_id TEXT NOT NULL DEFAULT '',
				kind TEXT NOT NULL,
				window_start BIGINT,
				window_end BIGINT,
				started_at BIGINT NOT NULL,
				duration_ms BIGINT NOT NULL,
				outcome TEXT NOT NULL,
				error TEXT NOT NULL DEFAULT '',
				points BIGINT NOT NULL DEFAULT 0
			);

CREATE INDEX poll_runs_channel_idx ON poll_runs (channel_id, kind, started_at);

CREATE INDEX poll_runs_started_idx ON poll_runs (started_at);

CREATE TABLE poll_state (
				channel_id TEXT NOT NULL PRIMARY KEY REFERENCES channels (id) ON DELETE CASCADE,
				backfilled_from BIGINT,
				backfilled_until BIGINT,
				last_recent_at BIGINT,
				last_week_at BIGINT,
				paused_until BIGINT,
				consecutive_failures BIGINT NOT NULL DEFAULT 0,
				updated_at BIGINT NOT NULL
			);

CREATE TABLE request_log (
				id BIGSERIAL PRIMARY KEY,
				channel_id TEXT NOT NULL,
				waba_id TEXT NOT NULL,
				at BIGINT NOT NULL
			);

CREATE INDEX request_log_channel_idx ON request_log (channel_id, at);

CREATE INDEX request_log_waba_idx ON request_log (waba_id, at);

CREATE INDEX request_log_at_idx ON request_log (at);

CREATE TABLE balances (
				channel_id TEXT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
				read_at BIGINT NOT NULL,
				currency TEXT NOT NULL,
				balance_nanos BIGINT NOT NULL,
				threshold_nanos BIGINT,
				PRIMARY KEY (channel_id, read_at)
			);
