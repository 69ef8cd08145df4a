-- Clients and how they are recognised. Permission names are stored as the user typed them after
-- validation by the proxy's registry; the store does not interpret them.
CREATE TABLE clients (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE listeners (
    client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    kind      TEXT NOT NULL CHECK (kind IN ('tcp', 'unix')),
    address   TEXT NOT NULL,
    mode      TEXT,
    uid       INTEGER,
    gid       INTEGER,
    UNIQUE (kind, address)
);
CREATE TABLE sources (
    client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    cidr      TEXT NOT NULL,
    UNIQUE (client_id, cidr)
);
CREATE TABLE peer_uids (
    client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    uid       INTEGER NOT NULL,
    UNIQUE (client_id, uid)
);
CREATE TABLE grants (
    client_id  INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    permission TEXT NOT NULL,
    UNIQUE (client_id, permission)
);
CREATE TABLE presets (
    client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    preset    TEXT NOT NULL,
    UNIQUE (client_id, preset)
);
-- policy_version: bumped in the same transaction as every change, shown by `status`.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO meta (key, value) VALUES ('policy_version', '0');
