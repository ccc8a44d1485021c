CREATE TABLE webhook_events (
			kind TEXT NOT NULL,
			ref_id TEXT NOT NULL,
			event TEXT NOT NULL,
			channel_id TEXT NOT NULL,
			waba_id TEXT NOT NULL DEFAULT '',
			at BIGINT NOT NULL,
			received_at BIGINT NOT NULL,
			party TEXT NOT NULL DEFAULT '',
			category TEXT NOT NULL DEFAULT '',
			pricing_type TEXT NOT NULL DEFAULT '',
			has_pricing BIGINT NOT NULL DEFAULT 0,
			direction TEXT NOT NULL DEFAULT '',
			call_status TEXT NOT NULL DEFAULT '',
			duration_seconds BIGINT,
			start_at BIGINT,
			end_at BIGINT,
			error_codes TEXT NOT NULL DEFAULT '',
			PRIMARY KEY (kind, ref_id, event)
		) WITHOUT ROWID;

CREATE INDEX webhook_events_received_idx ON webhook_events (received_at);

CREATE TABLE webhook_messages (
			message_id TEXT NOT NULL PRIMARY KEY,
			channel_id TEXT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
			country TEXT NOT NULL DEFAULT '',
			category TEXT NOT NULL DEFAULT '',
			pricing_type TEXT NOT NULL DEFAULT '',
			pricing_rank BIGINT NOT NULL DEFAULT 0,
			sent_at BIGINT,
			delivered_at BIGINT,
			read_at BIGINT,
			failed_at BIGINT,
			counted_status TEXT NOT NULL DEFAULT '',
			bucket_start BIGINT,
			currency TEXT NOT NULL DEFAULT '',
			cost_nanos BIGINT,
			updated_at BIGINT NOT NULL
		);

CREATE INDEX webhook_messages_bucket_idx ON webhook_messages (bucket_start);

CREATE INDEX webhook_messages_channel_idx ON webhook_messages (channel_id, bucket_start);

CREATE TABLE webhook_calls (
			call_id TEXT NOT NULL PRIMARY KEY,
			channel_id TEXT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
			direction TEXT NOT NULL DEFAULT '',
			caller TEXT NOT NULL DEFAULT '',
			callee TEXT NOT NULL DEFAULT '',
			country TEXT NOT NULL DEFAULT '',
			status TEXT NOT NULL DEFAULT '',
			connect_at BIGINT,
			start_at BIGINT,
			end_at BIGINT,
			terminated_at BIGINT,
			duration_seconds BIGINT,
			bucket_start BIGINT,
			counted BIGINT NOT NULL DEFAULT 0,
			currency TEXT NOT NULL DEFAULT '',
			cost_nanos BIGINT,
			updated_at BIGINT NOT NULL
		);

CREATE INDEX webhook_calls_bucket_idx ON webhook_calls (bucket_start);

CREATE INDEX webhook_calls_channel_idx ON webhook_calls (channel_id, bucket_start);
