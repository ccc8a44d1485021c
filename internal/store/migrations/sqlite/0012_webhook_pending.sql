-- Webhook events whose channel is not known yet, kept under their natural key
-- until a discovery brings the channel (ResolvePendingWebhooks).
CREATE TABLE webhook_pending (
			kind TEXT NOT NULL,
			ref_id TEXT NOT NULL,
			event TEXT NOT NULL,
			url_channel TEXT NOT NULL DEFAULT '',
			phone_number_id TEXT NOT NULL DEFAULT '',
			phone_number_id_digits TEXT NOT NULL DEFAULT '',
			display_phone TEXT NOT NULL DEFAULT '',
			display_digits TEXT NOT NULL DEFAULT '',
			received_at BIGINT NOT NULL,
			payload TEXT NOT NULL,
			PRIMARY KEY (kind, ref_id, event)
		) WITHOUT ROWID;

CREATE INDEX webhook_pending_received_idx ON webhook_pending (received_at);
