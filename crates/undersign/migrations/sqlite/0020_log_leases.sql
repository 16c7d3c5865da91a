-- One integrator per letter at a time: a node holds a letter's lease while it
-- integrates, and every checkpoint it commits carries the lease's token. A node
-- that lost the lease (paused, cut off, killed and restarted) holds an old token
-- and can never commit (fencing). On one SQLite file there is one node; the
-- lease costs a row per letter and keeps the engines alike.
CREATE TABLE log_leases (
    letter_id   INTEGER PRIMARY KEY REFERENCES letters (id),
    holder      TEXT NOT NULL,
    token       INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
) STRICT;
