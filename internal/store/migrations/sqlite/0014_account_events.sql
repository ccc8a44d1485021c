-- Account events of WABAs (webhook field account_update), such as the
-- volume tier updates VOLUME_BASED_PRICING_TIER_UPDATE. A delivery Meta
-- repeats is stored once under dedup_key; for a tier update the row keeps
-- the earliest tier_update_time. client_id is the client of the WABA when
-- it was known at receipt ('' otherwise); occurred_at is UTC unix seconds,
-- 0 when the event did not say.
CREATE TABLE account_events (
			id INTEGER PRIMARY KEY AUTOINCREMENT,
			waba_id TEXT NOT NULL,
			client_id TEXT NOT NULL DEFAULT '',
			event TEXT NOT NULL,
			occurred_at BIGINT NOT NULL DEFAULT 0,
			pricing_category TEXT NOT NULL DEFAULT '',
			tier TEXT NOT NULL DEFAULT '',
			effective_month TEXT NOT NULL DEFAULT '',
			region TEXT NOT NULL DEFAULT '',
			detail TEXT NOT NULL DEFAULT '{}',
			dedup_key TEXT NOT NULL,
			received_at BIGINT NOT NULL
		);

CREATE UNIQUE INDEX account_events_dedup_idx ON account_events (dedup_key);

CREATE INDEX account_events_client_idx ON account_events (client_id, occurred_at);

CREATE INDEX account_events_waba_idx ON account_events (waba_id, occurred_at);
