package org.sockwarden.proxy.forward;

import java.util.function.Consumer;

/**
 * What the access log needs to know about one forwarded request, filled in as it runs, and the
 * hook that writes the line when it ends (a hijacked session ends when its tunnel closes).
 */
public final class Exchange {
    private final Consumer<Exchange> onEnd;
    private volatile int status;
    private volatile long bytesIn;
    private volatile long bytesOut;
    private volatile boolean ended;

    public Exchange(Consumer<Exchange> onEnd) {
        this.onEnd = onEnd;
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
