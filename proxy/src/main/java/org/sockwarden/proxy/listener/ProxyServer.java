package org.sockwarden.proxy.listener;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.eclipse.jetty.util.HostPort;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.sockwarden.proxy.forward.EngineDiagnosis;
import org.sockwarden.proxy.forward.Forwarder;
import org.sockwarden.proxy.forward.Hijacker;
import org.sockwarden.proxy.identity.ClientDirectory;
import org.sockwarden.proxy.log.AccessLog;

/**
 * The Jetty server: its listeners, and the handler chain in front of the forwarder.
 * A listener's name is the identity of whoever connects to it.
 */
public final class ProxyServer implements AutoCloseable {

    /** One TCP listener; {@code name} is what the access log and the client directory know it by. */
    public record TcpListener(String name, InetSocketAddress address) {}

    private final Server server;
    private final AccessLog accessLog;
    private final Forwarder forwarder;
    private final HttpConfiguration httpConfig;

    public ProxyServer(List<TcpListener> listeners, Path dockerSocket, ClientDirectory directory, AccessLog accessLog,
                       Duration shutdownGrace) {
        this.accessLog = accessLog;
        QueuedThreadPool threads = new QueuedThreadPool(200, 4);
        threads.setName("sockwarden");
        this.server = new Server(threads);
        this.httpConfig = new HttpConfiguration();
        // The engine's own Server, Date and Api-Version headers pass through unchanged.
        httpConfig.setSendServerVersion(false);
        httpConfig.setSendDateHeader(false);
        httpConfig.setSendXPoweredBy(false);
        // The canonicalizer judges every target itself and answers in Docker's error shape;
        // Jetty must hand it the raw target instead of refusing or rewriting it first.
        httpConfig.setUriCompliance(UriCompliance.UNSAFE);
        httpConfig.setRequestHeaderSize(16 * 1024);
        for (TcpListener l : listeners) {
            addTcpListener(l);
        }
        this.forwarder = new Forwarder(dockerSocket, this::engineFailure);
        Hijacker hijacker = new Hijacker(dockerSocket, this::engineFailure);
        server.addBean(forwarder);
        server.addBean(hijacker);
        GracefulHandler graceful = new GracefulHandler(new ProxyHandler(directory, forwarder, hijacker, accessLog));
        server.setHandler(graceful);
        server.setErrorHandler(new DockerErrorHandler());
        server.setStopTimeout(shutdownGrace.toMillis());
        server.setStopAtShutdown(true);
    }

    private void addTcpListener(TcpListener l) {
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(httpConfig));
        connector.setName(l.name());
        connector.setHost(l.address().getHostString());
        connector.setPort(l.address().getPort());
        // Between requests only; a running stream or tunnel is never cut by it.
        connector.setIdleTimeout(300_000);
        server.addConnector(connector);
    }

    public void start() throws Exception {
        server.start();
        String problem = EngineDiagnosis.startupCheck(forwarder.socket());
        if (problem != null) {
            accessLog.event("WARN", problem);
        }
    }

    /** The port a listener is bound to (useful with port 0). */
    public int port(String listenerName) {
        for (Connector c : server.getConnectors()) {
            if (listenerName.equals(c.getName()) && c instanceof ServerConnector sc) {
                return sc.getLocalPort();
            }
        }
        throw new IllegalArgumentException("no listener " + listenerName);
    }

    public void join() throws InterruptedException {
        server.join();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    private void engineFailure(EngineDiagnosis diagnosis) {
        accessLog.event("ERROR", diagnosis.message());
    }

    static String listenerName(Request request) {
        String name = request.getConnectionMetaData().getConnector().getName();
        return name == null ? "-" : name;
    }

    /**
     * Jetty builds an origin-form target's authority from the Host header, so a target whose
     * authority differs from it came in absolute form, addressed to some other host.
     */
    static boolean isAbsoluteForm(Request request) {
        HttpURI uri = request.getHttpURI();
        String host = request.getHeaders().get(HttpHeader.HOST);
        String expected = host != null ? new HostPort(host).getHost()
                : request.getConnectionMetaData().getServerAuthority().getHost();
        return uri.getHost() != null && !uri.getHost().equalsIgnoreCase(expected);
    }

    /** Errors Jetty answers itself (a malformed request) in Docker's error shape. */
    private static final class DockerErrorHandler extends ErrorHandler {
        @Override
        public boolean handle(Request request, org.eclipse.jetty.server.Response response, org.eclipse.jetty.util.Callback callback) {
            String message = (String) request.getAttribute(ERROR_MESSAGE);
            int status = response.getStatus();
            Forwarder.sendError(request, response, callback, status,
                    "sockwarden: bad request: " + (message == null ? "malformed HTTP request" : message));
            return true;
        }
    }
}
