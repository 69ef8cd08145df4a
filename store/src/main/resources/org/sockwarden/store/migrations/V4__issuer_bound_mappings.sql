-- A subject mapping names the CA whose signature it trusts (the SHA-256 fingerprint of its certificate):
-- any trusted CA can write any subject. One subject may be mapped once per CA, so the uniqueness moves
-- from (kind, value) to (kind, value, ca), which takes a new table. Subject mappings of earlier
-- versions name no CA; when exactly one CA was trusted with `init --trust-ca` they meant that one,
-- otherwise they stay without one and their client is served nothing until `client set` names it.
CREATE TABLE cert_mappings_v4 (
    client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    kind      TEXT NOT NULL CHECK (kind IN ('subject', 'fingerprint')),
    value     TEXT NOT NULL,
    ca        TEXT
);
INSERT INTO cert_mappings_v4 (client_id, kind, value, ca)
    SELECT client_id, kind, value,
           CASE WHEN kind = 'subject' THEN (SELECT value FROM settings WHERE key = 'trusted_cas' AND instr(value, ',') = 0) END
      FROM cert_mappings;
DROP TABLE cert_mappings;
ALTER TABLE cert_mappings_v4 RENAME TO cert_mappings;
CREATE UNIQUE INDEX cert_mappings_unique ON cert_mappings (kind, value, ifnull(ca, ''));
-- Certificates sockwarden did not issue, revoked by fingerprint: one certificate of another CA can be
-- refused without removing the mapping that admits the others.
CREATE TABLE revoked_fingerprints (
    fingerprint TEXT PRIMARY KEY,
    revoked_at  TEXT NOT NULL,
    reason      TEXT
);
