package org.sockwarden.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreTest {

    @TempDir
    Path dir;

    private static StoredClient client(String name, String listen, String... grants) {
        return new StoredClient(name, listen == null ? List.of() : List.of(StoredClient.Listener.tcp(listen)), List.of(), List.of(),
                new TreeSet<>(Set.of(grants)), List.of());
    }

    private static void await(String what, BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not within " + timeout);
            }
            Thread.sleep(10);
        }
    }

    private static List<List<Object>> query(Path file, String sql) throws SQLException {
        try (Connection c = Store.dataSource(file, 1000).getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            List<List<Object>> rows = new ArrayList<>();
            while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    row.add(rs.getObject(i));
                }
                rows.add(row);
            }
            return rows;
        }
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** A connection to a new database at {@code file} with the schema of an earlier sockwarden: the first {@code version} migrations. */
    private static Connection earlierVersion(Path file, int version) throws Exception {
        Connection c = Store.dataSource(file, 1000).getConnection();
        for (String script : Store.MIGRATIONS.subList(0, version)) {
            String sql = new String(Store.class.getResourceAsStream("migrations/" + script).readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            for (String statement : Store.statements(sql)) {
                exec(c, statement);
            }
        }
        exec(c, "PRAGMA user_version = " + version);
        return c;
    }

    /** What a proxy would hear from its watcher. */
    static class Recorder implements StoreWatcher.Listener {
        final List<Snapshot> snapshots = new CopyOnWriteArrayList<>();
        final List<StoreWatcher.Health> health = new CopyOnWriteArrayList<>();

        @Override
        public void snapshot(Snapshot s) {
            snapshots.add(s);
        }

        @Override
        public void health(StoreWatcher.Health h) {
            health.add(h);
        }

        Snapshot last() {
            return snapshots.get(snapshots.size() - 1);
        }
    }

    // ---- schema ----

    @Test
    void createsMigratesAndReopensWithoutMigratingAgain() throws Exception {
        Path data = dir.resolve("data");
        try (Store s = Store.open(data)) {
            assertThat(s.snapshot().clients()).isEmpty();
            s.addClient(client("traefik", "127.0.0.1:2380", "CONTAINERS"));
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data))).isEqualTo("rwx------");
        Path file = data.resolve(Store.FILE);
        List<List<Object>> history = query(file, "SELECT version, script, applied_at FROM schema_version ORDER BY version");
        assertThat(history).extracting(r -> r.get(0)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9);
        assertThat(history).extracting(r -> r.get(1)).containsExactlyElementsOf(Store.MIGRATIONS);
        assertThat(history).allSatisfy(r -> assertThat(r.get(2)).isNotNull());
        assertThat(query(file, "PRAGMA journal_mode")).containsExactly(List.of("wal"));
        // FULL (2): a commit, a revocation among them, is on the disk before the writer goes on.
        assertThat(query(file, "PRAGMA synchronous")).containsExactly(List.of(2));

        try (Store s = Store.open(data)) {
            Snapshot snap = s.snapshot();
            assertThat(snap.clients()).extracting(StoredClient::name).containsExactly("traefik");
            assertThat(snap.clients().get(0).grants()).containsExactly("CONTAINERS");
            assertThat(snap.clients().get(0).mode()).isEqualTo("enforce");
            assertThat(snap.version()).isEqualTo(1);
        }
        assertThat(query(file, "SELECT version, script, applied_at FROM schema_version ORDER BY version")).isEqualTo(history);
        assertThat(query(file, "PRAGMA user_version")).containsExactly(List.of(Store.MIGRATIONS.size()));
        // The audit trail has a file of its own (AuditStore): none of it is left here.
        assertThat(query(file, "SELECT name FROM sqlite_master WHERE name LIKE 'audit%'")).isEmpty();
    }

    @Test
    void upgradesAVersion2DatabaseAndRevokesCertificatesOfRemovedClients() throws Exception {
        Path file = dir.resolve(Store.FILE);
        // A database as the previous sockwarden left it: V1 and V2, user_version only, and a
        // certificate whose client had been removed without revoking it.
        try (Connection c = earlierVersion(file, 2)) {
            exec(c, "INSERT INTO clients (name) VALUES ('vidar')");
            exec(c, "INSERT INTO certificates VALUES ('01', 'client', 'gone', 'f0', 'CN=gone', '2026-01-01T00:00:00Z', "
                    + "'2027-01-01T00:00:00Z', NULL)");
            exec(c, "INSERT INTO certificates VALUES ('02', 'client', 'vidar', 'f2', 'CN=vidar', '2026-01-01T00:00:00Z', "
                    + "'2027-01-01T00:00:00Z', NULL)");
        }
        try (Store s = Store.open(dir)) {
            assertThat(s.client("vidar").mode()).isEqualTo("enforce");
            // V7 gave every client that was there an owner id of its own; V8 no limits.
            assertThat(s.snapshot().clients()).allSatisfy(c -> assertThat(c.ownerId()).matches("[0-9a-f]{32}"));
            assertThat(s.snapshot().clients()).allSatisfy(c -> assertThat(c.limits()).isEmpty());
            StoredCertificate gone = s.certificates("gone").get(0);
            assertThat(gone.revokedAt()).isNotNull();
            assertThat(gone.revokeReason()).isEqualTo("client removed");
            assertThat(s.certificates("vidar").get(0).revokedAt()).isNull();
        }
        List<List<Object>> history = query(file, "SELECT version, applied_at IS NULL FROM schema_version ORDER BY version");
        assertThat(history).containsExactly(List.of(1, 1), List.of(2, 1), List.of(3, 0), List.of(4, 0), List.of(5, 0), List.of(6, 0), List.of(7, 0),
                List.of(8, 0), List.of(9, 0));
    }

    @Test
    void refusesADatabaseNewerThanItselfAndLeavesItAlone() throws Exception {
        Path data = dir.resolve("data");
        Path file = data.resolve(Store.FILE);
        Store.open(data).close();
        try (Connection c = Store.dataSource(file, 1000).getConnection()) {
            exec(c, "PRAGMA user_version = " + (Store.MIGRATIONS.size() + 1));
        }
        byte[] before = Files.readAllBytes(file);
        assertThatThrownBy(() -> Store.open(data)).isInstanceOf(StoreException.class)
                .hasMessage("database " + file + " has schema version " + (Store.MIGRATIONS.size() + 1) + ", this sockwarden knows up to "
                        + Store.MIGRATIONS.size() + ": upgrade sockwarden");
        assertThat(Files.readAllBytes(file)).isEqualTo(before);
    }

    @Test
    void processesOpeningANewDirectoryAtOnceMigrateItOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<?>> opens = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                opens.add(pool.submit(() -> {
                    Store.open(dir).close();
                    return null;
                }));
            }
            for (Future<?> f : opens) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(query(dir.resolve(Store.FILE), "SELECT count(*) FROM schema_version")).containsExactly(List.of(Store.MIGRATIONS.size()));
    }

    // ---- changes ----

    @Test
    void aCheckSeesTheClientsAsTheChangeLeavesThemAndItsRefusalWritesNothing() {
        try (Store s = Store.open(dir)) {
            assertThatThrownBy(() -> s.grant("vidar", List.of("NETWORKS"), List.of())).hasMessage("no client \"vidar\"; clients: (none)");
            s.addClient(client("traefik", "127.0.0.1:2380", "CONTAINERS"));
            String ca = "ab".repeat(32);
            s.addClient(new StoredClient("vidar", List.of(StoredClient.Listener.unix("/run/sockwarden/vidar.sock", "0660", 1000, 1000)),
                    List.of("10.0.0.0/8"), List.of(1000), new TreeSet<>(), List.of(),
                    List.of(new StoredClient.SubjectMapping("CN=ci,O=example", ca)), List.of("00ff")));
            long version = s.snapshot().version();

            List<Snapshot> seen = new ArrayList<>();
            assertThatThrownBy(() -> s.addClient(client("watchtower", "127.0.0.1:2380"), after -> {
                seen.add(after);
                throw new StoreException("port 127.0.0.1:2380 is also the listener of client \"traefik\"");
            })).isInstanceOf(StoreException.class).hasMessage("port 127.0.0.1:2380 is also the listener of client \"traefik\"");
            assertThat(seen.get(0).clients()).extracting(StoredClient::name).containsExactlyInAnyOrder("traefik", "vidar", "watchtower");

            // An edit sees the client as stored; the check sees it edited, beside the others.
            assertThatThrownBy(() -> s.updateClient("traefik", old -> {
                assertThat(old.listeners()).containsExactly(StoredClient.Listener.tcp("127.0.0.1:2380"));
                return old.withIdentity(List.of(StoredClient.Listener.unix("/run/sockwarden/vidar.sock", null, null, null)), List.of(),
                        List.of(), List.of(), List.of());
            }, after -> {
                assertThat(after.clients()).filteredOn(c -> c.name().equals("traefik")).singleElement()
                        .satisfies(c -> assertThat(c.listeners()).extracting(StoredClient.Listener::kind).containsExactly("unix"))
                        .satisfies(c -> assertThat(c.grants()).containsExactly("CONTAINERS"));
                throw new StoreException("socket taken");
            })).hasMessage("socket taken");
            // What no check refused, the tables still do when the text is equal.
            assertThatThrownBy(() -> s.addClient(client("watchtower", "127.0.0.1:2380"))).isInstanceOf(StoreException.class)
                    .hasMessageContaining("UNIQUE constraint failed: listeners.kind, listeners.address");
            assertThatThrownBy(() -> s.addClient(client("traefik", null))).hasMessage("client \"traefik\" already exists");

            assertThatThrownBy(() -> s.grant("vidr", List.of("NETWORKS"), List.of()))
                    .hasMessage("no client \"vidr\"; clients: traefik, vidar");
            assertThatThrownBy(() -> s.revoke("vidr", List.of("NETWORKS"))).hasMessage("no client \"vidr\"; clients: traefik, vidar");
            assertThatThrownBy(() -> s.removeClient("vidr")).hasMessage("no client \"vidr\"; clients: traefik, vidar");
            assertThatThrownBy(() -> s.setMode("vidr", "learn")).hasMessage("no client \"vidr\"; clients: traefik, vidar");
            assertThatThrownBy(() -> s.client("vidr")).hasMessage("no client \"vidr\"; clients: traefik, vidar");
            assertThatThrownBy(() -> s.updateClient("vidr", c -> c, after -> { })).hasMessage("no client \"vidr\"; clients: traefik, vidar");

            // Refused changes were rolled back whole: nothing half-written, no version bump.
            Snapshot after = s.snapshot();
            assertThat(after.version()).isEqualTo(version);
            assertThat(after.clients()).extracting(StoredClient::name).containsExactly("traefik", "vidar");
            assertThat(after.clients().get(0).listeners()).containsExactly(StoredClient.Listener.tcp("127.0.0.1:2380"));
            assertThat(after.clients().get(1).certSubjects()).containsExactly(new StoredClient.SubjectMapping("CN=ci,O=example", ca));
        }
    }

    @Test
    void rowsOfAClientDeletedByHandAreNobodysAndTheRestIsRead() throws Exception {
        Path data = dir.resolve("data");
        try (Store s = Store.open(data)) {
            s.addClient(client("gone", "127.0.0.1:2390", "CONTAINERS"));
            s.addClient(client("kept", "127.0.0.1:2391", "PING"));
        }
        // As sqlite3 does by default: foreign keys off, so nothing cascades.
        org.sqlite.SQLiteDataSource plain = new org.sqlite.SQLiteDataSource();
        plain.setUrl("jdbc:sqlite:" + data.resolve(Store.FILE));
        try (Connection c = plain.getConnection()) {
            exec(c, "DELETE FROM clients WHERE name = 'gone'");
        }
        try (Store s = Store.open(data)) {
            assertThat(s.snapshot().clients()).extracting(StoredClient::name).containsExactly("kept");
            assertThat(s.client("kept").listeners()).containsExactly(StoredClient.Listener.tcp("127.0.0.1:2391"));
        }
    }

    @Test
    void limitsAreStoredAsGivenAndAnUpdateWritesThem() {
        try (Store s = Store.open(dir)) {
            s.addClient(client("ci", null, "PING").withLimits("max-requests=10 rate=20/s"));
            assertThat(s.client("ci").limits()).isEqualTo("max-requests=10 rate=20/s");
            long before = s.snapshot().version();
            StoredClient updated = s.updateClient("ci", old -> old.withLimits("max-streams=2"), after ->
                    assertThat(after.clients()).filteredOn(c -> c.name().equals("ci")).extracting(StoredClient::limits)
                            .containsExactly("max-streams=2"));
            assertThat(updated.limits()).isEqualTo("max-streams=2");
            assertThat(s.client("ci")).isEqualTo(updated);
            assertThat(s.snapshot().version()).as("a change of limits is a policy change").isGreaterThan(before);
            s.updateClient("ci", old -> old.withIdentity(List.of(StoredClient.Listener.tcp("127.0.0.1:2399")), List.of(), List.of(),
                    List.of(), List.of()), after -> { });
            assertThat(s.client("ci").limits()).as("another change keeps them").isEqualTo("max-streams=2");
        }
    }

    @Test
    void redactedFieldsAreStoredAsWrittenAndKeptByOtherChanges() {
        try (Store s = Store.open(dir)) {
            s.addClient(new StoredClient("traefik", List.of(), List.of(), List.of(), new TreeSet<>(Set.of("PING")), List.of("traefik"))
                    .withRedact("Config.Env"), after -> { });
            assertThat(s.client("traefik").redact()).isEqualTo("Config.Env");
            StoredClient learning = s.updateClient("traefik", old -> old.withRules("learn", "", false), after -> { });
            assertThat(learning.redact()).isEqualTo("Config.Env");
            assertThat(s.updateClient("traefik", old -> old.withRedact("Config.Env Args"), after -> { }).redact()).isEqualTo("Config.Env Args");
            assertThat(s.client("traefik").redact()).isEqualTo("Config.Env Args");
            s.addClient(new StoredClient("plain", List.of(), List.of(), List.of(), new TreeSet<>(), List.of()), after -> { });
            assertThat(s.client("plain").redact()).isEmpty();
        }
    }

    @Test
    void anUpdateWritesTheIdentityItIsGivenAndKeepsGrantsAndMode() {
        try (Store s = Store.open(dir)) {
            String ca = "cd".repeat(32);
            s.addClient(new StoredClient("vidar", List.of(StoredClient.Listener.unix("/run/sw/v.sock", "0660", 0, 1000),
                    StoredClient.Listener.tcp("127.0.0.1:2390")), List.of("10.0.0.0/8"), List.of(1000), new TreeSet<>(Set.of("PING")),
                    List.of("homepage"), List.of(new StoredClient.SubjectMapping("CN=ci", ca)), List.of("00ff")));
            s.setMode("vidar", "learn");
            StoredClient updated = s.updateClient("vidar", old -> old.withIdentity(
                    List.of(StoredClient.Listener.tcp("127.0.0.1:2390"), StoredClient.Listener.unix("/run/sw/v.sock", "0600", 0, 1000)),
                    old.sources(), old.peerUids(), old.certSubjects(), old.certFingerprints()), after -> { });
            assertThat(s.client("vidar")).isEqualTo(updated);
            assertThat(updated.listeners()).contains(StoredClient.Listener.unix("/run/sw/v.sock", "0600", 0, 1000));
            assertThat(updated.sources()).containsExactly("10.0.0.0/8");
            assertThat(updated.peerUids()).containsExactly(1000);
            assertThat(updated.certSubjects()).containsExactly(new StoredClient.SubjectMapping("CN=ci", ca));
            assertThat(updated.certFingerprints()).containsExactly("00ff");
            assertThat(updated.grants()).containsExactly("PING");
            assertThat(updated.presets()).containsExactly("homepage");
            assertThat(updated.mode()).isEqualTo("learn");
        }
    }

    @Test
    void oneSubjectMayBeMappedOncePerCaAndACertificateOfAnotherCaIsRevokedByFingerprint() {
        try (Store s = Store.open(dir)) {
            String caA = "aa".repeat(32);
            String caB = "bb".repeat(32);
            s.addClient(new StoredClient("a", List.of(), List.of(), List.of(), new TreeSet<>(), List.of(),
                    List.of(new StoredClient.SubjectMapping("CN=ci", caA)), List.of()));
            s.addClient(new StoredClient("b", List.of(), List.of(), List.of(), new TreeSet<>(), List.of(),
                    List.of(new StoredClient.SubjectMapping("CN=ci", caB)), List.of()));
            assertThatThrownBy(() -> s.addClient(new StoredClient("c", List.of(), List.of(), List.of(), new TreeSet<>(), List.of(),
                    List.of(new StoredClient.SubjectMapping("CN=ci", caA)), List.of()))).hasMessageContaining("UNIQUE constraint failed");

            String external = "ee".repeat(32);
            long version = s.snapshot().version();
            assertThat(s.revokeFingerprint(external, "key leaked")).isTrue();
            assertThat(s.revokeFingerprint(external, "again")).isFalse();
            assertThat(s.snapshot().revokedFingerprints()).singleElement()
                    .satisfies(r -> assertThat(r.fingerprint()).isEqualTo(external))
                    .satisfies(r -> assertThat(r.reason()).isEqualTo("key leaked"));
            assertThat(s.snapshot().version()).isGreaterThan(version);
            assertThatThrownBy(() -> s.revokeFingerprint("EE", null)).hasMessageContaining("not a SHA-256 fingerprint");
            Instant now = Instant.now();
            s.recordCertificate(new StoredCertificate("01", "client", "a", "f1".repeat(32), "CN=a", now, now.plusSeconds(60), null));
            assertThatThrownBy(() -> s.revokeFingerprint("f1".repeat(32), null)).hasMessageContaining("was issued by sockwarden");
        }
    }

    @Test
    void subjectMappingsOfEarlierVersionsNameTheOneTrustedCaOrNone() throws Exception {
        for (String trusted : new String[] {"aa".repeat(32), "aa".repeat(32) + "," + "bb".repeat(32)}) {
            Path file = dir.resolve(trusted.length() + "-" + Store.FILE);
            try (Connection c = earlierVersion(file, 3)) {
                exec(c, "INSERT INTO clients (id, name) VALUES (1, 'ci')");
                exec(c, "INSERT INTO cert_mappings VALUES (1, 'subject', 'CN=ci,O=example')");
                exec(c, "INSERT INTO cert_mappings VALUES (1, 'fingerprint', '" + "ff".repeat(32) + "')");
                exec(c, "INSERT INTO settings VALUES ('trusted_cas', '" + trusted + "')");
            }
            Path data = Files.createDirectories(dir.resolve("data-" + trusted.length()));
            Files.move(file, data.resolve(Store.FILE));
            try (Store s = Store.open(data)) {
                StoredClient ci = s.client("ci");
                assertThat(ci.certSubjects()).containsExactly(new StoredClient.SubjectMapping("CN=ci,O=example",
                        trusted.contains(",") ? null : trusted));
                assertThat(ci.certFingerprints()).containsExactly("ff".repeat(32));
            }
        }
    }

    @Test
    void grantRevokeModeRemoveEachBumpThePolicyVersion() {
        try (Store s = Store.open(dir)) {
            s.addClient(client("vidar", null, "CONTAINERS"));
            assertThat(s.snapshot().version()).isEqualTo(1);
            assertThat(s.grant("vidar", List.of("NETWORKS", "CONTAINERS"), List.of("homepage"))).containsExactly("NETWORKS");
            assertThat(s.revoke("vidar", List.of("CONTAINERS", "VOLUMES"))).containsExactly("CONTAINERS");
            assertThat(s.setMode("vidar", "learn")).isTrue();
            assertThat(s.setMode("vidar", "learn")).isFalse();
            assertThatThrownBy(() -> s.setMode("vidar", "audit")).hasMessage("unknown mode \"audit\"; modes: enforce, learn");
            StoredClient vidar = s.client("vidar");
            assertThat(vidar.grants()).containsExactly("NETWORKS");
            assertThat(vidar.presets()).containsExactly("homepage");
            assertThat(vidar.mode()).isEqualTo("learn");
            assertThat(s.snapshot().version()).isEqualTo(5);
            s.removeClient("vidar");
            assertThat(s.snapshot().clients()).isEmpty();
            assertThat(s.snapshot().version()).isEqualTo(6);
        }
    }

    @Test
    void settings() {
        try (Store s = Store.open(dir)) {
            assertThat(s.setting("tls.listen")).isEmpty();
            s.putSetting("tls.listen", "0.0.0.0:2376");
            s.putSetting("tls.listen", "127.0.0.1:2376");
            assertThat(s.setting("tls.listen")).contains("127.0.0.1:2376");
            assertThat(s.snapshot().version()).isEqualTo(2);
        }
    }

    @Test
    void certificatesAreRecordedRevokedAndDieWithTheirClient() {
        try (Store s = Store.open(dir)) {
            s.addClient(client("traefik", null));
            Instant now = Instant.now();
            s.recordCertificate(new StoredCertificate("ab12", "client", "traefik", "f1", "CN=traefik", now, now.plusSeconds(3600), null));
            s.recordCertificate(new StoredCertificate("cd34", "client", "traefik", "f2", "CN=traefik", now, now.plusSeconds(3600), null));
            s.recordCertificate(new StoredCertificate("ef56", "client", "traefik", "f3", "CN=traefik", now, now.plusSeconds(3600), null));
            assertThat(s.revokeCertificates("F1", "key leaked")).singleElement()
                    .satisfies(c -> assertThat(c.serial()).isEqualTo("ab12"))
                    .satisfies(c -> assertThat(c.revokeReason()).isEqualTo("key leaked"))
                    .satisfies(c -> assertThat(c.revokedAt()).isNotNull());
            assertThat(s.revokeCertificates("cd:34")).extracting(StoredCertificate::serial).containsExactly("cd34");
            assertThatThrownBy(() -> s.revokeCertificates("f1"))
                    .hasMessage("no valid client certificate has client name, serial or fingerprint f1; `sockwarden cert list` shows them");

            // ef56 is still valid; removing the client must not leave it to a later client of the same name.
            s.removeClient("traefik");
            s.addClient(client("traefik", null));
            assertThat(s.certificates("traefik")).allSatisfy(c -> assertThat(c.revokedAt()).isNotNull())
                    .extracting(StoredCertificate::revokeReason).containsExactly("key leaked", null, "client removed");
            assertThat(s.certificates(null)).hasSize(3);
            assertThat(s.certificates("nobody")).isEmpty();
        }
    }

    // ---- change detection ----

    @Test
    void aSecondStoreOnTheSameFileReachesTheWatcherWithinASecond() throws Exception {
        try (Store proxySide = Store.open(dir); Store cliSide = Store.open(dir)) {
            proxySide.addClient(client("vidar", null));
            Recorder seen = new Recorder();
            try (StoreWatcher w = new StoreWatcher(proxySide.file(), seen).start()) {
                assertThat(seen.snapshots).hasSize(1);
                cliSide.grant("vidar", List.of("NETWORKS"), List.of());
                long committed = System.nanoTime();
                await("the grant", () -> seen.snapshots.size() == 2, Duration.ofSeconds(1));
                assertThat(Duration.ofNanos(System.nanoTime() - committed)).isLessThan(Duration.ofSeconds(1));
                assertThat(seen.last().clients().get(0).grants()).containsExactly("NETWORKS");
                assertThat(w.health().ok()).isTrue();
                assertThat(w.health().version()).isEqualTo(2);
            }
        }
    }

    @Test
    void aSecondProcessChangeReachesTheWatcherWithinASecond() throws Exception {
        try (Store proxySide = Store.open(dir)) {
            proxySide.addClient(client("vidar", null));
            Recorder seen = new Recorder();
            try (StoreWatcher w = new StoreWatcher(proxySide.file(), seen).start()) {
                assertThat(seen.snapshots).hasSize(1);
                Process cli = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                        System.getProperty("java.class.path"), SecondProcess.class.getName(), dir.toString(), "vidar", "NETWORKS")
                        .inheritIO().start();
                if (!cli.waitFor(30, TimeUnit.SECONDS)) {
                    cli.destroyForcibly();
                    throw new AssertionError("the second JVM did not finish");
                }
                assertThat(cli.exitValue()).isZero();
                long committed = System.nanoTime();
                await("the other process's grant", () -> seen.snapshots.size() == 2, Duration.ofSeconds(1));
                assertThat(Duration.ofNanos(System.nanoTime() - committed)).isLessThan(Duration.ofSeconds(1));
                assertThat(seen.last().clients().get(0).grants()).containsExactly("NETWORKS");
                assertThat(w.health().ok()).isTrue();
            }
        }
    }

    @Test
    void aWriterInBeginExclusiveDoesNotDisturbTheWatcher() throws Exception {
        try (Store store = Store.open(dir)) {
            store.addClient(client("vidar", null, "CONTAINERS"));
            Recorder seen = new Recorder();
            try (StoreWatcher w = new StoreWatcher(store.file(), seen).start();
                 Connection locker = Store.dataSource(store.file(), 1000).getConnection()) {
                // WAL: the watcher goes on reading the last committed policy while another process
                // holds the write lock, and a second writer is told the database is locked.
                exec(locker, "BEGIN EXCLUSIVE");
                exec(locker, "INSERT INTO grants (client_id, permission) SELECT id, 'NETWORKS' FROM clients WHERE name = 'vidar'");
                exec(locker, "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'policy_version'");
                try (Store cli = Store.open(dir, Duration.ofMillis(300))) {
                    assertThatThrownBy(() -> cli.grant("vidar", List.of("VOLUMES"), List.of()))
                            .isInstanceOf(StoreException.class)
                            .hasMessageStartingWith("database " + store.file() + " is locked by another writer; try again (");
                }
                Thread.sleep(2_000);
                assertThat(w.health().ok()).isTrue();
                assertThat(seen.health).isEmpty();
                assertThat(seen.snapshots).hasSize(1);
                exec(locker, "COMMIT");
                await("the locker's commit", () -> seen.snapshots.size() == 2, Duration.ofSeconds(1));
                assertThat(seen.last().clients().get(0).grants()).containsExactly("CONTAINERS", "NETWORKS");
            }
        }
    }

    @Test
    void aLockMetOnReconnectKeepsTheLastSnapshotThenRecovers() throws Exception {
        Path file = dir.resolve(Store.FILE);
        Path away = dir.resolve("away.db");
        try (Store store = Store.open(dir)) {
            store.addClient(client("vidar", null, "CONTAINERS"));
        }
        Recorder seen = new Recorder();
        try (StoreWatcher w = new StoreWatcher(file, seen).start()) {
            assertThat(seen.snapshots).hasSize(1);
            // A connected reader is never locked out in WAL mode (previous test). It meets a lock
            // when it must connect again: here the file goes away, and comes back held by another
            // connection in exclusive locking mode, which keeps every other connection out.
            Files.move(file, away, StandardCopyOption.ATOMIC_MOVE);
            await("missing", () -> !w.health().ok(), Duration.ofSeconds(1));
            try (Connection locker = Store.dataSource(away, 1000).getConnection()) {
                exec(locker, "PRAGMA locking_mode = EXCLUSIVE");
                exec(locker, "BEGIN EXCLUSIVE");
                Files.move(away, file, StandardCopyOption.ATOMIC_MOVE);
                await("locked", () -> w.health().problem().endsWith("is locked by another writer"), Duration.ofSeconds(2));
                Thread.sleep(1_500);
                StoreWatcher.Health locked = w.health();
                assertThat(locked.ok()).isFalse();
                assertThat(locked.problem()).isEqualTo("database " + file + " is locked by another writer");
                assertThat(locked.version()).as("still serving").isEqualTo(1);
                assertThat(seen.snapshots).hasSize(1);
                exec(locker, "COMMIT");
            }
            await("recovered", () -> w.health().ok(), Duration.ofSeconds(1));
            assertThat(seen.health).extracting(StoreWatcher.Health::ok).containsExactly(false, false, true);
            assertThat(seen.health.get(0).problem()).isEqualTo("database file " + file + " is missing (deleted?)");
            // After a gap the watcher cannot tell the file is the same one: it hands it over again.
            assertThat(seen.snapshots).hasSize(2);
            assertThat(seen.snapshots.get(1)).isEqualTo(seen.snapshots.get(0));
            try (Store cli = Store.open(dir)) {
                cli.grant("vidar", List.of("NETWORKS"), List.of());
            }
            await("a change after recovery", () -> seen.snapshots.size() == 3, Duration.ofSeconds(1));
        }
    }

    @Test
    void aDeletedDatabaseKeepsTheLastSnapshotAndAReplacementIsPickedUp() throws Exception {
        Path file = dir.resolve(Store.FILE);
        try (Store store = Store.open(dir)) {
            store.addClient(client("vidar", null, "CONTAINERS"));
        }
        Recorder seen = new Recorder();
        try (StoreWatcher w = new StoreWatcher(file, seen).start()) {
            for (String suffix : List.of("", "-wal", "-shm")) {
                Files.deleteIfExists(dir.resolve(Store.FILE + suffix));
            }
            await("unhealthy", () -> !w.health().ok(), Duration.ofSeconds(1));
            assertThat(w.health().problem()).isEqualTo("database file " + file + " is missing (deleted?)");
            Thread.sleep(300);
            assertThat(Files.exists(file)).as("the watcher never creates the file").isFalse();
            assertThat(seen.snapshots).as("the last good snapshot stays in force").hasSize(1);
            assertThat(seen.health).hasSize(1);

            // A new database whose policy version happens to equal the old one's is still news.
            try (Store fresh = Store.open(dir)) {
                fresh.addClient(client("dozzle", null, "CONTAINERS"));
            }
            await("the new file's policy", () -> seen.last().clients().stream().anyMatch(c -> c.name().equals("dozzle")),
                    Duration.ofSeconds(1));
            await("healthy", () -> w.health().ok(), Duration.ofSeconds(1));
            assertThat(seen.last().version()).isEqualTo(1);
        }
    }

    @Test
    void aFailingListenerIsNotADatabaseProblem() throws Exception {
        try (Store store = Store.open(dir)) {
            store.addClient(client("vidar", null));
            Recorder seen = new Recorder() {
                @Override
                public void snapshot(Snapshot s) {
                    super.snapshot(s);
                    throw new IllegalStateException("bug in the proxy");
                }
            };
            try (StoreWatcher w = new StoreWatcher(store.file(), seen).start()) {
                store.grant("vidar", List.of("NETWORKS"), List.of());
                await("the grant", () -> seen.snapshots.size() == 2, Duration.ofSeconds(1));
                assertThat(w.health().ok()).isTrue();
                assertThat(seen.health).isEmpty();
            }
        }
    }

    /** Stands for `sockwarden grant` run by an operator in another process. */
    public static final class SecondProcess {
        public static void main(String[] args) {
            try (Store s = Store.open(Path.of(args[0]))) {
                s.grant(args[1], List.of(args[2]), List.of());
            }
        }
    }
}
