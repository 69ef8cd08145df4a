package org.sockwarden.proxy.forward;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.eclipse.jetty.io.ClientConnectionFactory;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Transport;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The client side of the engine socket, shared by the forwarder and the hijacker: plain HTTP over
 * a unix socket, on the server's own threads, scheduler and buffers, so that a request is one
 * pool's work end to end. One selector per core: the engine's answers are parsed and relayed on them.
 */
public final class EngineConnector extends ClientConnector {

    private final Path socket;
    private final Transport transport;
    private final Consumer<EngineDiagnosis> onEngineFailure;

    /** {@code onEngineFailure} hears of every connection the engine refused, with its diagnosis. */
    public EngineConnector(Path socket, Consumer<EngineDiagnosis> onEngineFailure, Server shared) {
        this.socket = socket;
        this.transport = new Transport.TCPUnix(socket);
        this.onEngineFailure = onEngineFailure;
        setExecutor(shared.getThreadPool());
        setScheduler(shared.getScheduler());
        setByteBufferPool(shared.getByteBufferPool());
        setConnectTimeout(Duration.ofSeconds(5));
        setSelectors(Math.max(1, Runtime.getRuntime().availableProcessors()));
    }

    public Path socket() {
        return socket;
    }

    /** Opens a connection to the engine; {@code factory} makes its Jetty connection, {@code opened} hears the outcome. */
    void open(ClientConnectionFactory factory, Promise<Connection> opened) {
        Map<String, Object> context = new HashMap<>();
        context.put(Transport.CONTEXT_KEY, transport);
        context.put(ClientConnectionFactory.CONTEXT_KEY, factory);
        context.put(ClientConnector.CONNECTION_PROMISE_CONTEXT_KEY, opened);
        connect(transport.getSocketAddress(), context);
    }

    /** Answers a client whose request could not reach the engine, saying why in words that fix it. */
    void refuseUnreachable(Request request, Response response, Callback callback, Exchange exchange, Throwable failure) {
        EngineDiagnosis diagnosis = EngineDiagnosis.of(socket, failure);
        onEngineFailure.accept(diagnosis);
        exchange.status(diagnosis.status());
        DockerError.send(request, response, callback, diagnosis.status(), diagnosis.message());
    }

    /** The engine socket never speaks TLS; the default client SSL context costs about 150 ms of start-up. */
    @Override
    protected SslContextFactory.Client newSslContextFactory() {
        return null;
    }
}
