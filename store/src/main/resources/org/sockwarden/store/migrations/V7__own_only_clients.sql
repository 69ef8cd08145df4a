-- Own-only clients: what such a client creates carries the owner label org.sockwarden.owner=<owner_id>,
-- and it may act only on objects that carry its own. owner_id is random and never reused, so a client
-- removed and added again under the same name does not inherit what its namesake created.
ALTER TABLE clients ADD COLUMN own_only INTEGER NOT NULL DEFAULT 0 CHECK (own_only IN (0, 1));
ALTER TABLE clients ADD COLUMN owner_id TEXT;
UPDATE clients SET owner_id = lower(hex(randomblob(16))) WHERE owner_id IS NULL;
CREATE UNIQUE INDEX clients_owner_id ON clients (owner_id);
