package org.sockwarden.store;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.CharArrayWriter;
import java.io.IOException;
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
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;
import org.sqlite.ProgressHandler;

/**
 * The audit trail: {@value #FILE}, a SQLite file of its own beside the policy store, in WAL mode.
 * It is apart from the policy so that its steady inserts and its retention deletes never hold the
 * write lock an admin command waits for, never move the {@code data_version} the policy watcher
 * polls, and can be moved, emptied or lost without touching a grant.
 *
 * <p>A row of audit_batch holds the records of one of the writer's transactions, packed in one
 * JSON array (V5): a batch of hundreds of records costs one insert. Record ids are positions in
 * it. The readers unpack the batches whose ids and times can hold what they ask for and test each
 * record exactly; the view {@code audit} unpacks them all, for the sqlite3 shell.
 *
 * <p>One connection per instance, its methods serialised: the proxy's writer has one instance and
 * is the only writer; the CLI and the status page read through instances of their own.
 */
public final class AuditStore implements AutoCloseable {

    public static final String FILE = "audit.db";
    static final List<String> MIGRATIONS = List.of("V1__audit.sql", "V2__limit_decision.sql", "V3__who_and_ruling_written_once.sql",
            "V4__batches_bound_the_time.sql", "V5__records_packed_per_batch.sql");
    private static final JsonFactory JSON = new JsonFactory();
    /** The highest id ever given; retention never lowers it, so ids keep rising after the table was emptied. */
    private static final String LAST_ID = "COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'audit_batch'), 0)";

    /** Which rows {@link #find} returns; null fields and an empty set do not filter. */
    public record Filter(String client, Set<String> decisions, String operation, Instant since, long afterId, int limit) {
        public Filter {
            decisions = decisions == null ? Set.of() : Set.copyOf(decisions);
        }

        boolean matches(AuditEntry e) {
            return e.id() > afterId && (client == null || client.equals(e.client())) && (decisions.isEmpty() || decisions.contains(e.decision()))
                    && (operation == null || operation.equals(e.operation())) && (since == null || !e.time().isBefore(since));
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

    /**
     * A record as packed in its batch, the JSON array {@code [ts, who, remote_port, method, target,
     * ruling, status, bytes_in, bytes_out, duration_us]}: its caller and its ruling by id, no
     * remote port without a remote host.
     */
    private record Packed(long ts, long who, Integer remotePort, String method, String target, long ruling, int status,
                          long bytesIn, long bytesOut, long durationMicros) {

        void write(JsonGenerator g) throws IOException {
            g.writeStartArray();
            g.writeNumber(ts);
            g.writeNumber(who);
            if (remotePort == null) {
                g.writeNull();
            } else {
                g.writeNumber(remotePort.intValue());
            }
            g.writeString(method);
            g.writeString(target);
            g.writeNumber(ruling);
            g.writeNumber(status);
            g.writeNumber(bytesIn);
            g.writeNumber(bytesOut);
            g.writeNumber(durationMicros);
            g.writeEndArray();
        }
    }

    /** A row of audit_batch unpacked: record {@code i} has id {@code firstId + i}, and is null where retention removed it. */
    private record Batch(long lastId, long firstId, List<Packed> records) {}

    /**
     * Ids of audit_who and audit_ruling rows kept in memory; past this many (only a flood of distinct
     * remote hosts gets there) the cache starts again, and the rows are looked up in the file.
     */
    static final int CACHED_IDS = 4_096;

    private final Path file;
    private final Connection connection;
    private final Dictionary<Who> who = new Dictionary<>("audit_who", List.of("client", "identity_kind", "identity", "remote_host"),
            w -> new String[] {w.client(), w.identityKind(), w.identity(), w.remoteHost()}, v -> new Who(v[0], v[1], v[2], v[3]));
    private final Dictionary<Ruling> ruling = new Dictionary<>("audit_ruling", List.of("operation", "decision", "decided_by", "guardrail"),
            r -> new String[] {r.operation(), r.decision(), r.decidedBy(), r.guardrail()}, v -> new Ruling(v[0], v[1], v[2], v[3]));
    private final CharArrayWriter packed = new CharArrayWriter(1 << 16);
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
                // A commit waits for no fsync of the log (with FULL it did, 20 a second under load): a
                // power loss may take the last commits, as it takes the records still queued, and a
                // crash of the process takes nothing committed. The policy store stays FULL for its revocations.
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

    /** This connection's {@code PRAGMA synchronous} (1 is NORMAL): a connection's own setting, which no other can read. */
    synchronized int synchronous() {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("PRAGMA synchronous")) {
            return rs.getInt(1);
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    /**
     * Writes {@code entries} in one transaction as one batch, their ids rising in their order after
     * the highest given so far. A caller or a ruling not yet in the file is added to it in the same transaction.
     */
    public synchronized void append(List<AuditEntry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        boolean committed = false;
        try {
            transaction(() -> {
                insert(entries);
                return 0;
            });
            committed = true;
        } finally {
            who.ended(committed);
            ruling.ended(committed);
        }
    }

    private void insert(List<AuditEntry> entries) throws SQLException, IOException {
        List<Packed> records = new ArrayList<>(entries.size());
        for (AuditEntry e : entries) {
            records.add(new Packed(e.time().toEpochMilli(), who.id(new Who(e.client(), e.identityKind(), e.identity(), e.remoteHost())),
                    e.remoteHost() == null ? null : e.remotePort(), e.method(), e.target(),
                    ruling.id(new Ruling(e.operation(), e.decision(), e.decidedBy(), e.guardrail())), e.status(), e.bytesIn(),
                    e.bytesOut(), e.durationMicros()));
        }
        Packing batch = pack(records);
        if (insertBatch == null) {
            insertBatch = connection.prepareStatement("INSERT INTO audit_batch (last_id, first_id, ts_min, ts_max, records) "
                    + "SELECT last + ?1, last + 1, ?2, ?3, ?4 FROM (SELECT " + LAST_ID + " AS last)");
        }
        insertBatch.setInt(1, entries.size());
        insertBatch.setLong(2, batch.tsMin());
        insertBatch.setLong(3, batch.tsMax());
        insertBatch.setString(4, batch.records());
        insertBatch.executeUpdate();
    }

    /** What went wrong, for the operator: an IOException is a batch that does not unpack (the generator writes to memory). */
    private RuntimeException failure(Exception e) {
        if (e instanceof SQLException sql) {
            return Store.unusable(file, sql);
        }
        return e instanceof IOException io ? new StoreException("database " + file + ": " + io.getMessage(), io) : (RuntimeException) e;
    }

    /**
     * A table of few distinct rows that the records refer to by id (audit_who, audit_ruling), with
     * the ids of its rows in memory. Ids of rows the transaction in progress added are kept apart
     * until it ends: a rolled-back row is gone, and its id must not be used again.
     */
    private final class Dictionary<K> {
        private final String table;
        private final List<String> columns;
        private final Function<K, String[]> values;
        private final Function<String[], K> key;
        private final Map<K, Long> ids = new HashMap<>();
        private final Map<K, Long> added = new HashMap<>();
        private PreparedStatement find;
        private PreparedStatement add;

        Dictionary(String table, List<String> columns, Function<K, String[]> values, Function<String[], K> key) {
            this.table = table;
            this.columns = columns;
            this.values = values;
            this.key = key;
        }

        /** The key whose values row {@code id} holds, for the readers. */
        K read(long id) throws SQLException {
            try (PreparedStatement p = connection.prepareStatement("SELECT " + String.join(", ", columns) + " FROM " + table + " WHERE id = ?")) {
                p.setLong(1, id);
                try (ResultSet rs = p.executeQuery()) {
                    if (!rs.next()) {
                        throw new SQLException("a record refers to row " + id + " of " + table + ", which is not there");
                    }
                    String[] row = new String[columns.size()];
                    for (int i = 0; i < row.length; i++) {
                        row[i] = rs.getString(i + 1);
                    }
                    return key.apply(row);
                }
            }
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

    // ---- reads ----

    /**
     * The rows {@code filter} selects, oldest first: with {@code afterId} the first {@code limit}
     * after it (what {@code --follow} asks for), else the newest {@code limit}; a limit of 0 is no limit.
     */
    public synchronized List<AuditEntry> find(Filter filter) {
        boolean newest = filter.afterId() == 0 && filter.limit() > 0;
        List<AuditEntry> rows = new ArrayList<>();
        read(records -> records.scan(filter.afterId(), filter.since(), newest, e -> {
            if (filter.matches(e)) {
                rows.add(e);
            }
            return filter.limit() == 0 || rows.size() < filter.limit();
        }));
        if (newest) {
            Collections.reverse(rows);
        }
        return rows;
    }

    /** The rows of these ids, in id order; ids that are gone (retention) are left out. */
    public synchronized List<AuditEntry> entries(List<Long> ids) {
        TreeSet<Long> wanted = new TreeSet<>(ids);
        List<AuditEntry> rows = new ArrayList<>();
        read(records -> {
            // Each batch unpacked once, for all the ids it holds.
            Long id = wanted.isEmpty() ? null : wanted.first();
            while (id != null) {
                Batch b = records.batchHolding(id);
                if (b != null) {
                    for (long in : wanted.subSet(id, true, b.lastId(), true)) {
                        Packed p = b.records().get((int) (in - b.firstId()));
                        if (p != null) {
                            rows.add(records.entry(in, p));
                        }
                    }
                }
                id = wanted.higher(b == null ? id : b.lastId());
            }
        });
        return rows;
    }

    /** How many rows each client has of each decision since {@code since}, by client (null first) and decision. */
    public synchronized List<Count> counts(Instant since) {
        Map<List<String>, long[]> counts = new TreeMap<>(BY_TEXTS);
        read(records -> records.scan(0, since, false, e -> {
            if (!e.time().isBefore(since)) {
                counts.computeIfAbsent(texts(e.client(), e.decision()), k -> new long[1])[0]++;
            }
            return true;
        }));
        List<Count> result = new ArrayList<>();
        counts.forEach((k, n) -> result.add(new Count(k.get(0), k.get(1), n[0])));
        return result;
    }

    /**
     * What was asked for since {@code since} with one of {@code decisions}, by client (or only
     * {@code clientOrNull}), operation, decision and guardrail option, most asked first, then newest first.
     */
    public synchronized List<Usage> usage(String clientOrNull, Set<String> decisions, Instant since) {
        Map<List<String>, long[]> usage = new HashMap<>();
        read(records -> records.scan(0, since, false, e -> {
            if (!e.time().isBefore(since) && (clientOrNull == null || clientOrNull.equals(e.client())) && decisions.contains(e.decision())) {
                long[] countAndLast = usage.computeIfAbsent(texts(e.client(), e.operation(), e.decision(), e.guardrail()), k -> new long[2]);
                countAndLast[0]++;
                countAndLast[1] = Math.max(countAndLast[1], e.id());
            }
            return true;
        }));
        List<Usage> result = new ArrayList<>();
        usage.forEach((k, n) -> result.add(new Usage(k.get(0), k.get(1), k.get(2), k.get(3), n[0], n[1])));
        result.sort(Comparator.comparingLong(Usage::count).thenComparingLong(Usage::lastId).reversed());
        return result;
    }

    /** Texts that may be null, as a key (List.of refuses nulls). */
    private static List<String> texts(String... values) {
        return Collections.unmodifiableList(Arrays.asList(values));
    }

    private static final Comparator<String> NULL_FIRST = Comparator.nullsFirst(Comparator.naturalOrder());
    private static final Comparator<List<String>> BY_TEXTS = (a, b) -> {
        for (int i = 0; i < a.size(); i++) {
            int c = NULL_FIRST.compare(a.get(i), b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return 0;
    };

    /** Something done with a {@link Records}; SQLException and IOException are reported as the file's. */
    private interface ReadWork {
        void run(Records records) throws SQLException, IOException;
    }

    /**
     * Runs {@code work} in one read transaction: the batches and the callers and rulings they refer
     * to are of one moment of the file, whatever the writer commits meanwhile.
     */
    private void read(ReadWork work) {
        transaction(() -> {
            work.run(new Records());
            return 0;
        });
    }

    /** Unpacks batches and turns their records into entries, with the callers and rulings they refer to read once each. */
    private final class Records {
        private final Map<Long, Who> whos = new HashMap<>();
        private final Map<Long, Ruling> rulings = new HashMap<>();

        /**
         * Hands {@code visitor} every record after {@code afterId} in the batches that can hold one at
         * or after {@code since} (null: any), oldest first or newest first, until it returns false.
         * The visitor tests each record's own time: a batch's records are not in time order.
         */
        void scan(long afterId, Instant since, boolean newestFirst, Predicate<AuditEntry> visitor) throws SQLException, IOException {
            try (PreparedStatement p = connection.prepareStatement(SELECT_BATCHES
                    + "last_id > ? AND ts_max >= ? ORDER BY last_id" + (newestFirst ? " DESC" : ""))) {
                p.setLong(1, afterId);
                p.setLong(2, since == null ? Long.MIN_VALUE : since.toEpochMilli());
                try (ResultSet rs = p.executeQuery()) {
                    while (rs.next()) {
                        Batch b = unpack(rs);
                        int n = b.records().size();
                        for (int k = 0; k < n; k++) {
                            int i = newestFirst ? n - 1 - k : k;
                            Packed r = b.records().get(i);
                            long id = b.firstId() + i;
                            if (r != null && id > afterId && !visitor.test(entry(id, r))) {
                                return;
                            }
                        }
                    }
                }
            }
        }

        /** The batch whose ids include {@code id}, or null. */
        Batch batchHolding(long id) throws SQLException, IOException {
            try (PreparedStatement p = connection.prepareStatement(SELECT_BATCHES + "last_id >= ? ORDER BY last_id LIMIT 1")) {
                p.setLong(1, id);
                try (ResultSet rs = p.executeQuery()) {
                    if (!rs.next() || rs.getLong(2) > id) {
                        return null;
                    }
                    return unpack(rs);
                }
            }
        }

        AuditEntry entry(long id, Packed p) throws SQLException {
            Who w = whos.get(p.who());
            if (w == null) {
                w = who.read(p.who());
                whos.put(p.who(), w);
            }
            Ruling r = rulings.get(p.ruling());
            if (r == null) {
                r = ruling.read(p.ruling());
                rulings.put(p.ruling(), r);
            }
            return new AuditEntry(id, Instant.ofEpochMilli(p.ts()), w.client(), w.identityKind(), w.identity(), w.remoteHost(),
                    p.remotePort() == null ? 0 : p.remotePort(), p.method(), p.target(), r.operation(), r.decision(), r.decidedBy(),
                    r.guardrail(), p.status(), p.bytesIn(), p.bytesOut(), p.durationMicros());
        }
    }

    /** The columns {@link #unpack} reads, in its order; a WHERE clause follows. */
    private static final String SELECT_BATCHES = "SELECT last_id, first_id, records FROM audit_batch WHERE ";

    /** The batch in the current row of {@code rs}, selected by {@link #SELECT_BATCHES}. */
    private Batch unpack(ResultSet rs) throws SQLException, IOException {
        long lastId = rs.getLong(1);
        long firstId = rs.getLong(2);
        if (firstId > lastId) {
            throw damaged(lastId, "its first id is " + firstId);
        }
        List<Packed> records = new ArrayList<>((int) Math.min(lastId - firstId + 1, 4_096));
        try (JsonParser p = JSON.createParser(rs.getString(3))) {
            expect(p, JsonToken.START_ARRAY, lastId);
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                if (t == JsonToken.VALUE_NULL) {
                    records.add(null);
                    continue;
                }
                if (t != JsonToken.START_ARRAY) {
                    throw damaged(lastId, "a record is " + t);
                }
                long ts = number(p, lastId);
                long whoId = number(p, lastId);
                Integer remotePort = p.nextToken() == JsonToken.VALUE_NULL ? null : asInt(current(p, lastId), lastId);
                String method = string(p, lastId);
                String target = string(p, lastId);
                long rulingId = number(p, lastId);
                int status = asInt(number(p, lastId), lastId);
                records.add(new Packed(ts, whoId, remotePort, method, target, rulingId, status, number(p, lastId), number(p, lastId),
                        number(p, lastId)));
                expect(p, JsonToken.END_ARRAY, lastId);
            }
        }
        if (records.size() != lastId - firstId + 1) {
            throw damaged(lastId, records.size() + " records for ids " + firstId + " to " + lastId);
        }
        return new Batch(lastId, firstId, records);
    }

    private static void expect(JsonParser p, JsonToken token, long batch) throws IOException {
        JsonToken t = p.nextToken();
        if (t != token) {
            throw damaged(batch, "expected " + token + ", found " + t);
        }
    }

    private static long number(JsonParser p, long batch) throws IOException {
        p.nextToken();
        return current(p, batch);
    }

    private static long current(JsonParser p, long batch) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
            throw damaged(batch, "expected a whole number, found " + p.currentToken());
        }
        return p.getLongValue();
    }

    private static int asInt(long n, long batch) throws IOException {
        if (n != (int) n) {
            throw damaged(batch, "expected a whole number an int holds, found " + n);
        }
        return (int) n;
    }

    private static String string(JsonParser p, long batch) throws IOException {
        if (p.nextToken() != JsonToken.VALUE_STRING) {
            throw damaged(batch, "expected a text, found " + p.currentToken());
        }
        return p.getText();
    }

    private static IOException damaged(long batch, String what) {
        return new IOException("the audit batch ending at id " + batch + " is not what sockwarden writes: " + what);
    }

    // ---- retention ----

    /**
     * Removes every record written before {@code cutoff}, in up to {@code chunk} batches: first the
     * batches whose records are all that old (ts_max before it), then, in the batches that also
     * hold newer ones (late records), those records alone. Returns the batches deleted or rewritten;
     * a full chunk means more may be left. Only batches with ts_min before the cutoff are read.
     */
    public synchronized int deleteOlderThan(Instant cutoff, int chunk) {
        long before = cutoff.toEpochMilli();
        return transaction(() -> {
            int done = deleteBatches(ALL_BEFORE, before, chunk);
            if (done < chunk) {
                for (Batch b : batches(SOME_BEFORE, before, chunk - done)) {
                    List<Packed> kept = new ArrayList<>(b.records());
                    kept.replaceAll(r -> r == null || r.ts() < before ? null : r);
                    rewrite(b.lastId(), b.firstId(), kept);
                    done++;
                }
            }
            return done;
        });
    }

    /**
     * Removes the records beyond the newest {@code keep} ids, in up to {@code chunk} batches: the
     * batches all of whose ids are that old, then the older part of the one batch that straddles
     * the bound. Returns the batches deleted or rewritten; a full chunk means more may be left.
     */
    public synchronized int deleteBeyond(long keep, int chunk) {
        return transaction(() -> {
            long bound;
            try (PreparedStatement p = connection.prepareStatement("SELECT " + LAST_ID + " - ?")) {
                p.setLong(1, keep);
                try (ResultSet rs = p.executeQuery()) {
                    bound = rs.getLong(1);
                }
            }
            int done = deleteBatches(ALL_UP_TO, bound, chunk);
            if (done < chunk) {
                for (Batch b : batches(FIRST_ABOVE, bound, 1)) {
                    if (b.firstId() <= bound) {
                        rewrite(b.lastId(), bound + 1, b.records().subList((int) (bound + 1 - b.firstId()), b.records().size()));
                        done++;
                    }
                }
            }
            return done;
        });
    }

    /**
     * Batches all of whose records are older than ?1 (in ms), and those that hold one or more. By
     * their indexes, named: left to itself, SQLite reads every batch in last_id order, for the
     * ORDER BY and LIMIT that follow, and finds none, as it mostly will.
     */
    private static final String ALL_BEFORE = "last_id IN (SELECT last_id FROM audit_batch INDEXED BY audit_batch_ts_max WHERE ts_max < ?1)";
    private static final String SOME_BEFORE = "last_id IN (SELECT last_id FROM audit_batch INDEXED BY audit_batch_ts_min WHERE ts_min < ?1) "
            + "ORDER BY last_id LIMIT ?2";
    /**
     * Batches all of whose ids are ?1 or lower, and the first batch above ?1, which holds ?1 too
     * when it straddles it. Not "first_id <= ?1 AND last_id > ?1": SQLite would read every batch
     * above ?1 for it, the whole trail when there is none, as below the row limit.
     */
    private static final String ALL_UP_TO = "last_id <= ?1";
    private static final String FIRST_ABOVE = "last_id > ?1 ORDER BY last_id LIMIT ?2";

    /**
     * SQLite's virtual machine steps (in tens) that {@code work} takes on this connection: the work
     * its statements do, which a test can compare where it must not time them.
     */
    synchronized long stepsOf(Runnable work) {
        long[] tens = new long[1];
        try {
            ProgressHandler.setHandler(connection, 10, new ProgressHandler() {
                @Override
                protected int progress() {
                    tens[0]++;
                    return 0;
                }
            });
            try {
                work.run();
            } finally {
                ProgressHandler.clearHandler(connection);
            }
        } catch (SQLException e) {
            throw failure(e);
        }
        return tens[0];
    }

    /** Deletes up to {@code chunk} of the batches {@code where} ({@code ?1} is {@code value}) selects, lowest ids first. */
    private int deleteBatches(String where, long value, int chunk) throws SQLException {
        try (PreparedStatement p = connection.prepareStatement("DELETE FROM audit_batch WHERE last_id IN "
                + "(SELECT last_id FROM audit_batch WHERE " + where + " ORDER BY last_id LIMIT ?2)")) {
            p.setLong(1, value);
            p.setInt(2, chunk);
            return p.executeUpdate();
        }
    }

    private List<Batch> batches(String where, long value, int limit) throws SQLException, IOException {
        List<Batch> batches = new ArrayList<>();
        try (PreparedStatement p = connection.prepareStatement(SELECT_BATCHES + where)) {
            p.setLong(1, value);
            p.setInt(2, limit);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    batches.add(unpack(rs));
                }
            }
        }
        return batches;
    }

    /**
     * Writes a batch's records again, from {@code firstId} on, with its times recomputed; a batch
     * left with no record is deleted, so every batch's ts_min and ts_max are those of records it holds.
     */
    private void rewrite(long lastId, long firstId, List<Packed> records) throws SQLException, IOException {
        Packing batch = pack(records);
        boolean empty = batch.tsMin() > batch.tsMax();
        try (PreparedStatement p = empty
                ? connection.prepareStatement("DELETE FROM audit_batch WHERE last_id = ?1")
                : connection.prepareStatement("UPDATE audit_batch SET first_id = ?2, ts_min = ?3, ts_max = ?4, records = ?5 WHERE last_id = ?1")) {
            p.setLong(1, lastId);
            if (!empty) {
                p.setLong(2, firstId);
                p.setLong(3, batch.tsMin());
                p.setLong(4, batch.tsMax());
                p.setString(5, batch.records());
            }
            p.executeUpdate();
        }
    }

    /** A batch's records as stored, and the least and greatest ts among them (MAX_VALUE and MIN_VALUE with none). */
    private record Packing(long tsMin, long tsMax, String records) {}

    /** Packs {@code records} (null where one was removed) into the JSON text a batch stores. */
    private Packing pack(List<Packed> records) throws IOException {
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        packed.reset();
        try (JsonGenerator g = JSON.createGenerator(packed)) {
            g.writeStartArray();
            for (Packed r : records) {
                if (r == null) {
                    g.writeNull();
                } else {
                    min = Math.min(min, r.ts());
                    max = Math.max(max, r.ts());
                    r.write(g);
                }
            }
            g.writeEndArray();
        }
        return new Packing(min, max, packed.toString());
    }

    /** Work on the file; SQLException and IOException are reported as the file's. */
    private interface Work {
        int run() throws SQLException, IOException;
    }

    /** Runs {@code work} in one transaction, rolled back if it fails. */
    private int transaction(Work work) {
        try {
            connection.setAutoCommit(false);
            int result = work.run();
            connection.commit();
            return result;
        } catch (SQLException | IOException | RuntimeException e) {
            rollbackQuietly();
            throw failure(e);
        } finally {
            autoCommit();
        }
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
