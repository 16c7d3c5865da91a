-- Abuse resistance: proof-of-work replay protection, moderation flags, holds,
-- duplicate-person keys, watch lists and trusted API clients.

-- Keys for finding the same person twice (flags, never rejections):
-- an HMAC of the provider-canonical address, and the transliteration-folded name.
ALTER TABLE signatures ADD COLUMN email_canonical_lookup BLOB;
ALTER TABLE signatures ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
-- 1: kept out of the count and the list until a moderator releases it.
ALTER TABLE signatures ADD COLUMN held INTEGER NOT NULL DEFAULT 0 CHECK (held IN (0, 1));
CREATE INDEX signatures_canonical ON signatures (letter_id, email_canonical_lookup);
CREATE INDEX signatures_name_key ON signatures (letter_id, name_key);
CREATE INDEX signatures_pending_age ON signatures (status, created_at);

-- Why a signature needs a moderator's look.
CREATE TABLE signature_flags (
    id            INTEGER PRIMARY KEY,
    signature_id  INTEGER NOT NULL REFERENCES signatures (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,
    -- Another signature this one resembles, if any.
    other_id      INTEGER
) STRICT;
CREATE INDEX signature_flags_signature ON signature_flags (signature_id);

-- Proof-of-work solutions already used (each works once), kept until they expire.
CREATE TABLE spent_challenges (
    challenge   BLOB PRIMARY KEY,
    expires_at  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX spent_challenges_expiry ON spent_challenges (expires_at);

-- Names an organiser expects provocateurs to use, per letter, as folded keys.
CREATE TABLE watch_list (
    letter_id  INTEGER NOT NULL REFERENCES letters (id),
    name_key   TEXT NOT NULL,
    PRIMARY KEY (letter_id, name_key)
) STRICT, WITHOUT ROWID;

-- Trusted API clients (bulk importers) that skip proof of work and rate limits.
CREATE TABLE api_tokens (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    token_hash  BLOB NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
) STRICT;
