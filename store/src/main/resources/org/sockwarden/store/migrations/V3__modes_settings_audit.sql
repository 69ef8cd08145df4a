-- Learning mode per client (the proxy allows and records denials of a client in 'learn').
ALTER TABLE clients ADD COLUMN mode TEXT NOT NULL DEFAULT 'enforce' CHECK (mode IN ('enforce', 'learn'));
-- NULL for rows written before this column existed; not in UNIQUE or CHECK, so no table rebuild.
ALTER TABLE clients ADD COLUMN updated_at TEXT;
ALTER TABLE certificates ADD COLUMN revoke_reason TEXT;
-- Certificates point at their client by name. Before this version removing a client left its
-- certificates valid, and a new client of the same name would have inherited them.
UPDATE certificates SET revoked_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), revoke_reason = 'client removed'
 WHERE kind = 'client' AND revoked_at IS NULL AND client IS NOT NULL AND client NOT IN (SELECT name FROM clients);
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- Written by the proxy later; created now so the audit writer needs no migration of its own.
CREATE TABLE audit (
    id          INTEGER PRIMARY KEY,
    ts          TEXT NOT NULL,
    client      TEXT,
    listener    TEXT,
    method      TEXT NOT NULL,
    path        TEXT NOT NULL,
    operation   TEXT,
    decision    TEXT NOT NULL,
    permission  TEXT,
    status      INTEGER,
    bytes       INTEGER,
    duration_us INTEGER
);
CREATE INDEX audit_ts ON audit (ts);
CREATE INDEX audit_client_ts ON audit (client, ts);
