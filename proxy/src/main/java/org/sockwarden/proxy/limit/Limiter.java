package org.sockwarden.proxy.limit;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Callback;
import org.sockwarden.proxy.api.Operation;

/**
 * What each client with {@link ClientLimits} holds now: its running requests, its open streams and
 * sessions, and its rate's token bucket. Lock-free: a slot is one atomic increment (undone at once
 * when it goes beyond the limit, so no more than the limit are ever admitted), a token one
 * compare-and-set; a {@link Slot} gives its place back exactly once.
 *
 * <p>Streams are the operations whose answer the client follows ({@link Operation#followed}):
 * logs, stats, wait, events, service and task logs, the progress of a pull, push, build or load, a
 * plugin pull, push or upgrade, and every hijacked session (attach, exec start, session, grpc). They
 * count against {@code max-streams}; every other request against {@code max-requests}. Every
 * allowed request takes a token. {@code /_ping} is never limited nor counted: every Docker client
 * calls it first to choose its API version, and the docker CLI, refused it, reports the engine's
 * "client version ... is too new" instead of the refusal.
 *
 * <p>A client is counted only while it has limits: limits set on a running client count the
 * requests admitted from then on. Its counts are kept by name for the life of the process (three
 * numbers), so a policy change never resets them.
 */
public final class Limiter {

    /** A concurrency limit frees a place whenever one of the client's requests ends; when, no one knows. */
    private static final long RETRY_AFTER_SLOT = 1;

    private final ConcurrentHashMap<String, Usage> clients = new ConcurrentHashMap<>();

    /** What {@link #admit} decided. */
    public sealed interface Outcome permits Slot, Refusal {}

    /**
     * The place a running request holds, given back by {@link #release} (exactly once, however
     * often it is called) or by the callback of {@link #releasing}.
     */
    public static final class Slot implements Outcome {
        /** The slot of a request no limit applies to: holds nothing. */
        public static final Slot NONE = new Slot(null);
        private static final AtomicIntegerFieldUpdater<Slot> RELEASED = AtomicIntegerFieldUpdater.newUpdater(Slot.class, "released");

        private final AtomicInteger count;
        private volatile int released;

        private Slot(AtomicInteger count) {
            this.count = count;
        }

        /** Gives the place back; only the first call counts. */
        public void release() {
            if (count != null && RELEASED.compareAndSet(this, 0, 1)) {
                count.decrementAndGet();
            }
        }

        /**
         * {@code callback}, releasing this slot just before it completes the request with Jetty:
         * the next request on the same connection is read only after that, so a client that sends
         * one request after another is never refused for the one before. Not when the request's
         * connection became a tunnel (a hijacked session): that slot is held until the session ends.
         */
        public Callback releasing(Callback callback, Request request) {
            if (count == null) {
                return callback;
            }
            return new Callback() {
                @Override
                public void succeeded() {
                    if (request.getAttribute(HttpStream.UPGRADE_CONNECTION_ATTRIBUTE) == null) {
                        release();
                    }
                    callback.succeeded();
                }

                @Override
                public void failed(Throwable x) {
                    release();
                    callback.failed(x);
                }

                @Override
                public InvocationType getInvocationType() {
                    return callback.getInvocationType();
                }
            };
        }
    }

    /**
     * A request beyond a limit: answered 429 with {@code message} and a {@code Retry-After} of
     * {@code retryAfterSeconds}.
     */
    public record Refusal(Limit limit, String message, long retryAfterSeconds) implements Outcome {}

    /** How many requests and streams a client holds now. */
    public record Counts(int requests, int streams) {}

    /** One client's counts and bucket. */
    static final class Usage {
        final AtomicInteger requests = new AtomicInteger();
        final AtomicInteger streams = new AtomicInteger();
        /**
         * The bucket as the time at which it would be full again, in {@link System#nanoTime} (the
         * generic cell rate algorithm: a token bucket held in one number, so one CAS takes a token).
         */
        final AtomicLong fullAt = new AtomicLong(System.nanoTime());

        /** Takes a token of {@code rate} at {@code now}: 0 if taken, else how many nanoseconds until one is there. */
        long take(Rate rate, long now) {
            long interval = rate.intervalNanos();
            // How far ahead of now fullAt may run: the burst's worth of tokens, less the one being taken.
            long tolerance = interval * (rate.burst() - 1);
            while (true) {
                long full = fullAt.get();
                long start = full - now < 0 ? now : full;
                if (start - now > tolerance + interval) {
                    // Emptied under a slower rate this client had before: from now on, empty under this one.
                    start = now + tolerance + interval;
                    if (!fullAt.compareAndSet(full, start)) {
                        continue;
                    }
                    full = start;
                }
                long wait = start - tolerance - now;
                if (wait > 0) {
                    return wait;
                }
                if (fullAt.compareAndSet(full, start + interval)) {
                    return 0;
                }
            }
        }
    }

    /**
     * Admits a request of {@code client} for {@code operation} within {@code limits} (not
     * {@link ClientLimits#NONE}: the caller skips those), or says which limit refuses it. An
     * admitted request holds its slot until it is released.
     */
    public Outcome admit(String client, ClientLimits limits, Operation operation) {
        if (operation == Operation.SYSTEM_PING) {
            return Slot.NONE;
        }
        Usage usage = clients.get(client);
        if (usage == null) {
            usage = clients.computeIfAbsent(client, c -> new Usage());
        }
        boolean stream = operation.followed();
        AtomicInteger count = stream ? usage.streams : usage.requests;
        int max = stream ? limits.maxStreams() : limits.maxRequests();
        if (count.incrementAndGet() > max && max > 0) {
            count.decrementAndGet();
            return stream
                    ? new Refusal(Limit.MAX_STREAMS, "sockwarden: client \"" + client + "\" has " + max + " streams and sessions open, its limit ("
                            + Limit.MAX_STREAMS.option() + " " + max + "); " + operation.id() + " is one, retry when one of them has ended",
                            RETRY_AFTER_SLOT)
                    : new Refusal(Limit.MAX_REQUESTS, "sockwarden: client \"" + client + "\" has " + max + " requests running, its limit ("
                            + Limit.MAX_REQUESTS.option() + " " + max + "); retry when one of them has ended", RETRY_AFTER_SLOT);
        }
        Rate rate = limits.rate();
        if (rate != null) {
            long wait = usage.take(rate, System.nanoTime());
            if (wait > 0) {
                count.decrementAndGet();
                long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(wait + TimeUnit.SECONDS.toNanos(1) - 1));
                return new Refusal(Limit.RATE, "sockwarden: client \"" + client + "\" sends requests faster than its rate ("
                        + Limit.RATE.option() + " " + rate + ", bursts of up to " + rate.burst() + "); retry in " + seconds + " s", seconds);
            }
        }
        return new Slot(count);
    }

    /** What {@code client} holds now (zeros for a client never limited). */
    public Counts counts(String client) {
        Usage usage = clients.get(client);
        return usage == null ? new Counts(0, 0) : new Counts(usage.requests.get(), usage.streams.get());
    }
}
