-- One integrator per letter at a time: a node holds a letter's lease while it
-- integrates, and every checkpoint it commits carries the lease's token. A node
-- that lost the lease (paused, cut off, killed and restarted) holds an old token
-- and can never commit (fencing).
CREATE TABLE log_leases (
    letter_id   BIGINT PRIMARY KEY REFERENCES letters (id),
    holder      TEXT NOT NULL,
    token       BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
