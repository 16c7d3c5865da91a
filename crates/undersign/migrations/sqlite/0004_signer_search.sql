-- Search in the public signer list (name, affiliation, city), through an index:
-- only shown, confirmed, not withdrawn and not held signatures are in it.
CREATE VIRTUAL TABLE signature_search USING fts5(
    name, affiliation, city,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO signature_search (rowid, name, affiliation, city)
    SELECT id, name, coalesce(affiliation, ''), coalesce(city, '') FROM signatures
    WHERE status = 'confirmed' AND show_name = 1 AND withdrawn_at IS NULL AND held = 0;
