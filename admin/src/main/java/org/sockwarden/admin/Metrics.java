package org.sockwarden.admin;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;
import org.sockwarden.proxy.api.Operation;
import org.sockwarden.proxy.audit.AuditRecord;
import org.sockwarden.proxy.audit.AuditRecord.Verdict;
import org.sockwarden.proxy.audit.AuditSink;
import org.sockwarden.proxy.listener.ProxyServer;
import org.sockwarden.store.Snapshot;
import org.sockwarden.store.StoredCertificate;

/**
 * The proxy's Prometheus metrics, through the client library's own types and text format writer.
 * On the request path ({@link #record}) only lock-free counters move: the data point of each client,
 * operation and decision is looked up once and then kept in an array by operation and decision,
 * so a request costs one map read by client name and a few adds. Everything else (open exchanges,
 * the engine, the policy, the audit queue, certificates) is read when scraped.
 */
final class Metrics implements AuditSink {

    /** The label value for requests of no known client (an unmapped listener or certificate). */
    static final String NO_CLIENT = "-";
    /** The label value for requests that matched no operation (rejected, unknown endpoint, not a client). */
    static final String NO_OPERATION = "-";
    private static final Operation[] OPERATIONS = Operation.values();
    private static final Verdict[] VERDICTS = Verdict.values();

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.builder().build();
    private final Counter requests;
    private final Counter bytes;
    private final Counter reloadFailures;
    private final Counter limited;
    private final DistributionDataPoint[] durations = new DistributionDataPoint[VERDICTS.length];
    private final ConcurrentHashMap<String, ClientSeries> clients = new ConcurrentHashMap<>();

    Metrics() {
        requests = Counter.builder().name("sockwarden_requests_total")
                .help("Decided requests (a hijacked session counts when it ends), by client, operation and decision")
                .labelNames("client", "operation", "decision").withoutExemplars().register(registry);
        bytes = Counter.builder().name("sockwarden_bytes_total")
                .help("Body bytes by client: in from the client towards the engine, out to the client (hijacked sessions included)")
                .labelNames("client", "direction").withoutExemplars().register(registry);
        Histogram duration = Histogram.builder().name("sockwarden_request_duration_seconds").unit(Unit.SECONDS)
                .help("From the request's arrival to the end of its answer (of its tunnel, for a hijacked session), by decision")
                .labelNames("decision").classicOnly()
                .classicUpperBounds(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60)
                .withoutExemplars().register(registry);
        for (Verdict v : VERDICTS) {
            durations[v.ordinal()] = duration.labelValues(v.text());
        }
        limited = Counter.builder().name("sockwarden_limited_total")
                .help("Requests refused with 429 because their client was at one of its limits, by client and limit"
                        + " (max-requests, max-streams, rate)")
                .labelNames("client", "limit").withoutExemplars().register(registry);
        reloadFailures = Counter.builder().name("sockwarden_policy_reload_failures_total")
                .help("Times the policy store became unreadable, or a new policy version could not be applied")
                .withoutExemplars().register(registry);
    }

    /** What one client has counted so far; data points are made on first use and kept. */
    private final class ClientSeries {
        private final String name;
        private final AtomicReferenceArray<CounterDataPoint> requests = new AtomicReferenceArray<>((OPERATIONS.length + 1) * VERDICTS.length);
        private final CounterDataPoint in;
        private final CounterDataPoint out;

        ClientSeries(String name) {
            this.name = name;
            this.in = bytes.labelValues(name, "in");
            this.out = bytes.labelValues(name, "out");
        }

        CounterDataPoint requests(Operation op, Verdict verdict) {
            int slot = (op == null ? 0 : op.ordinal() + 1) * VERDICTS.length + verdict.ordinal();
            CounterDataPoint p = requests.get(slot);
            if (p == null) {
                // Two threads may both look it up: the registry hands both the same data point.
                p = Metrics.this.requests.labelValues(name, op == null ? NO_OPERATION : op.id(), verdict.text());
                requests.set(slot, p);
            }
            return p;
        }
    }

    @Override
    public void record(AuditRecord r) {
        String name = r.client() == null ? NO_CLIENT : r.client();
        ClientSeries c = clients.get(name);
        if (c == null) {
            c = clients.computeIfAbsent(name, ClientSeries::new);
        }
        c.requests(r.operation(), r.verdict()).inc();
        if (r.bytesIn() > 0) {
            c.in.inc(r.bytesIn());
        }
        if (r.bytesOut() > 0) {
            c.out.inc(r.bytesOut());
        }
        durations[r.verdict().ordinal()].observe(r.durationMicros() / 1e6);
        if (r.verdict() == Verdict.LIMIT) {
            limited.labelValues(name, r.decidedBy()).inc();
        }
    }

    /** A policy version could not be read or applied. */
    void policyReloadFailed() {
        reloadFailures.inc();
    }

    /** The values read when scraped: the server's open exchanges and policy, the engine, the certificates, health. */
    void watch(ProxyServer server, EngineProbe engine, Supplier<Snapshot> snapshot, HealthChecks health) {
        GaugeWithCallback.builder().name("sockwarden_open_streams")
                .help("Allowed requests being answered now, short calls and long streams (logs -f, events) alike; hijacked sessions not included")
                .callback(cb -> cb.call(server.openExchanges(false))).register(registry);
        GaugeWithCallback.builder().name("sockwarden_hijacked_sessions")
                .help("Exchanges of attach, exec start, session and grpc open now")
                .callback(cb -> cb.call(server.openExchanges(true))).register(registry);
        GaugeWithCallback.builder().name("sockwarden_engine_reachable")
                .help("1 when the engine answers GET /_ping on its socket, else 0")
                .callback(cb -> cb.call(engine.problem() == null ? 1 : 0)).register(registry);
        GaugeWithCallback.builder().name("sockwarden_healthy")
                .help("1 when /healthz answers 200 (every health check passes), else 0")
                .callback(cb -> cb.call(health.problems().isEmpty() ? 1 : 0)).register(registry);
        GaugeWithCallback.builder().name("sockwarden_policy_version")
                .help("The policy version in force")
                .callback(cb -> cb.call(server.directory().version())).register(registry);
        GaugeWithCallback.builder().name("sockwarden_certificate_expiry_timestamp_seconds")
                .help("When each certificate sockwarden issued and has not revoked stops being valid (Unix time)")
                .labelNames("kind", "client", "fingerprint")
                .callback(cb -> {
                    Snapshot s = snapshot.get();
                    if (s != null) {
                        for (StoredCertificate c : s.certificates()) {
                            if (c.revokedAt() == null) {
                                cb.call(c.notAfter().getEpochSecond(), c.kind(), c.client() == null ? "" : c.client(), c.fingerprint());
                            }
                        }
                    }
                }).register(registry);
    }

    /** The audit writer's queue and what it lost. */
    void watch(AuditWriter audit) {
        GaugeWithCallback.builder().name("sockwarden_audit_queue_depth")
                .help("Audit records waiting to be written")
                .callback(cb -> cb.call(audit.depth())).register(registry);
        CounterWithCallback.builder().name("sockwarden_audit_dropped_total")
                .help("Audit records lost: queue_full (the writer fell behind) or write_failed (the audit file could not be written)")
                .labelNames("reason")
                .callback(cb -> {
                    for (AuditWriter.Drop d : AuditWriter.Drop.values()) {
                        cb.call(audit.dropped(d), d.label);
                    }
                }).register(registry);
        CounterWithCallback.builder().name("sockwarden_audit_written_total")
                .help("Audit records written to the audit file")
                .callback(cb -> cb.call(audit.written())).register(registry);
    }

    String contentType() {
        return writer.getContentType();
    }

    void write(OutputStream out) throws IOException {
        writer.write(out, registry.scrape());
    }
}
