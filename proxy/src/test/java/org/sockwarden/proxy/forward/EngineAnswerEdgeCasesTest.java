package org.sockwarden.proxy.forward;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sockwarden.proxy.testing.RawHttp;
import org.sockwarden.proxy.testing.TestProxy;

/**
 * Answers a real engine does not give but an HTTP peer may: an interim 1xx, a body ended by
 * closing, garbage, and a kept-alive connection closed just as it is reused. A scripted fake
 * engine on a unix socket gives them; the real-engine tests cover everything else.
 */
class EngineAnswerEdgeCasesTest {

    /** What the fake engine writes for the n-th request (from 1) on its c-th connection (from 1); null: close without answering. */
    interface Script {
        Answer answer(int connection, int request, String requestHead);
    }

    record Answer(String bytes, boolean closeAfter) {}

    @TempDir
    Path dir;
    private FakeEngine engine;

    @AfterEach
    void stop() throws IOException {
        if (engine != null) {
            engine.close();
        }
    }

    private static final String PING = "GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n";
    private static final String PING_AND_CLOSE = "GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n";

    @Test
    void anInterimAnswerIsNotRelayed() throws Exception {
        engine = new FakeEngine(dir, (c, n, head) -> new Answer(
                "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK", false));
        try (TestProxy proxy = TestProxy.start(engine.socket, "PING")) {
            RawHttp.Answer a = RawHttp.tcp(proxy.port(), PING_AND_CLOSE, Duration.ofSeconds(2));
            assertThat(a.statuses()).containsExactly(200);
            assertThat(a.text()).endsWith("\r\n\r\nOK");
        }
    }

    @Test
    void aBodyEndedByClosingIsRelayedWholeAndItsConnectionIsNotReused() throws Exception {
        engine = new FakeEngine(dir, (c, n, head) -> new Answer(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end", true));
        try (TestProxy proxy = TestProxy.start(engine.socket, "PING")) {
            for (int i = 0; i < 2; i++) {
                RawHttp.Answer a = RawHttp.tcp(proxy.port(), PING_AND_CLOSE, Duration.ofSeconds(2));
                assertThat(a.status()).isEqualTo(200);
                assertThat(a.text()).contains("until the end");
            }
            assertThat(engine.connections.get()).isEqualTo(2);
        }
    }

    @Test
    void aMalformedAnswerIsA502() throws Exception {
        engine = new FakeEngine(dir, (c, n, head) -> new Answer("this is not HTTP\r\n\r\n", true));
        try (TestProxy proxy = TestProxy.start(engine.socket, "PING")) {
            RawHttp.Answer a = RawHttp.tcp(proxy.port(), PING_AND_CLOSE, Duration.ofSeconds(2));
            assertThat(a.status()).isEqualTo(502);
            assertThat(a.text()).contains("malformed");
        }
    }

    @Test
    void aKeptAliveConnectionClosedAsItIsReusedIsRetriedOnANewOne() throws Exception {
        // The first connection answers once, then closes on its second request without answering:
        // what an engine does when it closes an idle connection just as the proxy reuses it.
        engine = new FakeEngine(dir, (c, n, head) -> c == 1 && n == 2
                ? null
                : new Answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK", false));
        try (TestProxy proxy = TestProxy.start(engine.socket, "PING")) {
            assertThat(RawHttp.tcp(proxy.port(), PING_AND_CLOSE, Duration.ofSeconds(2)).status()).isEqualTo(200);
            RawHttp.Answer second = RawHttp.tcp(proxy.port(), PING_AND_CLOSE, Duration.ofSeconds(2));
            assertThat(second.status()).isEqualTo(200);
            assertThat(engine.connections.get()).isEqualTo(2);
        }
    }

    @Test
    void aRequestThatIsNotSafeToRepeatIsNeverSentTwice() throws Exception {
        // As above, but the second request is a bodyless POST: the engine may have run it before the
        // connection died (a real engine cannot be made to do this on cue), so it must not be repeated.
        AtomicInteger kills = new AtomicInteger();
        engine = new FakeEngine(dir, (c, n, head) -> {
            if (head.startsWith("POST ")) {
                kills.incrementAndGet();
            }
            return c == 1 && n == 2 ? null : new Answer("HTTP/1.1 204 No Content\r\n\r\n", false);
        });
        try (TestProxy proxy = TestProxy.start(engine.socket, "PING", "CONTAINERS", "POST")) {
            assertThat(RawHttp.tcp(proxy.port(), PING_AND_CLOSE, Duration.ofSeconds(2)).status()).isEqualTo(204);
            RawHttp.Answer kill = RawHttp.tcp(proxy.port(), "POST /v1.41/containers/x/kill HTTP/1.1\r\nHost: docker\r\n"
                    + "Connection: close\r\n\r\n", Duration.ofSeconds(2));
            assertThat(kill.status()).as(kill.text()).isEqualTo(502);
            assertThat(kill.text()).contains("closed the connection before answering").contains("not sent again");
            assertThat(kills.get()).as("POST requests the engine received").isEqualTo(1);
        }
    }

    @Test
    void theConnectionOfARetryIsNotLentOutBeforeItsAnswer() throws Exception {
        // As above, and the retry's answer takes a while: a request arriving meanwhile must get a
        // connection of its own, not the retry's, whose answer is still to come.
        engine = new FakeEngine(dir, (c, n, head) -> {
            if (c == 1 && n == 2) {
                return null;
            }
            if (c == 2 && n == 1) {
                sleep(400);
            }
            return new Answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK", false);
        });
        try (TestProxy proxy = TestProxy.start(engine.socket, "PING")) {
            assertThat(RawHttp.tcp(proxy.port(), PING_AND_CLOSE, Duration.ofSeconds(2)).status()).isEqualTo(200);
            java.util.concurrent.CompletableFuture<RawHttp.Answer> retried = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return RawHttp.tcp(proxy.port(), PING_AND_CLOSE, Duration.ofSeconds(3));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            sleep(150);
            RawHttp.Answer meanwhile = RawHttp.tcp(proxy.port(), PING_AND_CLOSE, Duration.ofSeconds(3));
            assertThat(retried.get(10, java.util.concurrent.TimeUnit.SECONDS).statuses()).containsExactly(200);
            assertThat(meanwhile.statuses()).containsExactly(200);
            assertThat(engine.connections.get()).isEqualTo(3);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void anAnswerCutShortAfterItsHeadEndsTheClientConnection() throws Exception {
        engine = new FakeEngine(dir, (c, n, head) -> new Answer(
                "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten..", true));
        try (TestProxy proxy = TestProxy.start(engine.socket, "PING")) {
            // Kept alive by the client: only the proxy closing the connection ends the read early.
            RawHttp.Answer a = RawHttp.tcp(proxy.port(), PING, Duration.ofSeconds(5));
            assertThat(a.status()).isEqualTo(200);
            assertThat(a.text()).endsWith("only ten..");
        }
    }

    /** Accepts connections on a unix socket and answers each request head by the script. */
    static final class FakeEngine implements AutoCloseable {
        final Path socket;
        final AtomicInteger connections = new AtomicInteger();
        private final ServerSocketChannel server;
        private final Thread acceptor;

        FakeEngine(Path dir, Script script) throws IOException {
            this(dir, script, null);
        }

        /** @param versionAnswer what it answers the proxy's {@code GET /version} at start with (null: "not found") */
        FakeEngine(Path dir, Script script, String versionAnswer) throws IOException {
            socket = dir.resolve("engine.sock");
            Files.deleteIfExists(socket);
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            acceptor = new Thread(() -> {
                while (server.isOpen()) {
                    try {
                        SocketChannel ch = server.accept();
                        Thread t = new Thread(() -> serve(ch, connections, script, versionAnswer), "fake-engine");
                        t.setDaemon(true);
                        t.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "fake-engine-accept");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        /**
         * Serves one connection by the script. The proxy's question at start, which engine this is ({@code GET
         * /version} on a connection of its own), is answered "not found" and is none of the script's connections.
         */
        private static void serve(SocketChannel ch, AtomicInteger connections, Script script, String versionAnswer) {
            try (ch; InputStream in = Channels.newInputStream(ch); OutputStream out = Channels.newOutputStream(ch)) {
                int connection = 0;
                for (int n = 1; n <= 1_000_000; n++) {
                    String head = readHead(in);
                    if (head == null) {
                        return;
                    }
                    if (n == 1 && head.startsWith("GET /version ")) {
                        out.write((versionAnswer != null ? versionAnswer : "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                                .getBytes(StandardCharsets.ISO_8859_1));
                        return;
                    }
                    if (n == 1) {
                        connection = connections.incrementAndGet();
                    }
                    Answer answer = script.answer(connection, n, head);
                    if (answer == null) {
                        return;
                    }
                    out.write(answer.bytes().getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    if (answer.closeAfter()) {
                        return;
                    }
                }
            } catch (IOException e) {
                // the proxy closed the connection
            }
        }

        private static String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            byte[] end = {'\r', '\n', '\r', '\n'};
            for (int b = in.read(); b >= 0 && head.size() < 64 * 1024; b = in.read()) {
                head.write(b);
                matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
                if (matched == end.length) {
                    return head.toString(StandardCharsets.ISO_8859_1);
                }
            }
            return null;
        }

        @Override
        public void close() throws IOException {
            server.close();
            Files.deleteIfExists(socket);
        }
    }
}
