package org.sockwarden.proxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The real Docker engine the tests run against, named by {@code SOCKWARDEN_TEST_DOCKER_SOCKET}
 * (scripts/test.sh starts a private one with scripts/engine.sh and sets it). Without an engine
 * that answers {@code GET /_ping}, engine tests are skipped on a developer's machine and fail in
 * CI ({@code CI=true}): a CI run that quietly skipped them would prove nothing.
 */
public final class TestEngine {
    /** The local image scripts/engine.sh imports: busybox-static and its applet links, no registry needed. */
    public static final String IMAGE = "sockwarden-test/busybox:latest";
    public static final String VARIABLE = "SOCKWARDEN_TEST_DOCKER_SOCKET";
    static final Duration PING_TIMEOUT = Duration.ofSeconds(5);

    /** The outcome of the one ping per JVM: the socket, or why there is none. */
    private static volatile Object checked;

    private TestEngine() {}

    /**
     * The engine's socket. Fails the calling test in CI, and aborts (skips) it elsewhere, when the
     * variable is unset or the engine does not answer {@code /_ping}.
     */
    public static Path socket() {
        Object c = checked;
        if (c == null) {
            synchronized (TestEngine.class) {
                c = checked;
                if (c == null) {
                    c = check(System.getenv(VARIABLE));
                    checked = c;
                }
            }
        }
        if (c instanceof Path p) {
            return p;
        }
        String problem = (String) c;
        if (isCi()) {
            Assertions.fail("engine tests are mandatory in CI (CI=true), but " + problem
                    + "; run the tests with scripts/test.sh, which starts a private engine");
        }
        Assumptions.abort("no Docker engine: " + problem + " (scripts/test.sh starts one)");
        throw new AssertionError("unreachable");
    }

    /** Starts a container {@code name} that writes "line" every 0.2 s, for streams that must never go quiet; returns the name. */
    public static String startLineWriter(String name) {
        Docker.engine().run("run", "-d", "--name", name, "--network", "none", IMAGE, "sh", "-c",
                "while true; do echo line; sleep 0.2; done").ok();
        return name;
    }

    /**
     * An exec of {@code command} (run by {@code sh -c}, stdout and stderr attached) on {@code container},
     * created on the engine directly: its id, for a test to start through a proxy.
     */
    public static String createExec(String container, String command) throws IOException {
        String body = "{\"AttachStdout\":true,\"AttachStderr\":true,\"Cmd\":[\"sh\",\"-c\",\"" + command + "\"]}";
        RawHttp.Answer a = RawHttp.unix(socket(), "POST /containers/" + container + "/exec HTTP/1.1\r\nHost: docker\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body,
                Duration.ofSeconds(8));
        Assertions.assertEquals(201, a.status(), a.text());
        return a.text().replaceAll("(?s).*\"Id\":\"([0-9a-f]+)\".*", "$1");
    }

    /** {@code unix://<socket>}, for {@link Docker}. */
    public static String dockerHost() {
        return "unix://" + socket();
    }

    static boolean isCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** The socket as a Path, or a String that says what is wrong. */
    private static Object check(String value) {
        if (value == null || value.isBlank()) {
            return VARIABLE + " is not set";
        }
        Path socket = Path.of(value);
        if (!Files.exists(socket)) {
            return VARIABLE + "=" + value + " does not exist";
        }
        try {
            String answer = ping(socket, PING_TIMEOUT);
            if (!answer.startsWith("HTTP/1.1 200") || !answer.endsWith("OK")) {
                return "the engine at " + value + " answered GET /_ping with: " + answer;
            }
            return socket;
        } catch (IOException e) {
            return "the engine at " + value + " does not answer GET /_ping: " + e;
        }
    }

    /**
     * Sends {@code GET /_ping} over the unix socket and returns everything read until the engine
     * closes the connection; throws if that takes longer than {@code timeout}.
     */
    static String ping(Path socket, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] request = "GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX); Selector selector = Selector.open()) {
            ch.configureBlocking(false);
            if (!ch.connect(UnixDomainSocketAddress.of(socket))) {
                ch.register(selector, SelectionKey.OP_CONNECT);
                await(selector, deadline, timeout, "connect");
                ch.finishConnect();
            }
            ByteBuffer out = ByteBuffer.wrap(request);
            SelectionKey key = ch.register(selector, SelectionKey.OP_WRITE);
            while (out.hasRemaining()) {
                if (ch.write(out) == 0) {
                    await(selector, deadline, timeout, "write");
                }
            }
            key.interestOps(SelectionKey.OP_READ);
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            ByteBuffer in = ByteBuffer.allocate(4096);
            while (true) {
                in.clear();
                int n = ch.read(in);
                if (n < 0) {
                    break;
                }
                if (n == 0) {
                    await(selector, deadline, timeout, "read");
                    continue;
                }
                got.write(in.array(), 0, n);
                if (got.size() > 64 * 1024) {
                    throw new IOException("answer longer than 64 KiB");
                }
            }
            return got.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private static void await(Selector selector, long deadline, Duration timeout, String what) throws IOException {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0 || selector.select(left) == 0 && System.nanoTime() >= deadline) {
            throw new IOException("no answer within " + timeout.toMillis() + " ms (stuck at " + what + ")");
        }
        selector.selectedKeys().clear();
    }
}
