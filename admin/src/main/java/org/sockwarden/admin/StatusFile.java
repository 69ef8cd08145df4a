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
import java.time.Instant;
import java.util.stream.Collectors;
import org.sockwarden.proxy.identity.ClientConfig;
import org.sockwarden.proxy.listener.ProxyServer;
import org.sockwarden.proxy.log.AccessLog;
import org.sockwarden.store.StoreWatcher;

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

    private final Path file;
    private final Path engine;
    private final Instant started = Instant.now();
    private FileChannel lock;

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

    synchronized void write(ProxyServer server, StoreWatcher.Health health) {
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
            if (lock != null) {
                lock.close();
            }
        } catch (IOException ignored) {
            // nothing to tell anyone
        }
    }
}
