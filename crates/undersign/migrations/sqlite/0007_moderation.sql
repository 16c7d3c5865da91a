-- Moderation: decisions on flagged signatures, strikes with their public reason,
-- readers' reports, and what a flag points at (a burst's key, a report's note).

-- A moderator looked and kept the signature (its flags stay, for the record).
ALTER TABLE signatures ADD COLUMN approved_at INTEGER;
-- Struck by a moderator: no longer shown; its strike entry cancels it in the log.
ALTER TABLE signatures ADD COLUMN struck_at INTEGER;
ALTER TABLE signatures ADD COLUMN strike_reason TEXT;

-- A burst's key (signatures from one network in one window share it) or a
-- reader's note with a report.
ALTER TABLE signature_flags ADD COLUMN detail TEXT;
CREATE INDEX signature_flags_kind ON signature_flags (kind, detail);
