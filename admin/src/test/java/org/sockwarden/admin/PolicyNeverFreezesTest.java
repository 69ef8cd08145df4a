package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.sockwarden.admin.MultiClientTest.accepts;
import static org.sockwarden.admin.MultiClientTest.await;
import static org.sockwarden.admin.MultiClientTest.cli;
import static org.sockwarden.admin.MultiClientTest.freePort;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sockwarden.proxy.testing.Docker;
import org.sockwarden.proxy.testing.RawHttp;
import org.sockwarden.proxy.testing.TestEngine;
import org.sockwarden.store.Store;
import org.sqlite.SQLiteDataSource;

/**
 * Rows the proxy cannot apply, written straight into the SQLite file while `serve` runs (as
 * another version, a hand edit or a race would leave them), never freeze the policy: their
 * clients are served deny-all, the log says ERROR with each client and reason, `status` exits 1,
 * and every other change, a revocation and a removal above all, applies within a second.
 */
class PolicyNeverFreezesTest {

    @TempDir
    Path dir;

    @Test
    void unappliableRowsNeverHoldBackARevocation() throws Exception {
        Path data = dir.resolve("data");
        int steady = freePort();
        int gone = freePort();
        int defaultPort = freePort();
        int twin = freePort();
        int v6 = freePort();
        assertThat(cli(data, "client", "add", "steady", "--listen", "127.0.0.1:" + steady, "--allow", "CONTAINERS,NETWORKS")).isZero();
        assertThat(cli(data, "client", "add", "gone", "--listen", "127.0.0.1:" + gone, "--allow", "CONTAINERS")).isZero();
        assertThat(cli(data, "client", "add", "issued")).isZero();
        assertThat(cli(data, "cert", "issue", "issued", "--out", dir.resolve("issued-certs").toString())).isZero();
        String issuedFingerprint;
        try (Store store = Store.open(data)) {
            issuedFingerprint = store.certificates("issued").get(0).fingerprint();
        }
        Path log = dir.resolve("proxy.log");
        Process proxy = MultiClientTest.serve(log, Map.of("CONTAINERS", "1"), "--listen", "127.0.0.1:" + defaultPort, "--data", data.toString(),
                "--docker-socket", TestEngine.socket().toString());
        try {
            await("listeners", () -> accepts(steady) && accepts(gone) && accepts(defaultPort), Duration.ofSeconds(30));
            Docker steadyCli = new Docker("tcp://127.0.0.1:" + steady);
            steadyCli.run("network", "ls").ok();
            assertThat(status(data).exit()).as(status(data).out()).isZero();

            // Another version's rows: each one this proxy cannot apply, in one transaction that moves the policy version.
            sql(data, List.of(
                    "INSERT INTO clients (name) VALUES ('twin-a'), ('twin-b'), ('v6-a'), ('v6-b'), ('badport'), ('badgrant'), ('badcidr'),"
                            + " ('badsubject'), ('mapped'), ('squatter'), ('enginesock')",
                    listener("twin-a", "tcp", "127.0.0.1:" + twin),
                    listener("twin-b", "tcp", "127.0.0.1:0" + twin),
                    listener("v6-a", "tcp", "::1:" + v6),
                    listener("v6-b", "tcp", "[::1]:" + v6),
                    listener("badport", "tcp", "127.0.0.1:99999"),
                    "INSERT INTO grants (client_id, permission) SELECT id, 'NOT_A_PERMISSION' FROM clients WHERE name = 'badgrant'",
                    "INSERT INTO sources (client_id, cidr) SELECT id, 'cafe' FROM clients WHERE name = 'badcidr'",
                    "INSERT INTO cert_mappings (client_id, kind, value, ca) SELECT id, 'subject', 'no name at all', '" + "ab".repeat(32)
                            + "' FROM clients WHERE name = 'badsubject'",
                    "INSERT INTO cert_mappings (client_id, kind, value) SELECT id, 'fingerprint', '" + issuedFingerprint
                            + "' FROM clients WHERE name = 'mapped'",
                    listener("squatter", "tcp", "127.0.0.1:" + defaultPort),
                    listener("enginesock", "unix", TestEngine.socket().toString()),
                    "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'policy_version'"));
            await("the unappliable rows reported", () -> read(log).contains("client enginesock is served deny-all"), Duration.ofSeconds(5));
            String text = read(log);
            assertThat(text)
                    .contains("ERROR client twin-a is served deny-all until its stored policy is fixed: port 127.0.0.1:" + twin
                            + " is also the listener of client \"twin-b\"")
                    .contains("ERROR client twin-b is served deny-all until its stored policy is fixed: port 127.0.0.1:" + twin
                            + " is also the listener of client \"twin-a\"")
                    .contains("ERROR client v6-a is served deny-all until its stored policy is fixed: port [::1]:" + v6
                            + " is also the listener of client \"v6-b\"")
                    .contains("ERROR client badport is served deny-all until its stored policy is fixed: listener 127.0.0.1:99999: bad port")
                    .contains("ERROR client badgrant is served deny-all until its stored policy is fixed: stored grant NOT_A_PERMISSION")
                    .contains("ERROR client badcidr is served deny-all until its stored policy is fixed: --from not an IP range: \"cafe\"")
                    .contains("ERROR client badsubject is served deny-all until its stored policy is fixed: certificate subject: not a distinguished name")
                    .contains("ERROR client mapped is served deny-all until its stored policy is fixed: certificate " + issuedFingerprint
                            + " is also that of client \"issued\"")
                    .contains("ERROR client issued is served deny-all")
                    .contains("ERROR client squatter is served deny-all until its stored policy is fixed: port 127.0.0.1:" + defaultPort
                            + " is also the listener of client \"default\"")
                    .contains("ERROR client enginesock is served deny-all until its stored policy is fixed: listener unix:"
                            + TestEngine.socket() + ": socket " + TestEngine.socket().toRealPath() + " is the Docker engine's socket");
            // The engine's socket is still the engine's.
            new Docker(TestEngine.dockerHost()).run("version").ok();
            CliTest.Run unhealthy = status(data);
            assertThat(unhealthy.exit()).isEqualTo(1);
            assertThat(unhealthy.out()).contains("health: UNHEALTHY: ").contains("client badport served deny-all: listener 127.0.0.1:99999");
            // A colliding listener is nobody's: its caller is told why.
            assertThat(RawHttp.tcp(twin, "GET /_ping HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n", Duration.ofSeconds(5)).text())
                    .startsWith("HTTP/1.1 403").contains("is refused everything until its stored policy can be applied");
            assertThat(new Docker("tcp://127.0.0.1:" + defaultPort).run("ps").failed().stderr())
                    .contains("client \"default\" is refused everything until its stored policy can be applied: port 127.0.0.1:" + defaultPort
                            + " is also the listener of client \"squatter\"");

            // Changes made now apply, whatever else the snapshot holds.
            steadyCli.run("network", "ls").ok();
            assertThat(cli(data, "revoke", "steady", "NETWORKS")).isZero();
            assertThat(cli(data, "client", "remove", "gone")).isZero();
            String networks = "GET /v1.41/networks HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n";
            await("the revocation in force", () -> statusOf(steady, networks) == 403, Duration.ofSeconds(1));
            await("the removed client's listener closed", () -> !accepts(gone), Duration.ofSeconds(1));
            assertThat(steadyCli.run("network", "ls").failed().stderr()).contains("client \"steady\" may not call networks.list");
            steadyCli.run("ps").ok();
            assertThat(status(data).exit()).isEqualTo(1);

            // Fixed, healthy again.
            sql(data, List.of("DELETE FROM clients WHERE name IN ('twin-a', 'twin-b', 'v6-a', 'v6-b', 'badport', 'badgrant', 'badcidr',"
                    + " 'badsubject', 'mapped', 'squatter', 'enginesock')",
                    "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'policy_version'"));
            await("healthy again", () -> status(data).exit() == 0, Duration.ofSeconds(5));
            new Docker("tcp://127.0.0.1:" + defaultPort).run("ps").ok();
        } finally {
            MultiClientTest.stopProxy(proxy, log);
        }
    }

    /**
     * A hand-written row naming the engine's socket as a client's: the proxy never deletes or binds
     * it (a socket of the test stands for the engine: the real one must not be put at risk).
     */
    @Test
    void aRowNamingTheEnginesSocketLeavesItAlone() throws Exception {
        Path data = dir.resolve("data");
        Path engine = dir.resolve("engine.sock");
        try (ServerSocketChannel standIn = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            standIn.bind(UnixDomainSocketAddress.of(engine));
            Object inode = Files.getAttribute(engine, "unix:ino");
            assertThat(cli(data, "init")).isZero();
            sql(data, List.of("INSERT INTO clients (name) VALUES ('thief')", listener("thief", "unix", engine.toString()),
                    "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'policy_version'"));
            Path log = dir.resolve("proxy.log");
            Process proxy = MultiClientTest.serve(log, "--listen", "none", "--data", data.toString(), "--docker-socket", engine.toString());
            try {
                await("the row refused", () -> read(log).contains("client thief is served deny-all"), Duration.ofSeconds(30));
                assertThat(read(log)).doesNotContain("listening on unix:" + engine);
                assertThat(Files.getAttribute(engine, "unix:ino")).as("the engine's socket file is the same file").isEqualTo(inode);
            } finally {
                MultiClientTest.stopProxy(proxy, log);
            }
        }
    }

    private static String listener(String client, String kind, String address) {
        return "INSERT INTO listeners (client_id, kind, address) SELECT id, '" + kind + "', '" + address + "' FROM clients WHERE name = '"
                + client + "'";
    }

    private static int statusOf(int port, String request) {
        try {
            return RawHttp.tcp(port, request, Duration.ofSeconds(1)).status();
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    private static CliTest.Run status(Path data) {
        return CliTest.run("status", "--data=" + data);
    }

    private static void sql(Path data, List<String> statements) throws Exception {
        SQLiteDataSource ds = new SQLiteDataSource();
        ds.setUrl("jdbc:sqlite:" + data.resolve(Store.FILE));
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            for (String statement : statements) {
                s.execute(statement);
            }
            c.commit();
        }
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
