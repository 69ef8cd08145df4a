package org.sockwarden.admin;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.sockwarden.proxy.audit.AuditSink;
import org.sockwarden.proxy.listener.ProxyServer;
import org.sockwarden.proxy.log.AccessLog;
import org.sockwarden.store.AuditEntry;
import org.sockwarden.store.AuditStore;
import org.sockwarden.store.Snapshot;
import org.sockwarden.store.StoreException;
import picocli.CommandLine.Option;

/**
 * What {@code serve} runs beside the proxy to be watched: the audit writer, the metrics, the health
 * checks and the admin listener. {@code serve} calls it at a few points (create, start, policy
 * changes, ready, close); the proxy sees only its {@link #sink()}.
 */
final class Monitoring implements AutoCloseable {

    /** serve's options for the audit trail and the admin listener. */
    static final class Options {
        @Option(names = "--admin-listen", paramLabel = "HOST:PORT",
                description = "Serve /metrics, /healthz, /readyz and a status page here (a loopback address, e.g. 127.0.0.1:9375).")
        String adminListen;

        @Option(names = "--admin-listen-public",
                description = "Allow --admin-listen on an address that is not loopback (the page names every client and grant).")
        boolean adminListenPublic;

        @Option(names = "--no-audit", description = "Write no audit trail (audit.db in the data directory).")
        boolean noAudit;

        @Option(names = "--audit-retention", paramLabel = "SPAN", defaultValue = "30d",
                description = "Delete audit records older than this (default: ${DEFAULT-VALUE}; e.g. 12h, 7d).")
        String auditRetention;

        @Option(names = "--audit-max-rows", paramLabel = "N", defaultValue = "1000000",
                description = "Keep at most this many audit records, the newest (default: ${DEFAULT-VALUE}).")
        long auditMaxRows;
    }

    private static final Duration LAST_HOUR = Duration.ofHours(1);

    private final Path data;
    private final AccessLog log;
    private final AuditWriter audit;
    private final Metrics metrics;
    private final InetSocketAddress adminAddress;
    private final boolean adminPublic;
    private final EngineProbe engine;
    private final HealthChecks health = new HealthChecks();
    private final AtomicReference<Snapshot> snapshot = new AtomicReference<>();
    private volatile boolean ready;
    private ProxyServer server;
    private AdminServer admin;
    /** The status page's own connection to the audit trail, opened when first needed; guarded by itself. */
    private final Object readerLock = new Object();
    private AuditStore reader;
    private boolean closed;

    private Monitoring(Path data, AccessLog log, AuditWriter audit, Metrics metrics, InetSocketAddress adminAddress, boolean adminPublic,
                       Path engineSocket) {
        this.data = data;
        this.log = log;
        this.audit = audit;
        this.metrics = metrics;
        this.adminAddress = adminAddress;
        this.adminPublic = adminPublic;
        this.engine = new EngineProbe(engineSocket);
    }

    /** Checks the options (usage errors before anything listens) and starts the audit writer. */
    static Monitoring create(Options o, Path data, Path engineSocket, AccessLog log) {
        InetSocketAddress admin = o.adminListen == null ? null : AdminServer.address(o.adminListen, o.adminListenPublic);
        Duration retention = Durations.parse("--audit-retention", o.auditRetention);
        if (o.auditMaxRows < 1) {
            throw new Main.UsageException("--audit-max-rows wants a positive number, not " + o.auditMaxRows);
        }
        AuditWriter audit = o.noAudit ? null : new AuditWriter(data, retention, o.auditMaxRows, log);
        // Metrics only where something reads them: without an admin listener the request path skips them.
        Metrics metrics = admin == null ? null : new Metrics();
        if (metrics != null && audit != null) {
            metrics.watch(audit);
        }
        return new Monitoring(data, log, audit, metrics, admin, o.adminListenPublic, engineSocket);
    }

    /** What the proxy hands every decided request and ended session. */
    AuditSink sink() {
        if (audit != null && metrics != null) {
            return r -> {
                metrics.record(r);
                audit.record(r);
            };
        }
        return audit != null ? audit : metrics != null ? metrics : AuditSink.NONE;
    }

    /**
     * Starts the admin listener, if asked for, once the proxy serves; {@code /readyz} says "not
     * ready" until {@link #ready}. Returns the address it bound (its port, for port 0), or null.
     */
    String start(ProxyServer proxy) throws Exception {
        this.server = proxy;
        proxy.whenStopped(this::close);
        health.add("engine", engine::problem);
        if (adminAddress == null) {
            return null;
        }
        metrics.watch(proxy, engine, snapshot::get, health);
        admin = AdminServer.start(adminAddress, !adminPublic,
                new AdminServer.Sources(metrics, health, () -> ready, this::view));
        String bound = admin.boundAddress();
        log.event("INFO", "admin listener on http://" + bound + "/ (/metrics, /healthz, /readyz)");
        return bound;
    }

    /** The policy in force; the status page and the certificate metrics read it. */
    void policy(Snapshot s) {
        snapshot.set(s);
    }

    /** The policy store could not be read, or a new version could not be applied. */
    void policyFailed() {
        if (metrics != null) {
            metrics.policyReloadFailed();
        }
    }

    /**
     * Serving as configured: {@code policyProblem} says, when asked, why the policy in force is not
     * the store's (null when it is); it is the health check "policy".
     */
    void ready(Supplier<String> policyProblem) {
        health.add("policy", policyProblem);
        ready = true;
    }

    private StatusPage.View view() {
        Instant now = Instant.now();
        List<AuditStore.Count> counts = List.of();
        List<AuditEntry> denials = List.of();
        String auditProblem = null;
        if (audit == null) {
            auditProblem = "no audit trail (serve runs with --no-audit)";
        } else if (!AuditStore.exists(data)) {
            auditProblem = "no audit records yet";
        } else {
            synchronized (readerLock) {
                try {
                    if (reader == null) {
                        reader = AuditStore.open(data);
                    }
                    counts = reader.counts(now.minus(LAST_HOUR));
                    denials = new ArrayList<>(reader.find(new AuditStore.Filter(null, Set.of("deny", "reject"), null, null, 0,
                            StatusPage.DENIALS)));
                    Collections.reverse(denials);
                } catch (StoreException e) {
                    reader = closeQuietly(reader);
                    auditProblem = "the audit trail cannot be read: " + e.getMessage();
                }
            }
        }
        if (audit != null && audit.problem() != null) {
            auditProblem = "audit records are being dropped: " + audit.problem();
        }
        return new StatusPage.View(Main.Version.version(), now, health.problems(), server.directory(), snapshot.get(), counts, denials,
                auditProblem, server.engine());
    }

    private static AuditStore closeQuietly(AuditStore store) {
        if (store != null) {
            store.close();
        }
        return null;
    }

    /**
     * After the proxy stopped: the admin listener closes, and the audit writer writes what is queued.
     * Called by the proxy's stop (also in the JVM's shutdown) and by serve's main thread: whichever
     * comes second waits until it is done, since the JVM halts when its shutdown work is.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        ready = false;
        if (admin != null) {
            try {
                admin.close();
            } catch (Exception e) {
                log.event("WARN", "admin listener did not stop cleanly: " + e.getMessage());
            }
        }
        if (audit != null) {
            audit.close();
        }
        synchronized (readerLock) {
            reader = closeQuietly(reader);
        }
    }
}
