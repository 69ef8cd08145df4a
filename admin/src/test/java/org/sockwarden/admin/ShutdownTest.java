package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.sockwarden.admin.MultiClientTest.accepts;
import static org.sockwarden.admin.MultiClientTest.await;
import static org.sockwarden.admin.MultiClientTest.freePort;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sockwarden.proxy.testing.Docker;
import org.sockwarden.proxy.testing.TestEngine;

/** SIGTERM: no new connections, running requests get the grace period, then streams are closed and the process exits. */
class ShutdownTest {

    @Test
    void sigtermStopsAcceptingThenClosesStreamsWithinTheGrace(@TempDir Path data) throws Exception {
        Path engine = TestEngine.socket();
        int port = freePort();
        Path log = data.resolve("proxy.log");
        ProcessBuilder pb = new ProcessBuilder(System.getProperty("java.home") + "/bin/java", "-cp", System.getProperty("java.class.path"),
                "org.sockwarden.admin.Main", "serve", "--listen", "127.0.0.1:" + port, "--data", data.resolve("d").toString(),
                "--docker-socket", engine.toString(), "--shutdown-grace", "2").redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("CONTAINERS", "1");
        Process proxy = pb.start();
        try {
            await("listener", () -> accepts(port), Duration.ofSeconds(30));
            new Docker("tcp://127.0.0.1:" + port).run("ps").ok();
            Process events = MultiClientTest.openEvents("-H", "tcp://127.0.0.1:" + port);

            long t0 = System.nanoTime();
            proxy.destroy(); // SIGTERM
            await("listener closed", () -> !accepts(port), Duration.ofSeconds(2));
            assertThat(events.waitFor(8, TimeUnit.SECONDS)).as("the open stream is closed after the grace period").isTrue();
            assertThat(proxy.waitFor(10, TimeUnit.SECONDS)).as("the process exits").isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
            assertThat(Files.readString(log)).contains("op=system.events");
        } finally {
            proxy.destroyForcibly();
        }
    }
}
