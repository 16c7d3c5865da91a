-- Campaigns, letters, signatures and the mail outbox.
-- E-mail addresses exist here only encrypted (email_sealed) and as a keyed hash
-- (email_lookup); tokens only as SHA-256 hashes.

CREATE TABLE campaigns (
    id          INTEGER PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    title       TEXT NOT NULL,
    summary     TEXT NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE timeline_entries (
    id           INTEGER PRIMARY KEY,
    campaign_id  INTEGER NOT NULL REFERENCES campaigns (id),
    date         TEXT NOT NULL,          -- YYYY-MM-DD
    kind         TEXT NOT NULL,
    place        TEXT NOT NULL,
    note         TEXT NOT NULL,
    source_url   TEXT
) STRICT;
CREATE INDEX timeline_entries_campaign ON timeline_entries (campaign_id, date);

CREATE TABLE letters (
    id               INTEGER PRIMARY KEY,
    slug             TEXT NOT NULL UNIQUE,
    title            TEXT NOT NULL,
    addressee        TEXT NOT NULL,
    community        TEXT NOT NULL,
    language         TEXT NOT NULL,
    body             TEXT NOT NULL,
    organisations    INTEGER NOT NULL CHECK (organisations IN (0, 1)),
    status           TEXT NOT NULL CHECK (status IN ('published', 'closed')),
    published_at     INTEGER NOT NULL,
    campaign_id      INTEGER REFERENCES campaigns (id),
    pull_quote       TEXT,
    -- Kept in step with confirmations so a count never scans signatures.
    confirmed_count  INTEGER NOT NULL DEFAULT 0,
    -- The letter's data key, encrypted under the instance key file.
    wrapped_key      BLOB NOT NULL
) STRICT;
CREATE INDEX letters_campaign ON letters (campaign_id);

CREATE TABLE signatures (
    id                INTEGER PRIMARY KEY,
    letter_id         INTEGER NOT NULL REFERENCES letters (id),
    email_lookup      BLOB NOT NULL,
    email_sealed      BLOB,               -- NULL once erased
    name              TEXT NOT NULL,
    title             TEXT,
    affiliation       TEXT,
    city              TEXT,
    country           TEXT,
    orcid             TEXT,
    organisation      INTEGER NOT NULL CHECK (organisation IN (0, 1)),
    pledge            TEXT,
    show_name         INTEGER NOT NULL CHECK (show_name IN (0, 1)),
    language          TEXT NOT NULL,      -- the signer's interface language, for mail
    status            TEXT NOT NULL CHECK (status IN ('pending', 'confirmed')),
    created_at        INTEGER NOT NULL,
    confirmed_at      INTEGER,
    seq               INTEGER,            -- order of confirmation on the letter, from 1
    token_hash        BLOB UNIQUE,
    token_expires_at  INTEGER,
    CHECK ((status = 'confirmed') = (seq IS NOT NULL))
) STRICT;
CREATE UNIQUE INDEX signatures_letter_email ON signatures (letter_id, email_lookup);
CREATE UNIQUE INDEX signatures_letter_seq ON signatures (letter_id, seq) WHERE seq IS NOT NULL;

-- Mail to send, written in the same transaction as the change that causes it.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('confirm', 'already_signed')),
    signature_id     INTEGER NOT NULL REFERENCES signatures (id),
    state            TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'dead')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    last_error       TEXT
) STRICT;
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
