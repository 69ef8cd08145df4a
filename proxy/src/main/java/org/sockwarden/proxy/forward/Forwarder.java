package org.sockwarden.proxy.forward;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.IteratingCallback;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.Invocable;

/**
 * Forwards one allowed, non-hijack request to the engine socket and streams the answer back.
 *
 * <p>Engine connections are kept alive and reused, newest first, so a burst of small calls
 * ({@code /_ping}, inspect) costs no connect. The request goes out as Jetty parsed it, minus
 * hop-by-hop headers; the answer is parsed with Jetty's own parser and each engine read becomes
 * one client write, so a log of many small frames is not written frame by frame.
 *
 * <p>A body with a Content-Length up to {@link #WHOLE_BODY_LIMIT} (every API call's JSON) is read
 * whole before the engine sees anything: the engine runs most handlers as soon as it has the head,
 * so a head forwarded ahead of a body that never completes would still act ({@code /kill} reads no
 * body). Head and body then go out in one write. Longer or chunked bodies (uploads) stream.
 *
 * <p>A request whose body the guard judges (a {@link BodyJudge}) is read whole whatever its framing,
 * within the judge's cap, its time limit and the {@link #INSPECTED_BODIES shared memory budget}; judged once
 * the exchange passed its body-read check; and sent as judged, with its own Content-Length: the bytes
 * the engine gets are the bytes that were judged.
 *
 * <p>Each step is taken only if the exchange is still allowed ({@link Exchange#recheck}): when the
 * body is read, and when an engine connection is ready, before anything is written to it.
 *
 * <p>Response headers are committed the moment the engine sends them: {@code docker run} waits
 * for the headers of {@code /wait} before it starts the container, and {@code events} or
 * {@code logs -f} may send no byte for minutes. Bodies stream both ways with back-pressure:
 * the engine is read again only when the previous write to the client has completed.
 */
public final class Forwarder extends ContainerLifeCycle {

    /**
     * Idle engine connections kept for reuse: more than a burst of small calls needs. They have no
     * idle timeout (rescheduling one per request costs a timer-thread wake-up); an engine that
     * closes one is noticed by its reader at once.
     */
    private static final int MAX_IDLE_CONNECTIONS = 64;
    /** Request bodies with a Content-Length up to this are read whole before the engine sees the request (one input buffer). */
    static final int WHOLE_BODY_LIMIT = 64 * 1024;
    private static final ByteBuffer CHUNK_END = ByteBuffer.wrap("\r\n".getBytes(StandardCharsets.ISO_8859_1)).asReadOnlyBuffer();
    private static final ByteBuffer LAST_CHUNK = ByteBuffer.wrap("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)).asReadOnlyBuffer();

    /**
     * Judged bodies held at once, over all requests: read, judged and waiting to be sent. A body the
     * budget has no room for is refused (503) and the others keep theirs: a thousand clients sending
     * a megabyte each cannot take the memory the proxy needs.
     */
    public static final long INSPECTED_BODIES = 16L << 20;
    /**
     * What judging bodies may use at once, each weighed at {@link #JUDGING_WEIGHT} times its size. The
     * guard reads a body into a tree of objects, measured at up to 32 times the body's bytes (an array of
     * a million zeros: 32 MB for 1 MB); judging is short, but as many run at once as there are threads.
     * One body at the guard's cap of 1 MiB is judged at a time; a few thousand of docker run's 2 KB.
     */
    public static final long JUDGING = 40L << 20;
    static final int JUDGING_WEIGHT = 32;

    /** A stream (an answer without a length) that lasts this long has its client watched; most chunked answers end in milliseconds. */
    private static final long WATCH_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long SWEEP_MS = 250;

    private final EngineConnector engine;
    private final EngineWatch engineWatch;
    private final BodyBudget judgedBodies = new BodyBudget(INSPECTED_BODIES);
    private final BodyBudget judging = new BodyBudget(JUDGING);
    private final Deque<EngineConnection> idle = new ConcurrentLinkedDeque<>();
    /**
     * Streams whose client is not watched yet, with the time they became streams. One sweep
     * watches those that lasted long enough: a timer per answer cost a timer-thread wake-up for
     * every chunked answer (about 10 % of the proxy's CPU on {@code containers/json}).
     */
    private final Map<Relay, Long> unwatched = new ConcurrentHashMap<>();
    private final AtomicBoolean sweeping = new AtomicBoolean();

    /** @param engineWatch hears the headers of the first answer on each new engine connection */
    public Forwarder(EngineConnector engine, EngineWatch engineWatch) {
        this.engine = engine;
        this.engineWatch = engineWatch;
    }

    @Override
    protected void doStop() throws Exception {
        for (EngineConnection c; (c = idle.pollFirst()) != null; ) {
            c.close();
        }
        unwatched.clear();
        super.doStop();
    }

    private void startSweeping() {
        if (sweeping.compareAndSet(false, true)) {
            engine.getScheduler().schedule(this::sweep, SWEEP_MS, TimeUnit.MILLISECONDS);
        }
    }

    private void sweep() {
        try {
            long now = System.nanoTime();
            for (var it = unwatched.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                if (now - e.getValue() >= WATCH_AFTER_NANOS) {
                    it.remove();
                    Relay r = e.getKey();
                    try {
                        r.watchClient();
                    } catch (RuntimeException x) {
                        // A stream whose client cannot be watched could hold its engine connection forever.
                        r.abort(x);
                    }
                }
            }
        } finally {
            sweeping.set(false);
            // A stream added while this sweep ran found it still running and did not start another.
            if (!unwatched.isEmpty() && isRunning()) {
                startSweeping();
            }
        }
    }

    public void forward(Request request, Response response, Callback callback, Exchange exchange) {
        forward(request, response, callback, exchange, null, null);
    }

    /**
     * Forwards a request whose body {@code judge} judges first (null: none does), after {@code preflight}
     * (null: none) let it go on; see {@link Preflight}.
     */
    public void forward(Request request, Response response, Callback callback, Exchange exchange, BodyJudge judge, Preflight preflight) {
        new Relay(request, response, callback, exchange, judge, preflight).start();
    }

    void idle(EngineConnection connection) {
        if (!isRunning() || idle.size() >= MAX_IDLE_CONNECTIONS) {
            connection.close();
            return;
        }
        idle.offerFirst(connection);
    }

    void closed(EngineConnection connection) {
        idle.remove(connection);
    }

    private void connect(Relay relay) {
        engine.open((endPoint, ctx) -> new EngineConnection(endPoint, engine.getExecutor(), engine.getByteBufferPool(), this),
                Promise.from(connection -> relay.send((EngineConnection) connection, false), relay::connectFailed));
    }

    private enum Refused { NO, HERE, ELSEWHERE }

    /** One client request on its way to the engine and its answer on the way back. */
    final class Relay {
        private final Request request;
        private final Response response;
        private final Callback callback;
        private final Exchange exchange;
        /** Judges the body before the engine sees anything, or null. */
        private final BodyJudge judge;
        /** The judged body's share of {@link #judgedBodies}, given back when the engine has it or the exchange ends; null without a judge. */
        private final BodyBudget.Hold held;
        private final Preflight preflight;
        private final boolean head;
        private final boolean hasBody;
        /** The pre-flight while it runs, to cancel on abort. */
        private volatile Cancellable preflightRun;
        /** The target the pre-flight chose (the checked object pinned), or null for the client's own. */
        private String target;
        /** A body read whole before the engine connection is taken, or null when it streams (or there is none). */
        private ByteBuffer wholeBody;
        /** GET and HEAD change nothing at the engine, so an unanswered one may be sent again. */
        private final boolean safeToRepeat;
        private final AtomicBoolean finished = new AtomicBoolean();
        private final AtomicInteger untilReusable = new AtomicInteger(2);
        private volatile EngineConnection connection;
        private boolean reusedConnection;
        private boolean retried;
        private volatile boolean bodySent;
        private volatile Throwable clientFailure;
        private volatile Throwable aborted;
        /** Set after a client write, between engine reads; read when the exchange ends, on any thread. */
        private volatile boolean watchArmed;
        // Written by the engine connection's reader only.
        private int status;
        private boolean persistent;
        private boolean headersPending;
        private boolean sized;
        private RetainableByteBuffer out;
        boolean messageComplete;
        java.io.IOException malformed;
        private final HttpFields.Mutable engineHeaders = HttpFields.build();

        Relay(Request request, Response response, Callback callback, Exchange exchange, BodyJudge judge, Preflight preflight) {
            this.request = request;
            this.response = response;
            this.exchange = exchange;
            this.judge = judge;
            this.held = judge == null ? null : judgedBodies.hold();
            // Every way a relay ends completes its callback once: the share is given back there, whatever happened.
            this.callback = held == null ? callback : new Releasing(callback, held);
            this.preflight = preflight;
            this.head = HttpMethod.HEAD.is(request.getMethod());
            this.hasBody = RequestBody.present(request);
            this.safeToRepeat = head || HttpMethod.GET.is(request.getMethod());
        }

        boolean isHeadRequest() {
            return head;
        }

        void start() {
            request.addFailureListener(this::abort);
            exchange.onAbort(this::abort);
            long length = request.getLength();
            if (judge != null) {
                // A body that trickles in would hold its memory as long as it likes: it has a time limit.
                exchange.deadline(System.nanoTime() + judge.readWithinNanos());
                RequestBody.readWhole(request, judge.cap(), held, exchange, Promise.from(this::bodyRead, this::bodyUnread));
            } else if (hasBody && length > 0 && length <= WHOLE_BODY_LIMIT) {
                RequestBody.readWhole(request, WHOLE_BODY_LIMIT, exchange, Promise.from(this::bodyRead, this::bodyUnread));
            } else {
                bodyDone();
            }
        }

        private void bodyRead(ByteBuffer body) {
            wholeBody = body;
            if (judge != null) {
                exchange.deadline(0);
            }
            if (refusedAt(Exchange.Phase.BODY_READ) == Refused.NO) {
                if (judge != null) {
                    judged(body);
                } else {
                    bodyDone();
                }
            }
        }

        /** The body is read whole, streams, or there is none: the pre-flight, if any, then an engine connection. */
        private void bodyDone() {
            if (preflight == null) {
                takeConnection();
                return;
            }
            Cancellable run = preflight.start(request, wholeBody == null ? null : wholeBody.slice(),
                    Promise.from(this::preflightDone, this::connectFailed));
            preflightRun = run;
            Throwable cut = aborted;
            if (cut != null) {
                run.cancel(cut);
            }
        }

        private void preflightDone(Preflight.Outcome outcome) {
            if (outcome instanceof Answer answer) {
                if (!finished.compareAndSet(false, true)) {
                    return;
                }
                answer.send(response, Callback.from(Invocable.InvocationType.NON_BLOCKING, () -> {
                    callback.succeeded();
                    exchange.end();
                }, failure -> {
                    callback.failed(failure);
                    exchange.end();
                }), exchange, Answer.unreadBody(request, wholeBody));
                return;
            }
            target = ((Preflight.Proceed) outcome).target();
            if (refusedAt(Exchange.Phase.PREFLIGHT) == Refused.NO) {
                takeConnection();
            }
        }

        /**
         * Asks the judge about the body read ({@code null}: one over its cap) and sends what it answers, or
         * its refusal. Judging takes memory of its own ({@link #JUDGING}): without room, the request is refused.
         */
        private void judged(ByteBuffer body) {
            BodyBudget.Hold weight = judging.hold();
            if (body != null && !weight.grow((long) body.remaining() * JUDGING_WEIGHT)) {
                answer(503, busy("being judged"), false);
                return;
            }
            BodyJudge.Outcome outcome;
            try {
                outcome = judge.judge(body);
            } catch (RuntimeException e) {
                // A judge that fails has not allowed anything: nothing of the request reaches the engine.
                answer(500, "sockwarden: the request could not be judged (" + e + "); nothing was sent to the engine", false);
                return;
            } finally {
                weight.release();
            }
            if (outcome instanceof BodyJudge.Send send) {
                wholeBody = send.body();
                bodyDone();
            } else {
                BodyJudge.Refuse refuse = (BodyJudge.Refuse) outcome;
                // A body over the cap was not read to its end: the connection cannot carry another request.
                answer(refuse.status(), refuse.message(), body == null);
            }
        }

        private String busy(String what) {
            return "sockwarden: too many request bodies are " + what + " at once, over the memory the proxy gives them ("
                    + (what.equals("held") ? INSPECTED_BODIES : JUDGING) / (1 << 20) + " MiB); nothing was sent to the engine: retry in a moment";
        }

        /** Answers the client before anything reached the engine, unless an abort or a failure ended the exchange first. */
        private void answer(int status, String message, boolean close) {
            if (!finished.compareAndSet(false, true)) {
                return;
            }
            if (close) {
                response.getHeaders().put(HttpHeader.CONNECTION, "close");
            }
            exchange.status(status);
            DockerError.send(request, response, callback, status, message);
            exchange.end();
        }

        /** The body did not arrive whole: nothing of the request has reached the engine. */
        private void bodyUnread(Throwable failure) {
            if (judge != null && aborted == null) {
                if (failure instanceof RequestBody.TooLargeException) {
                    judged(null);
                    return;
                }
                if (failure instanceof RequestBody.OverBudgetException) {
                    answer(503, busy("held"), true);
                    return;
                }
            }
            if (!finished.compareAndSet(false, true)) {
                return;
            }
            Throwable cut = aborted;
            if (cut != null) {
                callback.failed(cut);
            } else {
                exchange.status(400);
                DockerError.send(request, response, callback, 400,
                        "sockwarden: bad request: the request body does not match its framing (" + failure.getMessage()
                                + "); nothing was sent to the engine");
            }
            exchange.end();
        }

        /** A pooled engine connection, newest first, or a new one. */
        private void takeConnection() {
            for (EngineConnection c; (c = idle.pollFirst()) != null; ) {
                if (c.attach(this)) {
                    send(c, true);
                    return;
                }
            }
            connect(this);
        }

        /**
         * Whether the exchange may go on into {@code phase}; if not, this relay answered the client
         * ({@link Refused#HERE}), or an abort or a failure had already ended it ({@link Refused#ELSEWHERE}).
         * Only before anything was sent to the engine.
         */
        private Refused refusedAt(Exchange.Phase phase) {
            String refusal = exchange.recheck(phase);
            if (refusal == null) {
                return Refused.NO;
            }
            if (!finished.compareAndSet(false, true)) {
                return Refused.ELSEWHERE;
            }
            exchange.status(403);
            DockerError.send(request, response, callback, 403, "sockwarden: " + refusal);
            exchange.end();
            return Refused.HERE;
        }

        void send(EngineConnection c, boolean reused) {
            if (!reused && !c.attach(this)) {
                connectFailed(new java.io.IOException("the engine closed a new connection at once"));
                return;
            }
            connection = c;
            reusedConnection = reused;
            Refused refused = aborted != null ? Refused.ELSEWHERE : refusedAt(Exchange.Phase.ENGINE_CONNECT);
            if (refused != Refused.NO) {
                c.detach(this);
                if (refused == Refused.HERE) {
                    // Nothing was written on it, and no abort can reach it any more: as clean as it was taken.
                    idle(c);
                } else {
                    // An abort that got there first may be closing it: it must not go to the next request.
                    c.close();
                }
                return;
            }
            // Marked before the write: the engine may answer, on another thread, before this one returns from it.
            // A write that fails breaks the connection, which is then not reused anyway.
            boolean streamsBody = hasBody && wholeBody == null;
            bodySent = !streamsBody;
            Callback written = Callback.from(Invocable.InvocationType.NON_BLOCKING, () -> {
                if (held != null) {
                    held.release(); // the engine has the body: this request holds it no more
                }
                if (streamsBody) {
                    new BodySender(c).iterate();
                } else {
                    oneSideDone(c);
                }
            }, failure -> engineFailed(c, failure));
            if (wholeBody != null) {
                c.write(written, requestHead(), wholeBody.slice());
            } else {
                c.write(written, requestHead());
            }
        }

        /** The client's end-to-end headers, framed for the body it has. */
        private ByteBuffer requestHead() {
            RequestHead head = target == null ? new RequestHead(request) : new RequestHead(request.getMethod(), target);
            HopByHop.forEachEndToEnd(request.getHeaders(), head::header, HttpHeader.CONTENT_LENGTH);
            if (wholeBody != null) {
                head.header("Content-Length", wholeBody.remaining());
            } else if (hasBody) {
                long length = request.getLength();
                if (length >= 0) {
                    head.header("Content-Length", length);
                } else {
                    head.header("Transfer-Encoding", "chunked");
                }
            }
            return head.toBuffer();
        }

        void connectFailed(Throwable failure) {
            if (!finished.compareAndSet(false, true)) {
                return;
            }
            if (aborted != null) {
                callback.failed(aborted);
            } else {
                engine.refuseUnreachable(request, response, callback, exchange, failure);
            }
            exchange.end();
        }

        // --- the answer, as the engine connection's reader parses it

        void startResponse(HttpVersion version, int status) {
            this.status = status;
            this.persistent = version == HttpVersion.HTTP_1_1;
            engineHeaders.clear();
        }

        void header(HttpField field) {
            engineHeaders.add(field);
            if (field.getHeader() == HttpHeader.CONNECTION && field.contains(HttpHeaderValue.CLOSE.asString())) {
                persistent = false;
            }
        }

        /** A 1xx before the real answer: the engine sends none unless asked, and it is not relayed. */
        boolean interim() {
            if (status >= 100 && status < 200 && status != HttpStatus.SWITCHING_PROTOCOLS_101) {
                messageComplete = false;
                return true;
            }
            return false;
        }

        void headerComplete() {
            if (status >= 100 && status < 200) {
                if (status == HttpStatus.SWITCHING_PROTOCOLS_101) {
                    malformed = new java.io.IOException("the engine switched protocols on a call sockwarden forwards as plain HTTP");
                }
                return;
            }
            if (!reusedConnection) {
                engineWatch.answered(engineHeaders);
            }
            exchange.status(status);
            response.setStatus(status);
            HopByHop.copy(engineHeaders, response.getHeaders());
            sized = engineHeaders.contains(HttpHeader.CONTENT_LENGTH);
            headersPending = true;
        }

        void content(ByteBuffer item) {
            if (out == null) {
                out = engine.getByteBufferPool().acquire(EngineConnection.BUFFER_SIZE, false);
            }
            exchange.addOut(item.remaining());
            BufferUtil.append(out.getByteBuffer(), item);
        }

        boolean hasOutput() {
            return headersPending || (out != null && out.hasRemaining());
        }

        /**
         * Called once the request is fully written and once the answer is fully read: the
         * connection goes back to the pool after both, since until its write completes a new
         * request on it would fail with a write already pending.
         */
        void oneSideDone(EngineConnection c) {
            if (c != connection) {
                return; // a late callback of the connection a retry left behind
            }
            if (untilReusable.decrementAndGet() == 0) {
                idle(c);
            }
        }

        /** True if the engine connection may carry another request (asked once the answer is complete). */
        boolean reusable() {
            return persistent && bodySent && aborted == null;
        }

        /**
         * The engine's answer is complete. True if this relay still owned the exchange, and so its
         * engine connection: an abort that comes after this no longer touches the connection, which
         * may by then carry another client's request. False if an abort or a failure came first.
         */
        boolean answerComplete() {
            cancelWatch();
            return finished.compareAndSet(false, true);
        }

        /** After {@link #answerComplete} returned true: the last write ends the client's response. */
        void lastWrite() {
            flush(null);
        }

        /** After {@link #answerComplete} returned false: what the engine sent last is not written. */
        void dropOutput() {
            release(out);
            out = null;
        }

        /**
         * Writes what the last engine read produced, committing the head if it is still pending;
         * {@code next} resumes reading once the client took it, and null makes this the last write.
         */
        void flush(Callback next) {
            headersPending = false;
            RetainableByteBuffer written = out;
            out = null;
            exchange.awaitingWrite(true);
            response.write(next == null, written == null ? BufferUtil.EMPTY_BUFFER : written.getByteBuffer(), new ClientWrite(written, next));
        }

        /** One write to the client; its buffer goes back to the pool when the write is done. */
        private final class ClientWrite implements Callback {
            private final RetainableByteBuffer written;
            private final Callback next;

            ClientWrite(RetainableByteBuffer written, Callback next) {
                this.written = written;
                this.next = next;
            }

            @Override
            public void succeeded() {
                exchange.awaitingWrite(false);
                release(written);
                if (next == null) {
                    callback.succeeded();
                    exchange.end();
                } else {
                    armWatch();
                    next.succeeded();
                }
            }

            @Override
            public void failed(Throwable x) {
                exchange.awaitingWrite(false);
                release(written);
                if (next == null) {
                    callback.failed(x);
                    exchange.end();
                } else {
                    next.failed(x);
                }
            }

            @Override
            public InvocationType getInvocationType() {
                return InvocationType.NON_BLOCKING;
            }
        }

        /** A stream with no length may run for hours: its client is watched once it has lasted a while. */
        private void armWatch() {
            if (!watchArmed && !sized) {
                watchArmed = true;
                unwatched.put(this, System.nanoTime());
                if (finished.get()) {
                    unwatched.remove(this);
                } else {
                    startSweeping();
                }
            }
        }

        private void watchClient() {
            if (!finished.get()) {
                ClientGoneWatch.watch(request, this::abort, exchange);
            }
        }

        private void cancelWatch() {
            if (watchArmed) {
                unwatched.remove(this);
            }
        }

        /** The engine connection failed: retried once if nothing of it can have reached the engine's handler. */
        void engineFailed(EngineConnection from, Throwable failure) {
            if (from != connection || finished.get()) {
                return;
            }
            from.detach(this);
            from.close();
            boolean unanswered = reusedConnection && !retried && status == 0 && aborted == null;
            if (unanswered && !hasBody && safeToRepeat) {
                // A pooled connection the engine closed while idle, most likely before the request reached
                // it. Only a GET or HEAD is sent again: a POST /restart or a DELETE that the engine did read
                // before the connection died would run twice.
                retried = true;
                reusedConnection = false;
                connection = null;
                untilReusable.set(2);
                connect(this);
                return;
            }
            if (!finished.compareAndSet(false, true)) {
                return;
            }
            cancelWatch();
            release(out);
            out = null;
            Throwable clientBroke = clientFailure;
            if (aborted != null || response.isCommitted()) {
                callback.failed(aborted != null ? aborted : failure);
            } else if (clientBroke != null) {
                exchange.status(400);
                DockerError.send(request, response, callback, 400, "sockwarden: bad request: the request body does not match its framing ("
                        + clientBroke.getMessage() + "); the engine request was aborted");
            } else if (unanswered) {
                exchange.status(502);
                DockerError.send(request, response, callback, 502, "Docker engine at " + engine.socket() + " closed the connection before answering "
                        + request.getMethod() + " " + request.getHttpURI().getPath() + "; the engine may have run it, so it was not sent again:"
                        + " check its effect before retrying");
            } else if (status == 0) {
                engine.refuseUnreachable(request, response, callback, exchange, failure);
            } else {
                exchange.status(502);
                DockerError.send(request, response, callback, 502, "Docker engine at " + engine.socket() + " broke off its answer: " + failure.getMessage());
            }
            exchange.end();
        }

        /** Ends the exchange now (revocation, a client gone, a failed request): both connections close. */
        void abort(Throwable reason) {
            aborted = reason;
            EngineConnection c = connection;
            if (!finished.compareAndSet(false, true)) {
                return;
            }
            Cancellable run = preflightRun;
            if (run != null) {
                run.cancel(reason);
            }
            cancelWatch();
            if (c != null) {
                c.detach(this);
                c.getEndPoint().close(reason);
            }
            callback.failed(reason);
            exchange.end();
        }

        private void clientBodyFailed(EngineConnection c, Throwable failure) {
            clientFailure = failure;
            engineFailed(c, failure);
        }

        private void release(RetainableByteBuffer buffer) {
            if (buffer != null) {
                buffer.release();
            }
        }

        /** The client's body to the engine, one chunk in flight at a time, re-chunked when its length is unknown. */
        private final class BodySender extends IteratingCallback {
            private final EngineConnection target;
            private final boolean chunked = request.getLength() < 0;
            private Content.Chunk pending;
            private boolean ended;

            BodySender(EngineConnection target) {
                this.target = target;
            }

            @Override
            protected Action process() {
                while (true) {
                    releasePending();
                    if (ended) {
                        return Action.SUCCEEDED;
                    }
                    if (finished.get()) {
                        return Action.SUCCEEDED;
                    }
                    Content.Chunk chunk = request.read();
                    if (chunk == null) {
                        exchange.awaitingBody(true);
                        request.demand(this::bodyArrived);
                        return Action.SCHEDULED;
                    }
                    if (Content.Chunk.isFailure(chunk)) {
                        clientBodyFailed(target, chunk.getFailure());
                        return Action.SUCCEEDED;
                    }
                    ended = chunk.isLast();
                    bodySent = ended; // before the last write, for the same reason as the head's
                    int n = chunk.remaining();
                    if (n == 0) {
                        chunk.release();
                        if (ended && chunked) {
                            target.write(this, LAST_CHUNK.slice());
                            return Action.SCHEDULED;
                        }
                        continue;
                    }
                    pending = chunk;
                    exchange.addIn(n);
                    if (!chunked) {
                        target.write(this, chunk.getByteBuffer());
                    } else {
                        ByteBuffer size = ByteBuffer.wrap((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                        if (ended) {
                            target.write(this, size, chunk.getByteBuffer(), CHUNK_END.slice(), LAST_CHUNK.slice());
                        } else {
                            target.write(this, size, chunk.getByteBuffer(), CHUNK_END.slice());
                        }
                    }
                    return Action.SCHEDULED;
                }
            }

            private void bodyArrived() {
                exchange.awaitingBody(false);
                succeeded();
            }

            private void releasePending() {
                if (pending != null) {
                    pending.release();
                    pending = null;
                }
            }

            @Override
            protected void onCompleteSuccess() {
                releasePending();
                if (ended) {
                    oneSideDone(target);
                }
            }

            @Override
            protected void onCompleteFailure(Throwable cause) {
                releasePending();
                engineFailed(target, cause);
            }

            @Override
            public InvocationType getInvocationType() {
                return InvocationType.NON_BLOCKING;
            }
        }
    }

    /** A relay's callback that gives back its judged body's share of the budget when the relay ends, however it ends. */
    private static final class Releasing implements Callback {
        private final Callback callback;
        private final BodyBudget.Hold held;

        Releasing(Callback callback, BodyBudget.Hold held) {
            this.callback = callback;
            this.held = held;
        }

        @Override
        public void succeeded() {
            held.release();
            callback.succeeded();
        }

        @Override
        public void failed(Throwable x) {
            held.release();
            callback.failed(x);
        }

        @Override
        public InvocationType getInvocationType() {
            return callback.getInvocationType();
        }
    }
}
