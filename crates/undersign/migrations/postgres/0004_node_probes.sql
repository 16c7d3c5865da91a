-- Each node writes its row when asked whether it is ready (`/readyz`): a
-- real write, so a full disk or a read-only server makes the node not
-- ready. Rows of nodes gone for a day are deleted by the next probe.
CREATE TABLE node_probes (
    node     TEXT PRIMARY KEY,
    seen_at  BIGINT NOT NULL
);
