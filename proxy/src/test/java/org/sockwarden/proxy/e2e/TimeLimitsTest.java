package org.sockwarden.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.sockwarden.proxy.listener.Limits;
import org.sockwarden.proxy.testing.Docker;
import org.sockwarden.proxy.testing.Tar;
import org.sockwarden.proxy.testing.TestEngine;
import org.sockwarden.proxy.testing.TestProxy;
import org.sockwarden.proxy.testing.Wire;

/**
 * Nothing is timed out before it is due, and nothing waits forever: a head that never completes
 * gets 408, an idle kept-alive connection and a stalled upload or download end, a flood of
 * connections stops at the caps, and a followed stream or a slow upload that makes progress is
 * never cut. Limits of two seconds, so the test is quick; every wait is bounded well above them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TimeLimitsTest {

    private static final Limits SHORT = new Limits(Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(2), 12, 6);
    private static final Duration BOUND = Duration.ofSeconds(15);
    private static final String[] GRANTS = {"PING", "VERSION", "CONTAINERS", "EVENTS", "CONTAINERS_ARCHIVE", "CONTAINERS_ARCHIVE_PUT"};

    private final String prefix = "sw-tl-" + UUID.randomUUID().toString().substring(0, 6);
    private final Docker direct = Docker.engine();
    private String chatty;

    @BeforeAll
    void containers() {
        chatty = prefix + "-chatty";
        // Writes a line every few milliseconds, and holds a 32 MB file to download.
        direct.run("run", "-d", "--name", chatty, "--network", "none", TestEngine.IMAGE, "sh", "-c",
                "head -c 33554432 /dev/zero > /big; while true; do echo 0123456789012345678901234567890123456789; done").ok();
    }

    @AfterAll
    void remove() {
        direct.run("rm", "-f", chatty);
    }

    private TestProxy proxy(Limits limits) throws Exception {
        return TestProxy.start(TestEngine.socket(), limits, GRANTS);
    }

    @Test
    void aConnectionThatSendsNothingIsClosed() throws Exception {
        try (TestProxy proxy = proxy(SHORT); Wire wire = new Wire(proxy.port())) {
            assertThat(wire.closesWithin(BOUND)).isTrue();
        }
    }

    @Test
    void aPartialHeadIsAnswered408() throws Exception {
        try (TestProxy proxy = proxy(SHORT); Wire wire = new Wire(proxy.port())) {
            wire.send("GET /v1.41/containers/json HTTP/1.1\r\nHost: docker\r\nX-Never: end");
            String answer = wire.rest();
            assertThat(answer).startsWith("HTTP/1.1 408 ").contains("Connection: close")
                    .contains("{\"message\":\"sockwarden: the request head did not arrive within 2 s (--head-timeout)\"}");
        }
    }

    @Test
    void aHeadTricklingInAByteAtATimeIsAnswered408() throws Exception {
        byte[] head = "GET /v1.41/containers/json HTTP/1.1\r\nHost: docker\r\nX-Slow: abcdefghijklmnopqrstuvwxyz\r\n\r\n"
                .getBytes(StandardCharsets.ISO_8859_1);
        try (TestProxy proxy = proxy(SHORT); Wire wire = new Wire(proxy.port())) {
            Thread trickle = new Thread(() -> {
                try {
                    for (byte b : head) {
                        wire.send(new byte[] {b});
                        Thread.sleep(500); // every byte well within the head timeout, the whole head far beyond it
                    }
                } catch (Exception closed) {
                    // the proxy gave up on the head, as it should
                }
            }, "trickle");
            trickle.setDaemon(true);
            trickle.start();
            assertThat(wire.rest()).startsWith("HTTP/1.1 408 ").doesNotContain("HTTP/1.1 200");
            trickle.interrupt();
        }
    }

    @Test
    void anIdleKeptAliveConnectionIsClosed() throws Exception {
        try (TestProxy proxy = proxy(SHORT); Wire wire = new Wire(proxy.port())) {
            wire.send("GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n");
            assertThat(wire.head()).startsWith("HTTP/1.1 200 ");
            wire.readUntil("OK");
            assertThat(wire.closesWithin(BOUND)).isTrue();
        }
    }

    @Test
    void aStalledUploadEndsItsExchange() throws Exception {
        try (TestProxy proxy = proxy(SHORT); Wire wire = new Wire(proxy.port())) {
            // A streamed upload (chunked, as docker cp sends it) that stops after its first 100 KB.
            byte[] part = new byte[100_000];
            wire.send("PUT /v1.41/containers/" + chatty + "/archive?path=/tmp HTTP/1.1\r\nHost: docker\r\n"
                    + "Content-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(part.length) + "\r\n");
            wire.send(part);
            assertThat(wire.closesWithin(BOUND)).isTrue();
            assertThat(proxy.awaitLog("op=containers.archive-put", BOUND)).contains("op=containers.archive-put");
            assertThat(proxy.server().runningExchanges().size()).isZero();
        }
    }

    @Test
    void aSmallBodyThatNeverCompletesEndsItsExchange() throws Exception {
        try (TestProxy proxy = proxy(SHORT); Wire wire = new Wire(proxy.port())) {
            wire.send("POST /v1.41/containers/" + chatty + "/wait HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 1000\r\n\r\n{\"Condition\":");
            assertThat(wire.closesWithin(BOUND)).isTrue();
            assertThat(proxy.awaitLog("op=containers.wait", BOUND)).contains("op=containers.wait");
        }
    }

    @Test
    void aRefusedBodyTricklingInIsDroppedOnlyUntilTheHeadTimeout() throws Exception {
        try (TestProxy proxy = proxy(SHORT); Wire wire = new Wire(proxy.port())) {
            wire.send("POST /v1.41/networks/create HTTP/1.1\r\nHost: docker\r\nTransfer-Encoding: chunked\r\n\r\n");
            assertThat(wire.head()).startsWith("HTTP/1.1 403 ");
            Thread trickle = new Thread(() -> {
                try {
                    for (int i = 0; i < 60; i++) {
                        wire.send("1\r\nx\r\n"); // a byte every 500 ms: the connection never idles
                        Thread.sleep(500);
                    }
                } catch (Exception closed) {
                    // the proxy stopped reading it, as it should
                }
            }, "trickle");
            trickle.setDaemon(true);
            trickle.start();
            assertThat(wire.closesWithin(BOUND)).isTrue();
            trickle.interrupt();
        }
    }

    @Test
    void aClientThatStopsReadingADownloadIsCut() throws Exception {
        try (TestProxy proxy = proxy(SHORT); Wire wire = new Wire(proxy.port())) {
            wire.socket().setReceiveBufferSize(4096);
            wire.send("GET /v1.41/containers/" + chatty + "/archive?path=/big HTTP/1.1\r\nHost: docker\r\n\r\n");
            // The 32 MB answer fills the buffers, then the proxy waits on the client, which never reads.
            assertThat(proxy.awaitLog("op=containers.archive", BOUND)).contains("op=containers.archive allow");
            assertThat(proxy.server().runningExchanges().size()).isZero();
        }
    }

    @Test
    void followedStreamsAndWaitsOnTheEngineAreNeverCut() throws Exception {
        try (TestProxy proxy = proxy(SHORT); Wire events = new Wire(proxy.port()); Wire logs = new Wire(proxy.port())) {
            // An events stream that stays silent, and a log stream whose client stops reading.
            events.send("GET /v1.41/events?filters=%7B%22label%22%3A%5B%22sw-none%3D1%22%5D%7D HTTP/1.1\r\nHost: docker\r\n\r\n");
            assertThat(events.head()).startsWith("HTTP/1.1 200 ");
            logs.socket().setReceiveBufferSize(4096);
            logs.send("GET /v1.41/containers/" + chatty + "/logs?follow=1&stdout=1 HTTP/1.1\r\nHost: docker\r\n\r\n");
            assertThat(logs.head()).startsWith("HTTP/1.1 200 ");
            Thread.sleep(SHORT.stallTimeout().multipliedBy(4).toMillis());
            assertThat(proxy.log()).doesNotContain("op=system.events").doesNotContain("op=containers.logs");
            assertThat(proxy.server().runningExchanges().size()).isEqualTo(2);
        }
    }

    @Test
    void aSlowUploadThatMakesProgressCompletes() throws Exception {
        byte[] data = new byte[300_000];
        Arrays.fill(data, (byte) 'x');
        byte[] archive = Tar.of(Map.of("slow", data));
        try (TestProxy proxy = proxy(SHORT); Wire wire = new Wire(proxy.port())) {
            wire.send("PUT /v1.41/containers/" + chatty + "/archive?path=/tmp HTTP/1.1\r\nHost: docker\r\nContent-Type: application/x-tar\r\n"
                    + "Content-Length: " + archive.length + "\r\n\r\n");
            // Three times the stall timeout in all, a piece every second: always making progress.
            int pieces = 6;
            for (int i = 0; i < pieces; i++) {
                wire.send(Arrays.copyOfRange(archive, i * archive.length / pieces, (i + 1) * archive.length / pieces));
                Thread.sleep(1_000);
            }
            assertThat(wire.head()).startsWith("HTTP/1.1 200 ");
        }
    }

    @Test
    void anIdleFloodStopsAtTheCaps() throws Exception {
        // A long head timeout, so that only the caps close anything here.
        Limits caps = new Limits(Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofSeconds(60), 12, 6);
        try (TestProxy proxy = proxy(caps)) {
            List<Wire> flood = new ArrayList<>();
            try {
                for (int i = 0; i < 6; i++) {
                    Wire w = new Wire(proxy.port());
                    flood.add(w);
                    w.send("GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n");
                    assertThat(w.head()).startsWith("HTTP/1.1 200 ");
                    w.readUntil("OK");
                }
                // The client's seventh connection: answered, and closed.
                try (Wire seventh = new Wire(proxy.port())) {
                    seventh.send("GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n");
                    assertThat(seventh.rest()).startsWith("HTTP/1.1 503 ")
                            .contains("client \\\"default\\\" already has 6 connections open, its cap (--max-client-connections)");
                }
                // Ten silent connections beside the client's six: six fill the listener up to its cap of 12, and
                // four are closed at once (which four depends on the order the proxy takes them in).
                Thread.sleep(500); // the seventh's close reaches the proxy
                List<Wire> silent = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    silent.add(new Wire(proxy.port()));
                }
                assertThat(proxy.awaitLog("is at its cap of 12 open connections", BOUND)).contains("WARN listener 127.0.0.1:0 is at its cap");
                int overCap = 0;
                for (Wire w : silent) {
                    if (w.closesWithin(Duration.ofSeconds(1))) {
                        overCap++;
                        w.close();
                    } else {
                        flood.add(w);
                    }
                }
                assertThat(overCap).as("silent connections over the listener's cap").isEqualTo(4);
                // One of the client's connections ends: the next one is served again.
                flood.remove(0).close();
                boolean served = false;
                for (int attempt = 0; attempt < 50 && !served; attempt++) {
                    try (Wire again = new Wire(proxy.port())) {
                        again.send("GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n");
                        served = again.head().startsWith("HTTP/1.1 200 ");
                    } catch (java.io.IOException closed) {
                        // the proxy has not seen the close yet
                    }
                    if (!served) {
                        Thread.sleep(100);
                    }
                }
                assertThat(served).as("served again once a connection ended").isTrue();
            } finally {
                for (Wire w : flood) {
                    w.close();
                }
            }
        }
    }
}
