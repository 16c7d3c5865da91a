-- One outbox for every mail: signers' (confirm, already signed, new version),
-- organisers' (sign-in links, invitations) and the links of removal requests.
-- Every job goes through the same claim → done / retry / dead cycle; a job names
-- what it is about, and goes with it when that is deleted.
CREATE TABLE mail_jobs (
    id                  INTEGER PRIMARY KEY,
    kind                TEXT NOT NULL CHECK (kind IN ('confirm', 'already_signed', 'new_version',
                                                      'sign_in', 'invitation', 'removal_request')),
    signature_id        INTEGER REFERENCES signatures (id) ON DELETE CASCADE,
    account_id          INTEGER REFERENCES accounts (id) ON DELETE CASCADE,
    -- Invitations: the letter or campaign, and the role (neither: invited to publish).
    letter_id           INTEGER REFERENCES letters (id) ON DELETE CASCADE,
    campaign_id         INTEGER REFERENCES campaigns (id) ON DELETE CASCADE,
    role                TEXT,
    removal_request_id  INTEGER REFERENCES removal_requests (id) ON DELETE CASCADE,
    state               TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'dead')),
    attempts            INTEGER NOT NULL DEFAULT 0,
    next_attempt_at     INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    last_error          TEXT,
    CHECK (CASE kind
               WHEN 'sign_in' THEN account_id IS NOT NULL
               WHEN 'invitation' THEN account_id IS NOT NULL AND role IS NOT NULL
               WHEN 'removal_request' THEN removal_request_id IS NOT NULL
               ELSE signature_id IS NOT NULL
           END)
) STRICT;
CREATE INDEX mail_jobs_due ON mail_jobs (state, next_attempt_at);
CREATE INDEX mail_jobs_signature ON mail_jobs (signature_id) WHERE signature_id IS NOT NULL;
CREATE INDEX mail_jobs_account ON mail_jobs (account_id) WHERE account_id IS NOT NULL;
CREATE INDEX mail_jobs_removal ON mail_jobs (removal_request_id) WHERE removal_request_id IS NOT NULL;

INSERT INTO mail_jobs (kind, signature_id, state, attempts, next_attempt_at, created_at, last_error)
    SELECT kind, signature_id, state, attempts, next_attempt_at, created_at, last_error FROM outbox;
INSERT INTO mail_jobs (kind, account_id, letter_id, campaign_id, role, state, attempts, next_attempt_at,
                       created_at, last_error)
    SELECT kind, account_id, letter_id, campaign_id, role, state, attempts, next_attempt_at, created_at,
           last_error
    FROM account_outbox;
INSERT INTO mail_jobs (kind, removal_request_id, attempts, next_attempt_at, created_at)
    SELECT 'removal_request', id, attempts, next_attempt_at, created_at
    FROM removal_requests WHERE state = 'queued';

DROP TABLE outbox;
DROP TABLE account_outbox;
-- A removal request keeps its own state ('queued' until its link is sent); its
-- mail's attempts live in its job.
DROP INDEX removal_requests_due;
ALTER TABLE removal_requests DROP COLUMN attempts;
ALTER TABLE removal_requests DROP COLUMN next_attempt_at;
