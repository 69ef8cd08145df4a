package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.sockwarden.admin.MultiClientTest.await;
import static org.sockwarden.admin.MultiClientTest.freePort;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sockwarden.proxy.testing.TestEngine;

/**
 * /healthz, the engine metric and `sockwarden health` follow the engine: a private engine of this
 * test's own (scripts/engine.sh, as root) is stopped and started again under a running proxy.
 */
class EngineHealthTest {

    private static final Path ENGINE_SH = Path.of(System.getProperty("basedir", ".")).resolve("../scripts/engine.sh").normalize();

    private static void engine(String command, Path dir) throws Exception {
        Process p = new ProcessBuilder(ENGINE_SH.toString(), command, dir.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("engine.sh " + command + " did not finish within 180 s");
        }
        assertThat(p.exitValue()).as("engine.sh " + command + " " + dir).isZero();
    }

    private static boolean root() {
        return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    }

    @Test
    void unhealthyWhenTheEngineStopsAndHealthyAgainWhenItReturns(@TempDir Path data) throws Exception {
        TestEngine.socket(); // the suite's engine: this test also runs only where engine tests run
        if (!root()) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                Assertions.fail("a private engine needs root");
            }
            Assumptions.abort("a private engine needs root");
        }
        // Short: containerd's socket path under it must stay within the unix socket limit.
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "swh");
        try {
            engine("start", dir);
            int port = freePort();
            try (ServedProxy proxy = ServedProxy.start(data, Map.of("PING", "1"), "--listen", "127.0.0.1:" + port,
                    "--docker-socket", dir.resolve("docker.sock").toString())) {
                assertThat(proxy.get("/healthz")).isEqualTo(new ServedProxy.Answer(200, "ok\n"));
                assertThat(PrometheusText.value(proxy.metrics(), "sockwarden_engine_reachable", Map.of())).isEqualTo(1);

                engine("stop", dir);
                await("unhealthy", () -> proxy.get("/healthz").status() == 503, Duration.ofSeconds(10));
                assertThat(proxy.get("/healthz").body()).startsWith("engine: Docker engine ");
                assertThat(PrometheusText.value(proxy.metrics(), "sockwarden_engine_reachable", Map.of())).isZero();
                assertThat(PrometheusText.value(proxy.metrics(), "sockwarden_healthy", Map.of())).isZero();
                CliTest.Run health = CliTest.run("health", "--data", data.toString());
                assertThat(health.exit()).isEqualTo(1);
                assertThat(health.out()).startsWith("unhealthy (503):\nengine: Docker engine ");
                // Ready all the same: it serves, and says why requests fail.
                assertThat(proxy.get("/readyz").status()).isEqualTo(200);

                engine("start", dir);
                await("healthy again", () -> proxy.get("/healthz").status() == 200, Duration.ofSeconds(10));
                assertThat(CliTest.run("health", "--data", data.toString()).exit()).isZero();
                assertThat(PrometheusText.value(proxy.metrics(), "sockwarden_engine_reachable", Map.of())).isEqualTo(1);
            }
        } finally {
            engine("stop", dir);
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
