-- One row per decided request, and per hijacked session when it ends (AuditStore, written by
-- `serve` in batches). ts is Unix epoch milliseconds: compact, and what range queries and
-- retention compare. AUTOINCREMENT keeps ids rising even after retention emptied the table, so
-- `sockwarden audit --follow` (rows after the last id it printed) never misses one.
CREATE TABLE audit (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    ts            INTEGER NOT NULL,
    client        TEXT,
    identity_kind TEXT NOT NULL CHECK (identity_kind IN ('port', 'socket', 'certificate')),
    identity      TEXT,
    remote        TEXT,
    method        TEXT NOT NULL,
    target        TEXT NOT NULL,
    operation     TEXT,
    decision      TEXT NOT NULL CHECK (decision IN ('allow', 'deny', 'would-deny', 'reject')),
    decided_by    TEXT,
    guardrail     TEXT,
    status        INTEGER NOT NULL,
    bytes_in      INTEGER NOT NULL,
    bytes_out     INTEGER NOT NULL,
    duration_us   INTEGER NOT NULL
);
CREATE INDEX audit_ts ON audit (ts);
CREATE INDEX audit_client_ts ON audit (client, ts);
