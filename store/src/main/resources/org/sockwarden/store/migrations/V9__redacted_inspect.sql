-- Fields stripped from the container inspect answers a client gets (the text form of the proxy's
-- RedactedField set: field names separated by spaces, e.g. "Config.Env Args"). Empty: answers as the
-- engine gives them. The store does not interpret it; the proxy serves deny-all a client whose text it
-- cannot read. Clients added before keep their answers whole (presets set it when they are applied).
ALTER TABLE clients ADD COLUMN redact TEXT NOT NULL DEFAULT '';
