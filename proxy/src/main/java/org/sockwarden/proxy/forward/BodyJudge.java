package org.sockwarden.proxy.forward;

import java.nio.ByteBuffer;

/**
 * Judges a request's body before anything of the request reaches the engine. The forwarder reads the
 * body whole, whatever its framing, up to {@link #cap} bytes within the memory of its {@link BodyBudget},
 * decides the exchange again ({@link Exchange.Phase#BODY_READ}), then asks here and does what the
 * outcome says: it sends exactly the bytes it is given, with their own Content-Length, or answers the
 * refusal. A body over the cap is not read further: it is judged as {@code null}.
 */
public interface BodyJudge {

    /** The most body bytes read and judged. */
    int cap();

    /** How long the body may take to arrive: one that trickles in would hold its share of the budget as long as it liked. */
    long readWithinNanos();

    /** @param body the whole body (position 0; empty when there was none), or null when it is longer than {@link #cap} */
    Outcome judge(ByteBuffer body);

    /** What the forwarder does with a judged request. */
    sealed interface Outcome permits Send, Refuse {}

    /** Send the request with {@code body} (the bytes read, or a rewrite of them) in place of the client's. */
    record Send(ByteBuffer body) implements Outcome {}

    /** Answer {@code status} with {@code message} in Docker's error shape; nothing reaches the engine. */
    record Refuse(int status, String message) implements Outcome {}
}
