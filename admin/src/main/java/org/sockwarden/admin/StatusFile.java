package org.sockwarden.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.stream.Collectors;
import org.sockwarden.proxy.identity.ClientConfig;
import org.sockwarden.proxy.listener.ProxyServer;
import org.sockwarden.proxy.log.AccessLog;
import org.sockwarden.store.PolicyWatcher;

/**
 * What a running proxy is doing, for {@code sockwarden status} in another process: written to
 * the data directory on every policy change and health change, removed on exit.
 */
final class StatusFile {
    static final String NAME = "status.json";

    private final Path file;
    private final Path engine;
    private final Instant started = Instant.now();

    StatusFile(Path data, Path engine) {
        this.file = data.resolve(NAME);
        this.engine = engine;
    }

    synchronized void write(ProxyServer server, PolicyWatcher.Health health) {
        String listeners = server.openListeners().stream().sorted()
                .map(key -> {
                    ClientConfig c = server.directory().byListener(key);
                    return "{\"listener\":" + AccessLog.quote(key) + ",\"client\":" + AccessLog.quote(c == null ? null : c.name()) + "}";
                }).collect(Collectors.joining(","));
        boolean ok = health == null || health.ok();
        write("{\"pid\":" + ProcessHandle.current().pid() + ",\"started\":\"" + started + "\",\"engine\":" + AccessLog.quote(engine.toString())
                + ",\"policy_version\":" + server.directory().version() + ",\"healthy\":" + ok
                + ",\"problem\":" + AccessLog.quote(health == null ? null : health.problem())
                + ",\"listeners\":[" + listeners + "]}\n");
    }

    synchronized void unusable(String problem) {
        write("{\"pid\":" + ProcessHandle.current().pid() + ",\"started\":\"" + started + "\",\"engine\":" + AccessLog.quote(engine.toString())
                + ",\"policy_version\":-1,\"healthy\":false,\"problem\":" + AccessLog.quote(problem) + ",\"listeners\":[]}\n");
    }

    private void write(String json) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(NAME + ".tmp");
            Files.writeString(tmp, json, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // status is a convenience; serving goes on without it
        }
    }

    void delete() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // nothing to tell anyone
        }
    }
}
