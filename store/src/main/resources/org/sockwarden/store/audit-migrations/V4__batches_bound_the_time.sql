-- The index on audit_entry (ts) cost each row a second B-tree insert and, at the row limit, a
-- second delete: the writer's SQLite work took 2.05 µs a row with it and 1.51 without, with
-- retention deleting a row for each row written, and 1.44 against 1.09 below the limit (medians,
-- sqlite-jdbc 3.54, 64-row INSERTs, 768 rows a transaction). Under /_ping load at 16 connections
-- the trail cost 8-10 % of the requests per second, about three times the share of the CPU its
-- writer took.
--
-- What the readers need of it, a bound on the ids of the rows since some time (and, for retention,
-- of the rows before it), is kept per batch instead: a row per transaction of the writer, about 20
-- a second under load. Its ids are first_id..last_id; ts_min and ts_max are the least and greatest
-- ts among them. A row with ts >= T is in a batch with ts_max >= T, so its id is at least the least
-- first_id of those batches; a row with ts < T is in a batch with ts_min < T. The readers keep
-- their exact ts condition: the bound only spares them the rows it cannot be.
DROP INDEX audit_entry_ts;
CREATE TABLE audit_batch (
    first_id INTEGER PRIMARY KEY,
    last_id  INTEGER NOT NULL,
    ts_min   INTEGER NOT NULL,
    ts_max   INTEGER NOT NULL
);
-- The rows of V3 are cut into batches of up to 1000 ids.
INSERT INTO audit_batch (first_id, last_id, ts_min, ts_max)
    SELECT MIN(id), MAX(id), MIN(ts), MAX(ts) FROM audit_entry GROUP BY id / 1000;
CREATE INDEX audit_batch_ts_max ON audit_batch (ts_max);
CREATE INDEX audit_batch_ts_min ON audit_batch (ts_min);
