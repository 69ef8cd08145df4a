package org.sockwarden.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditStoreTest {

    @TempDir
    Path dir;

    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    /** {@code n} allowed listings by "ci", a second apart from T0. */
    static List<AuditEntry> listings(int n) {
        List<AuditEntry> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(entry(T0.plusSeconds(i), "ci", "containers.list", "allow", "CONTAINERS", null));
        }
        return rows;
    }

    static AuditEntry entry(Instant time, String client, String operation, String decision, String decidedBy, String guardrail) {
        return new AuditEntry(0, time, client, "port", "127.0.0.1:2380", "127.0.0.1", 40000, "GET", "/v1.41/" + operation,
                operation, decision, decidedBy, guardrail, decision.equals("allow") ? 200 : 403, 0, 10, 150);
    }

    @Test
    void aFileOfItsOwnBesideThePolicyWithItsOwnSchemaHistory() throws Exception {
        assertThat(AuditStore.exists(dir)).isFalse();
        try (AuditStore a = AuditStore.open(dir)) {
            assertThat(a.file()).isEqualTo(dir.resolve("audit.db"));
            // NORMAL (1) on the writer's own connection: its commits wait for no fsync. A connection
            // of the policy store's kind, as the one below, is FULL (2).
            assertThat(a.synchronous()).isEqualTo(1);
        }
        assertThat(AuditStore.exists(dir)).isTrue();
        try (Connection c = Store.dataSource(dir.resolve(AuditStore.FILE), 1000).getConnection(); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
                assertThat(rs.getInt(1)).isEqualTo(AuditStore.MIGRATIONS.size());
            }
            try (ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
                assertThat(rs.getString(1)).isEqualTo("wal");
            }
            try (ResultSet rs = s.executeQuery("PRAGMA synchronous")) {
                assertThat(rs.getInt(1)).isEqualTo(2);
            }
            try (ResultSet rs = s.executeQuery("SELECT script FROM schema_version")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("V1__audit.sql");
            }
        }
        // Opening again migrates nothing and keeps the rows.
        try (AuditStore a = AuditStore.open(dir)) {
            a.append(List.of(entry(T0, "traefik", "containers.list", "allow", "CONTAINERS_LIST", null)));
        }
        try (AuditStore a = AuditStore.open(dir)) {
            assertThat(a.find(new AuditStore.Filter(null, null, null, null, 0, 0))).hasSize(1);
        }
    }

    @Test
    void aVersion1TrailKeepsItsRowsAndIdsAndRecordsLimitsAfterTheUpgrade() throws Exception {
        Path file = dir.resolve(AuditStore.FILE);
        try (Connection c = atVersion(1)) {
            try (Statement s = c.createStatement()) {
                for (int i = 1; i <= 5; i++) {
                    s.execute("INSERT INTO audit (ts, client, identity_kind, method, target, decision, status, bytes_in, bytes_out,"
                            + " duration_us) VALUES (" + i + ", 'ci', 'port', 'GET', '/_ping', 'allow', 200, 0, 2, 10)");
                }
                // Retention took the newest two as well: ids must still go on from 5, never back to 4.
                s.execute("DELETE FROM audit WHERE id > 3");
                assertThatThrownBy(() -> s.execute("INSERT INTO audit (ts, identity_kind, method, target, decision, status, bytes_in,"
                        + " bytes_out, duration_us) VALUES (6, 'port', 'GET', '/', 'limit', 429, 0, 0, 1)"))
                        .hasMessageContaining("CHECK constraint failed");
            }
        }
        try (AuditStore a = AuditStore.open(dir)) {
            assertThat(a.find(new AuditStore.Filter(null, null, null, null, 0, 0))).extracting(AuditEntry::id).containsExactlyInAnyOrder(1L, 2L, 3L);
            a.append(List.of(new AuditEntry(0, T0, "ci", "port", "127.0.0.1:2380", null, 0, "GET", "/v1.41/events", "system.events", "limit",
                    "max-streams", null, 429, 0, 0, 12)));
            AuditEntry limited = a.find(new AuditStore.Filter(null, Set.of("limit"), null, null, 0, 0)).get(0);
            assertThat(limited.id()).isEqualTo(6);
            assertThat(limited.decidedBy()).isEqualTo("max-streams");
            assertThat(limited.status()).isEqualTo(429);
            assertThatThrownBy(() -> a.append(List.of(entry(T0, "x", "containers.list", "maybe", null, null))))
                    .hasMessageContaining("CHECK constraint failed");
        }
        try (Connection c = Store.dataSource(file, 1000).getConnection(); Statement s = c.createStatement()) {
            assertThat(count(s, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'audit_entry'")).as("records packed per batch since V5")
                    .isZero();
            assertThat(batches(s)).as("the V1 rows in one batch, the new row in its own").containsExactly(
                    tuple(1L, 3L, 1L, 3L), tuple(6L, 6L, T0.toEpochMilli(), T0.toEpochMilli()));
        }
    }

    /** A connection to the trail's file with its first {@code n} migrations applied, as a sockwarden of that version left it. */
    private Connection atVersion(int n) throws Exception {
        Path file = dir.resolve(AuditStore.FILE);
        Connection c = Store.dataSource(file, 1000).getConnection();
        Store.migrate(c, file, "audit-migrations/", AuditStore.MIGRATIONS.subList(0, n));
        return c;
    }

    /** The rows of audit_batch: first_id, last_id, ts_min, ts_max. */
    private static List<org.assertj.core.groups.Tuple> batches(Statement s) throws Exception {
        List<org.assertj.core.groups.Tuple> batches = new ArrayList<>();
        try (ResultSet rs = s.executeQuery("SELECT first_id, last_id, ts_min, ts_max FROM audit_batch ORDER BY first_id")) {
            while (rs.next()) {
                batches.add(tuple(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)));
            }
        }
        return batches;
    }

    @Test
    void aSinceFindsEveryRecordAtOrAfterItAcrossBatchesWhoseTimesOverlap() throws Exception {
        try (AuditStore a = AuditStore.open(dir)) {
            a.append(List.of(entry(T0.plusSeconds(10), "ci", "containers.list", "allow", "CONTAINERS", null),
                    entry(T0.plusSeconds(11), "ci", "containers.list", "allow", "CONTAINERS", null)));
            // A record that reached the writer late: older than the batch before it.
            a.append(List.of(entry(T0.plusSeconds(5), "ci", "volumes.list", "deny", "VOLUMES", null),
                    entry(T0.plusSeconds(20), "ci", "containers.list", "allow", "CONTAINERS", null)));
            a.append(List.of(entry(T0.plusSeconds(30), "ops", "containers.list", "allow", "CONTAINERS", null)));

            assertThat(a.find(new AuditStore.Filter(null, null, null, T0.plusSeconds(5), 0, 0))).extracting(AuditEntry::time)
                    .containsExactly(T0.plusSeconds(10), T0.plusSeconds(11), T0.plusSeconds(5), T0.plusSeconds(20), T0.plusSeconds(30));
            assertThat(a.find(new AuditStore.Filter(null, null, null, T0.plusSeconds(11), 0, 0))).extracting(AuditEntry::time)
                    .containsExactly(T0.plusSeconds(11), T0.plusSeconds(20), T0.plusSeconds(30));
            assertThat(a.find(new AuditStore.Filter(null, null, null, T0.plusSeconds(12), 0, 1))).extracting(AuditEntry::time)
                    .containsExactly(T0.plusSeconds(30));
            assertThat(a.find(new AuditStore.Filter(null, null, null, T0.plusSeconds(31), 0, 0))).isEmpty();
            assertThat(a.counts(T0.plusSeconds(5))).containsExactly(new AuditStore.Count("ci", "allow", 3),
                    new AuditStore.Count("ci", "deny", 1), new AuditStore.Count("ops", "allow", 1));
            assertThat(a.counts(T0.plusSeconds(12))).containsExactly(new AuditStore.Count("ci", "allow", 1),
                    new AuditStore.Count("ops", "allow", 1));
            assertThat(a.usage(null, Set.of("deny"), T0.plusSeconds(5))).extracting(AuditStore.Usage::operation).containsExactly("volumes.list");
            assertThat(a.usage(null, Set.of("deny"), T0.plusSeconds(6))).isEmpty();
        }
        try (Connection c = Store.dataSource(dir.resolve(AuditStore.FILE), 1000).getConnection(); Statement s = c.createStatement()) {
            assertThat(batches(s)).containsExactly(tuple(1L, 2L, T0.plusSeconds(10).toEpochMilli(), T0.plusSeconds(11).toEpochMilli()),
                    tuple(3L, 4L, T0.plusSeconds(5).toEpochMilli(), T0.plusSeconds(20).toEpochMilli()),
                    tuple(5L, 5L, T0.plusSeconds(30).toEpochMilli(), T0.plusSeconds(30).toEpochMilli()));
        }
    }

    @Test
    void ageRetentionRemovesEveryRecordBeforeTheCutoffLateOnesInNewerBatchesIncluded() throws Exception {
        try (AuditStore a = AuditStore.open(dir)) {
            a.append(listings(10));
            a.append(List.of(entry(T0.plusSeconds(50), "ci", "containers.list", "allow", "CONTAINERS", null),
                    entry(T0.plusSeconds(3), "ci", "volumes.list", "deny", "VOLUMES", null),
                    entry(T0.plusSeconds(60), "ci", "containers.list", "allow", "CONTAINERS", null)));

            assertThat(a.deleteOlderThan(T0, 100)).as("nothing that old").isZero();
            assertThat(a.deleteOlderThan(T0.plusSeconds(5), 1)).as("a chunk of one batch").isEqualTo(1);
            assertThat(a.deleteOlderThan(T0.plusSeconds(5), 1)).as("T0+3, late in the second batch").isEqualTo(1);
            assertThat(a.deleteOlderThan(T0.plusSeconds(5), 1)).isZero();
            List<AuditEntry> left = a.find(new AuditStore.Filter(null, null, null, null, 0, 0));
            assertThat(left).extracting(AuditEntry::time).containsExactly(T0.plusSeconds(5), T0.plusSeconds(6), T0.plusSeconds(7),
                    T0.plusSeconds(8), T0.plusSeconds(9), T0.plusSeconds(50), T0.plusSeconds(60));
            assertThat(left).extracting(AuditEntry::id).as("every record keeps its id").containsExactly(6L, 7L, 8L, 9L, 10L, 11L, 13L);
            try (Connection c = Store.dataSource(dir.resolve(AuditStore.FILE), 1000).getConnection(); Statement s = c.createStatement()) {
                assertThat(batches(s)).as("the times are those of the records left").containsExactly(
                        tuple(1L, 10L, T0.plusSeconds(5).toEpochMilli(), T0.plusSeconds(9).toEpochMilli()),
                        tuple(11L, 13L, T0.plusSeconds(50).toEpochMilli(), T0.plusSeconds(60).toEpochMilli()));
            }
            assertThat(a.deleteOlderThan(T0.plusSeconds(55), 100)).as("the first batch whole, T0+50 of the second").isEqualTo(2);
            assertThat(a.find(new AuditStore.Filter(null, null, null, null, 0, 0))).extracting(AuditEntry::id).containsExactly(13L);
            try (Connection c = Store.dataSource(dir.resolve(AuditStore.FILE), 1000).getConnection(); Statement s = c.createStatement()) {
                assertThat(batches(s)).containsExactly(tuple(11L, 13L, T0.plusSeconds(60).toEpochMilli(), T0.plusSeconds(60).toEpochMilli()));
            }
        }
    }

    @Test
    void aRetentionRoundThatRemovesNothingDoesNoMoreWorkOnALongTrailThanOnAShortOne() throws Exception {
        // The writer runs one a second. It used to read every batch to find that none was older
        // than the retention, and every batch when the trail was below its row limit.
        long[] steps = new long[2];
        int[] batches = {10, 400};
        for (int t = 0; t < 2; t++) {
            Path trail = Files.createDirectories(dir.resolve("trail-" + t));
            try (AuditStore a = AuditStore.open(trail)) {
                for (int i = 0; i < batches[t]; i++) {
                    a.append(listings(3));
                }
                steps[t] = a.stepsOf(() -> {
                    assertThat(a.deleteOlderThan(T0.minusSeconds(86_400), 500)).isZero();
                    assertThat(a.deleteBeyond(1_000_000, 500)).isZero();
                });
            }
        }
        assertThat(steps[0]).as("some work is counted").isPositive();
        assertThat(steps[1]).as("tens of SQLite's steps, %d batches against %d", batches[1], batches[0]).isLessThanOrEqualTo(steps[0] + 5);
    }

    @Test
    void theRowLimitTakesWholeBatchesAndTheOlderPartOfTheOneAcrossItAndIdsGoOnAfterTheTableWasEmptied() throws Exception {
        try (AuditStore a = AuditStore.open(dir)) {
            List<AuditEntry> big = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                big.add(entry(T0.plusMillis(i), "ci", "containers.list", "allow", "CONTAINERS", null));
            }
            a.append(big);
            a.append(List.of(entry(T0.plusSeconds(9), "ci", "containers.list", "allow", "CONTAINERS", null)));
            long n = big.size();
            try (Connection c = Store.dataSource(dir.resolve(AuditStore.FILE), 1000).getConnection(); Statement s = c.createStatement()) {
                assertThat(batches(s)).containsExactly(tuple(1L, n, T0.toEpochMilli(), T0.plusMillis(n - 1).toEpochMilli()),
                        tuple(n + 1, n + 1, T0.plusSeconds(9).toEpochMilli(), T0.plusSeconds(9).toEpochMilli()));
                assertThat(a.deleteBeyond(2, 1000)).as("the first batch keeps its last record").isEqualTo(1);
                assertThat(batches(s)).containsExactly(tuple(n, n, T0.plusMillis(n - 1).toEpochMilli(), T0.plusMillis(n - 1).toEpochMilli()),
                        tuple(n + 1, n + 1, T0.plusSeconds(9).toEpochMilli(), T0.plusSeconds(9).toEpochMilli()));
                assertThat(a.find(new AuditStore.Filter(null, null, null, null, 0, 0))).extracting(AuditEntry::id).containsExactly(n, n + 1);
                assertThat(a.deleteBeyond(2, 1000)).isZero();
                assertThat(a.deleteBeyond(1, 1000)).isEqualTo(1);
                assertThat(batches(s)).extracting(t -> t.toList().get(0)).containsExactly(n + 1);
                assertThat(a.deleteBeyond(0, 1000)).isEqualTo(1);
                assertThat(batches(s)).isEmpty();
                a.append(List.of(entry(T0.plusSeconds(10), "ci", "containers.list", "allow", "CONTAINERS", null)));
                assertThat(batches(s)).containsExactly(tuple(n + 2, n + 2, T0.plusSeconds(10).toEpochMilli(), T0.plusSeconds(10).toEpochMilli()));
                assertThat(a.find(new AuditStore.Filter(null, null, null, null, n + 1, 0))).hasSize(1);
            }
        }
    }

    @Test
    void theRowLimitCountsIdsAcrossRecordsAgeRetentionRemovedAndABatchLeftWithNoneGoes() throws Exception {
        try (AuditStore a = AuditStore.open(dir)) {
            // Ids 6-10 reached the writer an hour late.
            List<AuditEntry> first = new ArrayList<>(listings(10));
            for (int i = 5; i < 10; i++) {
                first.set(i, entry(T0.minusSeconds(3600), "ci", "volumes.list", "deny", "VOLUMES", null));
            }
            a.append(first);
            a.append(listings(3));
            assertThat(a.deleteOlderThan(T0, 10)).isEqualTo(1);
            assertThat(a.find(new AuditStore.Filter(null, null, null, null, 0, 0))).extracting(AuditEntry::id)
                    .containsExactly(1L, 2L, 3L, 4L, 5L, 11L, 12L, 13L);
            // The newest 9 ids are 5-13: id 5 stays.
            assertThat(a.deleteBeyond(9, 10)).isEqualTo(1);
            assertThat(a.find(new AuditStore.Filter(null, null, null, null, 0, 0))).extracting(AuditEntry::id).containsExactly(5L, 11L, 12L, 13L);
            // The newest 7 are 7-13: the first batch keeps ids 7-10, all of them removed by age, and goes.
            assertThat(a.deleteBeyond(7, 10)).isEqualTo(1);
            assertThat(a.find(new AuditStore.Filter(null, null, null, null, 0, 0))).extracting(AuditEntry::id).containsExactly(11L, 12L, 13L);
            try (Connection c = Store.dataSource(dir.resolve(AuditStore.FILE), 1000).getConnection(); Statement s = c.createStatement()) {
                assertThat(batches(s)).extracting(t -> t.toList().get(0)).containsExactly(11L);
            }
        }
    }

    @Test
    void aVersion2TrailKeepsEveryRowItsIdsAndItsFieldsWhenWhoAndRulingMoveToTablesOfTheirOwn() throws Exception {
        Path file = dir.resolve(AuditStore.FILE);
        try (Connection c = atVersion(2)) {
            try (Statement s = c.createStatement()) {
                String columns = "INSERT INTO audit (ts, client, identity_kind, identity, remote, method, target, operation, decision, "
                        + "decided_by, guardrail, status, bytes_in, bytes_out, duration_us) VALUES ";
                s.execute(columns + "(1, 'ci', 'port', '127.0.0.1:2380', '127.0.0.1:40000', 'GET', '/_ping', 'system.ping', 'allow', "
                        + "'PING', NULL, 200, 0, 2, 10)");
                s.execute(columns + "(2, 'ci', 'port', '127.0.0.1:2380', '127.0.0.1:40001', 'GET', '/v1.41/volumes', 'volumes.list', "
                        + "'deny', 'VOLUMES', NULL, 403, 0, 90, 20)");
                s.execute(columns + "(3, 'ops', 'certificate', 'ab12', '[0:0:0:0:0:0:0:1]:40002', 'POST', '/v1.41/containers/create', "
                        + "'containers.create', 'would-deny', 'CONTAINERS_CREATE', 'bind=/srv/data', 201, 512, 88, 30)");
                s.execute(columns + "(4, NULL, 'socket', '/run/sw/x.sock uid 1000', NULL, 'GET', '/_ping', NULL, 'deny', 'identity', "
                        + "NULL, 403, 0, 0, 5)");
                s.execute(columns + "(5, 'ci', 'port', '127.0.0.1:2380', '127.0.0.1:40000', 'GET', '/_ping', 'system.ping', 'allow', "
                        + "'PING', NULL, 200, 0, 2, 11)");
                s.execute("DELETE FROM audit WHERE id = 5");
            }
        }
        try (AuditStore a = AuditStore.open(dir)) {
            assertThat(a.find(new AuditStore.Filter(null, null, null, null, 0, 0))).containsExactly(
                    new AuditEntry(1, Instant.ofEpochMilli(1), "ci", "port", "127.0.0.1:2380", "127.0.0.1", 40000, "GET", "/_ping",
                            "system.ping", "allow", "PING", null, 200, 0, 2, 10),
                    new AuditEntry(2, Instant.ofEpochMilli(2), "ci", "port", "127.0.0.1:2380", "127.0.0.1", 40001, "GET", "/v1.41/volumes",
                            "volumes.list", "deny", "VOLUMES", null, 403, 0, 90, 20),
                    new AuditEntry(3, Instant.ofEpochMilli(3), "ops", "certificate", "ab12", "[0:0:0:0:0:0:0:1]", 40002, "POST",
                            "/v1.41/containers/create", "containers.create", "would-deny", "CONTAINERS_CREATE", "bind=/srv/data", 201,
                            512, 88, 30),
                    new AuditEntry(4, Instant.ofEpochMilli(4), null, "socket", "/run/sw/x.sock uid 1000", null, 0, "GET", "/_ping", null,
                            "deny", "identity", null, 403, 0, 0, 5));
            // Id 5 was written before the upgrade (then deleted): the next row gets 6.
            a.append(List.of(entry(T0, "ci", "system.ping", "allow", "PING", null)));
            assertThat(a.find(new AuditStore.Filter(null, null, null, null, 4, 0))).extracting(AuditEntry::id).containsExactly(6L);
            assertThat(a.find(new AuditStore.Filter(null, null, null, Instant.ofEpochMilli(3), 0, 0))).as("since, on the rows of V2")
                    .extracting(AuditEntry::id).containsExactly(3L, 4L, 6L);
        }
        try (Connection c = Store.dataSource(file, 1000).getConnection(); Statement s = c.createStatement()) {
            assertThat(count(s, "SELECT COUNT(*) FROM audit_who")).as("ci from 127.0.0.1, ops from ::1, the socket's nobody").isEqualTo(3);
            assertThat(count(s, "SELECT COUNT(*) FROM audit_ruling")).as("ping allowed, volumes denied, create would-deny, identity")
                    .isEqualTo(4);
        }
    }

    @Test
    void aVersion4TrailIsPackedInRunsOfConsecutiveIdsWithEveryRecordItsIdAndItsFields() throws Exception {
        Path file = dir.resolve(AuditStore.FILE);
        try (Connection c = atVersion(4)) {
            try (Statement s = c.createStatement()) {
                s.execute("INSERT INTO audit_who (id, client, identity_kind, identity, remote_host) VALUES "
                        + "(1, 'ci', 'port', '127.0.0.1:2380', '127.0.0.1'), (2, NULL, 'socket', '/run/sw/x.sock uid 1000', NULL)");
                s.execute("INSERT INTO audit_ruling (id, operation, decision, decided_by, guardrail) VALUES "
                        + "(1, 'containers.list', 'allow', 'CONTAINERS', NULL), (2, 'containers.create', 'would-deny', 'CONTAINERS_CREATE', "
                        + "'bind=/srv/data')");
                // Ids 1-1502, as V4's writer gave them; then retention took 700-709, and 1501-1502 went too.
                s.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1502) "
                        + "INSERT INTO audit_entry (ts, who, remote_port, method, target, ruling, status, bytes_in, bytes_out, duration_us) "
                        + "SELECT 1000 + i, 2 - i % 2, CASE i % 2 WHEN 1 THEN 40000 + i END, 'GET', '/v1.41/containers/json?n=' || i, "
                        + "2 - i % 2, 200, i, 2 * i, 3 * i FROM n");
                s.execute("INSERT INTO audit_batch (first_id, last_id, ts_min, ts_max) VALUES (1, 1502, 1001, 2502)");
                s.execute("DELETE FROM audit_entry WHERE id BETWEEN 700 AND 709 OR id > 1500");
            }
        }
        try (AuditStore a = AuditStore.open(dir)) {
            List<AuditEntry> all = a.find(new AuditStore.Filter(null, null, null, null, 0, 0));
            assertThat(all).hasSize(1490);
            for (AuditEntry e : all) {
                long i = e.id();
                assertThat(e).as("id %d", i).isEqualTo(new AuditEntry(i, Instant.ofEpochMilli(1000 + i), i % 2 == 0 ? null : "ci",
                        i % 2 == 0 ? "socket" : "port", i % 2 == 0 ? "/run/sw/x.sock uid 1000" : "127.0.0.1:2380",
                        i % 2 == 0 ? null : "127.0.0.1", i % 2 == 0 ? 0 : 40000 + (int) i, "GET", "/v1.41/containers/json?n=" + i,
                        i % 2 == 0 ? "containers.create" : "containers.list", i % 2 == 0 ? "would-deny" : "allow",
                        i % 2 == 0 ? "CONTAINERS_CREATE" : "CONTAINERS", i % 2 == 0 ? "bind=/srv/data" : null, 200, i, 2 * i, 3 * i));
            }
            assertThat(all).extracting(AuditEntry::id).doesNotContain(700L, 709L).contains(699L, 710L, 1500L);
            assertThat(a.find(new AuditStore.Filter(null, null, null, Instant.ofEpochMilli(2499), 0, 0))).extracting(AuditEntry::id)
                    .containsExactly(1499L, 1500L);
            a.append(List.of(entry(T0, "ci", "system.ping", "allow", "PING", null)));
            assertThat(a.find(new AuditStore.Filter(null, null, null, null, 1500, 0))).as("ids go on after the highest V4 gave")
                    .extracting(AuditEntry::id).containsExactly(1503L);
        }
        try (Connection c = Store.dataSource(file, 1000).getConnection(); Statement s = c.createStatement()) {
            assertThat(batches(s)).as("runs of consecutive ids, cut at every thousandth").containsExactly(
                    tuple(1L, 699L, 1001L, 1699L), tuple(710L, 999L, 1710L, 1999L), tuple(1000L, 1500L, 2000L, 2500L),
                    tuple(1503L, 1503L, T0.toEpochMilli(), T0.toEpochMilli()));
        }
    }

    private static long count(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery(sql)) {
            return rs.getLong(1);
        }
    }

    @Test
    void whoAskedAndWhatWasRuledAreWrittenOnceEachAndFoundAgainAfterTheFileIsOpenedAnew() throws Exception {
        try (AuditStore a = AuditStore.open(dir)) {
            a.append(List.of(entry(T0, "ci", "containers.list", "allow", "CONTAINERS", null),
                    entry(T0.plusMillis(1), "ci", "containers.list", "allow", "CONTAINERS", null),
                    entry(T0.plusMillis(2), null, null, "deny", "identity", null)));
        }
        try (AuditStore a = AuditStore.open(dir)) {
            a.append(List.of(entry(T0.plusMillis(3), "ci", "containers.list", "allow", "CONTAINERS", null),
                    entry(T0.plusMillis(4), null, null, "deny", "identity", null)));
            assertThat(a.find(new AuditStore.Filter(null, null, null, null, 0, 0))).extracting(AuditEntry::client, AuditEntry::operation)
                    .containsExactly(tuple("ci", "containers.list"), tuple("ci", "containers.list"), tuple(null, null),
                            tuple("ci", "containers.list"), tuple(null, null));
        }
        try (Connection c = Store.dataSource(dir.resolve(AuditStore.FILE), 1000).getConnection(); Statement s = c.createStatement()) {
            assertThat(count(s, "SELECT COUNT(*) FROM audit_who")).isEqualTo(2);
            assertThat(count(s, "SELECT COUNT(*) FROM audit_ruling")).isEqualTo(2);
            assertThat(count(s, "SELECT COUNT(*) FROM audit")).as("the view, for the sqlite3 shell").isEqualTo(5);
        }
    }

    @Test
    void moreCallersThanTheCacheHoldsAreEachWrittenOnceAndReadBackAsSent() throws Exception {
        int hosts = AuditStore.CACHED_IDS + 500;
        try (AuditStore a = AuditStore.open(dir)) {
            // Every host twice, in batches that cross the point where the cache starts again.
            for (int round = 0; round < 2; round++) {
                List<AuditEntry> batch = new ArrayList<>();
                for (int i = 0; i < hosts; i++) {
                    batch.add(new AuditEntry(0, T0.plusMillis(i), "ci", "port", "127.0.0.1:2380", "10.0." + (i / 256) + "." + (i % 256),
                            40000 + round, "GET", "/_ping", "system.ping", "allow", "PING", null, 200, 0, 2, 10));
                    if (batch.size() == 1000) {
                        a.append(batch);
                        batch.clear();
                    }
                }
                a.append(batch);
            }
            List<AuditEntry> read = a.find(new AuditStore.Filter(null, null, null, null, 0, 0));
            assertThat(read).hasSize(2 * hosts);
            for (int i = 0; i < 2 * hosts; i++) {
                int host = i % hosts;
                assertThat(read.get(i).remote()).isEqualTo("10.0." + (host / 256) + "." + (host % 256) + ":" + (40000 + i / hosts));
            }
        }
        try (Connection c = Store.dataSource(dir.resolve(AuditStore.FILE), 1000).getConnection(); Statement s = c.createStatement()) {
            assertThat(count(s, "SELECT COUNT(*) FROM audit_who")).isEqualTo(hosts);
            try (ResultSet plan = s.executeQuery("EXPLAIN QUERY PLAN SELECT id FROM audit_who WHERE client IS 'ci' AND identity_kind IS 'port'"
                    + " AND identity IS '127.0.0.1:2380' AND remote_host IS '10.0.0.1'")) {
                assertThat(plan.getString(4)).as("a caller not in memory is found without a scan").contains("USING INDEX audit_who_caller");
            }
        }
    }

    @Test
    void aCallerOrRulingAddedByAFailedBatchIsNotTakenForWrittenByTheNext() {
        try (AuditStore a = AuditStore.open(dir)) {
            // The new caller and ruling of the first row are added, then the batch fails on the second and is rolled back.
            assertThatThrownBy(() -> a.append(List.of(entry(T0, "new-client", "containers.list", "allow", "CONTAINERS", null),
                    entry(T0, "x", "containers.list", "maybe", null, null)))).isInstanceOf(StoreException.class);
            a.append(List.of(entry(T0.plusMillis(1), "new-client", "containers.list", "allow", "CONTAINERS", null)));
            assertThat(a.find(new AuditStore.Filter("new-client", null, null, null, 0, 0))).extracting(AuditEntry::decidedBy)
                    .containsExactly("CONTAINERS");
        }
    }

    @Test
    void everyFieldIsWrittenAndReadBack() {
        AuditEntry written = new AuditEntry(0, T0.plusMillis(123), "ci", "socket", "/run/sw/ci.sock uid 1000", null, 0, "POST",
                "/v1.41/containers/create?name=x", "containers.create", "would-deny", "CONTAINERS_CREATE", "bind=/srv/data", 201,
                512, 88, 4321);
        try (AuditStore a = AuditStore.open(dir)) {
            a.append(List.of(written));
            AuditEntry read = a.find(new AuditStore.Filter(null, null, null, null, 0, 0)).get(0);
            assertThat(read.id()).isPositive();
            assertThat(read).usingRecursiveComparison().ignoringFields("id").isEqualTo(written);
        }
    }

    @Test
    void aBatchKeepsEveryRecordItsFieldsAndItsOrderAndTheViewShowsThemAsRead() throws Exception {
        int n = 133;
        List<AuditEntry> written = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            written.add(new AuditEntry(0, T0.plusMillis(i), i % 3 == 0 ? null : "client-" + i, i % 2 == 0 ? "port" : "socket",
                    "identity-" + i, i % 5 == 0 ? null : "127.0.0.1", i % 5 == 0 ? 0 : 40000 + i, i % 2 == 0 ? "GET" : "POST",
                    "/v1.41/target/" + i + (i % 11 == 0 ? "?filters={\"label\":[\"a=\\\"b\\\"\"]}&x=\u00e9\u4e2d\t" : ""),
                    i % 7 == 0 ? null : "operation-" + i, i % 4 == 0 ? "deny" : "allow", "grant-" + i, i % 6 == 0 ? "guardrail-" + i : null,
                    200 + i, i * 3L, i * 5L, i % 9 == 0 ? Long.MAX_VALUE : i * 7L));
        }
        List<AuditEntry> read;
        try (AuditStore a = AuditStore.open(dir)) {
            a.append(written);
            read = a.find(new AuditStore.Filter(null, null, null, null, 0, 0));
            assertThat(read).hasSize(n);
            for (int i = 0; i < n; i++) {
                assertThat(read.get(i)).as("record %d", i).usingRecursiveComparison().ignoringFields("id").isEqualTo(written.get(i));
                assertThat(read.get(i).id()).as("ids rise with the batch's order").isEqualTo(read.get(0).id() + i);
            }
        }
        List<AuditEntry> viewed = new ArrayList<>();
        try (Connection c = Store.dataSource(dir.resolve(AuditStore.FILE), 1000).getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, ts, client, identity_kind, identity, remote_host, remote_port, method, target, "
                     + "operation, decision, decided_by, guardrail, status, bytes_in, bytes_out, duration_us FROM audit ORDER BY id")) {
            while (rs.next()) {
                viewed.add(new AuditEntry(rs.getLong(1), Instant.ofEpochMilli(rs.getLong(2)), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getInt(7), rs.getString(8), rs.getString(9), rs.getString(10),
                        rs.getString(11), rs.getString(12), rs.getString(13), rs.getInt(14), rs.getLong(15), rs.getLong(16),
                        rs.getLong(17)));
            }
        }
        assertThat(viewed).isEqualTo(read);
    }

    @Test
    void aRefusedRecordLeavesNothingOfItsBatch() {
        List<AuditEntry> rows = new ArrayList<>();
        for (int i = 0; i < 67; i++) {
            rows.add(entry(T0.plusMillis(i), "x", "containers.list", i == 33 ? "maybe" : "allow", null, null));
        }
        try (AuditStore a = AuditStore.open(dir)) {
            assertThatThrownBy(() -> a.append(rows)).isInstanceOf(StoreException.class).hasMessageContaining("CHECK constraint failed");
            assertThat(a.find(new AuditStore.Filter(null, null, null, null, 0, 0))).isEmpty();
            a.append(rows.subList(0, 2));
            assertThat(a.find(new AuditStore.Filter(null, null, null, null, 0, 0))).extracting(AuditEntry::id).containsExactly(1L, 2L);
        }
    }

    @Test
    void aBatchThatFailsOutsideSqliteLeavesNothingOfItself() {
        List<AuditEntry> rows = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            rows.add(entry(T0.plusMillis(i), "x", "containers.list", "allow", "CONTAINERS", null));
        }
        // No time: packing it throws, after its caller and ruling went into the transaction.
        rows.add(new AuditEntry(0, null, "y", "port", "127.0.0.1:2380", null, 0, "GET", "/_ping", "system.ping", "allow", "PING", null,
                200, 0, 2, 10));
        try (AuditStore a = AuditStore.open(dir)) {
            assertThatThrownBy(() -> a.append(rows)).isInstanceOf(NullPointerException.class);
            assertThat(a.find(new AuditStore.Filter(null, null, null, null, 0, 0))).isEmpty();
        }
    }

    @Test
    void aBatchThatDoesNotUnpackIsAStoreExceptionNamingTheFileAndTheBatch() throws Exception {
        try (AuditStore a = AuditStore.open(dir)) {
            a.append(listings(2));
            try (Connection c = Store.dataSource(dir.resolve(AuditStore.FILE), 1000).getConnection(); Statement s = c.createStatement()) {
                s.execute("UPDATE audit_batch SET records = '[[1, 1], [2, 1]]'");
            }
            assertThatThrownBy(() -> a.find(new AuditStore.Filter(null, null, null, null, 0, 0))).isInstanceOf(StoreException.class)
                    .hasMessageContaining(dir.resolve(AuditStore.FILE).toString()).hasMessageContaining("batch ending at id 2");
            try (Connection c = Store.dataSource(dir.resolve(AuditStore.FILE), 1000).getConnection(); Statement s = c.createStatement()) {
                s.execute("UPDATE audit_batch SET records = '[]'");
            }
            assertThatThrownBy(() -> a.find(new AuditStore.Filter(null, null, null, null, 0, 0))).isInstanceOf(StoreException.class)
                    .hasMessageContaining("0 records for ids 1 to 2");
            try (Connection c = Store.dataSource(dir.resolve(AuditStore.FILE), 1000).getConnection(); Statement s = c.createStatement()) {
                s.execute("UPDATE audit_batch SET records = '[[1, 99, null, \"GET\", \"/_ping\", 1, 200, 0, 2, 10], null]'");
            }
            assertThatThrownBy(() -> a.find(new AuditStore.Filter(null, null, null, null, 0, 0))).isInstanceOf(StoreException.class)
                    .hasMessageContaining("a record refers to row 99 of audit_who, which is not there");
            // A status or remote port that no int holds: what a hand edit can leave, reported as any other damage.
            for (String record : List.of("[1, 1, null, \"GET\", \"/_ping\", 1, 4294967496, 0, 2, 10]",
                    "[1, 1, 4294967296, \"GET\", \"/_ping\", 1, 200, 0, 2, 10]")) {
                try (Connection c = Store.dataSource(dir.resolve(AuditStore.FILE), 1000).getConnection(); Statement s = c.createStatement()) {
                    s.execute("UPDATE audit_batch SET records = '[" + record + ", null]'");
                }
                assertThatThrownBy(() -> a.find(new AuditStore.Filter(null, null, null, null, 0, 0))).isInstanceOf(StoreException.class)
                        .hasMessageContaining("batch ending at id 2").hasMessageContaining("4294967");
            }
        }
    }

    @Test
    void theDatabaseRefusesADecisionOrIdentityKindItDoesNotKnowAndTheBatchIsNotHalfWritten() {
        try (AuditStore a = AuditStore.open(dir)) {
            assertThatThrownBy(() -> a.append(List.of(entry(T0, "x", "containers.list", "allow", null, null),
                    entry(T0, "x", "containers.list", "maybe", null, null)))).isInstanceOf(StoreException.class)
                    .hasMessageContaining("CHECK constraint failed");
            assertThat(a.find(new AuditStore.Filter(null, null, null, null, 0, 0))).isEmpty();
        }
    }

    @Test
    void filtersAndTheNewestFirstWindowAndFollowingAfterAnId() {
        try (AuditStore a = AuditStore.open(dir)) {
            List<AuditEntry> rows = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                rows.add(entry(T0.plusSeconds(i), i % 2 == 0 ? "traefik" : "ci", i % 3 == 0 ? "volumes.list" : "containers.list",
                        i % 3 == 0 ? "deny" : "allow", i % 3 == 0 ? "VOLUMES" : "CONTAINERS", null));
            }
            a.append(rows);
            List<AuditEntry> all = a.find(new AuditStore.Filter(null, null, null, null, 0, 0));
            assertThat(all).hasSize(10);
            assertThat(all).extracting(AuditEntry::time).isSorted();

            // The newest three, oldest first.
            assertThat(a.find(new AuditStore.Filter(null, null, null, null, 0, 3))).extracting(AuditEntry::time)
                    .containsExactly(T0.plusSeconds(7), T0.plusSeconds(8), T0.plusSeconds(9));
            assertThat(a.find(new AuditStore.Filter("traefik", null, null, null, 0, 0))).extracting(AuditEntry::client).containsOnly("traefik")
                    .hasSize(5);
            assertThat(a.find(new AuditStore.Filter(null, Set.of("deny"), null, null, 0, 0))).extracting(AuditEntry::time)
                    .containsExactly(T0, T0.plusSeconds(3), T0.plusSeconds(6), T0.plusSeconds(9));
            assertThat(a.find(new AuditStore.Filter(null, null, "containers.list", T0.plusSeconds(5), 0, 0))).extracting(AuditEntry::time)
                    .containsExactly(T0.plusSeconds(5), T0.plusSeconds(7), T0.plusSeconds(8));
            // After an id: the next ones in order, as many as asked.
            long fourth = all.get(3).id();
            assertThat(a.find(new AuditStore.Filter(null, null, null, null, fourth, 2))).extracting(AuditEntry::id)
                    .containsExactly(all.get(4).id(), all.get(5).id());
            assertThat(a.entries(List.of(all.get(9).id(), all.get(0).id(), 12345L))).extracting(AuditEntry::id)
                    .containsExactly(all.get(0).id(), all.get(9).id());
        }
    }

    @Test
    void countsAndUsageGroupByClientOperationDecisionAndGuardrail() {
        try (AuditStore a = AuditStore.open(dir)) {
            a.append(List.of(
                    entry(T0.minusSeconds(3600), "ci", "containers.list", "allow", "CONTAINERS", null), // before the window
                    entry(T0, "ci", "containers.list", "allow", "CONTAINERS", null),
                    entry(T0.plusSeconds(1), "ci", "containers.list", "allow", "CONTAINERS", null),
                    entry(T0.plusSeconds(2), "ci", "containers.create", "would-deny", "CONTAINERS_CREATE", "bind=/srv/data"),
                    entry(T0.plusSeconds(3), "ci", "volumes.list", "deny", "VOLUMES", null),
                    entry(T0.plusSeconds(4), null, null, "deny", "identity", null)));
            assertThat(a.counts(T0)).containsExactly(new AuditStore.Count(null, "deny", 1), new AuditStore.Count("ci", "allow", 2),
                    new AuditStore.Count("ci", "deny", 1), new AuditStore.Count("ci", "would-deny", 1));
            List<AuditStore.Usage> used = a.usage("ci", Set.of("allow", "would-deny"), T0);
            assertThat(used).extracting(AuditStore.Usage::operation, AuditStore.Usage::decision, AuditStore.Usage::guardrail,
                    AuditStore.Usage::count).containsExactly(
                    org.assertj.core.groups.Tuple.tuple("containers.list", "allow", null, 2L),
                    org.assertj.core.groups.Tuple.tuple("containers.create", "would-deny", "bind=/srv/data", 1L));
            AuditEntry example = a.entries(List.of(used.get(0).lastId())).get(0);
            assertThat(example.time()).isEqualTo(T0.plusSeconds(1));
            assertThat(a.usage(null, Set.of("deny"), T0)).extracting(AuditStore.Usage::client).containsExactlyInAnyOrder("ci", null);
        }
    }

    @Test
    void retentionRemovesTheOldestByAgeAndBeyondTheRowLimitAChunkOfBatchesAtATime() {
        try (AuditStore a = AuditStore.open(dir)) {
            // Ten batches of ten records, a second apart: ids 1-100, T0 to T0+99s.
            List<AuditEntry> all = listings(100);
            for (int b = 0; b < 10; b++) {
                a.append(all.subList(b * 10, b * 10 + 10));
            }
            // Older than T0+35s: three batches whole, then five records of the fourth.
            assertThat(a.deleteOlderThan(T0.plusSeconds(35), 2)).isEqualTo(2);
            assertThat(a.deleteOlderThan(T0.plusSeconds(35), 2)).as("the third batch, then a part of the fourth").isEqualTo(2);
            assertThat(a.deleteOlderThan(T0.plusSeconds(35), 2)).isZero();
            assertThat(a.find(new AuditStore.Filter(null, null, null, null, 0, 0))).hasSize(65).first().extracting(AuditEntry::time)
                    .isEqualTo(T0.plusSeconds(35));
            // Keep the newest 50 ids, 51-100: the fourth and fifth batches go.
            assertThat(a.deleteBeyond(50, 1)).isEqualTo(1);
            assertThat(a.deleteBeyond(50, 1)).isEqualTo(1);
            assertThat(a.deleteBeyond(50, 1)).isZero();
            List<AuditEntry> left = a.find(new AuditStore.Filter(null, null, null, null, 0, 0));
            assertThat(left).hasSize(50);
            assertThat(left.get(0).id()).isEqualTo(51);
            assertThat(left.get(0).time()).isEqualTo(T0.plusSeconds(50));
            // Ids keep rising after everything was deleted, so a follower waiting after the last id sees the next record.
            long last = left.get(49).id();
            assertThat(a.deleteBeyond(0, 1000)).isEqualTo(5);
            assertThat(a.find(new AuditStore.Filter(null, null, null, null, 0, 0))).isEmpty();
            a.append(List.of(entry(T0.plusSeconds(200), "ci", "containers.list", "allow", "CONTAINERS", null)));
            assertThat(a.find(new AuditStore.Filter(null, null, null, null, last, 10))).extracting(AuditEntry::id).containsExactly(last + 1);
        }
    }

    @Test
    void aPathThatCannotHoldTheFileIsAStoreExceptionNamingIt() throws Exception {
        Files.createDirectories(dir.resolve(AuditStore.FILE));
        assertThatThrownBy(() -> AuditStore.open(dir)).isInstanceOf(StoreException.class)
                .hasMessageContaining(dir.resolve(AuditStore.FILE).toString());
    }
}
