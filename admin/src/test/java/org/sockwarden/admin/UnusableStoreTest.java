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
        ProcessBuilder pb = new ProcessBuilder(System.getProperty("java.home") + "/bin/java", "-cp", System.getProperty("java.class.path"),
                "org.sockwarden.admin.Main", "serve", "--listen", "127.0.0.1:" + port, "--data", data.toString(),
                "--docker-socket", TestEngine.socket().toString()).redirectErrorStream(true).redirectOutput(log.toFile());
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
                    + "database " + data.resolve("sockwarden.db") + " has schema version 99, this sockwarden knows up to 4: upgrade sockwarden");
            assertThat(Files.readString(data.resolve("status.json"))).contains("\"healthy\":false").contains("schema version 99");
        } finally {
            proxy.destroy();
            proxy.waitFor(15, TimeUnit.SECONDS);
            proxy.destroyForcibly();
        }
    }
}
