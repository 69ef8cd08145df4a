package org.sockwarden.proxy.forward;

import java.nio.ByteBuffer;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Promise;

/**
 * A step an exchange takes after its body was read ({@link Exchange.Phase#BODY_READ}) and before anything of
 * it reaches the engine: it may ask the engine about the objects the request reaches (an own-only client's
 * owner checks) and decides whether the request goes on, to which target, or is answered instead. It runs
 * asynchronously, on the engine connector, never blocking a thread; once it completes the exchange is
 * decided again ({@link Exchange.Phase#PREFLIGHT}), and an abort while it runs cancels it.
 *
 * <p>Requests of clients that need none get none (null), and pay nothing.
 */
public interface Preflight {

    /** What comes of a pre-flight. */
    sealed interface Outcome permits Proceed, Answer {}

    /**
     * Forward the request, to {@code target} (a request target, path and query, in the engine's syntax)
     * instead of the client's when it is not null: the same operation pinned to the object that was checked.
     */
    record Proceed(String target) implements Outcome {
        public static final Proceed AS_RECEIVED = new Proceed(null);
    }

    /**
     * Starts the pre-flight of {@code request}; {@code body} is its body when it was read whole (a slice the
     * pre-flight may keep), else null. {@code done} hears the outcome, or a failure that the exchange answers
     * as an engine failure. The result stops it.
     */
    Cancellable start(Request request, ByteBuffer body, Promise<Outcome> done);
}
