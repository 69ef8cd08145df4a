package org.sockwarden.admin;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.sockwarden.proxy.identity.Directory;
import org.sockwarden.store.AuditEntry;
import org.sockwarden.store.AuditStore;
import org.sockwarden.store.Snapshot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "audit", mixinStandardHelpOptions = true, subcommands = AuditCommand.Summary.class,
        description = {"The audit trail: one record per decided request and per hijacked session, oldest first.",
                "Text lines as in the access log, or one JSON object per line with --json."})
final class AuditCommand implements Callable<Integer> {
    private static final JsonFactory JSON = new JsonFactory();
    private static final long FOLLOW_POLL_MS = 250;

    @Mixin
    DataDir dataDir = new DataDir();

    @Option(names = "--client", paramLabel = "NAME", description = "Only this client's records.")
    String client;

    @Option(names = "--denied", description = "Only refused requests (deny, reject, and limit: over one of its client's limits).")
    boolean denied;

    @Option(names = "--operation", paramLabel = "OP", description = "Only this operation (containers.list or CONTAINERS_LIST).")
    String operation;

    @Option(names = "--since", paramLabel = "SPAN|INSTANT", description = "Only records since then (1h, 7d, or 2026-12-01T08:00:00Z).")
    String since;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "100",
            description = "The newest N records (default: ${DEFAULT-VALUE}; 0: all).")
    int limit;

    @Option(names = "--follow", description = "Then print new records as they are written, until interrupted (Ctrl-C).")
    boolean follow;

    @Option(names = "--json", description = "One JSON object per line.")
    boolean json;

    @Override
    public Integer call() throws InterruptedException {
        if (limit < 0) {
            throw new Main.UsageException("--limit wants 0 (all) or a positive number, not " + limit);
        }
        AuditStore.Filter filter = new AuditStore.Filter(client, denied ? Set.of("deny", "reject", "limit") : Set.of(),
                operation == null ? null : OperationNames.parse("--operation", operation).id(),
                since == null ? null : Durations.since("--since", since, Instant.now()), 0, limit);
        Path data = dataDir.resolve();
        PrintStream out = System.out;
        while (!AuditStore.exists(data)) {
            if (!follow) {
                System.err.println("sockwarden: no audit trail in " + data + " yet (serve writes " + AuditStore.FILE + " unless --no-audit)");
                return 0;
            }
            Thread.sleep(FOLLOW_POLL_MS);
        }
        try (AuditStore audit = AuditStore.open(data)) {
            long last = print(audit.find(filter), out);
            while (follow) {
                out.flush();
                Thread.sleep(FOLLOW_POLL_MS);
                List<AuditEntry> more = audit.find(new AuditStore.Filter(filter.client(), filter.decisions(), filter.operation(),
                        filter.since(), last, 1_000));
                last = Math.max(last, print(more, out));
            }
        }
        return 0;
    }

    /** Prints the entries; returns the last id printed (0 for none). */
    private long print(List<AuditEntry> entries, PrintStream out) {
        long last = 0;
        for (AuditEntry e : entries) {
            out.println(json ? json(e) : text(e));
            last = e.id();
        }
        return last;
    }

    static String text(AuditEntry e) {
        StringBuilder b = new StringBuilder(200);
        b.append(e.time()).append(" client=").append(e.client() == null ? "-" : e.client()).append(' ').append(e.identityKind())
                .append('=').append(e.identity() == null ? "-" : e.identity());
        if (e.remote() != null) {
            b.append(" from=").append(e.remote());
        }
        b.append(' ').append(e.method()).append(' ').append(e.target()).append(" op=").append(e.operation() == null ? "-" : e.operation())
                .append(' ').append(e.decision());
        if (e.decidedBy() != null) {
            b.append('(').append(e.decidedBy()).append(')');
        }
        if (e.guardrail() != null) {
            b.append(" guardrail=").append(e.guardrail());
        }
        return b.append(" status=").append(e.status()).append(" in=").append(e.bytesIn()).append(" out=").append(e.bytesOut())
                .append(" us=").append(e.durationMicros()).toString();
    }

    static String json(AuditEntry e) {
        StringWriter w = new StringWriter(300);
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.writeStartObject();
            g.writeNumberField("id", e.id());
            g.writeStringField("time", e.time().toString());
            g.writeStringField("client", e.client());
            g.writeStringField("identity_kind", e.identityKind());
            g.writeStringField("identity", e.identity());
            g.writeStringField("remote", e.remote());
            g.writeStringField("method", e.method());
            g.writeStringField("target", e.target());
            g.writeStringField("operation", e.operation());
            g.writeStringField("decision", e.decision());
            g.writeStringField("decided_by", e.decidedBy());
            g.writeStringField("guardrail", e.guardrail());
            g.writeNumberField("status", e.status());
            g.writeNumberField("bytes_in", e.bytesIn());
            g.writeNumberField("bytes_out", e.bytesOut());
            g.writeNumberField("duration_us", e.durationMicros());
            g.writeEndObject();
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
        return w.toString();
    }

    @Command(name = "summary", mixinStandardHelpOptions = true,
            description = "Per client: allowed and denied counts, and the most denied operations with the command that would allow each.")
    static final class Summary implements Callable<Integer> {
        private static final int TOP = 5;

        @Mixin
        DataDir dataDir = new DataDir();

        @Option(names = "--since", paramLabel = "SPAN|INSTANT", defaultValue = "24h",
                description = "Records since then (default: ${DEFAULT-VALUE}).")
        String since;

        @Override
        public Integer call() {
            Instant from = Durations.since("--since", since, Instant.now());
            Path data = dataDir.resolve();
            Snapshot snapshot = StoreCommands.withStore(dataDir, s -> s.snapshot());
            // The stored clients as the proxy would serve them; the drop-in client's env flags are not stored,
            // so its fixes are written from what each record says was missing.
            Directory directory = DirectoryCompiler.compile(snapshot, new DirectoryCompiler.Surroundings(data,
                    ServeCommand.defaultSocket(System.getenv()), List.of(), Set.of(), List.of()), w -> { });
            if (!AuditStore.exists(data)) {
                System.out.println("no audit trail in " + data + " yet (serve writes " + AuditStore.FILE + " unless --no-audit)");
                return 0;
            }
            Map<String, Map<String, Long>> counts = new LinkedHashMap<>();
            List<AuditStore.Usage> refused;
            Map<Long, AuditEntry> examples = new LinkedHashMap<>();
            try (AuditStore audit = AuditStore.open(data)) {
                for (AuditStore.Count c : audit.counts(from)) {
                    counts.computeIfAbsent(label(c.client()), k -> new LinkedHashMap<>()).put(c.decision(), c.count());
                }
                refused = audit.usage(null, Set.of("deny", "reject"), from);
                List<Long> ids = new ArrayList<>();
                refused.forEach(u -> ids.add(u.lastId()));
                audit.entries(ids).forEach(e -> examples.put(e.id(), e));
            }
            StringBuilder b = new StringBuilder("since ").append(from.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)).append(":\n");
            if (counts.isEmpty()) {
                b.append("no requests recorded\n");
            }
            for (Map.Entry<String, Map<String, Long>> c : counts.entrySet()) {
                Map<String, Long> n = c.getValue();
                b.append("client ").append(c.getKey()).append(": ").append(n.getOrDefault("allow", 0L)).append(" allowed, ")
                        .append(n.getOrDefault("deny", 0L)).append(" denied, ").append(n.getOrDefault("reject", 0L)).append(" rejected");
                if (n.containsKey("limit")) {
                    b.append(", ").append(n.get("limit")).append(" over its limits");
                }
                if (n.containsKey("would-deny")) {
                    b.append(", ").append(n.get("would-deny")).append(" would be denied (learning)");
                }
                b.append('\n');
                refused.stream().filter(u -> label(u.client()).equals(c.getKey())).limit(TOP).forEach(u -> {
                    AuditEntry example = examples.get(u.lastId());
                    // Without an operation, what refused it: unknown-endpoint, identity, or a rejection's bad form.
                    String what = u.operation() != null ? u.operation()
                            : example != null && example.decidedBy() != null ? example.decidedBy() : "(not in canonical form)";
                    b.append("  ").append(u.decision().equals("reject") ? "rejected " : "denied ").append(what).append(' ').append(u.count())
                            .append(u.count() == 1 ? " time" : " times");
                    if (example != null) {
                        b.append(", e.g. ").append(example.method()).append(' ').append(example.target());
                        String fix = OperationNames.howToAllow(u.client() == null ? null : directory.byName(u.client()), u.client(),
                                u.operation(), example.decidedBy(), u.guardrail());
                        b.append(fix == null ? "" : "; to allow it: " + fix);
                    }
                    b.append('\n');
                });
            }
            System.out.print(b);
            return 0;
        }

        private static String label(String client) {
            return client == null ? "- (not a client)" : client;
        }
    }
}
