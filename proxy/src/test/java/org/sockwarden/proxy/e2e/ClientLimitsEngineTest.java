package org.sockwarden.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.net.SocketException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.sockwarden.proxy.limit.ClientLimits;
import org.sockwarden.proxy.limit.Limiter;
import org.sockwarden.proxy.testing.Docker;
import org.sockwarden.proxy.testing.RawHttp;
import org.sockwarden.proxy.testing.TestEngine;
import org.sockwarden.proxy.testing.TestProxy;
import org.sockwarden.proxy.testing.Wire;

/**
 * Per-client limits against the real engine: what is refused (429 in Docker's error shape, with
 * Retry-After, never reaching the engine), what is never refused (one request after another on a
 * kept-alive connection), and that every slot comes back however its exchange ends.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientLimitsEngineTest {

    private static final String[] GRANTS = {"PING", "VERSION", "CONTAINERS", "POST", "EXEC", "EVENTS"};
    private static final Duration ENGINE = Duration.ofSeconds(8);
    private static final Pattern RETRY_AFTER = Pattern.compile("(?i)\r\nRetry-After: (\\d+)\r\n");

    private final String prefix = "sw-lim-" + UUID.randomUUID().toString().substring(0, 6);
    private final Docker direct = Docker.engine();
    private Path engine;
    private String container;
    private TestProxy proxy;

    @BeforeAll
    void container() {
        engine = TestEngine.socket();
        container = TestEngine.startLineWriter(prefix + "-c");
    }

    @AfterAll
    void removeContainers() {
        direct.run("rm", "-f", container, prefix + "-refused", prefix + "-run");
    }

    @BeforeEach
    void proxy() throws Exception {
        proxy = TestProxy.start(engine, GRANTS);
    }

    @AfterEach
    void stop() throws Exception {
        proxy.close();
    }

    private Limiter.Counts counts() {
        return proxy.server().limiter().counts("default");
    }

    private static String get(String target) {
        return "GET " + target + " HTTP/1.1\r\nHost: docker\r\n\r\n";
    }

    private String followLogs() {
        return get("/v1.41/containers/" + container + "/logs?follow=1&stdout=1&tail=1");
    }

    /** Waits (bounded) until {@code done} holds; fails with {@code what} otherwise. */
    private static void await(String what, Callable<Boolean> done, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (!done.call()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    private static String message(String answer) throws Exception {
        String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
        try (JsonParser p = new JsonFactory().createParser(body)) {
            assertThat(p.nextToken()).isEqualTo(JsonToken.START_OBJECT);
            assertThat(p.nextFieldName()).isEqualTo("message");
            p.nextToken();
            return p.getText();
        }
    }

    private static long retryAfter(String answer) {
        Matcher m = RETRY_AFTER.matcher(answer);
        assertThat(m.find()).as("Retry-After in %s", answer).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    void theStreamBeyondTheLimitIs429WithRetryAfterAndAnEndedOneMakesRoom() throws Exception {
        proxy.limit(ClientLimits.parse("max-streams=2"));
        Wire first = new Wire(proxy.port());
        Wire second = new Wire(proxy.port());
        try {
            for (Wire w : List.of(first, second)) {
                w.send(followLogs());
                assertThat(w.head()).startsWith("HTTP/1.1 200 ");
                w.readUntil("line");
            }
            assertThat(counts()).isEqualTo(new Limiter.Counts(0, 2));
            try (Wire third = new Wire(proxy.port())) {
                third.send(followLogs());
                String head = third.head();
                assertThat(head).startsWith("HTTP/1.1 429 ").containsIgnoringCase("Content-Type: application/json");
                assertThat(retryAfter(head)).isEqualTo(1);
                String body = third.readUntil("}\n");
                assertThat(message(head + body)).isEqualTo("sockwarden: client \"default\" has 2 streams and sessions open, its limit"
                        + " (--max-streams 2); containers.logs is one, retry when one of them has ended");
                // Requests that are no stream are not held back by streams, on the same connection too.
                third.send(get("/v1.41/containers/" + container + "/json"));
                assertThat(third.head()).startsWith("HTTP/1.1 200 ");
            }
            assertThat(proxy.awaitLog("limit(max-streams) status=429", ENGINE)).contains(
                    "GET /v1.41/containers/" + container + "/logs?follow=1&stdout=1&tail=1 op=containers.logs limit(max-streams) status=429");
        } finally {
            first.close();
        }
        // The client went away: its stream ends, and a new one is admitted.
        await("the closed stream's slot", () -> counts().streams() == 1, Duration.ofSeconds(15));
        try (Wire again = new Wire(proxy.port())) {
            again.send(followLogs());
            assertThat(again.head()).startsWith("HTTP/1.1 200 ");
            again.readUntil("line");
        } finally {
            second.close();
        }
        await("every slot back", () -> counts().equals(new Limiter.Counts(0, 0)), Duration.ofSeconds(15));
    }

    @Test
    void aRefusedRequestIsAnsweredAtOnceItsBodyDroppedAndNothingReachesTheEngine() throws Exception {
        proxy.limit(ClientLimits.parse("rate=2/m"));
        for (int i = 0; i < 2; i++) {
            assertThat(RawHttp.tcp(proxy.port(), get("/v1.41/version").replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n"), ENGINE)
                    .status()).isEqualTo(200);
        }
        String name = prefix + "-refused";
        String body = "{\"Image\":\"" + TestEngine.IMAGE + "\",\"Cmd\":[\"true\"],\"HostConfig\":{\"NetworkMode\":\"none\"}}";
        try (Wire wire = new Wire(proxy.port())) {
            wire.send("POST /v1.41/containers/create?name=" + name + " HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body);
            String head = wire.head();
            assertThat(head).startsWith("HTTP/1.1 429 ");
            long retry = retryAfter(head);
            assertThat(retry).as("the next token comes within the 30 s of 2/m").isBetween(1L, 30L);
            assertThat(message(head + wire.readUntil("}\n"))).isEqualTo("sockwarden: client \"default\" sends requests faster than its"
                    + " rate (--rate 2/m, bursts of up to 2); retry in " + retry + " s");
            // The body was read and dropped: the connection goes on with the next request (ping is never limited).
            wire.send("HEAD /_ping HTTP/1.1\r\nHost: docker\r\n\r\n");
            assertThat(wire.head()).startsWith("HTTP/1.1 200 ");
        }
        assertThat(RawHttp.unix(engine, "GET /containers/" + name + "/json HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n", ENGINE)
                .status()).as("the refused create never reached the engine").isEqualTo(404);
        assertThat(counts()).isEqualTo(new Limiter.Counts(0, 0));
    }

    @Test
    void oneRequestAfterAnotherOnAKeptAliveConnectionIsNeverRefused() throws Exception {
        proxy.limit(ClientLimits.parse("max-requests=1 max-streams=1"));
        try (Wire wire = new Wire(proxy.port())) {
            for (int i = 0; i < 300; i++) {
                wire.send(get(i % 3 == 0 ? "/v1.41/containers/" + container + "/logs?stdout=1&tail=1"
                        : i % 3 == 1 ? "/v1.41/version" : "/v1.41/containers/" + container + "/json"));
                String head = wire.head();
                assertThat(head).as("request %d", i).startsWith("HTTP/1.1 200 ");
                if (head.toLowerCase().contains("transfer-encoding: chunked")) {
                    wire.readUntil("\r\n0\r\n\r\n");
                } else {
                    Matcher m = Pattern.compile("(?i)\r\nContent-Length: (\\d+)\r\n").matcher(head);
                    assertThat(m.find()).as(head).isTrue();
                    wire.socket().getInputStream().readNBytes(Integer.parseInt(m.group(1)));
                }
            }
        }
        assertThat(proxy.log()).doesNotContain("status=429");
    }

    /**
     * Many exchanges of every kind, ending in every way (answered, refused by the engine, cut by
     * the client, cut by a revocation, broken off by the client's body, spliced sessions ended,
     * refused by the limits themselves), with limits set: afterwards the client holds nothing.
     */
    @Test
    void everySlotComesBackHoweverItsExchangeEnds() throws Exception {
        proxy.limit(ClientLimits.parse("max-requests=500 max-streams=500 rate=1000000/s"));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> work = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                int n = i;
                work.add(pool.submit(() -> {
                    // Answered, and refused by the engine (404).
                    String target = n % 2 == 0 ? "/v1.41/containers/" + container + "/json" : "/v1.41/containers/" + prefix + "-none/json";
                    return RawHttp.tcp(proxy.port(), get(target).replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n"), ENGINE);
                }));
                work.add(pool.submit(() -> {
                    // A body that stops short: the exchange fails before anything reaches the engine.
                    try (Wire wire = new Wire(proxy.port())) {
                        wire.send("POST /v1.41/containers/create HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\n"
                                + "Content-Length: 100\r\n\r\n{\"Image\":");
                    }
                    return null;
                }));
            }
            for (int i = 0; i < 20; i++) {
                work.add(pool.submit(() -> {
                    // A followed stream its client walks away from.
                    try (Wire wire = new Wire(proxy.port())) {
                        wire.send(followLogs());
                        wire.readUntil("line");
                    }
                    return null;
                }));
                work.add(pool.submit(() -> {
                    // A hijacked session, ended by its command.
                    String id = TestEngine.createExec(container, "echo session");
                    String body = "{\"Detach\":false,\"Tty\":false}";
                    try (Wire wire = new Wire(proxy.port())) {
                        wire.send("POST /v1.41/exec/" + id + "/start HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
                                + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
                        wire.readUntil("session");
                        wire.closesWithin(ENGINE);
                    }
                    return null;
                }));
            }
            for (Future<?> f : work) {
                f.get(60, TimeUnit.SECONDS);
            }
            // Streams cut by a revocation, and one whose client went away while it was refused.
            List<Wire> events = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                Wire w = new Wire(proxy.port());
                events.add(w);
                w.send(get("/v1.41/events"));
                assertThat(w.head()).startsWith("HTTP/1.1 200 ");
            }
            assertThat(counts().streams()).as("the event streams hold their slots").isGreaterThanOrEqualTo(10);
            proxy.permit("PING", "VERSION", "CONTAINERS", "POST", "EXEC");
            for (Wire w : events) {
                assertThat(w.closesWithin(ENGINE)).as("revoked stream ends").isTrue();
                w.close();
            }
            proxy.permit(GRANTS);
            // Streams whose client went away end when the proxy notices (a write fails, or its watch sees the close).
            await("every stream's slot back", () -> counts().streams() == 0, Duration.ofSeconds(20));
            proxy.limit(ClientLimits.parse("max-streams=1"));
            try (Wire held = new Wire(proxy.port())) {
                held.send(followLogs());
                assertThat(held.head()).startsWith("HTTP/1.1 200 ");
                held.readUntil("line");
                for (int i = 0; i < 10; i++) {
                    try (Wire refused = new Wire(proxy.port())) {
                        refused.send(followLogs());
                        assertThat(refused.head()).startsWith("HTTP/1.1 429 ");
                    }
                }
            }
            // The docker CLI's own mix: create, attach and wait (two streams), start, remove.
            proxy.limit(ClientLimits.parse("max-requests=500 max-streams=500 rate=1000000/s"));
            new Docker(proxy.dockerHost()).run("run", "--rm", "--name", prefix + "-run", "--network", "none", TestEngine.IMAGE,
                    "echo", "ran").ok();
        } catch (SocketException e) {
            throw new AssertionError(e);
        } finally {
            pool.shutdownNow();
        }
        await("every slot back and no exchange running",
                () -> counts().equals(new Limiter.Counts(0, 0)) && proxy.server().runningExchanges().size() == 0, Duration.ofSeconds(20));
    }

    @Test
    void aClientWithoutLimitsIsNotCounted() throws Exception {
        try (Wire wire = new Wire(proxy.port())) {
            wire.send(followLogs());
            wire.readUntil("line");
            assertThat(proxy.server().runningExchanges().size()).isEqualTo(1);
            assertThat(counts()).isEqualTo(new Limiter.Counts(0, 0));
        }
    }
}
