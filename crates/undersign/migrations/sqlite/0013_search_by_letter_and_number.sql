-- The signer search index is keyed by (letter, confirmation number) instead of the
-- signature's row id: rowid = letter_id << 32 | seq. A letter's matches are then
-- one rowid range, ordered as the signer list is (newest confirmation first), so
-- a search can be counted and paged by keyset without reading other letters.
DROP TABLE signature_search;
CREATE VIRTUAL TABLE signature_search USING fts5(
    name, affiliation, city,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO signature_search (rowid, name, affiliation, city)
    SELECT (letter_id << 32) | seq, name, coalesce(affiliation, ''), coalesce(city, '') FROM signatures
    WHERE status = 'confirmed' AND seq IS NOT NULL AND show_name = 1 AND withdrawn_at IS NULL
      AND struck_at IS NULL AND held = 0;
