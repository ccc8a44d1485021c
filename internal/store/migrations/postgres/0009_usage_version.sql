-- A counter per client that moves whenever its usage changes.
ALTER TABLE clients ADD COLUMN usage_version BIGINT NOT NULL DEFAULT 0;
