package org.sockwarden.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.sockwarden.proxy.policy.EnvFlags;
import org.sockwarden.proxy.testing.TestEngine;
import org.sockwarden.proxy.testing.TestProxy;

/**
 * Many kept-alive client connections at once, each sending its calls back to back: the engine
 * connections are pooled and handed from one request to the next under contention, where an
 * answer can arrive before the thread that sent the request has returned from its write. Every
 * call must get the engine's own answer on the same client connection.
 */
class KeepAliveConcurrencyTest {

    private static final int CONNECTIONS = 16;
    private static final int CALLS_PER_CONNECTION = 250;
    private static final String[] CALLS = {"GET /_ping", "HEAD /_ping", "GET /v1.41/version", "GET /v1.41/containers/json?limit=1"};

    @Test
    void everyCallOnEveryConnectionIsAnswered() throws Exception {
        try (TestProxy proxy = TestProxy.start(TestEngine.socket(), EnvFlags.fromEnvironment(Map.of("CONTAINERS", "1")))) {
            ExecutorService pool = Executors.newFixedThreadPool(CONNECTIONS);
            try {
                List<Future<List<String>>> results = new ArrayList<>();
                for (int c = 0; c < CONNECTIONS; c++) {
                    int offset = c;
                    results.add(pool.submit(() -> callsOnOneConnection(proxy.port(), offset)));
                }
                for (Future<List<String>> r : results) {
                    assertThat(r.get(120, TimeUnit.SECONDS)).as("statuses that were not 200").isEmpty();
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(proxy.log()).doesNotContain("WritePendingException").doesNotContain("writeError");
        }
    }

    /**
     * Between requests the proxy waits for a connection's next bytes instead of reading for them
     * (the read would mostly find nothing). Whatever way the next request comes, it is answered:
     * long after the last answer, in pieces, or pipelined behind another; and a client that
     * closes after an answer has its connection closed too.
     */
    @Test
    void theNextRequestOnAConnectionIsAnsweredHoweverItArrives() throws Exception {
        try (TestProxy proxy = TestProxy.start(TestEngine.socket(), EnvFlags.fromEnvironment(Map.of("CONTAINERS", "1")));
                Socket socket = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
            socket.setSoTimeout(10_000);
            socket.setTcpNoDelay(true);
            OutputStream out = socket.getOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            byte[] ping = "GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

            out.write(ping);
            out.flush();
            assertThat(readResponse(in, false)).as("first request").isEqualTo(200);

            Thread.sleep(300);
            out.write(ping, 0, 9);
            out.flush();
            Thread.sleep(100);
            out.write(ping, 9, ping.length - 9);
            out.flush();
            assertThat(readResponse(in, false)).as("a request sent later, in two pieces").isEqualTo(200);

            byte[] two = (new String(ping, StandardCharsets.ISO_8859_1) + "HEAD /_ping HTTP/1.1\r\nHost: docker\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1);
            out.write(two);
            out.flush();
            assertThat(readResponse(in, false)).as("the first of two pipelined requests").isEqualTo(200);
            assertThat(readResponse(in, true)).as("the second of two pipelined requests").isEqualTo(200);

            socket.shutdownOutput();
            assertThat(in.read()).as("the proxy closes a connection its client closed").isEqualTo(-1);
        }
    }

    /** Returns the calls that did not get a 200, with what they got instead. */
    private static List<String> callsOnOneConnection(int port, int offset) throws IOException {
        List<String> failures = new ArrayList<>();
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            socket.setTcpNoDelay(true);
            OutputStream out = socket.getOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            for (int i = 0; i < CALLS_PER_CONNECTION; i++) {
                String call = CALLS[(i + offset) % CALLS.length];
                out.write((call + " HTTP/1.1\r\nHost: docker\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                int status = readResponse(in, call.startsWith("HEAD "));
                if (status != 200) {
                    failures.add(call + " -> " + status);
                    if (status < 0) {
                        break;
                    }
                }
            }
        }
        return failures;
    }

    /** Reads one response with its Content-Length or chunked body; -1 if the connection ended first. */
    private static int readResponse(InputStream in, boolean head) throws IOException {
        String statusLine = line(in);
        if (statusLine == null) {
            return -1;
        }
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        long length = -1;
        boolean chunked = false;
        for (String header = line(in); header != null && !header.isEmpty(); header = line(in)) {
            String lower = header.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Long.parseLong(header.substring(15).trim());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            }
        }
        if (head) {
            return status;
        }
        if (chunked) {
            for (long size = Long.parseLong(line(in).trim(), 16); size > 0; size = Long.parseLong(line(in).trim(), 16)) {
                skip(in, size);
                line(in);
            }
            line(in);
        } else if (length > 0) {
            skip(in, length);
        }
        return status;
    }

    private static void skip(InputStream in, long n) throws IOException {
        for (long left = n; left > 0; left--) {
            if (in.read() < 0) {
                throw new IOException("connection ended inside a body");
            }
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c >= 0; c = in.read()) {
            if (c == '\n') {
                int end = b.length();
                return end > 0 && b.charAt(end - 1) == '\r' ? b.substring(0, end - 1) : b.toString();
            }
            b.append((char) c);
        }
        return b.length() == 0 ? null : b.toString();
    }
}
