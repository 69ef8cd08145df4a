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
import java.util.function.Consumer;

/**
 * Tells a running proxy about every committed change, whichever process made it, within a
 * poll interval. It owns one connection and reads {@code PRAGMA data_version} (a few µs) ten
 * times a second; only when that moves does it read the policy again.
 *
 * <p>When the database cannot be read (locked by another writer past a short timeout, deleted,
 * replaced, corrupt) the proxy keeps its last good snapshot: the watcher reports the trouble
 * through {@link #health()} and the listener, and recovers by itself when the file is back.
 */
public final class PolicyWatcher implements AutoCloseable {

    /** Healthy, or why not and since when; {@code version} is the policy version being served. */
    public record Health(boolean ok, String problem, Instant since, long version) {}

    /** What the proxy hears: a new snapshot, or a change of health. */
    public interface Listener {
        void snapshot(Snapshot snapshot);

        void health(Health health);
    }

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

    public PolicyWatcher(Path file, Listener listener) {
        this.file = file;
        this.listener = listener;
        this.health = new Health(true, null, Instant.now(), -1);
        this.thread = new Thread(this::run, "sockwarden-policy-watcher");
        thread.setDaemon(true);
    }

    /** Reads the policy once (so the caller starts with it, or knows it could not) and starts watching. */
    public PolicyWatcher start() {
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
                Snapshot snapshot = Store.read(connection);
                dataVersion = v;
                if (snapshot.version() != policyVersion) {
                    policyVersion = snapshot.version();
                    listener.snapshot(snapshot);
                }
                setHealth(true, null);
            }
        } catch (SQLException | RuntimeException e) {
            closeConnection();
            setHealth(false, describe(e));
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
        connection = Store.dataSource(file, BUSY_TIMEOUT_MS).getConnection();
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
            listener.health(health);
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
