package org.sockwarden.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.sockwarden.store.AuditEntry;
import org.sockwarden.store.AuditStore;

/**
 * What the audit trail's writer spends per record: {@link AuditStore#append} of a batch of
 * {@code GET /_ping} records into a real SQLite file, timestamps rising as the proxy's do: 2,000
 * (the most the writer takes per transaction) and 750 (what it gathers in 50 ms at 15k req/s),
 * the latter also with the file at its row limit. Reported per record. The writer runs off the
 * request path, but on a busy machine its CPU is taken from the requests.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AuditAppendBenchmark {

    static final int MOST = 2_000;
    static final int GATHERED = 750;
    /** A row limit of the file, reached before the first measurement. */
    static final int LIMIT = 200_000;
    static final Duration RETENTION = Duration.ofDays(30);

    private Path dir;
    private AuditStore store;
    private long millis;
    private long batches;

    @Setup(Level.Trial)
    public void open() throws IOException {
        dir = Files.createTempDirectory("sockwarden-audit-bench");
        store = AuditStore.open(dir);
        millis = System.currentTimeMillis();
        for (int i = 0; i < LIMIT / MOST; i++) {
            append(MOST);
        }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        store.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(MOST)
    public void appendPingRecords() {
        append(MOST);
    }

    @Benchmark
    @OperationsPerInvocation(GATHERED)
    public void appendPingRecordsGatheredIn50ms() {
        append(GATHERED);
    }

    /**
     * The steady state of a busy proxy: the file at its row limit, where the writer's retention
     * removes as many records as it appends, once a second (after 20 batches of 50 ms): the
     * batches all of whose ids are beyond the limit, and the older part of the one across it; then
     * what is older than the default retention of 30 days, here nothing, as the writer finds.
     */
    @Benchmark
    @OperationsPerInvocation(GATHERED)
    public void appendAtTheRowLimit() {
        append(GATHERED);
        if (++batches % 20 == 0) {
            store.deleteBeyond(LIMIT, 500);
            store.deleteOlderThan(Instant.ofEpochMilli(millis).minus(RETENTION), 500);
        }
    }

    private void append(int batch) {
        List<AuditEntry> records = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
            records.add(new AuditEntry(0, Instant.ofEpochMilli(millis++), "drop-in", "port", "127.0.0.1:2375",
                    "127.0.0.1", 40_000 + i % 16, "GET", "/_ping", "system.ping", "allow", "PING", null, 200, 0, 2, 310));
        }
        store.append(records);
    }
}
