package org.sockwarden.proxy.forward;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.IteratingCallback;
import org.eclipse.jetty.util.thread.Invocable;

/**
 * One keep-alive connection to the engine socket, carrying one {@link Forwarder.Relay} at a time.
 *
 * <p>Its reader is always either parsing or waiting for bytes, even while the connection sits idle
 * in the pool: an engine that closes an idle connection is noticed at once, and a connection
 * taken from the pool already has its read interest in place when the request goes out. The
 * reader stops while the client is still being written to, which is the back-pressure that keeps
 * a fast engine from filling the proxy's memory.
 */
final class EngineConnection extends AbstractConnection implements HttpParser.ResponseHandler {

    /** One engine read; the relay's output buffer is as large, so one read's content always fits one write. */
    static final int BUFFER_SIZE = 64 * 1024;

    private final ByteBufferPool pool;
    private final Forwarder forwarder;
    private final HttpParser parser = new HttpParser(this, 64 * 1024);
    private final Reader reader = new Reader();
    private volatile Forwarder.Relay relay;
    /** The relay the parser is set up for; touched only by the reader. */
    private Forwarder.Relay parsing;
    private RetainableByteBuffer input;

    EngineConnection(EndPoint endPoint, Executor executor, ByteBufferPool pool, Forwarder forwarder) {
        super(endPoint, executor);
        this.pool = pool;
        this.forwarder = forwarder;
        // No header cache: it costs a trie of about 50 KB per connection (1,000 idle event streams
        // are 1,000 connections) and measured no faster.
        parser.setHeaderCacheSize(0);
        // A stream may be silent for hours; the engine, not a timer, ends it.
        endPoint.setIdleTimeout(0);
    }

    @Override
    public void onOpen() {
        super.onOpen();
        reader.iterate();
    }

    /** Takes this connection for {@code next}; false if it closed meanwhile. */
    boolean attach(Forwarder.Relay next) {
        if (!getEndPoint().isOpen()) {
            return false;
        }
        relay = next;
        return true;
    }

    /** Forgets the relay without reading for it again: it moved to another connection or ended. */
    void detach(Forwarder.Relay from) {
        if (relay == from) {
            relay = null;
        }
    }

    void write(Callback callback, ByteBuffer... buffers) {
        getEndPoint().write(callback, buffers);
    }

    @Override
    public void onFillable() {
        // Never registered: the reader asks for bytes with its own callback.
    }

    @Override
    public void onClose(Throwable cause) {
        super.onClose(cause);
        forwarder.closed(this);
    }

    // --- HttpParser.ResponseHandler: only ever called by the reader, for the relay it parses for.

    @Override
    public void startResponse(HttpVersion version, int status, String reason) {
        parsing.startResponse(version, status);
    }

    @Override
    public void parsedHeader(HttpField field) {
        parsing.header(field);
    }

    @Override
    public boolean headerComplete() {
        parsing.headerComplete();
        return false;
    }

    @Override
    public boolean content(ByteBuffer item) {
        parsing.content(item);
        return false;
    }

    @Override
    public boolean contentComplete() {
        return false;
    }

    @Override
    public boolean messageComplete() {
        parsing.messageComplete = true;
        return true;
    }

    @Override
    public void earlyEOF() {
        // Seen as a message that never completed.
    }

    @Override
    public void badMessage(HttpException failure) {
        parsing.malformed = new IOException("the engine sent a malformed HTTP answer: " + failure.getReason());
    }

    /** Ready for the next answer: a HEAD's answer has a length but no body. */
    private void resetParser() {
        parser.reset();
        parser.setHeadResponse(parsing.isHeadRequest());
    }

    private void releaseInput() {
        if (input != null) {
            input.release();
            input = null;
        }
    }

    /** Parses, hands content to the relay, waits for the client write, reads again; on one thread at a time. */
    private final class Reader extends IteratingCallback {
        @Override
        protected Action process() throws Throwable {
            while (true) {
                Forwarder.Relay r = relay;
                if (r != null && r != parsing) {
                    parsing = r;
                    resetParser();
                }
                if (r != null && input != null && input.hasRemaining() && !r.messageComplete) {
                    parser.parseNext(input.getByteBuffer());
                    if (r.malformed != null) {
                        r.engineFailed(EngineConnection.this, r.malformed);
                        close();
                        return Action.SUCCEEDED;
                    }
                    if (r.messageComplete && r.interim()) {
                        resetParser();
                        continue;
                    }
                }
                if (r != null && r.messageComplete) {
                    relay = null;
                    parsing = null;
                    // Taken from the relay before the connection goes back to the pool: from here on an
                    // abort of this relay (its client gone, a revocation) cannot close the connection
                    // under the next request, which may be another client's.
                    boolean owned = r.answerComplete();
                    boolean reusable = owned && r.reusable() && (input == null || !input.hasRemaining());
                    if (reusable) {
                        releaseInput();
                        // Pooled (once the request is written too) before the last client write, so the
                        // client's next request can take it.
                        r.oneSideDone(EngineConnection.this);
                    }
                    if (owned) {
                        r.lastWrite();
                    } else {
                        r.dropOutput();
                    }
                    if (!reusable) {
                        close();
                        return Action.SUCCEEDED;
                    }
                    // The engine says nothing until it is asked again (or closes): wait for that
                    // instead of a read that would find nothing, and hold no buffer meanwhile. A
                    // request that took this connection while the answer was relayed has only just
                    // been written, so its answer is not here yet either: about one request in
                    // eight at 16 connections, whose read found nothing.
                    fillInterested(this);
                    return Action.SCHEDULED;
                }
                if (r != null && r.hasOutput()) {
                    r.flush(this);
                    return Action.SCHEDULED;
                }
                if (input == null) {
                    input = pool.acquire(BUFFER_SIZE, true);
                }
                ByteBuffer buffer = input.getByteBuffer();
                if (BufferUtil.space(buffer) == 0) {
                    BufferUtil.compact(buffer);
                }
                int filled = getEndPoint().fill(buffer);
                if (filled > 0) {
                    if (relay == null) {
                        // Bytes nobody asked for: this is not a connection to reuse.
                        close();
                        return Action.SUCCEEDED;
                    }
                    continue;
                }
                if (filled == 0) {
                    if (!input.hasRemaining()) {
                        releaseInput();
                    }
                    fillInterested(this);
                    return Action.SCHEDULED;
                }
                if (r != null && !r.messageComplete) {
                    parser.atEOF();
                    parser.parseNext(buffer);
                    if (r.messageComplete) {
                        relay = null;
                        if (r.answerComplete()) {
                            r.lastWrite();
                        } else {
                            r.dropOutput();
                        }
                    } else {
                        r.engineFailed(EngineConnection.this, new EofException("the engine closed the connection before its answer ended"));
                    }
                }
                close();
                return Action.SUCCEEDED;
            }
        }

        @Override
        protected void onCompleteSuccess() {
            releaseInput();
        }

        @Override
        protected void onCompleteFailure(Throwable cause) {
            releaseInput();
            Forwarder.Relay r = relay;
            if (r != null) {
                r.engineFailed(EngineConnection.this, cause);
            }
            getEndPoint().close(cause);
        }

        @Override
        public Invocable.InvocationType getInvocationType() {
            return Invocable.InvocationType.NON_BLOCKING;
        }
    }
}
