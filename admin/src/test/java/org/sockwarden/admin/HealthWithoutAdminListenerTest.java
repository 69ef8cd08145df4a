package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.sockwarden.admin.MultiClientTest.await;
import static org.sockwarden.admin.MultiClientTest.freePort;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sockwarden.proxy.testing.TestEngine;

/**
 * `sockwarden health` of a proxy run without --admin-listen (the image's HEALTHCHECK when its command is
 * replaced): it judges what /healthz would, from the status file and a /_ping of the engine.
 */
class HealthWithoutAdminListenerTest {

    private static Process serve(Path data, Path engine, int port) throws Exception {
        return new ProcessBuilder(ChildJvm.sockwarden("serve", "--listen", "127.0.0.1:" + port, "--data", data.toString(),
                "--docker-socket", engine.toString()))
                .redirectErrorStream(true).redirectOutput(data.resolveSibling(data.getFileName() + ".log").toFile()).start();
    }

    @Test
    void healthyWhenThePolicyAppliesAndTheEngineAnswersUnhealthyOtherwise(@TempDir Path dir) throws Exception {
        Path engine = TestEngine.socket();
        Path good = dir.resolve("good");
        Path bad = dir.resolve("bad");
        int goodPort = freePort();
        int badPort = freePort();
        Process up = serve(good, engine, goodPort);
        Process noEngine = serve(bad, dir.resolve("no-such-docker.sock"), badPort);
        try {
            await("both listeners", () -> MultiClientTest.accepts(goodPort) && MultiClientTest.accepts(badPort), Duration.ofSeconds(30));
            await("healthy", () -> CliTest.run("health", "--data", good.toString()).exit() == 0, Duration.ofSeconds(15));
            assertThat(CliTest.run("health", "--data", good.toString()).out()).startsWith("ok (no admin listener");

            await("the status of the proxy without an engine", () -> StatusFile.read(bad).isPresent(), Duration.ofSeconds(15));
            CliTest.Run sick = CliTest.run("health", "--data", bad.toString());
            assertThat(sick.exit()).isEqualTo(1);
            assertThat(sick.out()).startsWith("unhealthy:\nengine: Docker engine socket " + dir.resolve("no-such-docker.sock"));
        } finally {
            MultiClientTest.stopProxy(up, good.resolveSibling("good.log"));
            MultiClientTest.stopProxy(noEngine, bad.resolveSibling("bad.log"));
        }
        assertThat(CliTest.run("health", "--data", good.toString()).exit()).as("no proxy running").isEqualTo(1);
    }
}
