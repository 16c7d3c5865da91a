-- The letter log: every entry (text, signature, withdrawal, strike) waits here
-- until the integrator gives it a leaf index, and stays as the record of its leaf.

-- The log's name, `<public host>/letters/<slug>`, fixed at publication: it is the
-- log's identity and its key name, so a later change of public URL cannot fork it.
ALTER TABLE letters ADD COLUMN log_origin TEXT NOT NULL DEFAULT '';
ALTER TABLE letters ADD COLUMN log_size INTEGER NOT NULL DEFAULT 0;
-- The count by the spec's rule at the latest checkpoint (size log_size).
ALTER TABLE letters ADD COLUMN log_count INTEGER NOT NULL DEFAULT 0;

ALTER TABLE signatures ADD COLUMN withdrawn_at INTEGER;

CREATE TABLE log_entries (
    id            INTEGER PRIMARY KEY,
    letter_id     INTEGER NOT NULL REFERENCES letters (id),
    kind          TEXT NOT NULL CHECK (kind IN ('text', 'signature', 'withdrawal', 'strike')),
    -- signature: the signature it records; withdrawal and strike: the one they cancel.
    signature_id  INTEGER REFERENCES signatures (id),
    commit_hash   BLOB NOT NULL,
    salt          BLOB,                  -- NULL once erased
    record        TEXT,                  -- NULL once erased
    withheld      INTEGER NOT NULL DEFAULT 0 CHECK (withheld IN (0, 1)),
    -- Not integrated before this time (withdrawals wait for their batch).
    due_at        INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    -- Set when integrated, together, in one transaction with the checkpoint.
    leaf_index    INTEGER,
    ref_index     INTEGER,
    leaf          BLOB,
    leaf_hash     BLOB,
    CHECK ((leaf_index IS NULL) = (leaf IS NULL) AND (leaf IS NULL) = (leaf_hash IS NULL)),
    CHECK ((salt IS NULL) = (record IS NULL))
) STRICT;
CREATE UNIQUE INDEX log_entries_leaf ON log_entries (letter_id, leaf_index) WHERE leaf_index IS NOT NULL;
CREATE INDEX log_entries_pending ON log_entries (letter_id, due_at) WHERE leaf_index IS NULL;
CREATE INDEX log_entries_signature ON log_entries (signature_id, kind);

-- Every signed checkpoint, so a size is never signed twice with different roots.
CREATE TABLE checkpoints (
    letter_id   INTEGER NOT NULL REFERENCES letters (id),
    size        INTEGER NOT NULL,
    root        BLOB NOT NULL,
    note        TEXT NOT NULL,
    count       INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (letter_id, size)
) STRICT, WITHOUT ROWID;
