CREATE TABLE budgets (
			client_id TEXT NOT NULL PRIMARY KEY REFERENCES clients (id) ON DELETE CASCADE,
			currency TEXT NOT NULL,
			amount_nanos BIGINT NOT NULL,
			updated_at BIGINT NOT NULL
		);

-- An alert is one episode of a condition: it fires, and later resolves. At
-- most one episode per kind, client and subject is open.
CREATE TABLE alerts (
			id INTEGER PRIMARY KEY AUTOINCREMENT,
			kind TEXT NOT NULL,
			client_id TEXT NOT NULL,
			subject TEXT NOT NULL DEFAULT '',
			state TEXT NOT NULL,
			message TEXT NOT NULL,
			fired_at BIGINT NOT NULL,
			resolved_at BIGINT,
			updated_at BIGINT NOT NULL
		);

CREATE UNIQUE INDEX alerts_open_idx ON alerts (kind, client_id, subject) WHERE state = 'firing';

CREATE INDEX alerts_fired_idx ON alerts (fired_at);

-- One row per alert, transport and event (firing, resolved): the row is the
-- promise to deliver once; claims keep two processes from sending the same
-- row.
CREATE TABLE alert_deliveries (
			alert_id BIGINT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
			transport TEXT NOT NULL,
			event TEXT NOT NULL,
			status TEXT NOT NULL,
			attempts BIGINT NOT NULL DEFAULT 0,
			next_attempt_at BIGINT NOT NULL,
			claimed_until BIGINT,
			last_error TEXT NOT NULL DEFAULT '',
			sent_at BIGINT,
			PRIMARY KEY (alert_id, transport, event)
		) WITHOUT ROWID;

CREATE INDEX alert_deliveries_due_idx ON alert_deliveries (status, next_attempt_at);

-- A client's price: a markup on cost for every category (category ''), or a
-- per-message price for one category.
CREATE TABLE client_prices (
			client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
			category TEXT NOT NULL,
			markup_basis_points BIGINT,
			price_nanos BIGINT,
			updated_at BIGINT NOT NULL,
			PRIMARY KEY (client_id, category)
		) WITHOUT ROWID;
