package org.sockwarden.proxy.listener;

import java.time.Duration;

/**
 * How long a client connection may take at each step, and how many may be open ({@code serve}'s
 * options of the same names). None of them touches a stream the client follows: waiting on the
 * engine (an idle {@code events}, a {@code wait}, a long {@code stop}) is never timed out, nor a
 * client that pauses reading {@code logs -f}, nor a hijacked session.
 *
 * @param headTimeout         a request head must be complete this long after its first byte (or after the
 *                            connection opened); else 408 and the connection closes
 * @param keepAliveTimeout    a kept-alive connection with no request for this long is closed
 * @param stallTimeout        a request body, or an answer that is not a followed stream, that makes no
 *                            progress on the client's side for this long ends the request
 * @param maxConnections      open connections per listener; more are closed at once
 * @param maxClientConnections open connections per client, over all its listeners; more are answered 503
 */
public record Limits(Duration headTimeout, Duration keepAliveTimeout, Duration stallTimeout, int maxConnections,
                     int maxClientConnections) {

    /** Defaults: 10 s for a head (HAProxy's usual http-request timeout), a minute idle or stalled, 2048 per listener, 1024 per client. */
    public static final Limits DEFAULT = new Limits(Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(60), 2048, 1024);

    public Limits {
        for (Duration d : new Duration[] {headTimeout, keepAliveTimeout, stallTimeout}) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeouts must be positive, not " + d);
            }
        }
        if (maxConnections < 1 || maxClientConnections < 1) {
            throw new IllegalArgumentException("connection caps must be at least 1");
        }
    }

    /**
     * How often an idle connection is looked at: the shortest of the three timeouts. It is the
     * connector's idle timeout, which Jetty re-arms without a timer per request; each look decides
     * on its own clocks what, if anything, has timed out.
     */
    long tickMillis() {
        return Math.min(headTimeout.toMillis(), Math.min(keepAliveTimeout.toMillis(), stallTimeout.toMillis()));
    }
}
