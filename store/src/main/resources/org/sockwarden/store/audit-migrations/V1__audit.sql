-- One row per decided request, and per hijacked session when it ends (AuditStore, written by
-- `serve` in batches). ts is Unix epoch milliseconds: compact, and what range queries and
-- retention compare. AUTOINCREMENT keeps ids rising even after retention emptied the table, so
-- `sockwarden audit --follow` (rows after the last id it printed) never misses one.
-- Every row costs the proxy CPU while it serves, so the table is kept cheap to append to
-- (measured per row with sqlite-jdbc, 1,000 rows per transaction): the CHECKs are written as
-- OR chains, since a constant IN list cost about 3 µs a row, more than the whole insert
-- otherwise; and there is one index, on ts, which every reader's time window uses (a second
-- one on client and ts cost another 0.6 µs a row; a client's rows are found within the window).
CREATE TABLE audit (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    ts            INTEGER NOT NULL,
    client        TEXT,
    identity_kind TEXT NOT NULL CHECK (identity_kind = 'port' OR identity_kind = 'socket' OR identity_kind = 'certificate'),
    identity      TEXT,
    remote        TEXT,
    method        TEXT NOT NULL,
    target        TEXT NOT NULL,
    operation     TEXT,
    decision      TEXT NOT NULL CHECK (decision = 'allow' OR decision = 'deny' OR decision = 'would-deny'
                                       OR decision = 'reject'),
    decided_by    TEXT,
    guardrail     TEXT,
    status        INTEGER NOT NULL,
    bytes_in      INTEGER NOT NULL,
    bytes_out     INTEGER NOT NULL,
    duration_us   INTEGER NOT NULL
);
CREATE INDEX audit_ts ON audit (ts);
