package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.sockwarden.admin.MultiClientTest.await;
import static org.sockwarden.admin.MultiClientTest.freePort;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sockwarden.proxy.testing.Docker;
import org.sockwarden.proxy.testing.TestEngine;
import org.sockwarden.store.AuditStore;

/**
 * With the audit trail's file unwritable, requests are still answered, and the records that
 * cannot be written are counted in the metrics and said in the log. The tests run as root, whom
 * file modes do not stop: a directory where the file should be does.
 */
class UnwritableAuditTest {

    private static double dropped(ServedProxy proxy) throws Exception {
        return PrometheusText.value(proxy.metrics(), "sockwarden_audit_dropped_total", Map.of("reason", "write_failed"));
    }

    @Test
    void requestsStillSucceedAndTheDropCounterRises(@TempDir Path data) throws Exception {
        Path engine = TestEngine.socket();
        Files.createDirectories(data.resolve(AuditStore.FILE));
        int port = freePort();
        try (ServedProxy proxy = ServedProxy.start(data, Map.of("CONTAINERS", "1"), "--listen", "127.0.0.1:" + port,
                "--docker-socket", engine.toString())) {
            Docker docker = new Docker("tcp://127.0.0.1:" + port);
            docker.run("ps").ok();
            await("records dropped", () -> {
                try {
                    return dropped(proxy) >= 2;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, Duration.ofSeconds(15));
            double before = dropped(proxy);
            docker.run("ps").ok();
            docker.run("network", "ls").failed();
            await("the counter rises with each request", () -> {
                try {
                    return dropped(proxy) >= before + 4;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, Duration.ofSeconds(15));
            assertThat(PrometheusText.value(proxy.metrics(), "sockwarden_audit_written_total", Map.of())).isZero();
            // Not a health problem: the proxy serves as configured.
            assertThat(proxy.get("/healthz").status()).isEqualTo(200);
            assertThat(proxy.get("/").body()).contains("audit records are being dropped: ");
            await("the log says so", () -> proxy.log().contains("ERROR audit trail: cannot write to " + data.resolve(AuditStore.FILE)),
                    Duration.ofSeconds(5));
        }
    }
}
