-- Spent proof-of-work challenges, keyed by expiry first. A solution is spent
-- within minutes of being issued, so new rows land at the end of the key instead
-- of on a random page of it (one page less written per signature under load),
-- and the purge of expired ones reads a prefix. The expiry is part of the salt
-- that the challenge hashes, so one challenge always comes with one expiry and
-- the pair is as unique as the challenge.
CREATE TABLE spent_challenges_by_expiry (
    expires_at  INTEGER NOT NULL,
    challenge   BLOB NOT NULL,
    PRIMARY KEY (expires_at, challenge)
) STRICT, WITHOUT ROWID;
INSERT INTO spent_challenges_by_expiry (expires_at, challenge)
    SELECT expires_at, challenge FROM spent_challenges;
DROP TABLE spent_challenges;
ALTER TABLE spent_challenges_by_expiry RENAME TO spent_challenges;

-- Erasure used to leave the folded name and the canonical address hash behind;
-- both point at a person. Clear them for signatures already erased.
UPDATE signatures SET name_key = '', email_canonical_lookup = NULL
    WHERE email_sealed IS NULL AND name = '';
