package org.sockwarden.proxy.forward;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;

/**
 * One request of sockwarden's own to the engine, with its answer read whole (within a cap): what a
 * {@link Preflight} asks the engine before a client's request goes on. Non-blocking, on the
 * {@link EngineConnector}'s threads, one connection per request, closed after the answer; an abort of the
 * exchange that waits on it cancels it ({@link Cancellable}).
 */
public final class EngineProbe {

    private final EngineConnector engine;

    public EngineProbe(EngineConnector engine) {
        this.engine = engine;
    }

    /**
     * The request a probe sends.
     *
     * @param method  the method
     * @param target  path and query, in the engine's syntax
     * @param like    a client request whose end-to-end headers (and Upgrade, if it asked for one) it carries, or null
     * @param body    its body, or null
     */
    public record Call(String method, String target, Request like, ByteBuffer body) {}

    /** The engine's answer is longer than the probe reads. */
    public static final class TooLargeException extends IOException {
        private static final long serialVersionUID = 1L;

        TooLargeException(String message) {
            super(message);
        }
    }

    /**
     * Sends {@code call} on a connection of its own; {@code done} gets the answer, or the failure: the engine
     * unreachable or closing early, an answer over {@code maxBody} bytes, an upgrade.
     */
    public Cancellable send(Call call, int maxBody, Promise<Answer> done) {
        Lookup probe = new Lookup(call, maxBody, done);
        engine.open((endPoint, context) -> new ProbeConnection(endPoint, engine.getExecutor(), probe), Promise.from(c -> { }, probe::fail));
        return probe::fail;
    }

    private static ByteBuffer head(Call call) {
        RequestHead head = new RequestHead(call.method(), call.target());
        if (call.like() != null) {
            HopByHop.forEachEndToEnd(call.like().getHeaders(), head::header, HttpHeader.CONTENT_LENGTH, HttpHeader.HOST);
            String upgrade = call.like().getHeaders().get(HttpHeader.UPGRADE);
            if (upgrade != null) {
                head.header("Upgrade", upgrade);
            }
        }
        head.header("Connection", call.like() != null && call.like().getHeaders().contains(HttpHeader.UPGRADE) ? "Upgrade, close" : "close");
        if (call.body() != null) {
            head.header("Content-Length", call.body().remaining());
        }
        return head.toBuffer();
    }

    /** One probe: its request, and its answer as it arrives; completes once, whichever way. */
    private static final class Lookup {
        private final Call call;
        private final int maxBody;
        private final Promise<Answer> done;
        private final AtomicBoolean completed = new AtomicBoolean();
        private volatile EndPoint endPoint;

        Lookup(Call call, int maxBody, Promise<Answer> done) {
            this.call = call;
            this.maxBody = maxBody;
            this.done = done;
        }

        void opened(EndPoint e) {
            endPoint = e;
            if (completed.get()) {
                e.close();
            }
        }

        void succeed(Answer answer) {
            if (completed.compareAndSet(false, true)) {
                close(null);
                done.succeeded(answer);
            }
        }

        void fail(Throwable failure) {
            if (completed.compareAndSet(false, true)) {
                close(failure);
                done.failed(failure);
            }
        }

        private void close(Throwable failure) {
            EndPoint e = endPoint;
            if (e != null) {
                e.close(failure);
            }
        }
    }

    /** Writes the request, parses the answer with Jetty's parser, and closes. */
    private static final class ProbeConnection extends AbstractConnection implements HttpParser.ResponseHandler {
        private final Lookup probe;
        private final HttpParser parser = new HttpParser(this);
        private final HttpFields.Mutable headers = HttpFields.build();
        private final BoundedBody body;
        private final ByteBuffer buffer = BufferUtil.allocate(16 * 1024);
        private int status;
        private boolean complete;
        private TooLargeException tooLarge;

        ProbeConnection(EndPoint endPoint, java.util.concurrent.Executor executor, Lookup probe) {
            super(endPoint, executor);
            this.probe = probe;
            this.body = new BoundedBody(probe.maxBody);
            parser.setHeadResponse("HEAD".equals(probe.call.method()));
            // The engine answers an inspect at once; how long a lookup may wait is the exchange's business, as for a forwarded call.
            endPoint.setIdleTimeout(0);
        }

        @Override
        public void onOpen() {
            super.onOpen();
            probe.opened(getEndPoint());
            ByteBuffer head = head(probe.call);
            Callback written = Callback.from(this::fillInterested, probe::fail);
            if (probe.call.body() != null) {
                getEndPoint().write(written, head, probe.call.body().slice());
            } else {
                getEndPoint().write(written, head);
            }
        }

        @Override
        public void onFillable() {
            try {
                while (!complete) {
                    if (parser.parseNext(buffer)) {
                        if (tooLarge != null) {
                            throw tooLarge;
                        }
                        continue;
                    }
                    if (complete) {
                        break;
                    }
                    BufferUtil.compact(buffer);
                    int filled = getEndPoint().fill(buffer);
                    if (filled == 0) {
                        fillInterested();
                        return;
                    }
                    if (filled < 0) {
                        parser.atEOF();
                        parser.parseNext(buffer);
                        if (!complete) {
                            throw new EOFException("the engine closed the connection before its answer ended");
                        }
                    }
                }
                probe.succeed(new Answer(status, headers.asImmutable(), body.toByteArray()));
            } catch (Throwable x) {
                probe.fail(x);
            }
        }

        @Override
        public void onClose(Throwable cause) {
            super.onClose(cause);
            probe.fail(cause != null ? cause : new EOFException("the engine connection closed"));
        }

        @Override
        public void startResponse(HttpVersion version, int status, String reason) {
            this.status = status;
        }

        @Override
        public void parsedHeader(HttpField field) {
            headers.add(field);
        }

        @Override
        public boolean headerComplete() {
            if (status == 101) {
                throw new IllegalStateException("the engine switched protocols on a request sockwarden sent to look something up");
            }
            return false;
        }

        @Override
        public boolean content(ByteBuffer item) {
            if (!body.add(item)) {
                tooLarge = new TooLargeException("the engine's answer to " + probe.call.method() + " " + probe.call.target()
                        + " is over " + probe.maxBody + " bytes");
                return true;
            }
            return false;
        }

        @Override
        public boolean contentComplete() {
            return false;
        }

        @Override
        public boolean messageComplete() {
            complete = status >= 200;
            if (!complete) {
                // an interim 1xx: the answer follows
                parser.reset();
                parser.setHeadResponse("HEAD".equals(probe.call.method()));
                headers.clear();
            }
            return true;
        }

        @Override
        public void earlyEOF() {
            // seen as an answer that never completed
        }

        @Override
        public void badMessage(HttpException failure) {
            throw new IllegalStateException("the engine sent a malformed HTTP answer: " + failure.getReason());
        }
    }
}
