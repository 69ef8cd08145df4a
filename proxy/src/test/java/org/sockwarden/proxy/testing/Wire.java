package org.sockwarden.proxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One TCP connection to a proxy, written and read step by step: a head now, its body later, an
 * answer read only as far as the test wants. Every read is bounded by the socket's timeout.
 */
public final class Wire implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public Wire(int port) throws IOException {
        this(InetAddress.getLoopbackAddress(), port);
    }

    /** To {@code host}, a loopback address (127.0.0.2 tells a second listener on the same port range apart). */
    public Wire(InetAddress host, int port) throws IOException {
        this.socket = new Socket(host, port);
        socket.setSoTimeout(10_000);
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    public Socket socket() {
        return socket;
    }

    public Wire send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public Wire send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** The status line and headers of the next answer, or "" if the connection closed first. */
    public String head() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        for (int b; (b = in.read()) >= 0; ) {
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == end.length) {
                break;
            }
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    /** Reads until {@code text} has arrived; fails if the connection closes or the timeout passes first. */
    public String readUntil(String text) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        while (!got.toString(StandardCharsets.ISO_8859_1).contains(text)) {
            int n = in.read(buf);
            if (n < 0) {
                throw new IOException("closed before " + text + " arrived; got: " + got.toString(StandardCharsets.ISO_8859_1));
            }
            got.write(buf, 0, n);
        }
        return got.toString(StandardCharsets.ISO_8859_1);
    }

    /**
     * True if the proxy closes the connection within {@code within} (a reset counts), reading and
     * dropping whatever comes before; false if it is still open then.
     */
    public boolean closesWithin(Duration within) throws IOException {
        long deadline = System.nanoTime() + within.toNanos();
        byte[] buf = new byte[65536];
        while (System.nanoTime() < deadline) {
            socket.setSoTimeout((int) Math.max(1, Math.min(500, (deadline - System.nanoTime()) / 1_000_000)));
            try {
                if (in.read(buf) < 0) {
                    return true;
                }
            } catch (SocketTimeoutException e) {
                // still open; look again
            } catch (IOException reset) {
                return true;
            }
        }
        return false;
    }

    /** Everything until the proxy closes the connection (bounded by the socket timeout). */
    public String rest() throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        try {
            in.transferTo(got);
        } catch (IOException reset) {
            // what came before the reset is the answer
        }
        return got.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
