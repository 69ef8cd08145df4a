package org.sockwarden.admin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.sockwarden.proxy.log.AccessLog;
import org.sockwarden.store.Snapshot;
import org.sockwarden.store.StoredClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"The running proxy (listeners, policy version, health), the clients, and whether the engine answers.",
                "Exit code 0: a proxy runs, healthy, and the engine answers; 1 otherwise."})
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
        Path statusFile = data.resolve(StatusFile.NAME);
        String running = Files.exists(statusFile) ? Files.readString(statusFile).strip() : null;
        if (running != null && !StatusFile.proxyRunning(data)) {
            running = null; // left by a proxy that was killed
        }
        Path engine = dockerSocket != null ? dockerSocket
                : running != null ? Path.of(unquote(field(running, "engine"))) : ServeCommand.defaultSocket(System.getenv());
        String engineProblem = EngineProbe.ping(engine, java.time.Duration.ofSeconds(2));
        boolean healthy = running != null && running.contains("\"healthy\":true");
        if (json) {
            System.out.println("{\"data\":" + AccessLog.quote(data.toString()) + ",\"policy_version\":" + snapshot.version()
                    + ",\"proxy\":" + (running == null ? "null" : running)
                    + ",\"engine\":{\"socket\":" + AccessLog.quote(engine.toString()) + ",\"reachable\":" + (engineProblem == null)
                    + ",\"problem\":" + AccessLog.quote(engineProblem) + "}"
                    + ",\"expiring_certificates\":[" + snapshot.certificates().stream()
                    .filter(c -> c.revokedAt() == null && Tls.expiresSoon(c.notAfter()))
                    .map(c -> "{\"fingerprint\":" + AccessLog.quote(c.fingerprint()) + ",\"client\":" + AccessLog.quote(c.client())
                            + ",\"not_after\":\"" + c.notAfter() + "\"}").collect(Collectors.joining(",")) + "]"
                    + ",\"clients\":[" + snapshot.clients().stream().map(StoreCommands::json).collect(Collectors.joining(",")) + "]}");
        } else {
            StringBuilder b = new StringBuilder();
            b.append("data directory: ").append(data).append(" (policy version ").append(snapshot.version()).append(")\n");
            if (running == null) {
                b.append("proxy: not running against this data directory\n");
            } else {
                b.append("proxy: running, pid ").append(field(running, "pid")).append(", since ").append(unquote(field(running, "started")))
                        .append(", serving policy version ").append(field(running, "policy_version")).append('\n');
                b.append("  health: ").append(healthy ? "ok" : "UNHEALTHY: " + unquote(field(running, "problem"))).append('\n');
                String admin = field(running, "admin");
                if (!admin.equals("null")) {
                    b.append("  admin listener: http://").append(unquote(admin)).append("/ (metrics, health, status page)\n");
                }
                Matcher m = Pattern.compile("\\{\"listener\":(\"[^\"]*\"),\"client\":(\"[^\"]*\"|null)\\}").matcher(running);
                while (m.find()) {
                    b.append("  listening: ").append(unquote(m.group(1))).append(" -> ").append(unquote(m.group(2))).append('\n');
                }
            }
            b.append("engine: ").append(engine).append(engineProblem == null ? " answers" : " NOT reachable: " + engineProblem).append('\n');
            for (var c : snapshot.certificates()) {
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
            System.out.print(b);
        }
        return running != null && healthy && engineProblem == null ? 0 : 1;
    }

    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":(\"(?:[^\"\\\\]|\\\\.)*\"|[^,}]+)").matcher(json);
        return m.find() ? m.group(1) : "null";
    }

    private static String unquote(String v) {
        return v.startsWith("\"") ? v.substring(1, v.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\") : v;
    }
}
