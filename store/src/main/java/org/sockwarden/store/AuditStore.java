package org.sockwarden.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The audit trail: {@value #FILE}, a SQLite file of its own beside the policy store, in WAL mode.
 * It is apart from the policy so that its steady inserts and its retention deletes never hold the
 * write lock an admin command waits for, never move the {@code data_version} the policy watcher
 * polls, and can be moved, emptied or lost without touching a grant.
 *
 * <p>One connection per instance, its methods serialised: the proxy's writer has one instance and
 * is the only writer; the CLI and the status page read through instances of their own.
 */
public final class AuditStore implements AutoCloseable {

    public static final String FILE = "audit.db";
    static final List<String> MIGRATIONS = List.of("V1__audit.sql", "V2__limit_decision.sql", "V3__who_and_ruling_written_once.sql",
            "V4__batches_bound_the_time.sql");
    private static final String COLUMNS = "id, ts, client, identity_kind, identity, remote_host, remote_port, method, target, operation, "
            + "decision, decided_by, guardrail, status, bytes_in, bytes_out, duration_us";
    /**
     * The rows at or after a time (its two parameters: the time, twice), for the readers of the view
     * {@code audit}: exactly by ts, and bounded by the ids of the batches that can hold such rows, so
     * that only the rows written since are read (audit_entry has no index on ts; see V4).
     */
    static final String SINCE = "ts >= ? AND id >= (SELECT MIN(first_id) FROM audit_batch WHERE ts_max >= ?)";
    /** The rows of audit_entry before a time ({@code ?1}), bounded alike by the batches that can hold them. */
    static final String BEFORE = "id BETWEEN (SELECT MIN(first_id) FROM audit_batch WHERE ts_min < ?1) "
            + "AND (SELECT MAX(last_id) FROM audit_batch WHERE ts_min < ?1) AND ts < ?1";

    /** Which rows {@link #find} returns; null fields and an empty set do not filter. */
    public record Filter(String client, Set<String> decisions, String operation, Instant since, long afterId, int limit) {
        public Filter {
            decisions = decisions == null ? Set.of() : Set.copyOf(decisions);
        }
    }

    /** Rows of one client and decision since some time. */
    public record Count(String client, String decision, long count) {}

    /** Rows of one client, operation, decision and guardrail option; {@code lastId} is the newest of them, an example. */
    public record Usage(String client, String operation, String decision, String guardrail, long count, long lastId) {}

    /** Who asked: a row of audit_who. */
    private record Who(String client, String identityKind, String identity, String remoteHost) {}

    /** What was ruled: a row of audit_ruling. */
    private record Ruling(String operation, String decision, String decidedBy, String guardrail) {}

    private static final int FIELDS = 10;
    /**
     * Rows per INSERT under load: one statement of 64 rows took about half the CPU per row of 64
     * one-row statements in a JDBC batch (1.75 against 3.4 µs a row, 2,000 rows per transaction,
     * sqlite-jdbc 3.54), and the writer's CPU is taken from the requests on a busy machine.
     */
    static final int ROWS_PER_INSERT = 64;
    /**
     * Ids of audit_who and audit_ruling rows kept in memory; past this many (only a flood of distinct
     * remote hosts gets there) the cache starts again, and the rows are looked up in the file.
     */
    static final int CACHED_IDS = 4_096;

    private final Path file;
    private final Connection connection;
    private final Dictionary<Who> who = new Dictionary<>("audit_who", List.of("client", "identity_kind", "identity", "remote_host"),
            w -> new String[] {w.client(), w.identityKind(), w.identity(), w.remoteHost()});
    private final Dictionary<Ruling> ruling = new Dictionary<>("audit_ruling", List.of("operation", "decision", "decided_by", "guardrail"),
            r -> new String[] {r.operation(), r.decision(), r.decidedBy(), r.guardrail()});
    // The writer's statements, prepared once (preparing the 64-row INSERT took 8 % of its CPU when done per batch).
    private PreparedStatement insertChunk;
    private PreparedStatement insertOne;
    private PreparedStatement insertBatch;

    private AuditStore(Path file, Connection connection) {
        this.file = file;
        this.connection = connection;
    }

    /** Whether {@code dataDir} has an audit trail (a proxy has written one there). */
    public static boolean exists(Path dataDir) {
        return Files.exists(dataDir.resolve(FILE));
    }

    /** Opens the audit trail of {@code dataDir}, creating the file when it is missing, and brings its schema up to date. */
    public static AuditStore open(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        Connection c = null;
        try {
            c = Store.dataSource(file, 5_000).getConnection();
            Store.migrate(c, file, "audit-migrations/", MIGRATIONS);
            try (Statement s = c.createStatement()) {
                // A commit waits for no fsync of the log (with FULL it did, 20 a second under load; 1.51 against
                // 1.40 µs of the writer's CPU a row at the row limit): a power loss may take the last
                // commits, as it takes the records still queued, and a crash of the process takes nothing
                // committed. The policy store stays FULL for its revocations.
                s.execute("PRAGMA synchronous = NORMAL");
            }
            return new AuditStore(file, c);
        } catch (SQLException | RuntimeException e) {
            closeQuietly(c);
            throw e instanceof SQLException sql ? Store.unusable(file, sql) : (RuntimeException) e;
        }
    }

    public Path file() {
        return file;
    }

    /**
     * Writes {@code entries} in one transaction, in their order (ids rise with it), and the batch's
     * row in audit_batch. A caller or a ruling not yet in the file is added to it in the same transaction.
     */
    public synchronized void append(List<AuditEntry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        int chunked = entries.size() - entries.size() % ROWS_PER_INSERT;
        boolean committed = false;
        try {
            connection.setAutoCommit(false);
            for (int start = 0; start < chunked; start += ROWS_PER_INSERT) {
                PreparedStatement p = insertChunk();
                for (int row = 0; row < ROWS_PER_INSERT; row++) {
                    bind(p, row * FIELDS, entries.get(start + row));
                }
                p.executeUpdate();
            }
            if (chunked < entries.size()) {
                PreparedStatement p = insertOne();
                for (AuditEntry e : entries.subList(chunked, entries.size())) {
                    bind(p, 0, e);
                    p.addBatch();
                }
                p.executeBatch();
            }
            batch(entries);
            connection.commit();
            committed = true;
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly();
            clearBatchQuietly();
            throw e instanceof SQLException sql ? Store.unusable(file, sql) : (RuntimeException) e;
        } finally {
            who.ended(committed);
            ruling.ended(committed);
            autoCommit();
        }
    }

    /** What a failed append had added to the one-row statement's batch must not go out with the next. */
    private void clearBatchQuietly() {
        try {
            if (insertOne != null) {
                insertOne.clearBatch();
            }
        } catch (SQLException ignored) {
            // a broken connection: the next call reports it
        }
    }

    /**
     * The batch's ids and times. This connection is the file's only writer and the batch's rows went
     * in one after another in this transaction, so AUTOINCREMENT gave them consecutive ids, up to
     * the last one inserted.
     */
    private void batch(List<AuditEntry> entries) throws SQLException {
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (AuditEntry e : entries) {
            long ts = e.time().toEpochMilli();
            min = Math.min(min, ts);
            max = Math.max(max, ts);
        }
        if (insertBatch == null) {
            insertBatch = connection.prepareStatement("INSERT INTO audit_batch (first_id, last_id, ts_min, ts_max) "
                    + "VALUES (last_insert_rowid() - ? + 1, last_insert_rowid(), ?, ?)");
        }
        insertBatch.setInt(1, entries.size());
        insertBatch.setLong(2, min);
        insertBatch.setLong(3, max);
        insertBatch.executeUpdate();
    }

    private PreparedStatement insertChunk() throws SQLException {
        if (insertChunk == null) {
            insertChunk = connection.prepareStatement(insert(ROWS_PER_INSERT));
        }
        return insertChunk;
    }

    private PreparedStatement insertOne() throws SQLException {
        if (insertOne == null) {
            insertOne = connection.prepareStatement(insert(1));
        }
        return insertOne;
    }

    private static String insert(int rows) {
        String values = "(" + String.join(", ", Collections.nCopies(FIELDS, "?")) + ")";
        return "INSERT INTO audit_entry (ts, who, remote_port, method, target, ruling, status, bytes_in, bytes_out, duration_us) VALUES "
                + String.join(", ", Collections.nCopies(rows, values));
    }

    /** Binds {@code e} to the {@value #FIELDS} parameters after {@code offset}. */
    private void bind(PreparedStatement p, int offset, AuditEntry e) throws SQLException {
        p.setLong(offset + 1, e.time().toEpochMilli());
        p.setLong(offset + 2, who.id(new Who(e.client(), e.identityKind(), e.identity(), e.remoteHost())));
        if (e.remoteHost() == null) {
            p.setNull(offset + 3, Types.INTEGER);
        } else {
            p.setInt(offset + 3, e.remotePort());
        }
        p.setString(offset + 4, e.method());
        p.setString(offset + 5, e.target());
        p.setLong(offset + 6, ruling.id(new Ruling(e.operation(), e.decision(), e.decidedBy(), e.guardrail())));
        p.setInt(offset + 7, e.status());
        p.setLong(offset + 8, e.bytesIn());
        p.setLong(offset + 9, e.bytesOut());
        p.setLong(offset + 10, e.durationMicros());
    }

    /**
     * A table of few distinct rows that audit_entry refers to by id (audit_who, audit_ruling), with
     * the ids of its rows in memory. Ids of rows the transaction in progress added are kept apart
     * until it ends: a rolled-back row is gone, and its id must not be used again.
     */
    private final class Dictionary<K> {
        private final String table;
        private final List<String> columns;
        private final Function<K, String[]> values;
        private final Map<K, Long> ids = new HashMap<>();
        private final Map<K, Long> added = new HashMap<>();
        private PreparedStatement find;
        private PreparedStatement add;

        Dictionary(String table, List<String> columns, Function<K, String[]> values) {
            this.table = table;
            this.columns = columns;
            this.values = values;
        }

        /** The id of the row holding {@code key}'s values, added when there is none. */
        long id(K key) throws SQLException {
            Long id = ids.get(key);
            if (id == null) {
                id = added.get(key);
            }
            if (id == null) {
                id = findOrAdd(values.apply(key));
                added.put(key, id);
            }
            return id;
        }

        private long findOrAdd(String[] row) throws SQLException {
            if (find == null) {
                // IS, not =: a null matches a null.
                find = connection.prepareStatement("SELECT id FROM " + table + " WHERE "
                        + String.join(" AND ", columns.stream().map(c -> c + " IS ?").toList()));
                add = connection.prepareStatement("INSERT INTO " + table + " (" + String.join(", ", columns) + ") VALUES ("
                        + String.join(", ", Collections.nCopies(columns.size(), "?")) + ") RETURNING id");
            }
            for (int i = 0; i < row.length; i++) {
                text(find, i + 1, row[i]);
            }
            try (ResultSet rs = find.executeQuery()) {
                if (rs.next()) {
                    return rs.getLong(1);
                }
            }
            for (int i = 0; i < row.length; i++) {
                text(add, i + 1, row[i]);
            }
            try (ResultSet rs = add.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }

        /** The transaction ended: what it added is in the file if it committed, gone if not. */
        void ended(boolean committed) {
            if (committed) {
                if (ids.size() + added.size() > CACHED_IDS) {
                    ids.clear();
                }
                ids.putAll(added);
            }
            added.clear();
        }
    }

    private static void text(PreparedStatement p, int index, String value) throws SQLException {
        if (value == null) {
            p.setNull(index, Types.VARCHAR);
        } else {
            p.setString(index, value);
        }
    }

    /**
     * The rows {@code filter} selects, oldest first: with {@code afterId} the first {@code limit}
     * after it (what {@code --follow} asks for), else the newest {@code limit}; a limit of 0 is no limit.
     */
    public synchronized List<AuditEntry> find(Filter filter) {
        StringBuilder sql = new StringBuilder("SELECT ").append(COLUMNS).append(" FROM audit WHERE id > ?");
        List<Object> args = new ArrayList<>(List.of(filter.afterId()));
        if (filter.client() != null) {
            sql.append(" AND client = ?");
            args.add(filter.client());
        }
        if (!filter.decisions().isEmpty()) {
            sql.append(" AND decision IN (").append(String.join(", ", Collections.nCopies(filter.decisions().size(), "?"))).append(')');
            args.addAll(filter.decisions().stream().sorted().toList());
        }
        if (filter.operation() != null) {
            sql.append(" AND operation = ?");
            args.add(filter.operation());
        }
        if (filter.since() != null) {
            sql.append(" AND ").append(SINCE);
            args.add(filter.since().toEpochMilli());
            args.add(filter.since().toEpochMilli());
        }
        boolean newest = filter.afterId() == 0 && filter.limit() > 0;
        sql.append(newest ? " ORDER BY id DESC" : " ORDER BY id");
        if (filter.limit() > 0) {
            sql.append(" LIMIT ?");
            args.add(filter.limit());
        }
        List<AuditEntry> rows = query(sql.toString(), args);
        if (newest) {
            Collections.reverse(rows);
        }
        return rows;
    }

    /** The rows of these ids, in id order; ids that are gone (retention) are left out. */
    public synchronized List<AuditEntry> entries(List<Long> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        return query("SELECT " + COLUMNS + " FROM audit WHERE id IN (" + String.join(", ", Collections.nCopies(ids.size(), "?"))
                + ") ORDER BY id", new ArrayList<>(ids));
    }

    /** How many rows each client has of each decision since {@code since}. */
    public synchronized List<Count> counts(Instant since) {
        List<Count> counts = new ArrayList<>();
        try (PreparedStatement p = prepare("SELECT client, decision, COUNT(*) FROM audit WHERE " + SINCE
                + " GROUP BY client, decision ORDER BY client, decision", List.of(since.toEpochMilli(), since.toEpochMilli()))) {
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    counts.add(new Count(rs.getString(1), rs.getString(2), rs.getLong(3)));
                }
            }
            return counts;
        } catch (SQLException e) {
            throw Store.unusable(file, e);
        }
    }

    /**
     * What was asked for since {@code since} with one of {@code decisions}, by client (or only
     * {@code clientOrNull}), operation and guardrail option, most asked first.
     */
    public synchronized List<Usage> usage(String clientOrNull, Set<String> decisions, Instant since) {
        StringBuilder sql = new StringBuilder("SELECT client, operation, decision, guardrail, COUNT(*), MAX(id) FROM audit WHERE ")
                .append(SINCE);
        List<Object> args = new ArrayList<>(List.of(since.toEpochMilli(), since.toEpochMilli()));
        if (clientOrNull != null) {
            sql.append(" AND client = ?");
            args.add(clientOrNull);
        }
        sql.append(" AND decision IN (").append(String.join(", ", Collections.nCopies(decisions.size(), "?"))).append(')');
        args.addAll(decisions.stream().sorted().toList());
        sql.append(" GROUP BY client, operation, decision, guardrail ORDER BY COUNT(*) DESC, MAX(id) DESC");
        List<Usage> usage = new ArrayList<>();
        try (PreparedStatement p = prepare(sql.toString(), args); ResultSet rs = p.executeQuery()) {
            while (rs.next()) {
                usage.add(new Usage(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5), rs.getLong(6)));
            }
            return usage;
        } catch (SQLException e) {
            throw Store.unusable(file, e);
        }
    }

    /**
     * Deletes up to {@code chunk} of the rows written before {@code cutoff}, lowest ids first; returns
     * how many. Only the ids of the batches that can hold such rows (ts_min before the cutoff) are
     * read: none while nothing is that old.
     */
    public synchronized int deleteOlderThan(Instant cutoff, int chunk) {
        return delete("DELETE FROM audit_entry WHERE id IN (SELECT id FROM audit_entry WHERE " + BEFORE + " ORDER BY id LIMIT ?2)",
                cutoff.toEpochMilli(), chunk);
    }

    /**
     * Deletes up to {@code chunk} of the oldest rows beyond the newest {@code keep}; returns how many.
     * Ids rise by one per row and retention only ever deletes the oldest, so the newest {@code keep}
     * rows are those whose id is above the highest minus {@code keep}. The chunk is the ids from the
     * lowest on: one range of the table's key, deleted without first collecting its ids (0.56 against
     * 0.79 µs of CPU a row, measured on 1.2 million rows; at the row limit every row written is one
     * deleted).
     */
    public synchronized int deleteBeyond(long keep, int chunk) {
        return delete("DELETE FROM audit_entry WHERE id <= MIN((SELECT MAX(id) FROM audit_entry) - ?1, (SELECT MIN(id) FROM audit_entry) + ?2 - 1)",
                keep, chunk);
    }

    /**
     * Runs {@code sql}, a delete of rows, then deletes the batches all of whose rows are gone. A batch
     * whose ids reach the oldest row left stays, and so does every batch while no row is left: a batch
     * row too many only widens a reader's bound, one too few would hide rows.
     */
    private int delete(String sql, long first, int chunk) {
        try (PreparedStatement p = connection.prepareStatement(sql);
             PreparedStatement batches = connection.prepareStatement("DELETE FROM audit_batch WHERE first_id < (SELECT MIN(id) FROM audit_entry) "
                     + "AND last_id < (SELECT MIN(id) FROM audit_entry)")) {
            p.setLong(1, first);
            p.setInt(2, chunk);
            int deleted = p.executeUpdate();
            batches.executeUpdate();
            return deleted;
        } catch (SQLException e) {
            throw Store.unusable(file, e);
        }
    }

    private List<AuditEntry> query(String sql, List<Object> args) {
        List<AuditEntry> rows = new ArrayList<>();
        try (PreparedStatement p = prepare(sql, args); ResultSet rs = p.executeQuery()) {
            while (rs.next()) {
                rows.add(new AuditEntry(rs.getLong(1), Instant.ofEpochMilli(rs.getLong(2)), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getInt(7), rs.getString(8), rs.getString(9), rs.getString(10),
                        rs.getString(11), rs.getString(12), rs.getString(13), rs.getInt(14), rs.getLong(15), rs.getLong(16),
                        rs.getLong(17)));
            }
            return rows;
        } catch (SQLException e) {
            throw Store.unusable(file, e);
        }
    }

    private PreparedStatement prepare(String sql, List<Object> args) throws SQLException {
        PreparedStatement p = connection.prepareStatement(sql);
        for (int i = 0; i < args.size(); i++) {
            p.setObject(i + 1, args.get(i));
        }
        return p;
    }

    private void rollbackQuietly() {
        try {
            connection.rollback();
        } catch (SQLException ignored) {
            // the failure that ended the transaction is the one to report
        }
    }

    private void autoCommit() {
        try {
            connection.setAutoCommit(true);
        } catch (SQLException ignored) {
            // a broken connection: the next call reports it
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // going away anyway
            }
        }
    }

    @Override
    public synchronized void close() {
        // Closing the connection closes its statements.
        closeQuietly(connection);
    }
}
