package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.sockwarden.admin.MultiClientTest.accepts;
import static org.sockwarden.admin.MultiClientTest.await;
import static org.sockwarden.admin.MultiClientTest.freePort;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sockwarden.proxy.testing.Docker;
import org.sockwarden.proxy.testing.TestEngine;
import org.sockwarden.proxy.testing.Wire;

/** SIGTERM: no new connections, running requests get the grace period, then streams are closed and the process exits. */
class ShutdownTest {

    /**
     * 200 clients send unfinished 1 MB bodies to a refused endpoint of a proxy with its production
     * JVM flags (a 128 MB heap, so as much direct buffer memory), then the proxy is stopped with
     * them still pending: each got its 403, and the log holds no exception (before: 12 direct
     * buffer OutOfMemoryErrors, and once 86 IllegalArgumentException: newPosition > limit at the stop).
     */
    @Test
    void refusedUnfinishedUploadsExhaustNothingAndStopCleanly(@TempDir Path data) throws Exception {
        Path engine = TestEngine.socket();
        int port = freePort();
        Path log = data.resolve("proxy.log");
        Process options = new ProcessBuilder("bash", Path.of(System.getProperty("user.dir")).getParent()
                .resolve("scripts/jvm-options.sh").toString(), System.getProperty("java.home") + "/bin/java").start();
        String flags = new String(options.getInputStream().readAllBytes()).trim();
        assertThat(options.waitFor(30, TimeUnit.SECONDS)).isTrue();
        List<String> cmd = ChildJvm.sockwarden(List.of(flags.split("\\s+")), "serve",
                "--listen", "127.0.0.1:" + port, "--data", data.resolve("d").toString(), "--docker-socket", engine.toString(),
                "--head-timeout", "60", "--shutdown-grace", "2");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("CONTAINERS", "1");
        Process proxy = pb.start();
        List<Wire> uploads = new ArrayList<>();
        try {
            await("listener", () -> accepts(port), Duration.ofSeconds(30));
            Map<String, Integer> answers = new ConcurrentHashMap<>();
            List<Thread> threads = new ArrayList<>();
            byte[] chunk = ("10000\r\n" + "x".repeat(0x10000) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
            for (int i = 0; i < 200; i++) {
                Wire w = new Wire(port);
                uploads.add(w);
                Thread t = new Thread(() -> {
                    try {
                        w.send("POST /v1.41/networks/create HTTP/1.1\r\nHost: docker\r\nTransfer-Encoding: chunked\r\n\r\n");
                        for (int sent = 0; sent < 1_000_000; sent += 0x10000) {
                            w.send(chunk);
                        }
                        answers.merge(w.head().lines().findFirst().orElse("closed"), 1, Integer::sum);
                    } catch (Exception e) {
                        answers.merge(e.getClass().getSimpleName(), 1, Integer::sum);
                    }
                });
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                t.join(60_000);
            }
            assertThat(answers).as("what each refused upload read").isEqualTo(Map.of("HTTP/1.1 403 Forbidden", 200));
            new Docker("tcp://127.0.0.1:" + port).run("ps").ok();

            proxy.destroy(); // SIGTERM, with the 200 bodies still unfinished
            assertThat(proxy.waitFor(30, TimeUnit.SECONDS)).as("the process exits").isTrue();
            String text = Files.readString(log);
            assertThat(text).doesNotContain("Exception").doesNotContain("OutOfMemoryError").doesNotContain("newPosition");
        } finally {
            for (Wire w : uploads) {
                w.close();
            }
            proxy.destroyForcibly();
        }
    }

    @Test
    void sigtermStopsAcceptingThenClosesStreamsWithinTheGrace(@TempDir Path data) throws Exception {
        Path engine = TestEngine.socket();
        int port = freePort();
        Path log = data.resolve("proxy.log");
        ProcessBuilder pb = new ProcessBuilder(ChildJvm.sockwarden("serve", "--listen", "127.0.0.1:" + port, "--data", data.resolve("d").toString(),
                "--docker-socket", engine.toString(), "--shutdown-grace", "2")).redirectErrorStream(true).redirectOutput(log.toFile());
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
