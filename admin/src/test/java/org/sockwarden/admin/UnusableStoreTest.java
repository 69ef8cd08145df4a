package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.sockwarden.admin.MultiClientTest.accepts;
import static org.sockwarden.admin.MultiClientTest.await;
import static org.sockwarden.admin.MultiClientTest.freePort;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sockwarden.proxy.testing.Docker;
import org.sockwarden.proxy.testing.TestEngine;
import org.sqlite.SQLiteDataSource;

/** A database this binary cannot use: stored clients get nothing (deny-all), and the log and status say why. */
class UnusableStoreTest {

    @Test
    void aDatabaseNewerThanTheBinaryMeansDenyAllAndUnhealthy(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        int clientPort = freePort();
        assertThat(MultiClientTest.cli(data, "client", "add", "traefik", "--listen", "127.0.0.1:" + clientPort, "--preset", "traefik")).isZero();
        SQLiteDataSource ds = new SQLiteDataSource();
        ds.setUrl("jdbc:sqlite:" + data.resolve("sockwarden.db"));
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("PRAGMA user_version = 99");
        }
        int port = freePort();
        Path log = dir.resolve("proxy.log");
        ProcessBuilder pb = new ProcessBuilder(ChildJvm.sockwarden("serve", "--listen", "127.0.0.1:" + port, "--data", data.toString(),
                "--docker-socket", TestEngine.socket().toString())).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("CONTAINERS", "1");
        Process proxy = pb.start();
        try {
            await("default listener", () -> accepts(port), Duration.ofSeconds(30));
            new Docker("tcp://127.0.0.1:" + port).run("ps").ok();
            await("the store verdict", () -> {
                try {
                    return Files.readString(log).contains("ERROR policy database unusable")
                            && Files.exists(data.resolve("status.json"));
                } catch (java.io.IOException e) {
                    return false;
                }
            }, Duration.ofSeconds(10));
            assertThat(accepts(clientPort)).as("a stored client's listener stays closed").isFalse();
            assertThat(Files.readString(log)).contains("ERROR policy database unusable, serving no stored client (deny-all) until it is fixed: "
                    + "database " + data.resolve("sockwarden.db") + " has schema version 99, this sockwarden knows up to ")
                    .containsPattern("knows up to \\d+: upgrade sockwarden");
            assertThat(Files.readString(data.resolve("status.json"))).contains("\"healthy\":false").contains("schema version 99");
        } finally {
            proxy.destroy();
            proxy.waitFor(15, TimeUnit.SECONDS);
            proxy.destroyForcibly();
        }
    }

    /** With --tls-listen too: the proxy starts, on the server certificate it has, and serves no stored client. */
    @Test
    void aTlsProxyWithAnUnusableStoreStartsDenyAll(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        assertThat(MultiClientTest.cli(data, "client", "add", "ci")).isZero();
        assertThat(MultiClientTest.cli(data, "cert", "issue", "ci", "--out", dir.resolve("ci-certs").toString())).isZero();
        assertThat(MultiClientTest.cli(data, "cert", "renew-server")).isZero();
        SQLiteDataSource ds = new SQLiteDataSource();
        ds.setUrl("jdbc:sqlite:" + data.resolve("sockwarden.db"));
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("PRAGMA user_version = 99");
        }
        int port = freePort();
        int tlsPort = freePort();
        Path log = dir.resolve("proxy.log");
        Process proxy = MultiClientTest.serve(log, java.util.Map.of("CONTAINERS", "1"), "--listen", "127.0.0.1:" + port,
                "--tls-listen", "127.0.0.1:" + tlsPort, "--data", data.toString(), "--docker-socket", TestEngine.socket().toString());
        try {
            await("both listeners", () -> accepts(port) && accepts(tlsPort), Duration.ofSeconds(30));
            assertThat(proxy.isAlive()).isTrue();
            new Docker("tcp://127.0.0.1:" + port).run("ps").ok();
            // The TLS listener answers handshakes, and refuses the stored client's certificate: no stored client is served.
            assertThat(TestCertificates.ping(tlsPort, dir.resolve("ci-certs"))).startsWith("refused");
            await("the store verdict", () -> {
                try {
                    return Files.readString(log).contains("ERROR policy database unusable") && Files.exists(data.resolve("status.json"));
                } catch (java.io.IOException e) {
                    return false;
                }
            }, Duration.ofSeconds(10));
            assertThat(Files.readString(data.resolve("status.json"))).contains("\"healthy\":false");
        } finally {
            proxy.destroy();
            proxy.waitFor(15, TimeUnit.SECONDS);
            proxy.destroyForcibly();
        }
    }
}
