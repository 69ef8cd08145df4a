package org.sockwarden.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreTest {

    @TempDir
    Path dir;

    private static StoredClient client(String name, String listen, String... grants) {
        return new StoredClient(name, listen == null ? List.of() : List.of(StoredClient.Listener.tcp(listen)), List.of(), List.of(),
                new java.util.TreeSet<>(Set.of(grants)), List.of());
    }

    private static void await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void createsMigratesAndReopens() {
        try (Store s = Store.open(dir.resolve("data"))) {
            assertThat(s.snapshot().clients()).isEmpty();
            s.addClient(client("traefik", "127.0.0.1:2380", "CONTAINERS"));
        }
        try (Store s = Store.open(dir.resolve("data"))) {
            Snapshot snap = s.snapshot();
            assertThat(snap.clients()).extracting(StoredClient::name).containsExactly("traefik");
            assertThat(snap.clients().get(0).grants()).containsExactly("CONTAINERS");
            assertThat(snap.version()).isEqualTo(1);
        }
    }

    @Test
    void refusesADatabaseNewerThanItself() throws Exception {
        Path data = dir.resolve("data");
        Store.open(data).close();
        try (Connection c = Store.dataSource(data.resolve(Store.FILE), 1000).getConnection(); Statement st = c.createStatement()) {
            st.execute("PRAGMA user_version = 7");
        }
        assertThatThrownBy(() -> Store.open(data)).isInstanceOf(StoreException.class)
                .hasMessage("database " + data.resolve(Store.FILE) + " has schema version 7, this sockwarden knows up to 2: upgrade sockwarden");
    }

    @Test
    void conflictsAndUnknownClientsAreRefusedWithNames() {
        try (Store s = Store.open(dir)) {
            s.addClient(client("traefik", "127.0.0.1:2380"));
            s.addClient(client("vidar", null));
            assertThatThrownBy(() -> s.addClient(client("watchtower", "127.0.0.1:2380")))
                    .hasMessage("port 127.0.0.1:2380 is already the listener of client \"traefik\"");
            assertThatThrownBy(() -> s.addClient(client("traefik", null))).hasMessage("client \"traefik\" already exists");
            assertThatThrownBy(() -> s.grant("vidr", List.of("NETWORKS"), List.of()))
                    .hasMessage("no client \"vidr\"; clients: traefik, vidar");
            assertThat(s.snapshot().clients()).extracting(StoredClient::name).containsExactly("traefik", "vidar");
        }
    }

    @Test
    void grantRevokeRemove() {
        try (Store s = Store.open(dir)) {
            s.addClient(client("vidar", null, "CONTAINERS"));
            assertThat(s.grant("vidar", List.of("NETWORKS", "CONTAINERS"), List.of())).containsExactly("NETWORKS");
            assertThat(s.revoke("vidar", List.of("CONTAINERS", "VOLUMES"))).containsExactly("CONTAINERS");
            assertThat(s.client("vidar").grants()).containsExactly("NETWORKS");
            s.removeClient("vidar");
            assertThat(s.snapshot().clients()).isEmpty();
        }
    }

    @Test
    void aSecondProcessChangeReachesTheWatcherWithinASecond() throws Exception {
        try (Store proxySide = Store.open(dir)) {
            proxySide.addClient(client("vidar", null));
            List<Snapshot> seen = new CopyOnWriteArrayList<>();
            try (PolicyWatcher w = new PolicyWatcher(proxySide.file(), new PolicyWatcher.Listener() {
                public void snapshot(Snapshot s) {
                    seen.add(s);
                }

                public void health(PolicyWatcher.Health h) {
                }
            }).start()) {
                assertThat(seen).hasSize(1);
                Process cli = new ProcessBuilder(System.getProperty("java.home") + "/bin/java", "-cp", System.getProperty("java.class.path"),
                        SecondProcess.class.getName(), dir.toString(), "vidar", "NETWORKS").inheritIO().start();
                assertThat(cli.waitFor()).isZero();
                long committed = System.nanoTime();
                await(() -> seen.size() == 2, Duration.ofSeconds(1));
                assertThat(Duration.ofNanos(System.nanoTime() - committed)).isLessThan(Duration.ofSeconds(1));
                assertThat(seen.get(1).clients().get(0).grants()).containsExactly("NETWORKS");
                assertThat(w.health().ok()).isTrue();
            }
        }
    }

    @Test
    void lockedOrDeletedDatabaseKeepsTheLastSnapshotAndSaysSo() throws Exception {
        try (Store store = Store.open(dir)) {
            store.addClient(client("vidar", null, "CONTAINERS"));
            List<Snapshot> seen = new CopyOnWriteArrayList<>();
            List<PolicyWatcher.Health> health = new CopyOnWriteArrayList<>();
            try (PolicyWatcher w = new PolicyWatcher(store.file(), new PolicyWatcher.Listener() {
                public void snapshot(Snapshot s) {
                    seen.add(s);
                }

                public void health(PolicyWatcher.Health h) {
                    health.add(h);
                }
            }).start()) {
                // Another writer holds the write lock: in WAL mode the proxy keeps reading the
                // last committed policy, and a second writer is told the database is locked.
                try (Connection locker = Store.dataSource(store.file(), 1000).getConnection(); Statement st = locker.createStatement()) {
                    st.execute("BEGIN IMMEDIATE");
                    st.execute("INSERT INTO grants (client_id, permission) SELECT id, 'NETWORKS' FROM clients WHERE name = 'vidar'");
                    try (Store cli = Store.open(dir, Duration.ofMillis(300))) {
                        assertThatThrownBy(() -> cli.grant("vidar", List.of("VOLUMES"), List.of()))
                                .isInstanceOf(StoreException.class)
                                .hasMessageStartingWith("database " + store.file() + " is locked by another writer; try again");
                    }
                    Thread.sleep(300);
                    assertThat(w.health().ok()).isTrue();
                    assertThat(seen).hasSize(1);
                    st.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'policy_version'");
                    st.execute("COMMIT");
                }
                await(() -> seen.size() == 2, Duration.ofSeconds(1));
                assertThat(seen.get(1).clients().get(0).grants()).containsExactly("CONTAINERS", "NETWORKS");

                Files.delete(store.file());
                await(() -> !w.health().ok(), Duration.ofSeconds(3));
                assertThat(w.health().problem()).contains("is missing (deleted?)");
                assertThat(seen).hasSize(2);
                assertThat(health).extracting(PolicyWatcher.Health::ok).containsExactly(false);
                Thread.sleep(300);
                assertThat(seen).as("the last good snapshot stays in force").hasSize(2);
            }
        }
    }

    @Test
    void certificatesAreRecordedRevokedAndMapped() {
        try (Store s = Store.open(dir)) {
            s.addClient(client("traefik", null));
            java.time.Instant now = java.time.Instant.now();
            s.recordCertificate(new StoredCertificate("ab12", "client", "traefik", "f1", "CN=traefik", now, now.plusSeconds(3600), null));
            s.recordCertificate(new StoredCertificate("cd34", "client", "traefik", "f2", "CN=traefik", now, now.plusSeconds(3600), null));
            assertThat(s.revokeCertificates("F1")).extracting(StoredCertificate::serial).containsExactly("ab12");
            assertThat(s.revokeCertificates("traefik")).extracting(StoredCertificate::serial).containsExactly("cd34");
            assertThatThrownBy(() -> s.revokeCertificates("traefik"))
                    .hasMessage("no valid client certificate has client name, serial or fingerprint traefik; `sockwarden cert list` shows them");
            assertThat(s.snapshot().certificates()).allMatch(c -> c.revokedAt() != null);
            s.addClient(new StoredClient("external", List.of(), List.of(), List.of(), new java.util.TreeSet<>(), List.of(),
                    List.of("CN=ci,O=example"), List.of("00ff")));
            assertThatThrownBy(() -> s.addClient(new StoredClient("other", List.of(), List.of(), List.of(), new java.util.TreeSet<>(),
                    List.of(), List.of("CN=ci,O=example"), List.of())))
                    .hasMessage("certificate subject CN=ci,O=example is already mapped to client \"external\"");
            assertThat(s.client("external").certFingerprints()).containsExactly("00ff");
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
