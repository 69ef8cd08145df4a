package org.sockwarden.proxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sends exact bytes and reads what comes back until the peer closes or a deadline passes: the
 * tool for requests no well-behaved client would send. Not an HTTP client: it only finds the
 * status lines and bodies in what it read, for assertions.
 */
public final class RawHttp {
    private static final Pattern STATUS = Pattern.compile("HTTP/1\\.[01] (\\d{3})");

    private RawHttp() {}

    public record Answer(String text) {
        /** Every status code in the order the answers came (several for pipelined requests). */
        public List<Integer> statuses() {
            List<Integer> list = new ArrayList<>();
            Matcher m = STATUS.matcher(text);
            while (m.find()) {
                list.add(Integer.parseInt(m.group(1)));
            }
            return list;
        }

        public int status() {
            List<Integer> s = statuses();
            return s.isEmpty() ? -1 : s.get(0);
        }
    }

    public static Answer tcp(int port, String request, Duration wait) throws IOException {
        return exchange(new InetSocketAddress("127.0.0.1", port), request.getBytes(StandardCharsets.ISO_8859_1), wait);
    }

    public static Answer unix(Path socket, String request, Duration wait) throws IOException {
        return exchange(UnixDomainSocketAddress.of(socket), request.getBytes(StandardCharsets.ISO_8859_1), wait);
    }

    /** Reads until the peer closes, the deadline passes, or {@code wait} passes with no new byte. */
    static Answer exchange(SocketAddress address, byte[] request, Duration wait) throws IOException {
        try (SocketChannel ch = address instanceof UnixDomainSocketAddress
                ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open()) {
            ch.connect(address);
            ByteBuffer out = ByteBuffer.wrap(request);
            while (out.hasRemaining()) {
                ch.write(out);
            }
            ch.configureBlocking(false);
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            ByteBuffer in = ByteBuffer.allocate(64 * 1024);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            long quietUntil = System.nanoTime() + wait.toNanos();
            while (System.nanoTime() < deadline && System.nanoTime() < quietUntil) {
                in.clear();
                int n = ch.read(in);
                if (n < 0) {
                    break;
                }
                if (n > 0) {
                    got.write(in.array(), 0, n);
                    quietUntil = System.nanoTime() + wait.toNanos();
                } else {
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
            }
            return new Answer(got.toString(StandardCharsets.ISO_8859_1));
        }
    }
}
