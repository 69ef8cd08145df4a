package org.sockwarden.admin;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.sockwarden.proxy.guard.EngineInfo;
import org.sockwarden.proxy.identity.ClientConfig;
import org.sockwarden.proxy.identity.Directory;
import org.sockwarden.proxy.listener.ProxyServer;
import org.sockwarden.store.StoreWatcher;

/**
 * What a running proxy is doing, for {@code sockwarden status} in another process: written to
 * the data directory on every policy change and health change, removed on exit.
 *
 * <p>While it runs, the proxy also holds an exclusive lock on {@value #LOCK}, which the system
 * releases however the process ends. {@code status} tells a live proxy from the file of a killed one
 * by that lock, not by the pid in the file: a pid may have been reused, and a proxy in a container
 * has a pid of another namespace ({@code docker run --volumes-from} sees its own process as pid 1).
 *
 * <p>The admin commands read it too: a client listener must not be one of the running proxy's own
 * (its drop-in {@code default} client's, its mutual-TLS one), and a client socket not its engine's.
 */
final class StatusFile {
    static final String NAME = "status.json";
    static final String LOCK = "proxy.lock";

    /** A listener and the client it is for (null: the mutual-TLS listener, whose clients are their certificates). */
    record Listener(String listener, String client) {}

    /**
     * What the status file of a running proxy says.
     *
     * @param engine     the engine's socket
     * @param engineInfo the engine behind it as the proxy's guard knows it ({@link EngineInfo#UNKNOWN} until it does)
     * @param hostPaths  {@code visible} or {@code hidden}: how the guard judges bind sources ({@code serve --host-paths})
     */
    record Running(long pid, String started, String engine, EngineInfo engineInfo, String hostPaths, long policyVersion, boolean healthy,
                   String problem, String admin, List<Listener> ownListeners, List<Listener> listeners, List<Directory.Problem> unappliable) {

        void write(JsonGenerator g) throws IOException {
            g.writeStartObject();
            g.writeNumberField("pid", pid);
            Json.field(g, "started", started);
            Json.field(g, "engine", engine);
            writeEngine(g, "engine_kind", "engine_version", "engine_api_version", engineInfo);
            Json.field(g, "host_paths", hostPaths);
            g.writeNumberField("policy_version", policyVersion);
            g.writeBooleanField("healthy", healthy);
            Json.field(g, "problem", problem);
            Json.field(g, "admin", admin);
            writeListeners(g, "own_listeners", ownListeners);
            writeListeners(g, "listeners", listeners);
            g.writeArrayFieldStart("unappliable");
            for (Directory.Problem p : unappliable) {
                g.writeStartObject();
                Json.field(g, "client", p.client());
                Json.field(g, "reason", p.reason());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }

        /** The engine as three fields: kind ({@code docker}, {@code podman}), version and API version, each null when unknown. */
        static void writeEngine(JsonGenerator g, String kind, String version, String apiVersion, EngineInfo info) throws IOException {
            Json.field(g, kind, info.known() ? (info.podman() ? "podman" : "docker") : null);
            Json.field(g, version, info.version());
            Json.field(g, apiVersion, info.apiVersion());
        }

        private static void writeListeners(JsonGenerator g, String name, List<Listener> listeners) throws IOException {
            g.writeArrayFieldStart(name);
            for (Listener l : listeners) {
                g.writeStartObject();
                Json.field(g, "listener", l.listener());
                Json.field(g, "client", l.client());
                g.writeEndObject();
            }
            g.writeEndArray();
        }
    }

    private final Path file;
    private final Path engine;
    private final List<Listener> own;
    private final Instant started = Instant.now();
    private FileChannel lock;
    /** The admin listener's address ({@code HOST:PORT}) for `sockwarden health`, or null when there is none. */
    private volatile String admin;

    /** @param own the proxy's own listeners: the drop-in client's and the mutual-TLS one, as configured */
    StatusFile(Path data, Path engine, List<Listener> own) {
        this.file = data.resolve(NAME);
        this.engine = engine;
        this.own = List.copyOf(own);
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

    /** The status of the proxy running against {@code data}, if one runs and its file can be read. */
    static Optional<Running> read(Path data) {
        Path f = data.resolve(NAME);
        if (!Files.exists(f) || !proxyRunning(data)) {
            return Optional.empty(); // none, or left by a proxy that was killed
        }
        try (JsonParser p = Json.parser(Files.readString(f))) {
            return Optional.of(parse(p));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // being replaced, or not ours: status is a convenience
        }
    }

    private static Running parse(JsonParser p) throws IOException {
        expect(p, JsonToken.START_OBJECT);
        long pid = -1;
        long version = -1;
        boolean healthy = false;
        String started = null;
        String engine = null;
        String engineKind = null;
        String engineVersion = null;
        String engineApiVersion = null;
        String hostPaths = null;
        String problem = null;
        String admin = null;
        List<Listener> own = List.of();
        List<Listener> listeners = List.of();
        List<Directory.Problem> unappliable = new ArrayList<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            switch (name) {
                case "pid" -> pid = p.getLongValue();
                case "policy_version" -> version = p.getLongValue();
                case "healthy" -> healthy = p.getBooleanValue();
                case "started" -> started = p.getValueAsString();
                case "engine" -> engine = p.getValueAsString();
                case "engine_kind" -> engineKind = p.getValueAsString();
                case "engine_version" -> engineVersion = p.getValueAsString();
                case "engine_api_version" -> engineApiVersion = p.getValueAsString();
                case "host_paths" -> hostPaths = p.getValueAsString();
                case "problem" -> problem = p.getValueAsString();
                case "admin" -> admin = p.getValueAsString();
                case "own_listeners" -> own = listeners(p);
                case "listeners" -> listeners = listeners(p);
                case "unappliable" -> {
                    for (String[] pair : pairs(p, "client", "reason")) {
                        unappliable.add(new Directory.Problem(pair[0], pair[1]));
                    }
                }
                default -> p.skipChildren();
            }
        }
        EngineInfo info = engineKind == null || engineVersion == null ? EngineInfo.UNKNOWN
                : new EngineInfo(engineVersion, engineApiVersion, engineKind.equals("podman"));
        return new Running(pid, started, engine, info, hostPaths, version, healthy, problem, admin, own, listeners, unappliable);
    }

    private static List<Listener> listeners(JsonParser p) throws IOException {
        return pairs(p, "listener", "client").stream().map(x -> new Listener(x[0], x[1])).toList();
    }

    /** An array of objects with two string fields (either may be null); the parser is on its START_ARRAY. */
    private static List<String[]> pairs(JsonParser p, String first, String second) throws IOException {
        List<String[]> out = new ArrayList<>();
        while (p.nextToken() == JsonToken.START_OBJECT) {
            String[] pair = new String[2];
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                if (name.equals(first)) {
                    pair[0] = p.getValueAsString();
                } else if (name.equals(second)) {
                    pair[1] = p.getValueAsString();
                } else {
                    p.skipChildren();
                }
            }
            out.add(pair);
        }
        return out;
    }

    private static void expect(JsonParser p, JsonToken token) throws IOException {
        if (p.nextToken() != token) {
            throw new IOException("not a status file");
        }
    }

    /** The admin listener the running proxy of {@code data} named in its status file ({@code HOST:PORT}), or null. */
    static String adminAddress(Path data) {
        return read(data).map(Running::admin).orElse(null);
    }

    /** The admin listener's address, written from the next status on. */
    void admin(String hostPort) {
        this.admin = hostPort;
    }

    /** The proxy's state now: healthy when the store is readable and every stored client applies. */
    synchronized void write(ProxyServer server, StoreWatcher.Health health) {
        Directory d = server.directory();
        List<Listener> open = server.openListeners().stream().sorted().map(key -> {
            ClientConfig c = d.byListener(key);
            return new Listener(key, c == null ? null : c.name());
        }).toList();
        String problem = policyProblem(health, d);
        write(new Running(ProcessHandle.current().pid(), started.toString(), engine.toString(), server.engine(),
                server.hostPathsVisible() ? "visible" : "hidden", d.version(), problem == null, problem, admin, own, open, d.problems()));
    }

    /**
     * Why the policy in force is not all the store says, or null: the store cannot be read, or stored
     * clients are served deny-all because their rows cannot be applied. The status file and the admin
     * listener's health check both say it.
     */
    static String policyProblem(StoreWatcher.Health health, Directory d) {
        List<String> problems = new ArrayList<>();
        if (health != null && !health.ok()) {
            problems.add(health.problem());
        }
        if (!d.problems().isEmpty()) {
            problems.add(d.problems().size() + " stored client(s) served deny-all because their policy cannot be applied: "
                    + String.join("; ", d.problems().stream().map(p -> p.client() + ": " + p.reason()).distinct().toList()));
        }
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    synchronized void unusable(String problem) {
        write(new Running(ProcessHandle.current().pid(), started.toString(), engine.toString(), EngineInfo.UNKNOWN, null, -1, false, problem,
                admin, own, List.of(), List.of()));
    }

    private void write(Running running) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(NAME + ".tmp");
            Files.writeString(tmp, Json.write(running::write) + "\n", StandardCharsets.UTF_8);
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
