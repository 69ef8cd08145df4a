package org.sockwarden.proxy.forward;

import java.time.Duration;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The client side of the engine socket: plain HTTP over a unix socket, on the server's own
 * threads, scheduler and buffers, so that a request is one pool's work end to end.
 */
final class EngineConnector extends ClientConnector {

    EngineConnector(Server shared, int selectors) {
        setExecutor(shared.getThreadPool());
        setScheduler(shared.getScheduler());
        setByteBufferPool(shared.getByteBufferPool());
        setConnectTimeout(Duration.ofSeconds(5));
        setSelectors(selectors);
    }

    /** The engine socket never speaks TLS; the default client SSL context costs about 150 ms of start-up. */
    @Override
    protected SslContextFactory.Client newSslContextFactory() {
        return null;
    }
}
