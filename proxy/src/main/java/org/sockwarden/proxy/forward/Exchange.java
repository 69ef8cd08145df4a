package org.sockwarden.proxy.forward;

import java.util.function.Consumer;
import org.sockwarden.proxy.api.Operation;
import org.sockwarden.proxy.identity.Directory;

/**
 * One request while it runs: what the access log needs, filled in as it goes; why it was let
 * through, asked again whenever that may have changed; and the way to end it early.
 *
 * <p>An allowed exchange is in the {@link RunningExchanges registry} from its first byte to its
 * end, and can be cut short ({@link #abort}) at any moment: until a forwarder or hijacker takes
 * it over, cutting it closes the client's connection. Before each step that commits more of it
 * to the engine ({@link Phase}) its owner calls {@link #recheck}, which costs a volatile read
 * when the policy has not changed since the last decision, and decides it again against the
 * newest policy when it has. A hijacked session ends when its splice closes, not when the 101 is
 * sent.
 */
public final class Exchange {

    /** The steps at which a running exchange is decided again against the newest policy. */
    public enum Phase {
        /** The request head was decided and the exchange registered; nothing has reached the engine. */
        HEAD,
        /** The request body was read whole (a small body, or a hijack call's); nothing has reached the engine. */
        BODY_READ,
        /**
         * The request's {@link Preflight} completed: it asked the engine about the objects the request
         * reaches (an own-only client's owner checks), but nothing of the request itself reached the engine.
         */
        PREFLIGHT,
        /** An engine connection is ready and the request is about to be written to it. */
        ENGINE_CONNECT,
        /** The engine switched protocols and the client's connection is about to become a tunnel. */
        UPGRADE
    }

    /** Why an exchange was let through, asked again whenever the policy or the trusted CAs change. */
    public interface Admission {
        /** Null while {@code directory} still allows the exchange, else why it no longer does (shown to the caller and logged). */
        String refusal(Directory directory);

        /** When the caller's credential stops being valid (epoch milliseconds); {@link Long#MAX_VALUE} if it never does. */
        long validUntil();
    }

    private final String client;
    private final Operation operation;
    private final Admission admission;
    private final RunningExchanges registry;
    private final Consumer<Exchange> onEnd;
    private final long validUntil;
    private volatile RunningExchanges.Epoch decidedIn;
    private volatile int status;
    private volatile long bytesIn;
    private volatile long bytesOut;
    private volatile boolean ended;
    /** Waiting for body bytes from the client. */
    private volatile boolean awaitingBody;
    /** Waiting for the client to take a write of an answer it does not follow as a stream. */
    private volatile boolean awaitingWrite;
    /** System.nanoTime() by which the exchange must be over whatever it waits for; 0: none. */
    private volatile long deadline;
    // Written under this lock, so that an abort and the hand-over of its action cannot miss each other.
    private volatile Throwable aborted;
    private Consumer<Throwable> abortAction;

    /**
     * An exchange let through under {@code decidedIn}; {@link #register} enters it in {@code registry}.
     * {@code client} and {@code operation} are for the log.
     */
    public Exchange(String client, Operation operation, Admission admission, RunningExchanges registry,
                    RunningExchanges.Epoch decidedIn, Consumer<Exchange> onEnd) {
        this(client, operation, admission, registry, decidedIn, onEnd, admission.validUntil());
    }

    /** A refused request, never registered or decided again: it only collects what the access log needs. */
    public static Exchange refused(String client, Consumer<Exchange> onEnd) {
        return new Exchange(client, null, null, null, null, onEnd, Long.MAX_VALUE);
    }

    private Exchange(String client, Operation operation, Admission admission, RunningExchanges registry,
                     RunningExchanges.Epoch decidedIn, Consumer<Exchange> onEnd, long validUntil) {
        this.client = client;
        this.operation = operation;
        this.admission = admission;
        this.registry = registry;
        this.decidedIn = decidedIn;
        this.onEnd = onEnd;
        this.validUntil = validUntil;
    }

    /**
     * Enters the exchange in the registry, then decides it again if the policy changed since its
     * decision: a swap that happened before the registration is caught here, one after it by the
     * swap's own walk over the registry. Null if it may go on, else why not.
     */
    public String register() {
        registry.add(this);
        return recheck(Phase.HEAD);
    }

    /**
     * Null if the exchange may go on into {@code phase}, else why not: it was aborted, its
     * credential expired, or the newest policy refuses it. The caller then stops and answers (if
     * nothing is committed yet) or aborts.
     */
    public String recheck(Phase phase) {
        Throwable cut = aborted;
        if (cut != null) {
            return cut.getMessage();
        }
        RunningExchanges.Epoch now = registry.epoch();
        if (now != decidedIn) {
            String refusal = admission.refusal(now.directory());
            if (refusal != null) {
                return refusal;
            }
            decidedIn = now;
        }
        if (validUntil != Long.MAX_VALUE && System.currentTimeMillis() >= validUntil) {
            return "the client certificate expired while the request was running";
        }
        return null;
    }

    /** Decides the exchange against {@code epoch} (a policy swap's walk): aborts it if refused, and then says why. */
    String reassess(RunningExchanges.Epoch epoch) {
        if (epoch == decidedIn) {
            return null;
        }
        String refusal = admission.refusal(epoch.directory());
        if (refusal == null) {
            decidedIn = epoch;
            return null;
        }
        return abort(new RevokedException(refusal)) ? refusal : null;
    }

    long validUntil() {
        return validUntil;
    }

    public String client() {
        return client;
    }

    public Operation operation() {
        return operation;
    }

    public int status() {
        return status;
    }

    public long bytesIn() {
        return bytesIn;
    }

    public long bytesOut() {
        return bytesOut;
    }

    public void status(int status) {
        this.status = status;
    }

    public void addIn(long n) {
        bytesIn += n;
    }

    public void addOut(long n) {
        bytesOut += n;
    }

    /** Body bytes moved either way so far: what a stall check compares between two looks. */
    public long progress() {
        return bytesIn + bytesOut;
    }

    /** The exchange waits (or no longer waits) for body bytes from its client. */
    public void awaitingBody(boolean waiting) {
        this.awaitingBody = waiting;
    }

    /**
     * The exchange waits (or no longer waits) for its client to take a write. Not for an answer
     * the client follows as a stream ({@link Operation#followed}): pausing one is the client's right.
     */
    public void awaitingWrite(boolean waiting) {
        this.awaitingWrite = waiting && (operation == null || !operation.followed());
    }

    /** From now on the exchange ends at {@code nanoTime} at the latest, whatever it waits for. */
    public void deadline(long nanoTime) {
        this.deadline = nanoTime;
    }

    /** True if the exchange has a deadline and it passed. */
    public boolean overdue() {
        long d = deadline;
        return d != 0 && System.nanoTime() - d >= 0;
    }

    /**
     * True if the exchange should end now: it waited on its client and saw no progress for
     * {@code stallNanos}, or its deadline passed. Waiting on the engine never ends an exchange:
     * an {@code events} stream or a {@code wait} may be silent for hours.
     */
    public boolean stalled(long quietNanos, long stallNanos, long now) {
        long d = deadline;
        return ((awaitingBody || awaitingWrite) && quietNanos >= stallNanos) || (d != 0 && now - d >= 0);
    }

    /** How to cut this exchange short; set by whoever holds its connections at the moment. An earlier abort runs it at once. */
    public void onAbort(Consumer<Throwable> action) {
        Throwable reason;
        synchronized (this) {
            abortAction = action;
            reason = aborted;
        }
        if (reason != null) {
            action.accept(reason);
        }
    }

    /** Ends the exchange now: its engine request and its client connection are closed. True if this call aborted it (the first wins). */
    public boolean abort(Throwable reason) {
        Consumer<Throwable> action;
        synchronized (this) {
            if (aborted != null || ended) {
                return false;
            }
            aborted = reason;
            action = abortAction;
        }
        if (action != null) {
            action.accept(reason);
        }
        return true;
    }

    /** Why the exchange was aborted, or null. */
    public Throwable abortReason() {
        return aborted;
    }

    public boolean ended() {
        return ended;
    }

    /** Idempotent: the first end wins. */
    public void end() {
        if (!ended) {
            ended = true;
            if (registry != null) {
                registry.remove(this);
            }
            onEnd.accept(this);
        }
    }

    /** The policy changed, the trusted CAs changed or the credential expired, and the exchange is no longer allowed. */
    public static final class RevokedException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        RevokedException(String reason) {
            super(reason);
        }
    }
}
