-- Organisers: accounts, passwordless sign-in, sessions, a second factor, roles on
-- letters, drafts, and an append-only audit log.
-- As for signers, addresses exist only sealed (under the instance's account key)
-- and as a keyed hash; link and session tokens only as SHA-256 hashes.

CREATE TABLE accounts (
    id                  INTEGER PRIMARY KEY,
    email_lookup        BLOB NOT NULL UNIQUE,
    email_sealed        BLOB NOT NULL,
    is_admin            INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    -- May write and publish letters of their own (admins invite such organisers;
    -- people invited to one letter get a role on it only).
    may_publish         INTEGER NOT NULL DEFAULT 0 CHECK (may_publish IN (0, 1)),
    language            TEXT NOT NULL DEFAULT 'en',
    -- The TOTP secret, sealed; NULL until the organiser enrols.
    totp_sealed         BLOB,
    -- The last time step a code was accepted for: a code works once.
    totp_last_step      INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER NOT NULL
) STRICT;

-- Unused recovery codes (hashes); a code is deleted when used.
CREATE TABLE recovery_codes (
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    code_hash   BLOB NOT NULL,
    PRIMARY KEY (account_id, code_hash)
) STRICT, WITHOUT ROWID;

-- Every sign-in request, whether or not the address has an account: the same
-- write either way (no timing tells them apart), and the per-address limit.
CREATE TABLE sign_in_requests (
    email_lookup  BLOB NOT NULL,
    requested_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX sign_in_requests_lookup ON sign_in_requests (email_lookup, requested_at);

-- Single-use links, made by the mail worker when it sends one.
CREATE TABLE sign_in_links (
    token_hash  BLOB PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    expires_at  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE sessions (
    token_hash          BLOB PRIMARY KEY,
    account_id          INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- 0 while the session waits for a TOTP or recovery code.
    second_factor_done  INTEGER NOT NULL CHECK (second_factor_done IN (0, 1)),
    created_at          INTEGER NOT NULL,
    last_seen_at        INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX sessions_account ON sessions (account_id);

-- Mail to organisers, written with the change that causes it.
CREATE TABLE account_outbox (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('sign_in', 'invitation')),
    account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- Invitations: the letter and the role (no letter: invited to publish).
    letter_id        INTEGER REFERENCES letters (id),
    role             TEXT,
    state            TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'dead')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    last_error       TEXT
) STRICT;
CREATE INDEX account_outbox_due ON account_outbox (state, next_attempt_at);

CREATE TABLE letter_roles (
    letter_id   INTEGER NOT NULL REFERENCES letters (id),
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('organiser', 'moderator')),
    granted_at  INTEGER NOT NULL,
    PRIMARY KEY (letter_id, account_id, role)
) STRICT, WITHOUT ROWID;
CREATE INDEX letter_roles_account ON letter_roles (account_id);

-- A letter before publication. Its owner (and admins) edit it; publishing makes
-- the owner the letter's organiser and removes the draft.
CREATE TABLE drafts (
    id             INTEGER PRIMARY KEY,
    owner_id       INTEGER NOT NULL REFERENCES accounts (id),
    slug           TEXT NOT NULL UNIQUE,
    title          TEXT NOT NULL,
    addressee      TEXT NOT NULL,
    community      TEXT NOT NULL,
    language       TEXT NOT NULL,
    body           TEXT NOT NULL,
    organisations  INTEGER NOT NULL CHECK (organisations IN (0, 1)),
    closes_on      TEXT,          -- YYYY-MM-DD
    target         INTEGER,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX drafts_owner ON drafts (owner_id);

ALTER TABLE letters ADD COLUMN closes_on TEXT;
ALTER TABLE letters ADD COLUMN target INTEGER;

-- What organisers and operators did. `account_id` NULL: the command line.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    account_id  INTEGER REFERENCES accounts (id),
    letter_id   INTEGER REFERENCES letters (id),
    action      TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX audit_log_letter ON audit_log (letter_id, id);

CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
