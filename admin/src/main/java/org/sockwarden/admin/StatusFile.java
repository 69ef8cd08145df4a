package org.sockwarden.admin;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import org.sockwarden.proxy.identity.ClientConfig;
import org.sockwarden.proxy.listener.ProxyServer;
import org.sockwarden.store.PolicyWatcher;

/**
 * What a running proxy is doing, for {@code sockwarden status} in another process: written to
 * the data directory on every policy change and health change, removed on exit.
 *
 * <p>While it runs, the proxy also holds an exclusive lock on {@value #LOCK}, which the system
 * releases however the process ends. {@code status} tells a live proxy from the file of a killed one
 * by that lock, not by the pid in the file: a pid may have been reused, and a proxy in a container
 * has a pid of another namespace ({@code docker run --volumes-from} sees its own process as pid 1).
 */
final class StatusFile {
    static final String NAME = "status.json";
    static final String LOCK = "proxy.lock";

    private static final JsonFactory JSON = new JsonFactory();

    /** An open listener and the client it is for (null: none any more). */
    private record Listening(String listener, String client) {}

    private final Path file;
    private final Path engine;
    private final Instant started = Instant.now();
    private FileChannel lock;
    private volatile String admin;

    StatusFile(Path data, Path engine) {
        this.file = data.resolve(NAME);
        this.engine = engine;
        try {
            Files.createDirectories(data);
            lock = FileChannel.open(data.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            if (lock.tryLock() == null) {
                // Another proxy serves this data directory too; `status` still sees one running.
                lock.close();
                lock = null;
            }
        } catch (IOException | OverlappingFileLockException e) {
            // status is a convenience; serving goes on without it
        }
    }

    /** Whether a proxy holds the lock of {@code data}: it is running, whatever pid its status file names. */
    static boolean proxyRunning(Path data) {
        // A shared lock needs only read access, so status works for users who may not write the directory.
        try (FileChannel channel = FileChannel.open(data.resolve(LOCK), StandardOpenOption.READ)) {
            FileLock probe = channel.tryLock(0, Long.MAX_VALUE, true);
            if (probe == null) {
                return true;
            }
            probe.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true; // held by a proxy in this very process
        } catch (IOException e) {
            return false; // no lock file: no proxy has run here since it had one
        }
    }

    /** The admin listener the running proxy of {@code data} named in its status file ({@code HOST:PORT}), or null. */
    static String adminAddress(Path data) {
        try (JsonParser p = JSON.createParser(data.resolve(NAME).toFile())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("admin")) {
                    return value == JsonToken.VALUE_STRING ? p.getText() : null;
                }
                p.skipChildren();
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    /** The admin listener's address, for `sockwarden health` ({@code HOST:PORT}), or null when there is none. */
    void admin(String hostPort) {
        this.admin = hostPort;
    }

    synchronized void write(ProxyServer server, PolicyWatcher.Health health) {
        boolean ok = health == null || health.ok();
        write(server.directory().version(), ok, health == null ? null : health.problem(), server.openListeners().stream().sorted()
                .map(key -> {
                    ClientConfig c = server.directory().byListener(key);
                    return new Listening(key, c == null ? null : c.name());
                }).toList());
    }

    synchronized void unusable(String problem) {
        write(-1, false, problem, List.of());
    }

    private void write(long policyVersion, boolean healthy, String problem, List<Listening> listeners) {
        try {
            StringWriter json = new StringWriter();
            try (JsonGenerator g = JSON.createGenerator(json)) {
                g.writeStartObject();
                g.writeNumberField("pid", ProcessHandle.current().pid());
                g.writeStringField("started", started.toString());
                g.writeStringField("engine", engine.toString());
                g.writeNumberField("policy_version", policyVersion);
                g.writeBooleanField("healthy", healthy);
                g.writeStringField("problem", problem);
                g.writeStringField("admin", admin);
                g.writeArrayFieldStart("listeners");
                for (Listening l : listeners) {
                    g.writeStartObject();
                    g.writeStringField("listener", l.listener());
                    g.writeStringField("client", l.client());
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(NAME + ".tmp");
            Files.writeString(tmp, json + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // status is a convenience; serving goes on without it
        }
    }

    void delete() {
        try {
            Files.deleteIfExists(file);
            if (lock != null) {
                lock.close();
            }
        } catch (IOException ignored) {
            // nothing to tell anyone
        }
    }
}
