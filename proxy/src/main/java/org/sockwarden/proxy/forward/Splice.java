package org.sockwarden.proxy.forward;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.Retainable;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.IteratingCallback;

/**
 * The byte splice of a hijacked session: after the engine answered the upgrade, nothing on either
 * connection is parsed again. Each direction is closed on its own (half-close), because
 * {@code docker exec -i … cat} with piped stdin only ends when stdin's end reaches the container
 * while the output direction is still open.
 */
final class Splice {
    private final Exchange exchange;
    private final AtomicInteger open = new AtomicInteger(2);

    Splice(Exchange exchange) {
        this.exchange = exchange;
    }

    private void closed() {
        if (open.decrementAndGet() == 0) {
            exchange.end();
        }
    }

    /**
     * One side of the splice. It reads its own endpoint and writes to the peer's, one buffer in
     * flight, reading again only when the write completed, so the slower side sets the pace.
     */
    abstract static class End extends AbstractConnection {
        private final ByteBufferPool pool;
        private final Pipe pipe = new Pipe();
        private Splice splice;
        private End peer;
        private boolean towardsClient;

        End(EndPoint endPoint, Executor executor, ByteBufferPool pool) {
            super(endPoint, executor);
            this.pool = pool;
            // Jetty's default of 2 KB (a 4 KB buffer from the pool) made a 100 MB exec output about 25,000
            // reads and writes each way.
            setInputBufferSize(EngineConnection.BUFFER_SIZE);
        }

        void link(Splice tunnel, End peer, boolean towardsClient) {
            this.splice = tunnel;
            this.peer = peer;
            this.towardsClient = towardsClient;
        }

        End peer() {
            return peer;
        }

        /** Sends bytes read ahead of the splice (past the HTTP head) to the peer, then splices. */
        void start(ByteBuffer readAhead) {
            // An interactive session may sit idle for hours; only closing ends it.
            getEndPoint().setIdleTimeout(0);
            if (BufferUtil.hasContent(readAhead)) {
                count(readAhead.remaining());
                peer.getEndPoint().write(Callback.from(this::fillInterested, this::abort), readAhead);
            } else {
                fillInterested();
            }
        }

        private void count(int n) {
            if (towardsClient) {
                splice.exchange.addOut(n);
            } else {
                splice.exchange.addIn(n);
            }
        }

        @Override
        public void onFillable() {
            pipe.iterate();
        }

        void abort(Throwable failure) {
            getEndPoint().close(failure);
            peer.getEndPoint().close(failure);
        }

        @Override
        public void onClose(Throwable cause) {
            super.onClose(cause);
            if (splice != null) {
                splice.closed();
            }
        }

        private final class Pipe extends IteratingCallback {
            private RetainableByteBuffer buffer;

            @Override
            protected Action process() {
                buffer = pool.acquire(getInputBufferSize(), true);
                try {
                    ByteBuffer bytes = buffer.getByteBuffer();
                    int filled = getEndPoint().fill(bytes);
                    if (filled > 0) {
                        count(filled);
                        peer.getEndPoint().write(this, bytes);
                        return Action.SCHEDULED;
                    }
                    buffer = Retainable.release(buffer);
                    if (filled == 0) {
                        fillInterested(this);
                        return Action.SCHEDULED;
                    }
                    peer.getEndPoint().shutdownOutput();
                    return Action.SUCCEEDED;
                } catch (IOException x) {
                    buffer = Retainable.release(buffer);
                    abort(x);
                    return Action.SUCCEEDED;
                }
            }

            @Override
            protected void onSuccess() {
                buffer = Retainable.release(buffer);
            }

            @Override
            protected void onFailure(Throwable x) {
                abort(x);
            }

            @Override
            protected void onCompleteFailure(Throwable cause) {
                buffer = Retainable.release(buffer);
            }

            @Override
            public InvocationType getInvocationType() {
                return InvocationType.NON_BLOCKING;
            }
        }
    }

    /** The client's side: Jetty hands it the connection once the 101 (or raw 200) head is written. */
    static final class ClientEnd extends End implements Connection.UpgradeTo {
        private ByteBuffer readAhead;

        ClientEnd(EndPoint endPoint, Executor executor, ByteBufferPool pool) {
            super(endPoint, executor, pool);
        }

        @Override
        public void onUpgradeTo(ByteBuffer buffer) {
            // Bytes the client sent right after its request (stdin typed early) that Jetty already read.
            this.readAhead = BufferUtil.isEmpty(buffer) ? null : BufferUtil.copy(buffer);
        }

        @Override
        public void onOpen() {
            super.onOpen();
            start(readAhead);
            ((EngineEnd) peer()).clientReady();
        }
    }

    /** The engine's side; it begins as the connection that sent the request and read the answer's head. */
    abstract static class EngineEnd extends End {
        EngineEnd(EndPoint endPoint, Executor executor, ByteBufferPool pool) {
            super(endPoint, executor, pool);
        }

        /** The client's connection is upgraded: stream bytes may now be written to it. */
        abstract void clientReady();
    }
}
