-- A second factor being set up: its secret, sealed, kept with the session that
-- asked for it until a code from it is typed. The browser never sends a secret.
ALTER TABLE sessions ADD COLUMN pending_totp_sealed BLOB;
