-- Certificates sockwarden issued (client and server), and client certificates of another CA
-- mapped to clients by subject or fingerprint.
CREATE TABLE certificates (
    serial      TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('client', 'server')),
    client      TEXT,
    fingerprint TEXT NOT NULL UNIQUE,
    subject     TEXT NOT NULL,
    not_before  TEXT NOT NULL,
    not_after   TEXT NOT NULL,
    revoked_at  TEXT
);
CREATE TABLE cert_mappings (
    client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    kind      TEXT NOT NULL CHECK (kind IN ('subject', 'fingerprint')),
    value     TEXT NOT NULL,
    UNIQUE (kind, value)
);
