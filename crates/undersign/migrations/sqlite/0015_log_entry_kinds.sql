-- The verify page explains a checkpoint's size entry by entry kind. Signatures are
-- almost all of a log; the few other entries (texts, withdrawals, strikes) get a
-- small partial index, and signatures are the rest.
CREATE INDEX log_entries_other_kinds ON log_entries (letter_id, leaf_index)
    WHERE kind != 'signature' AND leaf_index IS NOT NULL;
