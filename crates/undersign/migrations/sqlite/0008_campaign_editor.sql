-- Campaigns edited from the browser: their organisers, hidden timeline entries,
-- and links to related earlier campaigns (a series of cases).

CREATE TABLE campaign_roles (
    campaign_id  INTEGER NOT NULL REFERENCES campaigns (id),
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    granted_at   INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, account_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX campaign_roles_account ON campaign_roles (account_id);

-- Hidden entries stay for the record (and the audit log) but are not shown.
ALTER TABLE timeline_entries ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1));

CREATE TABLE campaign_links (
    campaign_id  INTEGER NOT NULL REFERENCES campaigns (id),
    related_id   INTEGER NOT NULL REFERENCES campaigns (id),
    PRIMARY KEY (campaign_id, related_id),
    CHECK (campaign_id != related_id)
) STRICT, WITHOUT ROWID;
