CREATE TABLE users (
			id BIGSERIAL PRIMARY KEY,
			email TEXT NOT NULL UNIQUE,
			name TEXT NOT NULL DEFAULT '',
			role TEXT NOT NULL,
			password_hash TEXT NOT NULL DEFAULT '',
			disabled_at BIGINT,
			created_at BIGINT NOT NULL,
			updated_at BIGINT NOT NULL
		);

-- No foreign key to clients: a client viewer may be created before the first
-- poll has stored the client.
CREATE TABLE user_clients (
			user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
			client_id TEXT NOT NULL,
			PRIMARY KEY (user_id, client_id)
		);

CREATE TABLE sessions (
			token_hash TEXT NOT NULL PRIMARY KEY,
			user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
			address TEXT NOT NULL DEFAULT '',
			created_at BIGINT NOT NULL,
			expires_at BIGINT NOT NULL
		);

CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE api_tokens (
			id BIGSERIAL PRIMARY KEY,
			user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
			name TEXT NOT NULL DEFAULT '',
			token_hash TEXT NOT NULL UNIQUE,
			hint TEXT NOT NULL DEFAULT '',
			created_at BIGINT NOT NULL,
			last_used_at BIGINT,
			revoked_at BIGINT
		);

CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

CREATE TABLE share_links (
			id BIGSERIAL PRIMARY KEY,
			token_hash TEXT NOT NULL UNIQUE,
			client_id TEXT NOT NULL,
			label TEXT NOT NULL DEFAULT '',
			date_from TEXT NOT NULL DEFAULT '',
			date_to TEXT NOT NULL DEFAULT '',
			expires_at BIGINT NOT NULL,
			password_hash TEXT NOT NULL DEFAULT '',
			created_by BIGINT,
			created_at BIGINT NOT NULL,
			revoked_at BIGINT
		);

-- One row per failed login, per key ("account:...", "address:...").
CREATE TABLE login_failures (
			id BIGSERIAL PRIMARY KEY,
			key TEXT NOT NULL,
			at BIGINT NOT NULL
		);

CREATE INDEX login_failures_key_idx ON login_failures (key, at);

CREATE TABLE audit_log (
			id BIGSERIAL PRIMARY KEY,
			at BIGINT NOT NULL,
			actor TEXT NOT NULL DEFAULT '',
			action TEXT NOT NULL,
			target TEXT NOT NULL DEFAULT '',
			detail TEXT NOT NULL DEFAULT '',
			address TEXT NOT NULL DEFAULT ''
		);

CREATE INDEX audit_log_at_idx ON audit_log (at);
