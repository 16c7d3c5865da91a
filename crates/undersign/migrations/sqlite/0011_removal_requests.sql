-- "That is not me": the person a signature names asks for its removal through
-- an address they confirm. The request is its own small outbox: the address is
-- sealed with the letter's key until the link is confirmed, then deleted.
CREATE TABLE removal_requests (
    id                INTEGER PRIMARY KEY,
    signature_id      INTEGER NOT NULL REFERENCES signatures (id) ON DELETE CASCADE,
    email_lookup      BLOB NOT NULL,
    email_sealed      BLOB,               -- NULL once confirmed
    language          TEXT NOT NULL,
    note              TEXT NOT NULL DEFAULT '',
    state             TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'dead', 'confirmed')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   INTEGER NOT NULL,
    token_hash        BLOB UNIQUE,
    token_expires_at  INTEGER,
    created_at        INTEGER NOT NULL
) STRICT;
CREATE INDEX removal_requests_due ON removal_requests (state, next_attempt_at);
