package org.sockwarden.proxy.forward;

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
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.util.BufferUtil;
import org.sockwarden.proxy.guard.EngineInfo;

/**
 * Asks the engine at a socket which engine it is ({@code GET /version}), within a time bound: for the
 * proxy at start, and for {@code status} and {@code explain} when no proxy runs. The answer is read
 * with Jetty's HTTP parser.
 */
public final class EngineVersion {

    private static final int MAX_ANSWER = 64 * 1024;

    private EngineVersion() {}

    /** The engine at {@code socket}, or {@link EngineInfo#UNKNOWN} when it does not answer as one within {@code timeout}. */
    public static EngineInfo ask(Path socket, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Answer answer = new Answer();
        HttpParser parser = new HttpParser(answer);
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX); Selector selector = Selector.open()) {
            ch.configureBlocking(false);
            if (!ch.connect(UnixDomainSocketAddress.of(socket))) {
                ch.register(selector, SelectionKey.OP_CONNECT);
                await(selector, deadline);
                ch.finishConnect();
            }
            ByteBuffer out = ByteBuffer.wrap("GET /version HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            SelectionKey key = ch.register(selector, SelectionKey.OP_WRITE);
            while (out.hasRemaining()) {
                if (ch.write(out) == 0) {
                    await(selector, deadline);
                }
            }
            key.interestOps(SelectionKey.OP_READ);
            ByteBuffer in = BufferUtil.allocate(16 * 1024);
            while (!answer.complete) {
                BufferUtil.compact(in);
                int pos = BufferUtil.flipToFill(in);
                int n = ch.read(in);
                BufferUtil.flipToFlush(in, pos);
                if (n < 0) {
                    parser.atEOF();
                    parser.parseNext(in);
                    break;
                }
                if (n == 0) {
                    await(selector, deadline);
                    continue;
                }
                while (!answer.complete && parser.parseNext(in)) {
                    // parseNext stops at the end of the message
                }
            }
        } catch (IOException | RuntimeException e) {
            return EngineInfo.UNKNOWN; // not answering, or not as an engine: nothing is known
        }
        if (answer.status == 200 && answer.complete) {
            EngineInfo info = EngineInfo.fromVersion(answer.body.toByteArray());
            if (info.known()) {
                return info;
            }
        }
        return EngineInfo.fromHeaders(answer.server, answer.apiVersion, answer.libpodApiVersion);
    }

    private static void await(Selector selector, long deadline) throws IOException {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0 || selector.select(left) == 0 && System.nanoTime() >= deadline) {
            throw new IOException("no answer in time");
        }
        selector.selectedKeys().clear();
    }

    /** The parts of the answer an engine is told by. */
    private static final class Answer implements HttpParser.ResponseHandler {
        private int status;
        private String server;
        private String apiVersion;
        private String libpodApiVersion;
        private final BoundedBody body = new BoundedBody(MAX_ANSWER);
        private boolean complete;

        @Override
        public void startResponse(HttpVersion version, int status, String reason) {
            this.status = status;
        }

        @Override
        public void parsedHeader(HttpField field) {
            if (field.getHeader() == HttpHeader.SERVER) {
                server = field.getValue();
            } else if (field.is("Api-Version")) {
                apiVersion = field.getValue();
            } else if (field.is("Libpod-Api-Version")) {
                libpodApiVersion = field.getValue();
            }
        }

        @Override
        public boolean headerComplete() {
            return false;
        }

        @Override
        public boolean content(ByteBuffer item) {
            if (!body.add(item)) {
                throw new IllegalStateException("an answer to /version over " + MAX_ANSWER + " bytes is no engine's");
            }
            return false;
        }

        @Override
        public boolean contentComplete() {
            return false;
        }

        @Override
        public boolean messageComplete() {
            complete = true;
            return true;
        }

        @Override
        public void earlyEOF() {
            // complete stays false
        }

        @Override
        public void badMessage(HttpException failure) {
            throw new IllegalStateException("not HTTP: " + failure.getReason());
        }
    }
}
