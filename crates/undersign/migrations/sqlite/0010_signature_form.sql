-- Each letter's signature form: optional fields hidden, optional or required;
-- organisations beside people or not; verified institutional mail domains.
ALTER TABLE letters ADD COLUMN form_fields TEXT NOT NULL DEFAULT '';
ALTER TABLE letters ADD COLUMN organisations_allowed INTEGER NOT NULL DEFAULT 1 CHECK (organisations_allowed IN (0, 1));
-- Space-separated, lower-case.
ALTER TABLE letters ADD COLUMN verified_domains TEXT NOT NULL DEFAULT '';

-- The listed domain a signer's address belongs to, found when signing.
ALTER TABLE signatures ADD COLUMN verified_domain TEXT;

-- Organisations are few: counting them separately stays cheap on a big letter.
CREATE INDEX signatures_organisations ON signatures (letter_id) WHERE organisation = 1;
