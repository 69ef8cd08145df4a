-- The audit trail is written to audit.db beside this file (AuditStore): a steady stream of
-- inserts and retention deletes there never holds the write lock an admin command waits for,
-- and never moves the data_version the policy watcher polls. V3's audit table was never written.
DROP INDEX audit_client_ts;
DROP INDEX audit_ts;
DROP TABLE audit;
