-- Fingerprints (one-way) of the key files the database was first used with.
-- A node started with other keys refuses to start: it could not open the
-- letters' keys, and a second log key would fork every letter's log.
CREATE TABLE instance_keys (
    name         TEXT PRIMARY KEY,
    fingerprint  BYTEA NOT NULL,
    recorded_at  BIGINT NOT NULL
);
