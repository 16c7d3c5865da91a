-- Letter texts: every published version and every translation, each with its own
-- `text` leaf in the log. `letters` keeps the current text in the letter's own
-- language; signatures remember the version they were given on.

CREATE TABLE letter_texts (
    id            INTEGER PRIMARY KEY,
    letter_id     INTEGER NOT NULL REFERENCES letters (id),
    version       INTEGER NOT NULL CHECK (version >= 1),
    language      TEXT NOT NULL,
    title         TEXT NOT NULL,
    addressee     TEXT NOT NULL,
    body          TEXT NOT NULL,
    published_at  INTEGER NOT NULL,
    UNIQUE (letter_id, version, language)
) STRICT;
INSERT INTO letter_texts (letter_id, version, language, title, addressee, body, published_at)
    SELECT id, 1, language, title, addressee, body, published_at FROM letters;

ALTER TABLE letters ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- The version the signer confirmed (or re-confirmed) on.
ALTER TABLE signatures ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
-- The newest version the signer was told about, and the link to re-confirm.
ALTER TABLE signatures ADD COLUMN notified_version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE signatures ADD COLUMN reconfirm_token_hash BLOB;
CREATE UNIQUE INDEX signatures_reconfirm_token ON signatures (reconfirm_token_hash)
    WHERE reconfirm_token_hash IS NOT NULL;

-- The outbox learns a third kind of mail: "the letter you signed has a new
-- version". (SQLite cannot change a CHECK in place: the table is rebuilt.)
CREATE TABLE outbox_v2 (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('confirm', 'already_signed', 'new_version')),
    signature_id     INTEGER NOT NULL REFERENCES signatures (id),
    state            TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'dead')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    last_error       TEXT
) STRICT;
INSERT INTO outbox_v2 (id, kind, signature_id, state, attempts, next_attempt_at, created_at, last_error)
    SELECT id, kind, signature_id, state, attempts, next_attempt_at, created_at, last_error FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_v2 RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
