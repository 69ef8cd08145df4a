package org.sockwarden.proxy.forward;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;

/**
 * A client's request body, read in one of two bounded ways. Neither holds Jetty's chunks: each
 * chunk is copied or dropped and released at once, so a connection never pins more than its one
 * input buffer, however many clients send at the same time.
 */
public final class RequestBody {

    private RequestBody() {}

    /** A Content-Length above zero or chunked framing: the request carries a body to read. */
    public static boolean present(Request request) {
        return request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING) || request.getLength() > 0;
    }

    /** Thrown (as a failure) for a body over the limit of {@link #readWhole}. */
    public static final class TooLargeException extends IOException {
        private static final long serialVersionUID = 1L;

        TooLargeException(int limit) {
            super("over " + limit + " bytes");
        }
    }

    /** Thrown (as a failure) when the memory budget of {@link #readWhole} has not room for the body. */
    public static final class OverBudgetException extends IOException {
        private static final long serialVersionUID = 1L;

        OverBudgetException() {
            super("no room in the memory budget for request bodies");
        }
    }

    /**
     * Reads the whole body into memory, at most {@code limit} bytes, copying each chunk. While it
     * waits for bytes, {@code exchange} is marked as waiting on its client, so a stalled sender is
     * cut by the connection's stall check. {@code done} gets the body (position 0), or the failure:
     * a body shorter than its length, a broken connection, an abort, or {@link TooLargeException}.
     */
    public static void readWhole(Request request, int limit, Exchange exchange, Promise<ByteBuffer> done) {
        new WholeBody(request, limit, null, exchange, done).run();
    }

    /**
     * As {@link #readWhole(Request, int, Exchange, Promise)}, taking the memory of the buffer from {@code hold}
     * before each allocation; when the budget has no room, {@code done} fails with {@link OverBudgetException}.
     * What {@code hold} took stays taken: its owner gives it back once it no longer holds the body.
     */
    public static void readWhole(Request request, int limit, BodyBudget.Hold hold, Exchange exchange, Promise<ByteBuffer> done) {
        WholeBody reader = new WholeBody(request, limit, hold, exchange, done);
        if (!hold.grow(reader.bytes.length)) {
            done.failed(new OverBudgetException());
            return;
        }
        reader.run();
    }

    /**
     * Reads and drops a refused request's body, so that a client still sending it (docker run's
     * create) reads the answer instead of a broken pipe. At most {@code budget} bytes are read;
     * {@code done} succeeds when the body ended within it, and fails when it is longer, broken, or
     * the exchange was aborted (its deadline, set by the caller, passed): the caller then closes
     * the connection.
     */
    public static void discard(Request request, long budget, Exchange exchange, Callback done) {
        new Discard(request, budget, exchange, done).run();
    }

    /**
     * Reads a body chunk by chunk, marking the exchange as waiting on its client between chunks;
     * each chunk is released as soon as {@link #take} has looked at it.
     */
    private abstract static class Reader implements Runnable {
        private final Request request;
        private final Exchange exchange;

        Reader(Request request, Exchange exchange) {
            this.request = request;
            this.exchange = exchange;
        }

        /** Takes the bytes of one chunk; false if reading should stop here (it has failed). */
        abstract boolean take(ByteBuffer bytes);

        abstract void ended();

        abstract void failed(Throwable failure);

        @Override
        public final void run() {
            exchange.awaitingBody(false);
            while (true) {
                Throwable aborted = exchange.abortReason();
                if (aborted != null) {
                    failed(aborted);
                    return;
                }
                if (exchange.overdue()) {
                    // Bytes trickling in keep the connection from ever idling: the deadline is checked as they come.
                    failed(new java.util.concurrent.TimeoutException("the request body did not end in time"));
                    return;
                }
                Content.Chunk chunk = request.read();
                if (chunk == null) {
                    exchange.awaitingBody(true);
                    request.demand(this);
                    return;
                }
                if (Content.Chunk.isFailure(chunk)) {
                    failed(chunk.getFailure());
                    return;
                }
                boolean last = chunk.isLast();
                exchange.addIn(chunk.remaining());
                boolean more;
                try {
                    more = take(chunk.getByteBuffer());
                } finally {
                    chunk.release();
                }
                if (!more) {
                    return;
                }
                if (last) {
                    ended();
                    return;
                }
            }
        }
    }

    private static final class WholeBody extends Reader {
        private final int limit;
        private final BodyBudget.Hold hold;
        private final Promise<ByteBuffer> done;
        private byte[] bytes;
        private int size;

        WholeBody(Request request, int limit, BodyBudget.Hold hold, Exchange exchange, Promise<ByteBuffer> done) {
            super(request, exchange);
            this.limit = limit;
            this.hold = hold;
            this.done = done;
            long length = request.getLength();
            // A known length is allocated once; chunked framing grows as bytes arrive, never ahead of them.
            // No body at all, or one over the limit, is allocated nothing until bytes show what it is.
            this.bytes = length > limit ? new byte[0] : new byte[(int) (length > 0 ? length : length == 0 ? 0 : Math.min(1024, limit))];
        }

        @Override
        boolean take(ByteBuffer chunk) {
            int n = chunk.remaining();
            if (size + n > limit) {
                done.failed(new TooLargeException(limit));
                return false;
            }
            if (size + n > bytes.length) {
                int grown = Math.min(limit, Math.max(size + n, bytes.length * 2));
                if (hold != null && !hold.grow(grown - bytes.length)) {
                    done.failed(new OverBudgetException());
                    return false;
                }
                bytes = Arrays.copyOf(bytes, grown);
            }
            chunk.get(bytes, size, n);
            size += n;
            return true;
        }

        @Override
        void ended() {
            done.succeeded(ByteBuffer.wrap(bytes, 0, size).slice());
        }

        @Override
        void failed(Throwable failure) {
            done.failed(failure);
        }
    }

    private static final class Discard extends Reader {
        private final Callback done;
        private long left;

        Discard(Request request, long budget, Exchange exchange, Callback done) {
            super(request, exchange);
            this.left = budget;
            this.done = done;
        }

        @Override
        boolean take(ByteBuffer chunk) {
            left -= chunk.remaining();
            if (left < 0) {
                done.failed(new IOException("the refused request's body is longer than sockwarden reads"));
                return false;
            }
            return true;
        }

        @Override
        void ended() {
            done.succeeded();
        }

        @Override
        void failed(Throwable failure) {
            done.failed(failure);
        }
    }
}
