package org.sockwarden.proxy.forward;

import java.util.function.Consumer;
import org.sockwarden.proxy.api.Operation;
import org.sockwarden.proxy.identity.Identity;

/**
 * One allowed request while it runs: what the access log needs, filled in as it goes, and the
 * way to end it early when its client loses the permission. A hijacked session ends when its
 * splice closes, not when the 101 is sent.
 */
public final class Exchange {
    private final String client;
    private final Operation operation;
    private final Identity identity;
    private final Consumer<Exchange> onEnd;
    private volatile int status;
    private volatile long bytesIn;
    private volatile long bytesOut;
    private volatile boolean ended;
    private volatile Consumer<Throwable> abort;

    /** @param identity what the caller proved (its listener or its certificate), checked again when the policy changes */
    public Exchange(String client, Operation operation, Identity identity, Consumer<Exchange> onEnd) {
        this.client = client;
        this.operation = operation;
        this.identity = identity;
        this.onEnd = onEnd;
    }

    public Identity identity() {
        return identity;
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

    void addIn(long n) {
        bytesIn += n;
    }

    public void addOut(long n) {
        bytesOut += n;
    }

    /** How to cut this exchange short; set by whoever holds its connections at the moment. */
    void onAbort(Consumer<Throwable> abort) {
        this.abort = abort;
    }

    /** Ends the exchange now: its engine request and its client connection are closed. */
    public void abort(Throwable reason) {
        Consumer<Throwable> a = abort;
        if (a != null && !ended) {
            a.accept(reason);
        }
    }

    public boolean ended() {
        return ended;
    }

    /** Idempotent: the first end wins. */
    public void end() {
        if (!ended) {
            ended = true;
            onEnd.accept(this);
        }
    }
}
