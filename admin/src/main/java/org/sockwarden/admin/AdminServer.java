package org.sockwarden.admin;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.sockwarden.proxy.identity.IpAddresses;
import org.sockwarden.proxy.identity.ListenerAddress;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The admin listener: {@code /metrics}, {@code /healthz}, {@code /readyz} and the status page on a
 * Jetty server of its own, with its own few threads and no connector shared with the proxy, so no
 * client listener can reach it and the request path never waits for it. Read-only: GET and HEAD.
 *
 * <p>On a loopback address it answers only requests whose Host is a loopback name or address: a
 * web page in the operator's browser that rebinds its own name to 127.0.0.1 cannot read it.
 */
final class AdminServer implements AutoCloseable {

    /** What the endpoints read. {@code statusPage} builds the page's view when asked. */
    record Sources(Metrics metrics, HealthChecks health, BooleanSupplier ready, Supplier<StatusPage.View> statusPage) {}

    private final Server server;
    private final ServerConnector connector;

    private AdminServer(Server server, ServerConnector connector) {
        this.server = server;
        this.connector = connector;
    }

    /**
     * Parses {@code --admin-listen}: a loopback address unless {@code allowPublic}; anything else is
     * a usage error that says how to expose it on purpose.
     */
    static InetSocketAddress address(String hostPort, boolean allowPublic) {
        // Numeric only, as every listener: no name is looked up.
        ListenerAddress.Tcp address = ServeCommand.parseListen("--admin-listen", hostPort);
        InetAddress ip = IpAddresses.parse(address.host());
        if (!ip.isLoopbackAddress() && !allowPublic) {
            throw new Main.UsageException("--admin-listen " + hostPort + " is not a loopback address; the status page and metrics "
                    + "name every client: add --admin-listen-public to serve them there on purpose");
        }
        return new InetSocketAddress(ip, address.port());
    }

    static AdminServer start(InetSocketAddress address, boolean loopbackOnly, Sources sources) throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(8, 2);
        threads.setName("sockwarden-admin");
        threads.setDaemon(true);
        threads.setReservedThreads(0);
        Server server = new Server(threads);
        HttpConfiguration config = new HttpConfiguration();
        config.setSendServerVersion(false);
        ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(config));
        connector.setHost(address.getAddress().getHostAddress());
        connector.setPort(address.getPort());
        connector.setName("admin");
        server.addConnector(connector);
        server.setHandler(new Endpoints(sources, loopbackOnly));
        server.start();
        return new AdminServer(server, connector);
    }

    /** {@code HOST:PORT} as bound (the port the system chose, for port 0). */
    String boundAddress() {
        String host = connector.getHost();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + connector.getLocalPort();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    private static final class Endpoints extends Handler.Abstract {
        private final Sources sources;
        private final boolean loopbackOnly;

        Endpoints(Sources sources, boolean loopbackOnly) {
            super(InvocationType.BLOCKING);
            this.sources = sources;
            this.loopbackOnly = loopbackOnly;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            String method = request.getMethod();
            if (loopbackOnly && !loopbackHost(request.getHttpURI().getHost())) {
                send(response, callback, HttpStatus.MISDIRECTED_REQUEST_421, "text/plain",
                        "sockwarden admin listener: Host " + request.getHttpURI().getHost() + " is not a loopback name or address\n");
                return true;
            }
            if (!method.equals("GET") && !method.equals("HEAD")) {
                response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
                send(response, callback, HttpStatus.METHOD_NOT_ALLOWED_405, "text/plain", "read-only: GET and HEAD\n");
                return true;
            }
            switch (request.getHttpURI().getPath()) {
                case "/metrics" -> {
                    ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
                    sources.metrics().write(out);
                    send(response, callback, 200, sources.metrics().contentType(), out.toByteArray());
                }
                case "/healthz" -> {
                    List<HealthChecks.Problem> problems = sources.health().problems();
                    send(response, callback, problems.isEmpty() ? 200 : 503, "text/plain", problems.isEmpty() ? "ok\n"
                            : problems.stream().map(p -> p.check() + ": " + p.message() + "\n").collect(Collectors.joining()));
                }
                case "/readyz" -> {
                    boolean ready = sources.ready().getAsBoolean();
                    send(response, callback, ready ? 200 : 503, "text/plain", ready ? "ready\n" : "not ready: starting or stopping\n");
                }
                case "/" -> {
                    // No script may run and nothing may load from elsewhere, whatever a request target recorded in it says.
                    response.getHeaders().put("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
                    response.getHeaders().put("Referrer-Policy", "no-referrer");
                    send(response, callback, 200, "text/html; charset=utf-8", StatusPage.render(sources.statusPage().get()));
                }
                default -> send(response, callback, 404, "text/plain", "not found; this listener serves /, /metrics, /healthz and /readyz\n");
            }
            return true;
        }

        private static boolean loopbackHost(String host) {
            if (host == null) {
                return false;
            }
            if (host.equalsIgnoreCase("localhost")) {
                return true;
            }
            String literal = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
            // Only literals: resolving a name here is what DNS rebinding relies on.
            try {
                return IpAddresses.parse(literal).isLoopbackAddress();
            } catch (IllegalArgumentException e) {
                return false;
            }
        }

        private static void send(Response response, Callback callback, int status, String type, String body) {
            send(response, callback, status, type.startsWith("text/plain") ? type + "; charset=utf-8" : type,
                    body.getBytes(StandardCharsets.UTF_8));
        }

        private static void send(Response response, Callback callback, int status, String type, byte[] body) {
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
            response.getHeaders().put("X-Content-Type-Options", "nosniff");
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
            response.write(true, ByteBuffer.wrap(body), callback);
        }
    }
}
