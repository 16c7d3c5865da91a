-- Organisers invite co-organisers to a campaign: the invitation mail names it.
ALTER TABLE account_outbox ADD COLUMN campaign_id INTEGER REFERENCES campaigns (id);
