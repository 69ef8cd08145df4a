-- A client's guardrails: what the guard lets it past in the request bodies and queries it inspects,
-- and what it requires (the text form of the proxy's Guardrails: items separated by spaces, e.g.
-- "bind-path=/srv/data cap-add=NET_ADMIN"). Empty is the default: nothing relaxed, nothing required.
-- The store does not interpret it; the proxy refuses, and serves deny-all, a text it cannot read.
ALTER TABLE clients ADD COLUMN guardrails TEXT NOT NULL DEFAULT '';
