-- A row of audit_entry cost the writer 1.1-1.4 µs of CPU in SQLite (ten values bound one by one
-- through sqlite-jdbc, a B-tree insert, and at the row limit a delete), and under /_ping load at
-- 16 connections the trail cost 5-10 % of the requests per second, about three times the share
-- of the CPU its writer took; a writer that did everything but SQLite cost about 1 %. A batch's
-- records are now one value, a JSON array in the batch's row (written with jackson-core by the
-- writer), so hundreds of records cost one insert.
--
-- records holds one element per id from first_id to last_id, in order: the JSON array
-- [ts, who, remote_port, method, target, ruling, status, bytes_in, bytes_out, duration_us] (who and
-- ruling are ids of audit_who and audit_ruling, whose CHECKs check every record's values once),
-- or null where age retention removed that record. Retention by count removes a batch's oldest
-- records by raising first_id. ts_min and ts_max are the least and greatest ts of the records a
-- batch holds: a record with ts >= T is in a batch with ts_max >= T, one with ts < T in a batch with
-- ts_min < T. last_id is the key, AUTOINCREMENT: sqlite_sequence keeps the highest id ever given,
-- which the writer counts on from, so ids keep rising after retention emptied the table and
-- `sockwarden audit --follow` (records after the last id it printed) never misses one.
CREATE TABLE audit_batch_v5 (
    last_id  INTEGER PRIMARY KEY AUTOINCREMENT,
    first_id INTEGER NOT NULL,
    ts_min   INTEGER NOT NULL,
    ts_max   INTEGER NOT NULL,
    records  TEXT NOT NULL
);
-- The rows of V4 in runs of consecutive ids (retention may have left gaps), cut at every thousandth id.
INSERT INTO audit_batch_v5 (last_id, first_id, ts_min, ts_max, records)
    SELECT MAX(id), MIN(id), MIN(ts), MAX(ts),
           json_group_array(json_array(ts, who, remote_port, method, target, ruling, status, bytes_in, bytes_out, duration_us)
                            ORDER BY id)
    FROM (SELECT *, id - ROW_NUMBER() OVER (ORDER BY id) AS run FROM audit_entry)
    GROUP BY run, id / 1000;
DELETE FROM sqlite_sequence WHERE name = 'audit_batch_v5';
INSERT INTO sqlite_sequence (name, seq) SELECT 'audit_batch_v5', seq FROM sqlite_sequence WHERE name = 'audit_entry';
DROP VIEW audit;
DROP TABLE audit_entry;
DROP TABLE audit_batch;
ALTER TABLE audit_batch_v5 RENAME TO audit_batch;
-- The readers' time window (ts_max) and age retention (ts_min).
CREATE INDEX audit_batch_ts_max ON audit_batch (ts_max);
CREATE INDEX audit_batch_ts_min ON audit_batch (ts_min);
-- Every record, one column per field, for anyone with the sqlite3 shell (it unpacks every batch;
-- `sockwarden audit` reads only the batches its window can hold).
CREATE VIEW audit AS
    SELECT b.first_id + r.key AS id, json_extract(r.value, '$[0]') AS ts, w.client, w.identity_kind, w.identity, w.remote_host,
           json_extract(r.value, '$[2]') AS remote_port, json_extract(r.value, '$[3]') AS method,
           json_extract(r.value, '$[4]') AS target, g.operation, g.decision, g.decided_by, g.guardrail,
           json_extract(r.value, '$[6]') AS status, json_extract(r.value, '$[7]') AS bytes_in,
           json_extract(r.value, '$[8]') AS bytes_out, json_extract(r.value, '$[9]') AS duration_us
    FROM audit_batch b, json_each(b.records) r
    JOIN audit_who w ON w.id = json_extract(r.value, '$[1]')
    JOIN audit_ruling g ON g.id = json_extract(r.value, '$[5]')
    WHERE r.type = 'array';
