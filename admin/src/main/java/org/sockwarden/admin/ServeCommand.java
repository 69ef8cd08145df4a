package org.sockwarden.admin;

import java.io.IOException;
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
import org.sockwarden.proxy.guard.Guardrails;
import org.sockwarden.proxy.guard.InvalidGuardrailsException;
import org.sockwarden.proxy.identity.Client;
import org.sockwarden.proxy.identity.ClientConfig;
import org.sockwarden.proxy.identity.ClientRules;
import org.sockwarden.proxy.identity.Directory;
import org.sockwarden.proxy.identity.ListenerAddress;
import org.sockwarden.proxy.limit.ClientLimits;
import org.sockwarden.proxy.listener.Limits;
import org.sockwarden.proxy.listener.ProxyServer;
import org.sockwarden.proxy.log.AccessLog;
import org.sockwarden.proxy.policy.EnvFlags;
import org.sockwarden.proxy.policy.Permission;
import org.sockwarden.proxy.policy.PermissionSet;
import org.sockwarden.proxy.policy.UnknownPermissionException;
import org.sockwarden.store.StoreWatcher;
import org.sockwarden.store.Snapshot;
import org.sockwarden.store.Store;
import org.sockwarden.store.StoreException;
import org.sockwarden.store.StoredCertificate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Run the proxy.",
                "Permissions come from env flags as the env-flag proxies read them (CONTAINERS=1 POST=0 …;",
                "EVENTS, PING and VERSION are on unless set to 0), from --env-file, and from --allow; the guardrails",
                "of the client \"default\" from $SOCKWARDEN_GUARDRAILS (or its line in --env-file) and --guardrail.",
                "--max-requests, --max-streams and --rate limit the client \"default\" of --listen (stored clients: `client add/set`)."})
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

    @Option(names = "--guardrail", paramLabel = "ITEM",
            description = "A guardrail item of the client \"default\" on top of $SOCKWARDEN_GUARDRAILS (repeatable; "
                    + "`sockwarden guardrails` lists them); without any, the defaults.")
    List<String> guardrails = new ArrayList<>();

    @Option(names = "--host-paths", paramLabel = "visible|hidden",
            description = "Whether this proxy sees the host's file system at the host's paths (visible: bind sources are judged"
                    + " with their symlinks resolved) or not (hidden: judged as written, as in a container). Default:"
                    + " $SOCKWARDEN_HOST_PATHS (hidden in the container image), else visible.")
    String hostPaths;

    @Option(names = "--env-file", paramLabel = "FILE",
            description = "Read the flags from this env file (KEY=1 lines) instead of the environment; every key must be known.")
    Path envFile;

    @Option(names = "--log-format", paramLabel = "text|json", defaultValue = "text",
            description = "Access log format on stdout (default: ${DEFAULT-VALUE}).")
    String logFormat;

    @Option(names = "--shutdown-grace", paramLabel = "SECONDS", defaultValue = "10",
            description = "On SIGTERM, how long running requests may finish before streams are closed (default: ${DEFAULT-VALUE}).")
    int shutdownGrace;

    @picocli.CommandLine.Mixin
    Monitoring.Options monitoringOptions = new Monitoring.Options();

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

    /** The limits of the client "default" (stored clients have their own, set with `client add/set`). */
    @picocli.CommandLine.Mixin
    LimitOptions defaultLimits = new LimitOptions();

    @Override
    public Integer call() throws Exception {
        AccessLog.Format format = switch (logFormat) {
            case "text" -> AccessLog.Format.TEXT;
            case "json" -> AccessLog.Format.JSON;
            default -> throw new Main.UsageException("--log-format must be text or json, not " + logFormat);
        };
        PermissionSet permissions = permissions(System.getenv());
        Guardrails dropInGuardrails = dropInGuardrails(System.getenv());
        boolean visible = hostPathsVisible(System.getenv());
        Path socket = Optional.ofNullable(dockerSocket).orElseGet(() -> defaultSocket(System.getenv()));
        ClientLimits defaultClientLimits = defaultLimits.applyTo(ClientLimits.NONE);
        List<ClientConfig> dropIn = new ArrayList<>();
        List<StatusFile.Listener> own = new ArrayList<>();
        if (!"none".equals(listen)) {
            ListenerAddress.Tcp listener = parseListen("--listen", listen);
            dropIn.add(new ClientConfig(new Client(DEFAULT_LISTENER, permissions, Client.GrantAdvice.ENV_FLAGS,
                    new ClientRules(false, dropInGuardrails, null, defaultClientLimits, Set.of())), List.of(listener), List.of(), Set.of()));
            own.add(new StatusFile.Listener(listener.key(), DEFAULT_LISTENER));
        } else if (defaultLimits.given()) {
            throw new Main.UsageException("--max-requests, --max-streams and --rate are the limits of the client \"default\" of --listen;"
                    + " with --listen none there is none (`sockwarden client set NAME --max-requests N ...` limits a stored client)");
        }
        ListenerAddress.Tcp tlsAddress = tlsListen == null ? null : parseListen("--tls-listen", tlsListen);
        if (tlsAddress != null) {
            own.add(new StatusFile.Listener(tlsAddress.key(), null));
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
        AccessLog log = new AccessLog(format, System.out);
        Path data = dataDir.resolve();
        Monitoring monitoring = Monitoring.create(monitoringOptions, data, socket, log);
        ProxyServer server = new ProxyServer(socket, log, monitoring.sink(), Duration.ofSeconds(shutdownGrace), limits, data, visible);
        StatusFile status = new StatusFile(data, socket, own);
        server.start(new Directory(0, dropIn));
        for (ClientConfig c : dropIn) {
            if (!server.openListeners().contains(c.listeners().get(0).key())) {
                server.close();
                log.close();
                throw new IllegalStateException("cannot listen on " + listen + " (see the log above)");
            }
        }
        log.event("INFO", "sockwarden " + Main.Version.version() + " serving; engine " + socket + ", data " + data
                + (dropIn.isEmpty() ? "" : ", client default on " + listen + " with " + permissions + " and "
                + (dropInGuardrails.equals(Guardrails.DEFAULT) ? "the default guardrails" : "guardrails " + dropInGuardrails)
                + (defaultClientLimits.none() ? "" : ", limits " + defaultClientLimits)));
        log.event("INFO", visible ? "bind sources are judged as the host's own paths, symlinks resolved (--host-paths visible)"
                : "bind sources are judged as written: this proxy does not see the host's file system (--host-paths hidden)");
        TlsFiles tls = tlsAddress == null ? null : startTls(data, tlsAddress, server, log);
        status.admin(monitoring.start(server));
        DirectoryCompiler.Surroundings around = new DirectoryCompiler.Surroundings(data, socket, dropIn,
                tlsAddress == null ? Set.of() : Set.of(tlsAddress.key()), List.of());
        StoreWatcher watcher = watch(data, server, around, log, status, tls, monitoring);
        if (watcher != null) {
            status.write(server, watcher.health());
            server.onEngineChange(() -> status.write(server, watcher.health()));
        }
        monitoring.ready(watcher == null ? () -> "policy database unusable, no stored client is served (deny-all); the log says why"
                : () -> StatusFile.policyProblem(watcher.health(), server.directory()));
        server.join();
        monitoring.close();
        if (watcher != null) {
            watcher.close();
        }
        status.delete();
        log.close();
        return 0;
    }

    /**
     * Creates the CA and a server certificate on first use, then opens the TLS listener. With a store
     * that cannot be used the listener still opens on the server certificate there is (every client
     * certificate is then refused: no client is served); none there, none can be recorded, so no
     * listener, and the log says so.
     */
    private TlsFiles startTls(Path data, ListenerAddress.Tcp address, ProxyServer server, AccessLog log) throws Exception {
        if (!Files.exists(data.resolve(Tls.SERVER_CERT)) || !Files.exists(data.resolve(Tls.SERVER_KEY))) {
            try (Store store = Store.open(data)) {
                Tls.issueServer(data, store, tlsNames, tlsIps);
            } catch (StoreException e) {
                log.event("ERROR", "no mutual-TLS listener on " + address.key() + ": its first server certificate cannot be recorded: "
                        + e.getMessage());
                return null;
            }
        }
        TlsFiles tls = new TlsFiles(data, server);
        server.enableTls(address.host(), address.port(), Tls.serverKeyStore(data), tls.trustedCas);
        return tls;
    }

    /**
     * Serves the store's clients and follows its changes; an unreadable store serves none of them
     * (deny-all). A stored client whose rows cannot be applied is served deny-all and named in the
     * log (ERROR) and in the status (unhealthy) while every other change applies.
     */
    private static StoreWatcher watch(Path data, ProxyServer server, DirectoryCompiler.Surroundings around, AccessLog log,
                                      StatusFile status, TlsFiles tls, Monitoring monitoring) {
        Path file;
        try (Store store = Store.open(data)) {
            file = store.file();
        } catch (StoreException e) {
            status.unusable(e.getMessage());
            log.event("ERROR", "policy database unusable, serving no stored client (deny-all) until it is fixed: " + e.getMessage());
            return null;
        }
        StoreWatcher[] self = new StoreWatcher[1];
        self[0] = new StoreWatcher(file, new StoreWatcher.Listener() {
            @Override
            public void snapshot(Snapshot snapshot) {
                monitoring.policy(snapshot);
                List<X509Certificate> cas = List.of();
                if (tls != null) {
                    tls.reload(log);
                    cas = tls.trustedCas;
                }
                // Without a TLS listener no certificate is ever presented: what a mapping names matters not.
                Directory next = DirectoryCompiler.compile(snapshot, new DirectoryCompiler.Surroundings(around.dataDir(), around.engineSocket(),
                        around.builtIn(), around.reserved(), cas), tls == null ? w -> { } : w -> log.event("WARN", w));
                try {
                    server.apply(next);
                } catch (RuntimeException e) {
                    monitoring.policyFailed();
                    throw e;
                }
                log.event("INFO", "policy version " + snapshot.version() + " in force: "
                        + next.clients().stream().filter(ClientConfig::applies).map(ClientConfig::name).toList());
                List<String> learning = next.clients().stream().filter(c -> c.client().rules().learning()).map(ClientConfig::name).toList();
                if (!learning.isEmpty()) {
                    log.event("WARN", "LEARN MODE is on for " + (learning.size() == 1 ? "client " : "clients ") + String.join(", ", learning)
                            + ": what their permissions or guardrails would refuse is forwarded to the engine and recorded as would-deny,"
                            + " not refused; `sockwarden suggest NAME --apply` grants what was used and ends it");
                }
                for (Directory.Problem p : next.problems()) {
                    log.event("ERROR", "client " + p.client() + " is served deny-all until its stored policy is fixed: " + p.reason());
                }
                for (StoredCertificate c : snapshot.certificates()) {
                    if (c.revokedAt() == null && Tls.expiresSoon(c.notAfter())) {
                        log.event("WARN", c.kind() + " certificate " + c.fingerprint() + (c.client() == null ? "" : " of client " + c.client())
                                + (c.notAfter().isBefore(java.time.Instant.now()) ? " expired at " : " expires at ") + c.notAfter());
                    }
                }
                status.write(server, self[0] == null ? null : self[0].health());
            }

            @Override
            public void health(StoreWatcher.Health health) {
                if (health.ok()) {
                    log.event("INFO", "policy database readable again; policy version " + health.version());
                } else {
                    monitoring.policyFailed();
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

    /** The drop-in client's guardrails: its line in --env-file, else $SOCKWARDEN_GUARDRAILS, plus --guardrail. */
    Guardrails dropInGuardrails(Map<String, String> env) throws IOException {
        String line;
        try {
            line = envFile != null ? EnvFlags.guardrailsFromEnvFile(Files.readAllLines(envFile), envFile.toString())
                    : env.getOrDefault(EnvFlags.GUARDRAILS, "");
        } catch (EnvFlags.InvalidFlagException e) {
            throw new Main.UsageException(e.getMessage());
        }
        Guardrails fromEnv;
        try {
            fromEnv = Guardrails.parse(line);
        } catch (InvalidGuardrailsException e) {
            throw new Main.UsageException(EnvFlags.GUARDRAILS + ": " + e.getMessage() + "; `sockwarden guardrails` lists them all");
        }
        return fromEnv.plus(StoreCommands.guardrails(guardrails));
    }

    /** --host-paths, else $SOCKWARDEN_HOST_PATHS, else visible. */
    boolean hostPathsVisible(Map<String, String> env) {
        String value = hostPaths != null ? hostPaths : env.getOrDefault(HOST_PATHS, "visible");
        return switch (value) {
            case "visible" -> true;
            case "hidden" -> false;
            default -> throw new Main.UsageException((hostPaths != null ? "--host-paths" : "$" + HOST_PATHS)
                    + " must be visible or hidden, not " + value);
        };
    }

    /** What the container image sets to hidden: the proxy there does not see the host's paths. */
    static final String HOST_PATHS = "SOCKWARDEN_HOST_PATHS";

    static Path defaultSocket(Map<String, String> env) {
        for (String key : List.of("DOCKER_SOCKET", "SOCKET_PATH")) {
            String v = env.get(key);
            if (v != null && !v.isBlank()) {
                return Path.of(v.startsWith("unix://") ? v.substring(7) : v);
            }
        }
        return Path.of("/var/run/docker.sock");
    }

    /** A numeric IP:PORT option value; no name is looked up. */
    static ListenerAddress.Tcp parseListen(String option, String value) {
        try {
            return ListenerAddress.Tcp.parse(value);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException(option + " " + e.getMessage());
        }
    }
}
