package org.sockwarden.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Objects;

/**
 * Tells a running proxy about every committed change, whichever process made it, within a
 * poll interval. It owns one connection and reads {@code PRAGMA data_version} (a few µs) ten
 * times a second; only when that moves does it read the policy again.
 *
 * <p>When the database cannot be read (deleted, replaced, corrupt, locked past a short timeout)
 * the proxy keeps its last good snapshot: the watcher reports the trouble through {@link
 * #health()} and the listener (once per change of state), and recovers by itself when the file is
 * back. In WAL mode a writer, even in {@code BEGIN EXCLUSIVE}, never blocks the connected watcher;
 * a lock only bites when it has to connect again, e.g. to a file held in exclusive locking mode.
 */
public final class StoreWatcher implements AutoCloseable {

    /** Healthy, or why not and since when; {@code version} is the policy version being served. */
    public record Health(boolean ok, String problem, Instant since, long version) {}

    /** What the proxy hears: a new snapshot, or a change of health. */
    public interface Listener {
        void snapshot(Snapshot snapshot);

        void health(Health health);
    }

    private static final System.Logger LOG = System.getLogger(StoreWatcher.class.getName());
    private static final long POLL_MS = 100;
    private static final int BUSY_TIMEOUT_MS = 250;

    private final Path file;
    private final Listener listener;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Health health;
    private Connection connection;
    private Object fileKey;
    private long dataVersion = Long.MIN_VALUE;
    private long policyVersion = -1;
    private boolean otherFile;

    public StoreWatcher(Path file, Listener listener) {
        this.file = file;
        this.listener = listener;
        this.health = new Health(true, null, Instant.now(), -1);
        this.thread = new Thread(this::run, "sockwarden-store-watcher");
        thread.setDaemon(true);
    }

    /** Reads the policy once (so the caller starts with it, or knows it could not) and starts watching. */
    public StoreWatcher start() {
        poll();
        thread.start();
        return this;
    }

    public Health health() {
        return health;
    }

    private void run() {
        while (running) {
            try {
                Thread.sleep(POLL_MS);
            } catch (InterruptedException e) {
                return;
            }
            poll();
        }
    }

    private void poll() {
        try {
            Object key = currentFileKey();
            if (key == null) {
                // Whatever appears next is news even if it gets the freed inode number back.
                otherFile = true;
                throw new SQLException("database file " + file + " is missing (deleted?)");
            }
            if (connection == null || !key.equals(fileKey)) {
                reopen(key);
            }
            long v;
            try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("PRAGMA data_version")) {
                v = rs.getLong(1);
            }
            if (v != dataVersion || !health.ok()) {
                // A commit that is not a policy change (a migration) moves data_version too;
                // only a new policy version is worth reading everything.
                if (otherFile || Store.policyVersion(connection) != policyVersion) {
                    Snapshot snapshot = Store.read(connection);
                    policyVersion = snapshot.version();
                    otherFile = false;
                    deliver(snapshot);
                }
                dataVersion = v;
                setHealth(true, null);
            }
        } catch (SQLException | RuntimeException e) {
            closeConnection();
            setHealth(false, describe(e));
        }
    }

    /** A failing listener is the caller's bug, not the database's: say so, and keep watching. */
    private void deliver(Snapshot snapshot) {
        try {
            listener.snapshot(snapshot);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "policy listener failed on policy version " + snapshot.version(), e);
        }
    }

    private Object currentFileKey() {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    private void reopen(Object key) throws SQLException {
        closeConnection();
        if (fileKey != null && !fileKey.equals(key)) {
            // Another file (a restored backup) may repeat a version number we already serve.
            otherFile = true;
        }
        // Never create: an empty file in place of a deleted one would read as "no clients".
        connection = Store.dataSource(file, BUSY_TIMEOUT_MS, false).getConnection();
        fileKey = key;
        dataVersion = Long.MIN_VALUE;
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // going away anyway
            }
            connection = null;
        }
    }

    private String describe(Exception e) {
        String m = Objects.requireNonNullElse(e.getMessage(), e.toString());
        if (m.contains("SQLITE_BUSY") || m.contains("locked")) {
            return "database " + file + " is locked by another writer";
        }
        return m.startsWith("database") ? m : "database " + file + ": " + m;
    }

    private void setHealth(boolean ok, String problem) {
        Health now = health;
        if (now.ok() == ok && Objects.equals(now.problem(), problem) && now.version() == policyVersion) {
            return;
        }
        boolean changed = now.ok() != ok || !Objects.equals(now.problem(), problem);
        health = new Health(ok, problem, changed ? Instant.now() : now.since(), policyVersion);
        if (changed) {
            try {
                listener.health(health);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "policy listener failed on a health change", e);
            }
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeConnection();
    }
}
