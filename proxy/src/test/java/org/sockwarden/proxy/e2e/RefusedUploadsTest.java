package org.sockwarden.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.sockwarden.proxy.testing.TestEngine;
import org.sockwarden.proxy.testing.TestProxy;
import org.sockwarden.proxy.testing.Wire;

/**
 * Many clients send unfinished bodies to a refused endpoint at once (chunked, the last chunk
 * withheld) while a well-behaved client keeps calling: every refused one gets its 403 at once,
 * without sending the rest, and the well-behaved client never fails. Counts, not timings.
 */
class RefusedUploadsTest {

    private static final int UPLOADS = 100;
    private static final int BODY = 512 * 1024;

    @Test
    void refusedUnfinishedUploadsAreAnsweredAndStarveNobody() throws Exception {
        try (TestProxy proxy = TestProxy.start(TestEngine.socket(), "PING", "VERSION", "CONTAINERS")) {
            AtomicBoolean uploading = new AtomicBoolean(true);
            AtomicInteger goodCalls = new AtomicInteger();
            Map<String, Integer> goodFailures = new ConcurrentHashMap<>();
            Thread good = new Thread(() -> {
                while (uploading.get()) {
                    try (Wire w = new Wire(proxy.port())) {
                        w.send("GET /v1.41/containers/json HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n");
                        String head = w.head();
                        if (head.startsWith("HTTP/1.1 200 ")) {
                            goodCalls.incrementAndGet();
                        } else {
                            goodFailures.merge(head.isEmpty() ? "closed" : head.lines().findFirst().orElse(""), 1, Integer::sum);
                        }
                    } catch (Exception e) {
                        goodFailures.merge(e.toString(), 1, Integer::sum);
                    }
                }
            }, "well-behaved");
            good.start();

            Map<String, Integer> answers = new ConcurrentHashMap<>();
            List<Wire> open = new ArrayList<>();
            List<Thread> uploaders = new ArrayList<>();
            for (int i = 0; i < UPLOADS; i++) {
                Wire w = new Wire(proxy.port());
                open.add(w);
                Thread t = new Thread(() -> {
                    try {
                        w.send("POST /v1.41/networks/create HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\n"
                                + "Transfer-Encoding: chunked\r\n\r\n");
                        byte[] chunk = ("10000\r\n" + "x".repeat(0x10000) + "\r\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
                        for (int sent = 0; sent < BODY; sent += 0x10000) {
                            w.send(chunk);
                        }
                        // The last chunk is never sent: the answer must not wait for it.
                        String head = w.head();
                        answers.merge(head.isEmpty() ? "closed" : head.lines().findFirst().orElse(""), 1, Integer::sum);
                    } catch (Exception e) {
                        // A connection closed under the rest of the body counts as refused only if its 403 came first.
                        answers.merge("failed: " + e.getClass().getSimpleName(), 1, Integer::sum);
                    }
                }, "refused-upload-" + i);
                uploaders.add(t);
                t.start();
            }
            for (Thread t : uploaders) {
                t.join(Duration.ofSeconds(60).toMillis());
            }
            Thread.sleep(500);
            uploading.set(false);
            good.join(Duration.ofSeconds(30).toMillis());
            for (Wire w : open) {
                w.close();
            }

            assertThat(answers).as("the answer each refused upload read").containsOnlyKeys("HTTP/1.1 403 Forbidden");
            assertThat(answers.get("HTTP/1.1 403 Forbidden")).isEqualTo(UPLOADS);
            assertThat(goodFailures).as("the well-behaved client's failures").isEmpty();
            assertThat(goodCalls.get()).as("the well-behaved client's calls").isPositive();
        }
    }
}
