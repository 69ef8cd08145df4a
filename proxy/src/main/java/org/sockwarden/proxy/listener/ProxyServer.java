package org.sockwarden.proxy.listener;

import java.lang.invoke.MethodHandles;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.TrustManager;
import org.eclipse.jetty.http.MimeTypes;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.sockwarden.proxy.audit.AuditSink;
import org.sockwarden.proxy.forward.DockerError;
import org.sockwarden.proxy.forward.EngineConnector;
import org.sockwarden.proxy.forward.EngineDiagnosis;
import org.sockwarden.proxy.forward.EngineWatch;
import org.sockwarden.proxy.forward.EngineProbe;
import org.sockwarden.proxy.forward.Forwarder;
import org.sockwarden.proxy.forward.Hijacker;
import org.sockwarden.proxy.forward.RunningExchanges;
import org.sockwarden.proxy.guard.EngineInfo;
import org.sockwarden.proxy.guard.Guard;
import org.sockwarden.proxy.guard.HostPaths;
import org.sockwarden.proxy.identity.Directory;
import org.sockwarden.proxy.identity.ListenerAddress;
import org.sockwarden.proxy.limit.Limiter;
import org.sockwarden.proxy.log.AccessLog;
import org.sockwarden.proxy.scope.Scope;

/**
 * The server wiring: Jetty, its thread pool, the TCP and mutual-TLS listeners, the unix-socket
 * listeners ({@link UnixSocketListeners}), the engine connector, the registry of running
 * exchanges ({@link RunningExchanges}), and the body and query guard with the engine it judges for
 * ({@link EngineWatch}). {@link #apply} makes the listeners match a new directory
 * while serving: new clients' ports and sockets open, removed ones close, a socket's new mode or
 * owner applies in place, and any running exchange the new policy no longer allows ends.
 */
public final class ProxyServer implements AutoCloseable {

    private final Server server;
    private final AccessLog accessLog;
    private final EngineConnector engine;
    private final HttpConfiguration httpConfig;
    private final Limits limits;
    private final GuardedConnection.Guard guard;
    private final RunningExchanges registry;
    private final Limiter limiter = new Limiter();
    private final EngineWatch engineWatch;
    private final boolean hostPathsVisible;
    /** The guard for the engine known now; replaced (under the engine watch's lock) when that changes. */
    private volatile Guard requestGuard;
    private final List<Runnable> engineListeners = new CopyOnWriteArrayList<>();
    private final UnixSocketListeners unixSockets;
    private final Map<String, ServerConnector> tcp = new HashMap<>();
    private MutualTlsConnector tls;
    private SslContextFactory.Server tlsContext;

    static {
        // Jetty sizes its queue padding from the JVM's reference width, which it asks JMX for unless told;
        // starting JMX for that costs about 50 ms. 16 references per 64-byte line: compressed oops, as with any heap under 32 GB.
        if (System.getProperty("org.eclipse.jetty.util.referencesPerCacheLine") == null) {
            System.setProperty("org.eclipse.jetty.util.referencesPerCacheLine", "16");
        }
    }

    /**
     * Starts initialising Jetty's MimeTypes on a daemon thread, so that it overlaps the command
     * line's parsing on the other core instead of holding up the server's construction: its static
     * set-up lists every locale the JDK knows, 130-180 ms on the main thread of a start on a slow
     * machine. A thread that needs the class while it is being initialised waits for it, so the
     * work runs once either way.
     */
    public static void initialiseInBackground() {
        Thread init = new Thread(() -> {
            try {
                MethodHandles.lookup().ensureInitialized(MimeTypes.class);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }, "sockwarden-init");
        init.setDaemon(true);
        init.start();
    }

    /**
     * @param dataDirectory the data directory, refused as a client's socket path; null when there is none
     */
    public ProxyServer(Path dockerSocket, AccessLog accessLog, Duration shutdownGrace, Limits limits, Path dataDirectory) {
        this(dockerSocket, accessLog, AuditSink.NONE, shutdownGrace, limits, dataDirectory);
    }

    /** With the host's paths {@link HostPaths#visible visible}, as on the host. */
    public ProxyServer(Path dockerSocket, AccessLog accessLog, AuditSink audit, Duration shutdownGrace, Limits limits, Path dataDirectory) {
        this(dockerSocket, accessLog, audit, shutdownGrace, limits, dataDirectory, true);
    }

    /**
     * @param audit            gets every decided request and every hijacked session as it ends (the audit trail, metrics)
     * @param dataDirectory    the data directory, refused as a client's socket path and as a bind source; null when there is none
     * @param hostPathsVisible whether the proxy sees the host's file system at the host's paths, so that the guard resolves
     *                         symlinks in bind sources ({@link HostPaths#visible}), or judges them as written ({@link HostPaths#hidden})
     */
    public ProxyServer(Path dockerSocket, AccessLog accessLog, AuditSink audit, Duration shutdownGrace, Limits limits, Path dataDirectory,
                       boolean hostPathsVisible) {
        this.accessLog = accessLog;
        this.limits = limits;
        QueuedThreadPool threads = new InlineResumeThreadPool(200, 4);
        threads.setName("sockwarden");
        // Jetty starts a thread for each job queued while none is idle, so a burst (a thousand event
        // streams ending at once) grows the pool to its maximum, and by default it then lets one thread
        // go per minute: the stacks stayed for hours. Idle threads leave after 10 s instead, all of them.
        threads.setIdleTimeout(10_000);
        threads.setMaxEvictCount(threads.getMaxThreads());
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
        httpConfig.setOutputBufferSize(64 * 1024);
        this.guard = new GuardedConnection.Guard(limits, message -> accessLog.event("WARN", message));
        this.engine = new EngineConnector(dockerSocket, this::engineFailure, server);
        this.registry = new RunningExchanges(new Directory(0, Set.of()), server.getScheduler(), message -> accessLog.event("INFO", message));
        this.hostPathsVisible = hostPathsVisible;
        HostPaths paths = hostPathsVisible ? HostPaths.visible(dockerSocket, dataDirectory) : HostPaths.hidden(dockerSocket, dataDirectory);
        this.requestGuard = new Guard(paths, EngineInfo.UNKNOWN);
        this.engineWatch = new EngineWatch(this::engineChanged);
        Forwarder forwarder = new Forwarder(engine, engineWatch);
        Hijacker hijacker = new Hijacker(engine);
        server.addBean(engine);
        server.addBean(forwarder);
        Scope scope = new Scope(new EngineProbe(engine));
        server.setHandler(new GracefulHandler(new ProxyHandler(registry, limiter, forwarder, hijacker, scope, accessLog, audit, limits,
                this::guard)));
        server.setErrorHandler(new DockerErrorHandler());
        server.setStopTimeout(shutdownGrace.toMillis());
        server.setStopAtShutdown(true);
        this.unixSockets = new UnixSocketListeners(server, this::newUnixConnector, dockerSocket, dataDirectory);
        server.addEventListener(new LifeCycle.Listener() {
            @Override
            public void lifeCycleStopped(LifeCycle event) {
                // Also on SIGTERM, through Jetty's shutdown hook: no socket file is left behind.
                synchronized (ProxyServer.this) {
                    unixSockets.closeAll();
                }
            }
        });
    }

    public void start(Directory initial) throws Exception {
        server.start();
        apply(initial);
        String problem = EngineDiagnosis.startupCheck(engine.socket());
        if (problem != null) {
            accessLog.event("WARN", problem);
        }
        engineWatch.probe(engine, ENGINE_PROBE);
        if (!engineWatch.current().known()) {
            accessLog.event("WARN", "the engine at " + engine.socket() + " did not say which engine it is (GET /version): "
                    + UNKNOWN_ENGINE);
        }
    }

    /** How long start waits for the engine's /version: an engine that is up answers in milliseconds. */
    private static final Duration ENGINE_PROBE = Duration.ofSeconds(2);
    private static final String UNKNOWN_ENGINE = "the guard judges requests as for an unknown engine, as strictly as for"
            + " Podman (every build needs host-network), until it answers";

    /** The guard, for the engine known now. */
    public Guard guard() {
        return requestGuard;
    }

    /** The engine behind the socket as its answers say ({@link EngineInfo#UNKNOWN} while it has not, or could not be reached). */
    public EngineInfo engine() {
        return engineWatch.current();
    }

    /** Whether bind sources are judged as the host's real paths ({@link HostPaths#visible}). */
    public boolean hostPathsVisible() {
        return hostPathsVisible;
    }

    /** Runs {@code listener} (on a pool thread, never on the request's) whenever the engine behind the socket changes. */
    public void onEngineChange(Runnable listener) {
        engineListeners.add(listener);
    }

    private void engineChanged(EngineInfo info) {
        requestGuard = requestGuard.withEngine(info);
        accessLog.event(info.known() ? "INFO" : "WARN", info.known() ? "engine: " + info + "; the guard judges requests for it"
                : "the engine is unreachable: " + UNKNOWN_ENGINE + " again");
        for (Runnable listener : engineListeners) {
            try {
                server.getThreadPool().execute(listener);
            } catch (RuntimeException e) {
                // stopping: nothing to tell anyone
            }
        }
    }

    /**
     * Makes the server serve {@code next}: opens and closes listeners, secures changed sockets,
     * then swaps the directory and ends running exchanges the new policy refuses. A listener that
     * cannot open (port in use, a refused socket path) is reported and skipped; the rest still apply.
     */
    public synchronized void apply(Directory next) {
        try {
            openAndClose(next);
        } finally {
            // Whatever happened to a listener, the new policy is in force: a revocation never waits on a socket file.
            registry.apply(next);
        }
    }

    private void openAndClose(Directory next) {
        Map<String, ListenerAddress> wanted = next.listeners();
        for (var it = tcp.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!wanted.containsKey(e.getKey())) {
                stopQuietly(e.getValue());
                it.remove();
                accessLog.event("INFO", "closed listener " + e.getKey());
            }
        }
        for (String key : new HashSet<>(unixSockets.keys())) {
            if (!wanted.containsKey(key)) {
                unixSockets.close(key);
                accessLog.event("INFO", "closed listener " + key);
            }
        }
        for (var e : wanted.entrySet()) {
            String key = e.getKey();
            String client = next.byListener(key).name();
            try {
                if (e.getValue() instanceof ListenerAddress.Unix unix) {
                    if (!unixSockets.keys().contains(key)) {
                        unixSockets.open(unix);
                        accessLog.event("INFO", "listening on " + key + " (mode " + UnixSocketListeners.modeString(unix.mode()) + ") for client " + client);
                    } else if (!unixSockets.address(key).equals(unix)) {
                        unixSockets.secure(key, unix);
                        accessLog.event("INFO", "socket " + key + " of client " + client + " now has mode "
                                + UnixSocketListeners.modeString(unix.mode()) + (unix.uid() == null && unix.gid() == null ? ""
                                : " and owner " + (unix.uid() == null ? "-" : unix.uid()) + ":" + (unix.gid() == null ? "-" : unix.gid())));
                    }
                } else if (!tcp.containsKey(key)) {
                    ServerConnector connector = newTcpConnector((ListenerAddress.Tcp) e.getValue());
                    try {
                        server.addConnector(connector);
                        connector.start();
                    } catch (Exception x) {
                        stopQuietly(connector);
                        throw x;
                    }
                    tcp.put(key, connector);
                    accessLog.event("INFO", "listening on " + key + boundPort(connector) + " for client " + client);
                }
            } catch (Exception x) {
                accessLog.event("ERROR", "cannot listen on " + key + " for client " + client + ": " + x.getMessage());
            }
        }
    }

    public Directory directory() {
        return registry.epoch().directory();
    }

    /** The exchanges running now: what a revocation walks. */
    public RunningExchanges runningExchanges() {
        return registry;
    }

    /** What each client with limits holds now. */
    public Limiter limiter() {
        return limiter;
    }

    /**
     * Allowed exchanges running now: with {@code hijacked}, those of the operations that open a
     * tunnel (attach, exec start, session, grpc), else every other request and stream. Counted when
     * asked, from the registry revocation walks anyway, so the request path pays nothing for it.
     */
    public int openExchanges(boolean hijacked) {
        return registry.count(x -> x.operation().hijack() == hijacked);
    }

    /** The port of a TCP listener (useful with port 0). */
    public synchronized int port(String listenerKey) {
        ServerConnector c = tcp.get(listenerKey);
        if (c == null && tls != null && tls.getName().equals(listenerKey)) {
            c = tls;
        }
        if (c == null) {
            throw new IllegalArgumentException("no TCP listener " + listenerKey);
        }
        return c.getLocalPort();
    }

    /** Listener keys that are open now. */
    public synchronized Set<String> openListeners() {
        Set<String> open = new HashSet<>(tcp.keySet());
        open.addAll(unixSockets.keys());
        if (tls != null) {
            open.add(tls.getName());
        }
        return Set.copyOf(open);
    }

    private GuardedConnection.Factory httpConnections(HttpConfiguration config, String listener) {
        GuardedConnection.Factory http = new GuardedConnection.Factory(config, guard, listener);
        // Request bodies (docker cp, load, build contexts) are read in 64 KB, not Jetty's 8 KB: measured
        // 12,900 -> 1,650 reads for a 100 MB upload. A connection holds the buffer only while it has unread bytes.
        http.setInputBufferSize(64 * 1024);
        return http;
    }

    private ServerConnector newTcpConnector(ListenerAddress.Tcp address) {
        ServerConnector c = new ServerConnector(server, 1, 1, httpConnections(httpConfig, address.key()));
        c.setHost(address.host());
        c.setPort(address.port());
        c.setName(address.key());
        // The tick of the connections' time limits (GuardedConnection), not a limit itself.
        c.setIdleTimeout(limits.tickMillis());
        return c;
    }

    /** A unix-socket listener for {@code address}, bound at {@code bindPath} (where UnixSocketListeners creates it). */
    private UnixDomainServerConnector newUnixConnector(ListenerAddress.Unix address, Path bindPath) {
        UnixDomainServerConnector c = new UnixDomainServerConnector(server, 1, 1, httpConnections(httpConfig, address.key()));
        c.setUnixDomainPath(bindPath);
        c.setName(address.key());
        c.setIdleTimeout(limits.tickMillis());
        return c;
    }

    /**
     * The mutual-TLS listener (TLS 1.2 and 1.3, client certificate required, no renegotiation):
     * whoever connects is the client its certificate identifies in the current directory.
     * {@code serverKeys} holds the server's key and chain (password empty); {@code trustedCas} the
     * CAs client certificates may come from.
     */
    public synchronized void enableTls(String host, int port, KeyStore serverKeys, List<X509Certificate> trustedCas) throws Exception {
        ClientCertificateTrust trust = new ClientCertificateTrust(trustedCas, this::directory,
                reason -> accessLog.event("WARN", "TLS client refused: " + reason));
        SslContextFactory.Server ssl = new SslContextFactory.Server() {
            @Override
            protected TrustManager[] getTrustManagers(KeyStore trustStore, Collection<? extends CRL> crls) {
                return new TrustManager[] {trust};
            }
        };
        ssl.setKeyStore(serverKeys);
        ssl.setKeyStorePassword("");
        ssl.setNeedClientAuth(true);
        ssl.setIncludeProtocols("TLSv1.3", "TLSv1.2");
        // The certificate a connection was accepted with is its identity for every request on it: a
        // TLS 1.2 renegotiation could present another one under it. The JDK accepts client-initiated
        // renegotiation (jdk.tls.rejectClientInitiatedRenegotiation is false); Jetty 12.1 refuses it
        // unless allowed, which is its default today, not a promise. Said here: a renegotiation
        // attempt closes the connection (TlsRenegotiationTest). TLS 1.3 has no renegotiation.
        ssl.setRenegotiationAllowed(false);
        ssl.setRenegotiationLimit(0);
        // The client certificate, not the Host header, says who is calling, and the Host header routes nothing:
        // Jetty's default check that it names the server certificate cost a certificate match per request
        // and would refuse a client that reached this listener by another name. The plain listeners'
        // configuration stays free of TLS customizers.
        HttpConfiguration tlsConfig = new HttpConfiguration(httpConfig);
        tlsConfig.addCustomizer(new SecureRequestCustomizer(false, false, -1, false));
        String key = "tls:" + new ListenerAddress.Tcp(host, port).key();
        MutualTlsConnector c = new MutualTlsConnector(server, trust, ssl, httpConnections(tlsConfig, key));
        c.setHost(host);
        c.setPort(port);
        c.setName(key);
        c.setIdleTimeout(limits.tickMillis());
        c.addBean(new SslHandshakeListener() {
            @Override
            public void handshakeFailed(Event event, Throwable failure) {
                boolean certificateRefused = false;
                for (Throwable t = failure; t != null; t = t.getCause()) {
                    certificateRefused |= t instanceof java.security.cert.CertificateException;
                }
                if (!certificateRefused) {
                    // Certificate refusals were logged with their reason by the trust manager.
                    accessLog.event("WARN", "TLS handshake refused from " + event.getSSLEngine().getPeerHost() + ": " + failure.getMessage());
                }
            }
        });
        server.addConnector(c);
        c.start();
        tls = c;
        tlsContext = ssl;
        accessLog.event("INFO", "listening on " + key + boundPort(c) + " (mutual TLS)");
    }

    /** Port 0 asks the system for a free port; the log says which one it gave. */
    private static String boundPort(ServerConnector connector) {
        return connector.getPort() == 0 ? " (port " + connector.getLocalPort() + ")" : "";
    }

    /** A renewed server certificate, for new handshakes; open connections keep theirs. */
    public void reloadTls(KeyStore serverKeys) throws Exception {
        SslContextFactory.Server ssl;
        synchronized (this) {
            ssl = tlsContext;
        }
        if (ssl != null) {
            ssl.reload(f -> f.setKeyStore(serverKeys));
            accessLog.event("INFO", "server certificate reloaded");
        }
    }

    /**
     * The CAs client certificates may come from: for the next handshake, the next request on every
     * open connection, and every running exchange, which ends if its certificate no longer chains
     * to one of them (no listener restarts).
     */
    public void reloadTrustedCas(List<X509Certificate> trustedCas) throws GeneralSecurityException {
        MutualTlsConnector c;
        synchronized (this) {
            c = tls;
        }
        if (c != null) {
            c.trust().trust(trustedCas);
            accessLog.event("INFO", "trusted CAs reloaded: " + trustedCas.size());
            registry.reassess();
        }
    }

    private void stopQuietly(AbstractConnector c) {
        try {
            c.stop();
        } catch (Exception ignored) {
            // closing anyway
        }
        server.removeConnector(c);
    }

    public void join() throws InterruptedException {
        server.join();
    }

    /**
     * Runs {@code action} once the server has stopped, running requests ended: also when the JVM's
     * shutdown stops it, before the process exits (what is still queued for the disk is written then).
     */
    public void whenStopped(Runnable action) {
        server.addEventListener(new LifeCycle.Listener() {
            @Override
            public void lifeCycleStopped(LifeCycle event) {
                action.run();
            }
        });
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    private void engineFailure(EngineDiagnosis diagnosis) {
        accessLog.event("ERROR", diagnosis.message());
        engineWatch.unreachable();
    }

    /** Errors Jetty answers itself (a malformed request) in Docker's error shape. */
    private static final class DockerErrorHandler extends ErrorHandler {
        @Override
        public boolean handle(Request request, org.eclipse.jetty.server.Response response, org.eclipse.jetty.util.Callback callback) {
            String message = (String) request.getAttribute(ERROR_MESSAGE);
            DockerError.send(request, response, callback, response.getStatus(),
                    "sockwarden: bad request: " + (message == null ? "malformed HTTP request" : message));
            return true;
        }
    }
}
