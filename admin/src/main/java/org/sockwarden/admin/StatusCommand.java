package org.sockwarden.admin;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.sockwarden.proxy.forward.EngineVersion;
import org.sockwarden.proxy.guard.EngineInfo;
import org.sockwarden.proxy.identity.Directory;
import org.sockwarden.store.Snapshot;
import org.sockwarden.store.StoredCertificate;
import org.sockwarden.store.StoredClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"The running proxy (listeners, policy version, health), the clients (LEARNING for those in learn mode),",
                "and the engine: whether it answers, and which it is (Docker or Podman, its version and API version).",
                "Exit code 0: a proxy runs, healthy (its store readable, every stored client applied), and the engine answers; 1 otherwise."})
final class StatusCommand implements Callable<Integer> {
    @Mixin
    DataDir dataDir = new DataDir();

    @Option(names = "--docker-socket", paramLabel = "PATH", description = "Engine to check when no proxy is running.")
    Path dockerSocket;

    @Option(names = "--json", description = "Machine-readable output.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        Path data = dataDir.resolve();
        Snapshot snapshot = StoreCommands.withStore(dataDir, s -> s.snapshot());
        Optional<StatusFile.Running> running = StatusFile.read(data);
        Path engine = dockerSocket != null ? dockerSocket
                : running.map(r -> Path.of(r.engine())).orElseGet(() -> ServeCommand.defaultSocket(System.getenv()));
        String engineProblem = EngineProbe.ping(engine, java.time.Duration.ofSeconds(2));
        // The engine as the running proxy's guard knows it; without a proxy, as the engine itself says.
        EngineInfo engineInfo = running.map(StatusFile.Running::engineInfo)
                .orElseGet(() -> engineProblem == null ? EngineVersion.ask(engine, java.time.Duration.ofSeconds(2)) : EngineInfo.UNKNOWN);
        boolean healthy = running.map(StatusFile.Running::healthy).orElse(false);
        List<String> learning = snapshot.clients().stream().filter(c -> StoredClient.LEARN.equals(c.mode())).map(StoredClient::name).toList();
        if (json) {
            System.out.println(Json.pretty(g -> {
                g.writeStartObject();
                g.writeStringField("data", data.toString());
                g.writeNumberField("policy_version", snapshot.version());
                g.writeFieldName("proxy");
                if (running.isPresent()) {
                    running.get().write(g);
                } else {
                    g.writeNull();
                }
                g.writeObjectFieldStart("engine");
                g.writeStringField("socket", engine.toString());
                g.writeBooleanField("reachable", engineProblem == null);
                Json.field(g, "problem", engineProblem);
                StatusFile.Running.writeEngine(g, "kind", "version", "api_version", engineInfo);
                g.writeEndObject();
                g.writeArrayFieldStart("learning");
                for (String name : learning) {
                    g.writeString(name);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("expiring_certificates");
                for (StoredCertificate c : snapshot.certificates()) {
                    if (c.revokedAt() == null && Tls.expiresSoon(c.notAfter())) {
                        writeExpiring(g, c);
                    }
                }
                g.writeEndArray();
                g.writeArrayFieldStart("clients");
                for (StoredClient c : snapshot.clients()) {
                    StoreCommands.json(g, c);
                }
                g.writeEndArray();
                g.writeEndObject();
            }));
        } else {
            StringBuilder b = new StringBuilder();
            b.append("data directory: ").append(data).append(" (policy version ").append(snapshot.version()).append(")\n");
            if (running.isEmpty()) {
                b.append("proxy: not running against this data directory\n");
            } else {
                StatusFile.Running r = running.get();
                b.append("proxy: running, pid ").append(r.pid()).append(", since ").append(r.started())
                        .append(", serving policy version ").append(r.policyVersion()).append('\n');
                b.append("  health: ").append(healthy ? "ok" : "UNHEALTHY: " + r.problem()).append('\n');
                if (r.admin() != null) {
                    b.append("  admin listener: http://").append(r.admin()).append("/ (metrics, health, status page)\n");
                }
                for (Directory.Problem p : r.unappliable()) {
                    b.append("  client ").append(p.client()).append(" served deny-all: ").append(p.reason()).append('\n');
                }
                for (StatusFile.Listener l : r.listeners()) {
                    b.append("  listening: ").append(l.listener()).append(" -> ").append(l.client()).append('\n');
                }
            }
            b.append("engine: ").append(engine).append(engineProblem == null ? " answers" : " NOT reachable: " + engineProblem);
            if (engineInfo.known()) {
                b.append(": ").append(engineInfo);
            } else if (running.isPresent()) {
                b.append("; the proxy has not identified it: its guard judges as for an unknown engine, as strictly as for Podman");
            }
            b.append('\n');
            running.map(StatusFile.Running::hostPaths).ifPresent(paths -> b.append("guard: bind sources judged ")
                    .append(paths.equals("visible") ? "as the host's own paths, symlinks resolved" : "as written (this proxy does not see"
                            + " the host's file system)").append(" (--host-paths ").append(paths).append(")\n"));
            for (StoredCertificate c : snapshot.certificates()) {
                if (c.revokedAt() == null && Tls.expiresSoon(c.notAfter())) {
                    b.append("WARNING: ").append(c.kind()).append(" certificate ").append(c.fingerprint())
                            .append(c.client() == null ? "" : " of client " + c.client())
                            .append(c.notAfter().isBefore(java.time.Instant.now()) ? " expired at " : " expires at ").append(c.notAfter()).append('\n');
                }
            }
            b.append("clients:").append(snapshot.clients().isEmpty() ? " (none)" : "").append('\n');
            for (StoredClient c : snapshot.clients()) {
                b.append("  ").append(c.name()).append(": ").append(c.listeners().isEmpty() ? "certificate only"
                        : c.listeners().stream().map(StoredClient.Listener::toString).collect(Collectors.joining(", ")))
                        .append("; ").append(c.grants().size()).append(" grants\n");
            }
            for (String name : learning) {
                b.append("LEARNING: client ").append(name).append(" is in learn mode: what its permissions or guardrails would refuse is")
                        .append(" forwarded and recorded as would-deny; `sockwarden suggest ").append(name).append(" --apply` ends it\n");
            }
            System.out.print(b);
        }
        return running.isPresent() && healthy && engineProblem == null ? 0 : 1;
    }

    private static void writeExpiring(JsonGenerator g, StoredCertificate c) throws IOException {
        g.writeStartObject();
        g.writeStringField("fingerprint", c.fingerprint());
        Json.field(g, "client", c.client());
        g.writeStringField("not_after", c.notAfter().toString());
        g.writeEndObject();
    }
}
