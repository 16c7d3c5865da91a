-- Every confirmation link sent for a signature stays valid until the signature is
-- confirmed or the link expires; afterwards each is the signer's receipt. A signer
-- who signs twice while pending gets a second mail, and may open either.
-- Links are stored as SHA-256 hashes only, as before.
CREATE TABLE confirmation_links (
    token_hash    BLOB PRIMARY KEY,
    signature_id  INTEGER NOT NULL REFERENCES signatures (id) ON DELETE CASCADE,
    expires_at    INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX confirmation_links_signature ON confirmation_links (signature_id);
INSERT INTO confirmation_links (token_hash, signature_id, expires_at)
    SELECT token_hash, id, coalesce(token_expires_at, 0) FROM signatures WHERE token_hash IS NOT NULL;
-- The old single-link columns are no longer read or written (contract step of a
-- later migration may drop them).
UPDATE signatures SET token_hash = NULL, token_expires_at = NULL WHERE token_hash IS NOT NULL;
