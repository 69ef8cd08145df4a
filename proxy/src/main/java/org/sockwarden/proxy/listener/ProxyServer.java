package org.sockwarden.proxy.listener;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CRL;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.MimeTypes;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.HostPort;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.sockwarden.proxy.audit.AuditSink;
import org.sockwarden.proxy.forward.EngineConnector;
import org.sockwarden.proxy.forward.EngineDiagnosis;
import org.sockwarden.proxy.forward.Exchange;
import org.sockwarden.proxy.forward.Forwarder;
import org.sockwarden.proxy.forward.Hijacker;
import org.sockwarden.proxy.identity.ClientConfig;
import org.sockwarden.proxy.identity.Directory;
import org.sockwarden.proxy.identity.ListenerAddress;
import org.sockwarden.proxy.log.AccessLog;
import javax.net.ssl.TrustManager;

/**
 * The Jetty server, its listeners, and the live client directory. {@link #apply} makes the
 * listeners match a new directory while serving: new clients' ports and sockets open, removed
 * ones close, and any running request or session that the new policy no longer allows ends.
 */
public final class ProxyServer implements AutoCloseable {

    private final Server server;
    private final AccessLog accessLog;
    private final EngineConnector engine;
    private final HttpConfiguration httpConfig;
    private final Map<String, AbstractConnector> connectors = new HashMap<>();
    private final Set<Exchange> running = ConcurrentHashMap.newKeySet();
    private volatile Directory directory = new Directory(0, Set.of());
    private volatile SslContextFactory.Server tls;
    private volatile ClientCertificateTrust clientTrust;

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

    public ProxyServer(Path dockerSocket, AccessLog accessLog, Duration shutdownGrace) {
        this(dockerSocket, accessLog, AuditSink.NONE, shutdownGrace);
    }

    /** @param audit gets every decided request and every hijacked session as it ends (the audit trail, metrics) */
    public ProxyServer(Path dockerSocket, AccessLog accessLog, AuditSink audit, Duration shutdownGrace) {
        this.accessLog = accessLog;
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
        this.engine = new EngineConnector(dockerSocket, this::engineFailure, server);
        Forwarder forwarder = new Forwarder(engine);
        Hijacker hijacker = new Hijacker(engine);
        server.addBean(engine);
        server.addBean(forwarder);
        server.setHandler(new GracefulHandler(new ProxyHandler(() -> directory, forwarder, hijacker, accessLog, audit, running)));
        server.setErrorHandler(new DockerErrorHandler());
        server.setStopTimeout(shutdownGrace.toMillis());
        server.setStopAtShutdown(true);
    }

    public void start(Directory initial) throws Exception {
        server.start();
        apply(initial);
        String problem = EngineDiagnosis.startupCheck(engine.socket());
        if (problem != null) {
            accessLog.event("WARN", problem);
        }
    }

    /**
     * Makes the server serve {@code next}: opens and closes listeners, then swaps the directory,
     * then ends running exchanges the new policy refuses. A listener that cannot open (port in
     * use) is reported and skipped; the rest still apply.
     */
    public synchronized void apply(Directory next) {
        Map<String, ListenerAddress> wanted = next.listeners();
        for (var it = connectors.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!wanted.containsKey(e.getKey()) && !e.getKey().startsWith("tls:")) {
                stopQuietly(e.getValue());
                server.removeConnector(e.getValue());
                it.remove();
                accessLog.event("INFO", "closed listener " + e.getKey());
            }
        }
        for (var e : wanted.entrySet()) {
            if (connectors.containsKey(e.getKey())) {
                continue;
            }
            AbstractConnector connector = newConnector(e.getValue());
            try {
                prepare(e.getValue());
                server.addConnector(connector);
                connector.start();
                finish(e.getValue());
                connectors.put(e.getKey(), connector);
                accessLog.event("INFO", "listening on " + e.getKey() + boundPort(connector) + " for client " + next.byListener(e.getKey()).name());
            } catch (Exception x) {
                server.removeConnector(connector);
                stopQuietly(connector);
                accessLog.event("ERROR", "cannot listen on " + e.getKey() + " for client "
                        + next.byListener(e.getKey()).name() + ": " + x.getMessage());
            }
        }
        directory = next;
        for (Exchange x : running) {
            // The identity decided again: its client may be gone, served deny-all, or another one now.
            ClientConfig c = next.resolve(x.identity());
            if (c == null || !c.name().equals(x.client()) || !c.client().permissions().allows(x.operation())) {
                x.abort(new IllegalStateException("client " + x.client() + " lost " + x.operation().id()));
            }
        }
    }

    public Directory directory() {
        return directory;
    }

    /**
     * Allowed exchanges running now: with {@code hijacked}, those of the operations that open a
     * tunnel (attach, exec start, session, grpc), else every other request and stream. Counted when
     * asked, from the set revocation walks anyway, so the request path pays nothing for it.
     */
    public int openExchanges(boolean hijacked) {
        int n = 0;
        for (Exchange x : running) {
            if (x.operation().hijack() == hijacked) {
                n++;
            }
        }
        return n;
    }

    /** The port of a TCP listener (useful with port 0). */
    public int port(String listenerKey) {
        if (connectors.get(listenerKey) instanceof ServerConnector sc) {
            return sc.getLocalPort();
        }
        throw new IllegalArgumentException("no TCP listener " + listenerKey);
    }

    /** Listener keys that are open now. */
    public synchronized Set<String> openListeners() {
        return Set.copyOf(connectors.keySet());
    }

    private static HttpConnectionFactory httpConnections(HttpConfiguration config) {
        HttpConnectionFactory http = new HttpConnectionFactory(config);
        // Request bodies (docker cp, load, build contexts) are read in 64 KB, not Jetty's 8 KB: measured
        // 12,900 -> 1,650 reads for a 100 MB upload. A connection holds the buffer only while it has unread bytes.
        http.setInputBufferSize(64 * 1024);
        return http;
    }

    private AbstractConnector newConnector(ListenerAddress address) {
        HttpConnectionFactory http = httpConnections(httpConfig);
        AbstractConnector connector;
        if (address instanceof ListenerAddress.Tcp tcp) {
            ServerConnector c = new ServerConnector(server, 1, 1, http);
            c.setHost(tcp.host());
            c.setPort(tcp.port());
            connector = c;
        } else {
            UnixDomainServerConnector c = new UnixDomainServerConnector(server, 1, 1, http);
            c.setUnixDomainPath(((ListenerAddress.Unix) address).path());
            connector = c;
        }
        connector.setName(address.key());
        // Between requests only; a running stream or tunnel is never cut by it.
        connector.setIdleTimeout(300_000);
        return connector;
    }

    /**
     * The mutual-TLS listener (TLS 1.2 and 1.3, client certificate required): whoever connects is
     * the client its certificate identifies in the current directory. {@code serverKeys} holds the
     * server's key and chain (password empty); {@code trustedCas} the CAs client certificates may come from.
     */
    public synchronized void enableTls(String host, int port, KeyStore serverKeys, List<X509Certificate> trustedCas) throws Exception {
        ClientCertificateTrust trust = new ClientCertificateTrust(trustedCas, () -> directory,
                reason -> accessLog.event("WARN", "TLS client refused: " + reason));
        clientTrust = trust;
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
        // The client certificate, not the Host header, says who is calling, and the Host header routes nothing:
        // Jetty's default check that it names the server certificate cost a certificate match per request
        // and would refuse a client that reached this listener by another name. The plain listeners'
        // configuration stays free of TLS customizers.
        HttpConfiguration tlsConfig = new HttpConfiguration(httpConfig);
        tlsConfig.addCustomizer(new SecureRequestCustomizer(false, false, -1, false));
        ServerConnector c = new ServerConnector(server, 1, 1, new SslConnectionFactory(ssl, "http/1.1"), httpConnections(tlsConfig));
        c.setHost(host);
        c.setPort(port);
        String key = "tls:" + new ListenerAddress.Tcp(host, port).key();
        c.setName(key);
        c.setIdleTimeout(300_000);
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
        tls = ssl;
        connectors.put(key, c);
        accessLog.event("INFO", "listening on " + key + boundPort(c) + " (mutual TLS)");
    }

    /** Port 0 asks the system for a free port; the log says which one it gave. */
    private static String boundPort(AbstractConnector connector) {
        return connector instanceof ServerConnector c && c.getPort() == 0 ? " (port " + c.getLocalPort() + ")" : "";
    }

    /** A renewed server certificate, for new handshakes; open connections keep theirs. */
    public void reloadTls(KeyStore serverKeys) throws Exception {
        SslContextFactory.Server ssl = tls;
        if (ssl != null) {
            ssl.reload(f -> f.setKeyStore(serverKeys));
            accessLog.event("INFO", "server certificate reloaded");
        }
    }

    /** The CAs client certificates may come from, from the next handshake on (no listener restarts). */
    public void reloadTrustedCas(List<X509Certificate> trustedCas) throws GeneralSecurityException {
        ClientCertificateTrust trust = clientTrust;
        if (trust != null) {
            trust.trust(trustedCas);
            accessLog.event("INFO", "trusted CAs reloaded: " + trustedCas.size());
        }
    }

    /** A stale socket file of an earlier run would make the bind fail. */
    private static void prepare(ListenerAddress address) throws IOException {
        if (address instanceof ListenerAddress.Unix unix) {
            Path p = unix.path();
            if (Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(p)) {
                Files.delete(p);
            }
            if (p.getParent() != null) {
                Files.createDirectories(p.getParent());
            }
        }
    }

    /** The socket file is created 0755 under umask 022: give it the mode and owner its client needs. */
    private static void finish(ListenerAddress address) throws IOException {
        if (address instanceof ListenerAddress.Unix unix) {
            Files.setPosixFilePermissions(unix.path(), PosixFilePermissions.fromString(modeString(unix.mode())));
            if (unix.uid() != null) {
                Files.setAttribute(unix.path(), "unix:uid", unix.uid(), java.nio.file.LinkOption.NOFOLLOW_LINKS);
            }
            if (unix.gid() != null) {
                Files.setAttribute(unix.path(), "unix:gid", unix.gid(), java.nio.file.LinkOption.NOFOLLOW_LINKS);
            }
        }
    }

    static String modeString(String octal) {
        int mode = Integer.parseInt(octal == null ? "0660" : octal, 8);
        StringBuilder b = new StringBuilder(9);
        for (int shift = 6; shift >= 0; shift -= 3) {
            int bits = (mode >> shift) & 7;
            b.append((bits & 4) != 0 ? 'r' : '-').append((bits & 2) != 0 ? 'w' : '-').append((bits & 1) != 0 ? 'x' : '-');
        }
        return b.toString();
    }

    private static void stopQuietly(AbstractConnector c) {
        try {
            c.stop();
        } catch (Exception ignored) {
            // closing anyway
        }
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
        String target = request.getHttpURI().getHost();
        if (target == null) {
            return false;
        }
        String host = request.getHeaders().get(HttpHeader.HOST);
        if (host != null && host.regionMatches(true, 0, target, 0, target.length())
                && (host.length() == target.length() || host.charAt(target.length()) == ':')) {
            return false; // the common case, decided without parsing the Host header
        }
        String expected = host != null ? new HostPort(host).getHost()
                : request.getConnectionMetaData().getServerAuthority().getHost();
        return !target.equalsIgnoreCase(expected);
    }

    /** Errors Jetty answers itself (a malformed request) in Docker's error shape. */
    private static final class DockerErrorHandler extends ErrorHandler {
        @Override
        public boolean handle(Request request, org.eclipse.jetty.server.Response response, org.eclipse.jetty.util.Callback callback) {
            String message = (String) request.getAttribute(ERROR_MESSAGE);
            Forwarder.sendError(request, response, callback, response.getStatus(),
                    "sockwarden: bad request: " + (message == null ? "malformed HTTP request" : message));
            return true;
        }
    }
}
