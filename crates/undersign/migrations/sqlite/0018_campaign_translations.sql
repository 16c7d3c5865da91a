-- Campaigns in the readers' languages: a campaign's title and summary, its
-- timeline entries' place and note, and each letter's pull quote, per language.
-- Readers see their language's text where there is one, the original elsewhere.
CREATE TABLE campaign_translations (
    campaign_id  INTEGER NOT NULL REFERENCES campaigns (id),
    language     TEXT NOT NULL,
    title        TEXT NOT NULL,
    summary      TEXT NOT NULL,
    PRIMARY KEY (campaign_id, language)
) STRICT, WITHOUT ROWID;
CREATE TABLE timeline_translations (
    entry_id  INTEGER NOT NULL REFERENCES timeline_entries (id),
    language  TEXT NOT NULL,
    place     TEXT NOT NULL,
    note      TEXT NOT NULL,
    PRIMARY KEY (entry_id, language)
) STRICT, WITHOUT ROWID;
CREATE TABLE pull_quote_translations (
    letter_id  INTEGER NOT NULL REFERENCES letters (id),
    language   TEXT NOT NULL,
    quote      TEXT NOT NULL,
    PRIMARY KEY (letter_id, language)
) STRICT, WITHOUT ROWID;
