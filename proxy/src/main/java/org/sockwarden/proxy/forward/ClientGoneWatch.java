package org.sockwarden.proxy.forward;

import java.nio.ByteBuffer;
import java.util.function.Consumer;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

/**
 * Notices a client that went away during a long response. Jetty reads a connection only when a
 * request wants content, so a client that closes an idle {@code docker events} or {@code logs -f}
 * would otherwise hold its engine connection until the engine next writes, which may be never.
 *
 * <p>Once a response without a length (a stream) has run for a while ({@link Forwarder} sweeps
 * for those), the client's connection is watched for its end. Docker clients send nothing
 * during a stream, so any byte is a protocol error, and it ends the exchange too. The watch
 * outlives the response, and Jetty then closes the connection rather than reuse it: a cost paid
 * only by long streams.
 */
final class ClientGoneWatch implements Callback {
    private final EndPoint endPoint;
    private final Consumer<Throwable> abort;
    private final ByteBuffer buffer = BufferUtil.allocate(1);

    private ClientGoneWatch(EndPoint endPoint, Consumer<Throwable> abort) {
        this.endPoint = endPoint;
        this.abort = abort;
    }

    /** Watches the client's connection of {@code exchange} from now on, unless the exchange or the connection already ended. */
    static void watch(Request request, Consumer<Throwable> abort, Exchange exchange) {
        EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
        if (!exchange.ended() && endPoint.isOpen()) {
            endPoint.tryFillInterested(new ClientGoneWatch(endPoint, abort));
        }
    }

    @Override
    public void succeeded() {
        try {
            BufferUtil.clear(buffer);
            int n = endPoint.fill(buffer);
            if (n == 0) {
                endPoint.tryFillInterested(this);
                return;
            }
            abort.accept(new EofException(n < 0 ? "client closed the connection" : "client sent bytes during a stream"));
        } catch (Throwable x) {
            abort.accept(x);
        }
    }

    @Override
    public void failed(Throwable x) {
        abort.accept(x);
    }
}
