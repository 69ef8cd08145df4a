package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sockwarden.proxy.api.Operation;
import org.sockwarden.proxy.audit.AuditRecord;
import org.sockwarden.proxy.audit.AuditRecord.Verdict;
import org.sockwarden.proxy.log.AccessLog;
import org.sockwarden.store.AuditEntry;
import org.sockwarden.store.AuditStore;

class AuditWriterTest {

    @TempDir
    Path data;

    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final AccessLog log = new AccessLog(AccessLog.Format.TEXT, new PrintStream(logBytes, true, StandardCharsets.UTF_8));

    static AuditRecord record(int i) {
        return new AuditRecord(Instant.now(), "unix:/run/sw/ci.sock", "ci", null, 1000, null, "GET", "/v1.41/containers/json?n=" + i,
                Operation.CONTAINERS_LIST, Verdict.ALLOW, "CONTAINERS", null, 200, 0, 5, 100);
    }

    private String log() {
        log.close();
        return logBytes.toString(StandardCharsets.UTF_8);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " not within 15 s");
            }
            Thread.sleep(20);
        }
    }

    private List<AuditEntry> rows() {
        try (AuditStore a = AuditStore.open(data)) {
            return a.find(new AuditStore.Filter(null, null, null, null, 0, 0));
        }
    }

    @Test
    void recordsAreWrittenInBatchesAndCloseWritesWhatIsQueued() {
        AuditWriter writer = new AuditWriter(data, Duration.ofDays(30), 1_000_000, log);
        for (int i = 0; i < 5_000; i++) {
            writer.record(record(i));
        }
        writer.close();
        assertThat(writer.written()).isEqualTo(5_000);
        assertThat(writer.depth()).isZero();
        List<AuditEntry> rows = rows();
        assertThat(rows).hasSize(5_000);
        AuditEntry first = rows.get(0);
        assertThat(first.target()).isEqualTo("/v1.41/containers/json?n=0");
        assertThat(first.identityKind()).isEqualTo("socket");
        assertThat(first.identity()).isEqualTo("/run/sw/ci.sock uid 1000");
        assertThat(first.remote()).isNull();
        assertThat(first.operation()).isEqualTo("containers.list");
        assertThat(first.decision()).isEqualTo("allow");
        assertThat(writer.dropped(AuditWriter.Drop.QUEUE_FULL) + writer.dropped(AuditWriter.Drop.WRITE_FAILED)).isZero();
        assertThat(log()).doesNotContain("dropped");
    }

    @Test
    void anUnwritableFileDropsRecordsCountedAndSaidInTheLog() throws Exception {
        // As root, permissions do not stop a write; a directory where the file should be does.
        Files.createDirectories(data.resolve(AuditStore.FILE));
        AuditWriter writer = new AuditWriter(data, Duration.ofDays(30), 1_000_000, log);
        for (int i = 0; i < 10; i++) {
            writer.record(record(i));
        }
        await("records dropped", () -> writer.dropped(AuditWriter.Drop.WRITE_FAILED) == 10);
        assertThat(writer.problem()).contains(data.resolve(AuditStore.FILE).toString());
        writer.close();
        assertThat(writer.written()).isZero();
        assertThat(log()).contains("ERROR audit trail: cannot write to " + data.resolve(AuditStore.FILE))
                .contains("WARN audit trail: 10 records dropped (0 with the queue full, 10 not writable); 10 since start");
    }

    @Test
    void whenTheWriterCannotKeepUpRecordsAreDroppedAndCountedWithoutWaiting() throws Exception {
        AuditStore.open(data).close();
        int capacity = 100;
        int offered = 3_000;
        AuditWriter writer;
        // Another connection holds the write lock: the writer's next insert waits for it, as on a stalled disk.
        try (Connection lock = DriverManager.getConnection("jdbc:sqlite:" + data.resolve(AuditStore.FILE));
             Statement s = lock.createStatement()) {
            s.execute("BEGIN EXCLUSIVE");
            writer = new AuditWriter(data, Duration.ofDays(30), 1_000_000, log, capacity);
            for (int i = 0; i < offered; i++) {
                writer.record(record(i));
            }
            // The writer holds at most one batch (2,000) and the queue its capacity: the rest was refused at once.
            assertThat(writer.dropped(AuditWriter.Drop.QUEUE_FULL)).isGreaterThanOrEqualTo(offered - 2_000 - capacity);
            assertThat(writer.depth()).isLessThanOrEqualTo(capacity);
            s.execute("ROLLBACK");
        }
        writer.close();
        assertThat(writer.written() + writer.dropped(AuditWriter.Drop.QUEUE_FULL) + writer.dropped(AuditWriter.Drop.WRITE_FAILED))
                .isEqualTo(offered);
        assertThat(rows()).hasSize((int) writer.written());
        assertThat(log()).contains("records dropped (" + writer.dropped(AuditWriter.Drop.QUEUE_FULL) + " with the queue full");
    }

    @Test
    void retentionKeepsTheNewestRowsAndDeletesOldOnes() throws Exception {
        try (AuditStore a = AuditStore.open(data)) {
            a.append(List.of(AuditWriter.entry(new AuditRecord(Instant.now().minus(Duration.ofDays(40)), "127.0.0.1:1", "old", null, -1,
                    null, "GET", "/_ping", Operation.SYSTEM_PING, Verdict.ALLOW, "PING", null, 200, 0, 0, 1))));
        }
        AuditWriter writer = new AuditWriter(data, Duration.ofDays(30), 50, log);
        for (int i = 0; i < 200; i++) {
            writer.record(record(i));
        }
        await("retention", () -> writer.written() == 200 && rows().size() == 50);
        writer.close();
        List<AuditEntry> rows = rows();
        assertThat(rows).extracting(AuditEntry::client).containsOnly("ci");
        assertThat(rows.get(49).target()).isEqualTo("/v1.41/containers/json?n=199");
    }

    @Test
    void recordsAfterCloseAreCountedNotLost() {
        AuditWriter writer = new AuditWriter(data, Duration.ofDays(30), 1_000_000, log);
        writer.close();
        writer.record(record(1));
        assertThat(writer.dropped(AuditWriter.Drop.WRITE_FAILED)).isEqualTo(1);
    }
}
