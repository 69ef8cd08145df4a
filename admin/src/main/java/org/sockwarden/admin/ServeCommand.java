package org.sockwarden.admin;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import org.sockwarden.certs.Fingerprints;
import org.sockwarden.certs.Pem;
import org.sockwarden.proxy.identity.Client;
import org.sockwarden.proxy.identity.ClientConfig;
import org.sockwarden.proxy.identity.Directory;
import org.sockwarden.proxy.identity.ListenerAddress;
import org.sockwarden.proxy.listener.Limits;
import org.sockwarden.proxy.listener.ProxyServer;
import org.sockwarden.proxy.log.AccessLog;
import org.sockwarden.proxy.policy.EnvFlags;
import org.sockwarden.proxy.policy.Permission;
import org.sockwarden.proxy.policy.PermissionSet;
import org.sockwarden.proxy.policy.UnknownPermissionException;
import org.sockwarden.store.PolicyWatcher;
import org.sockwarden.store.Snapshot;
import org.sockwarden.store.Store;
import org.sockwarden.store.StoreException;
import org.sockwarden.store.StoredCertificate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Run the proxy.",
                "Permissions come from env flags as the env-flag proxies read them (CONTAINERS=1 POST=0 …;",
                "EVENTS, PING and VERSION are on unless set to 0), from --env-file, and from --allow."})
final class ServeCommand implements Callable<Integer> {

    static final String DEFAULT_LISTENER = "default";

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:2375",
            description = "Listener of the client \"default\", whose permissions are the env flags (default: ${DEFAULT-VALUE}; "
                    + "none: no such listener, only the clients of the data directory).")
    String listen;

    @picocli.CommandLine.Mixin
    DataDir dataDir = new DataDir();

    @Option(names = "--tls-listen", paramLabel = "HOST:PORT",
            description = "Mutual-TLS listener (2376 is Docker's convention): the client is the one its certificate identifies.")
    String tlsListen;

    @Option(names = "--tls-name", paramLabel = "DNS", description = "Extra DNS name for a new server certificate (repeatable).")
    List<String> tlsNames = new ArrayList<>();

    @Option(names = "--tls-ip", paramLabel = "IP", description = "Extra IP address for a new server certificate (repeatable).")
    List<String> tlsIps = new ArrayList<>();

    @Option(names = "--docker-socket", paramLabel = "PATH",
            description = "The engine's socket (default: $DOCKER_SOCKET, $SOCKET_PATH, or /var/run/docker.sock).")
    Path dockerSocket;

    @Option(names = "--allow", paramLabel = "NAME[,NAME…]", split = ",",
            description = "Permission names to grant on top of the env flags; `sockwarden permissions` lists them.")
    List<String> allow = new ArrayList<>();

    @Option(names = "--env-file", paramLabel = "FILE",
            description = "Read the flags from this env file (KEY=1 lines) instead of the environment; every key must be known.")
    Path envFile;

    @Option(names = "--log-format", paramLabel = "text|json", defaultValue = "text",
            description = "Access log format on stdout (default: ${DEFAULT-VALUE}).")
    String logFormat;

    @Option(names = "--shutdown-grace", paramLabel = "SECONDS", defaultValue = "10",
            description = "On SIGTERM, how long running requests may finish before streams are closed (default: ${DEFAULT-VALUE}).")
    int shutdownGrace;

    @Option(names = "--head-timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "A request head must arrive within this time (else 408); also how long a refused request's body is read (default: ${DEFAULT-VALUE}).")
    int headTimeout;

    @Option(names = "--keep-alive-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "A kept-alive connection idle this long between requests is closed (default: ${DEFAULT-VALUE}).")
    int keepAliveTimeout;

    @Option(names = "--stall-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "A request whose body, or whose answer (not a followed stream), makes no progress this long is ended (default: ${DEFAULT-VALUE}).")
    int stallTimeout;

    @Option(names = "--max-connections", paramLabel = "N", defaultValue = "2048",
            description = "Open connections per listener; more are closed at once (default: ${DEFAULT-VALUE}).")
    int maxConnections;

    @Option(names = "--max-client-connections", paramLabel = "N", defaultValue = "1024",
            description = "Open connections per client over all its listeners; more are answered 503 (default: ${DEFAULT-VALUE}).")
    int maxClientConnections;

    @Override
    public Integer call() throws Exception {
        AccessLog.Format format = switch (logFormat) {
            case "text" -> AccessLog.Format.TEXT;
            case "json" -> AccessLog.Format.JSON;
            default -> throw new Main.UsageException("--log-format must be text or json, not " + logFormat);
        };
        PermissionSet permissions = permissions(System.getenv());
        Path socket = Optional.ofNullable(dockerSocket).orElseGet(() -> defaultSocket(System.getenv()));
        List<ClientConfig> dropIn = new ArrayList<>();
        if (!"none".equals(listen)) {
            InetSocketAddress address = parseHostPort(listen);
            ListenerAddress.Tcp listener = new ListenerAddress.Tcp(address.getHostString(), address.getPort());
            dropIn.add(new ClientConfig(new Client(DEFAULT_LISTENER, permissions, Client.GrantAdvice.ENV_FLAGS),
                    List.of(listener), List.of(), Set.of()));
        }

        Map<String, Integer> positive = new java.util.LinkedHashMap<>();
        positive.put("--head-timeout", headTimeout);
        positive.put("--keep-alive-timeout", keepAliveTimeout);
        positive.put("--stall-timeout", stallTimeout);
        positive.put("--max-connections", maxConnections);
        positive.put("--max-client-connections", maxClientConnections);
        for (var e : positive.entrySet()) {
            if (e.getValue() < 1) {
                throw new Main.UsageException(e.getKey() + " must be at least 1, not " + e.getValue());
            }
        }
        Limits limits = new Limits(Duration.ofSeconds(headTimeout), Duration.ofSeconds(keepAliveTimeout), Duration.ofSeconds(stallTimeout),
                maxConnections, maxClientConnections);
        Path data = dataDir.resolve();
        AccessLog log = new AccessLog(format, System.out);
        ProxyServer server = new ProxyServer(socket, log, Duration.ofSeconds(shutdownGrace), limits, data);
        StatusFile status = new StatusFile(data, socket);
        server.start(new Directory(0, dropIn));
        for (ClientConfig c : dropIn) {
            if (!server.openListeners().contains(c.listeners().get(0).key())) {
                server.close();
                log.close();
                throw new IllegalStateException("cannot listen on " + listen + " (see the log above)");
            }
        }
        log.event("INFO", "sockwarden " + Main.Version.version() + " serving; engine " + socket + ", data " + data
                + (dropIn.isEmpty() ? "" : ", client default on " + listen + " with " + permissions));
        TlsFiles tls = tlsListen == null ? null : startTls(data, server);
        PolicyWatcher watcher = watch(data, server, dropIn, log, status, tls);
        if (watcher != null) {
            status.write(server, watcher.health());
        }
        server.join();
        if (watcher != null) {
            watcher.close();
        }
        status.delete();
        log.close();
        return 0;
    }

    /** Creates the CA and a server certificate on first use, then opens the TLS listener. */
    private TlsFiles startTls(Path data, ProxyServer server) throws Exception {
        InetSocketAddress address = parseHostPort(tlsListen);
        try (Store store = Store.open(data)) {
            if (!Files.exists(data.resolve(Tls.SERVER_CERT)) || !Files.exists(data.resolve(Tls.SERVER_KEY))) {
                Tls.issueServer(data, store, tlsNames, tlsIps);
            }
        }
        TlsFiles tls = new TlsFiles(data, server);
        server.enableTls(address.getHostString(), address.getPort(), Tls.serverKeyStore(data), tls.trustedCas);
        return tls;
    }

    /** Serves the store's clients and follows its changes; an unreadable store serves none of them (deny-all). */
    private static PolicyWatcher watch(Path data, ProxyServer server, List<ClientConfig> dropIn, AccessLog log, StatusFile status,
                                       TlsFiles tls) {
        Path file;
        try (Store store = Store.open(data)) {
            file = store.file();
        } catch (StoreException e) {
            status.unusable(e.getMessage());
            log.event("ERROR", "policy database unusable, serving no stored client (deny-all) until it is fixed: " + e.getMessage());
            return null;
        }
        PolicyWatcher[] self = new PolicyWatcher[1];
        self[0] = new PolicyWatcher(file, new PolicyWatcher.Listener() {
            @Override
            public void snapshot(Snapshot snapshot) {
                server.apply(Policies.directory(snapshot, dropIn, w -> log.event("WARN", w)));
                log.event("INFO", "policy version " + snapshot.version() + " in force: "
                        + server.directory().clients().stream().map(ClientConfig::name).toList());
                for (StoredCertificate c : snapshot.certificates()) {
                    if (c.revokedAt() == null && Tls.expiresSoon(c.notAfter())) {
                        log.event("WARN", c.kind() + " certificate " + c.fingerprint() + (c.client() == null ? "" : " of client " + c.client())
                                + (c.notAfter().isBefore(java.time.Instant.now()) ? " expired at " : " expires at ") + c.notAfter());
                    }
                }
                if (tls != null) {
                    tls.reload(log);
                }
                status.write(server, self[0] == null ? null : self[0].health());
            }

            @Override
            public void health(PolicyWatcher.Health health) {
                if (health.ok()) {
                    log.event("INFO", "policy database readable again; policy version " + health.version());
                } else {
                    log.event("ERROR", health.problem() + "; still serving the last good policy, version " + health.version()
                            + " (changes are not picked up until this is fixed)");
                }
                status.write(server, health);
            }
        });
        return self[0].start();
    }

    /**
     * What the TLS listener was given from the data directory. A policy change may come from
     * `cert renew-server` (new server files) or `init --trust-ca` (new trusted CAs): each is
     * reloaded only when its files say something new, and a file that cannot be loaded keeps
     * the current one. Used on the policy watcher's thread only after construction.
     */
    private static final class TlsFiles {
        private final Path data;
        private final ProxyServer server;
        private String serverFingerprint;
        private List<X509Certificate> trustedCas;

        TlsFiles(Path data, ProxyServer server) throws Exception {
            this.data = data;
            this.server = server;
            this.serverFingerprint = serverFingerprint();
            this.trustedCas = Tls.trustedCas(data);
        }

        private String serverFingerprint() throws IOException {
            return Fingerprints.sha256(Pem.readCertificates(data.resolve(Tls.SERVER_CERT)).get(0));
        }

        void reload(AccessLog log) {
            try {
                String now = serverFingerprint();
                if (!now.equals(serverFingerprint)) {
                    server.reloadTls(Tls.serverKeyStore(data));
                    serverFingerprint = now;
                }
            } catch (Exception e) {
                log.event("ERROR", "cannot load the renewed server certificate, keeping the current one: " + e.getMessage());
            }
            try {
                List<X509Certificate> now = Tls.trustedCas(data);
                if (!now.equals(trustedCas)) {
                    server.reloadTrustedCas(now);
                    trustedCas = now;
                }
            } catch (Exception e) {
                log.event("ERROR", "cannot load the trusted CAs, keeping the current ones: " + e.getMessage());
            }
        }
    }

    PermissionSet permissions(Map<String, String> env) throws IOException {
        try {
            PermissionSet base = envFile != null
                    ? EnvFlags.fromEnvFile(Files.readAllLines(envFile), envFile.toString())
                    : EnvFlags.fromEnvironment(env);
            List<Permission> extra = new ArrayList<>();
            for (String name : allow) {
                if (!name.isBlank()) {
                    extra.add(Permission.of(name.trim()));
                }
            }
            return base.with(extra);
        } catch (EnvFlags.InvalidFlagException | UnknownPermissionException e) {
            throw new Main.UsageException(e.getMessage());
        }
    }

    static Path defaultSocket(Map<String, String> env) {
        for (String key : List.of("DOCKER_SOCKET", "SOCKET_PATH")) {
            String v = env.get(key);
            if (v != null && !v.isBlank()) {
                return Path.of(v.startsWith("unix://") ? v.substring(7) : v);
            }
        }
        return Path.of("/var/run/docker.sock");
    }

    static InetSocketAddress parseHostPort(String value) {
        int colon = value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw new Main.UsageException("--listen wants HOST:PORT (e.g. 127.0.0.1:2375 or [::1]:2375), not " + value);
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new Main.UsageException("bad port in " + value);
        }
        if (port < 0 || port > 65535) {
            throw new Main.UsageException("port out of range in " + value);
        }
        return new InetSocketAddress(host, port);
    }
}
