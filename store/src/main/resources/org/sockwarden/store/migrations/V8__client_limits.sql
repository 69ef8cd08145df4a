-- A client's limits: how many requests and streams it may run at once and how fast it may send
-- them, in the text form of the proxy's ClientLimits (items separated by spaces, e.g.
-- "max-requests=10 max-streams=4 rate=20/s"). Empty is no limit. The store does not interpret it;
-- the proxy refuses, and serves deny-all, a text it cannot read.
ALTER TABLE clients ADD COLUMN limits TEXT NOT NULL DEFAULT '';
