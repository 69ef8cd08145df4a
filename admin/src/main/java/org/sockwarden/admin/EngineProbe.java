package org.sockwarden.admin;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.sockwarden.proxy.forward.EngineDiagnosis;

/**
 * Whether the engine answers {@code GET /_ping} on its socket, for {@code /healthz}, the metrics
 * and {@code status}. Each ping is bounded by a timeout (a hung engine must not hang a health
 * check), and an answer is reused for a second so that a scrape and a health check together ping once.
 */
final class EngineProbe {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final long FRESH_NANOS = 1_000_000_000L;

    private final Path socket;
    private long checkedAt;
    private String problem;
    private boolean checked;

    EngineProbe(Path socket) {
        this.socket = socket;
    }

    /** Null when the engine answers, else why not (the socket diagnosis: missing, not answering, permission). */
    synchronized String problem() {
        if (!checked || System.nanoTime() - checkedAt > FRESH_NANOS) {
            problem = ping(socket, TIMEOUT);
            checkedAt = System.nanoTime();
            checked = true;
        }
        return problem;
    }

    /** Null when the engine at {@code socket} answers {@code GET /_ping} with 200 within {@code timeout}, else why not. */
    static String ping(Path socket, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX); Selector selector = Selector.open()) {
            ch.configureBlocking(false);
            if (!ch.connect(UnixDomainSocketAddress.of(socket))) {
                ch.register(selector, SelectionKey.OP_CONNECT);
                await(selector, deadline, timeout);
                ch.finishConnect();
            }
            ByteBuffer out = ByteBuffer.wrap("GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            SelectionKey key = ch.register(selector, SelectionKey.OP_WRITE);
            while (out.hasRemaining()) {
                if (ch.write(out) == 0) {
                    await(selector, deadline, timeout);
                }
            }
            key.interestOps(SelectionKey.OP_READ);
            ByteBuffer in = ByteBuffer.allocate(256);
            // The status line is all that is read: "HTTP/1.1 200" says the engine answers.
            while (in.position() < 12) {
                int n = ch.read(in);
                if (n < 0) {
                    break;
                }
                if (n == 0) {
                    await(selector, deadline, timeout);
                }
            }
            String head = new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII);
            return head.startsWith("HTTP/1.1 200") ? null : "answered " + (head.isEmpty() ? "nothing" : head.lines().findFirst().orElse(head));
        } catch (IOException e) {
            return EngineDiagnosis.of(socket, e).message();
        }
    }

    private static void await(Selector selector, long deadline, Duration timeout) throws IOException {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0 || selector.select(left) == 0 && System.nanoTime() >= deadline) {
            throw new IOException("no answer within " + timeout.toMillis() + " ms");
        }
        selector.selectedKeys().clear();
    }
}
