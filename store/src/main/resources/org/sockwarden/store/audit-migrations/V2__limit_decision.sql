-- Requests refused because their client was at one of its limits (429) are recorded with decision
-- 'limit', decided_by naming the limit (max-requests, max-streams or rate). SQLite cannot change a
-- CHECK in place, so the table is built again: every row keeps its id, and the AUTOINCREMENT counter
-- is carried over (`audit --follow` reads the rows after the last id it printed, also after
-- retention emptied the table).
CREATE TABLE audit_v2 (
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
                                       OR decision = 'reject' OR decision = 'limit'),
    decided_by    TEXT,
    guardrail     TEXT,
    status        INTEGER NOT NULL,
    bytes_in      INTEGER NOT NULL,
    bytes_out     INTEGER NOT NULL,
    duration_us   INTEGER NOT NULL
);
INSERT INTO audit_v2 (id, ts, client, identity_kind, identity, remote, method, target, operation, decision, decided_by,
                      guardrail, status, bytes_in, bytes_out, duration_us)
    SELECT id, ts, client, identity_kind, identity, remote, method, target, operation, decision, decided_by,
           guardrail, status, bytes_in, bytes_out, duration_us FROM audit;
DELETE FROM sqlite_sequence WHERE name = 'audit_v2';
INSERT INTO sqlite_sequence (name, seq) SELECT 'audit_v2', seq FROM sqlite_sequence WHERE name = 'audit';
DROP TABLE audit;
ALTER TABLE audit_v2 RENAME TO audit;
CREATE INDEX audit_ts ON audit (ts);
