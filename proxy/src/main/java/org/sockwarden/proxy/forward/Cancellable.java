package org.sockwarden.proxy.forward;

/** Something running on its own that its owner can stop: an engine probe, a pre-flight. Idempotent. */
@FunctionalInterface
public interface Cancellable {
    /** Stops it: its callback then fails with {@code reason}, unless it had completed. */
    void cancel(Throwable reason);
}
