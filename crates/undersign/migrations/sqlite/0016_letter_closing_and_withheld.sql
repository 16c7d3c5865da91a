-- When a letter was closed, for the pages that show it closed (home, campaign).
-- Letters closed before this migration keep no date; a planned closing day
-- stands in for it where there was one.
ALTER TABLE letters ADD COLUMN closed_at INTEGER;
UPDATE letters SET closed_at = unixepoch(closes_on) WHERE status = 'closed' AND closes_on IS NOT NULL;
-- Letter pages say how many signers asked not to be shown: a partial index over
-- just those keeps the count cheap.
CREATE INDEX signatures_withheld ON signatures (letter_id)
    WHERE show_name = 0 AND seq IS NOT NULL AND withdrawn_at IS NULL AND struck_at IS NULL AND held = 0;
