package org.sockwarden.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;
import org.sqlite.SQLiteOpenMode;

/**
 * The policy database: one SQLite file in the data directory, in WAL mode so the admin CLI can
 * write while a proxy reads. Every change is one transaction that also bumps the policy version.
 */
public final class Store implements AutoCloseable {

    public static final String FILE = "sockwarden.db";
    /**
     * Migrations in order; the schema version is their count. {@code PRAGMA user_version} is the
     * authority (older binaries read it to refuse a newer database); {@code schema_version} is
     * the history, for people.
     */
    static final List<String> MIGRATIONS = List.of("V1__clients.sql", "V2__certificates.sql", "V3__modes_settings_audit.sql",
            "V4__issuer_bound_mappings.sql", "V5__audit_moves_to_its_own_file.sql",
            "V6__client_guardrails.sql", "V7__own_only_clients.sql", "V8__client_limits.sql", "V9__redacted_inspect.sql");

    private final Path file;
    private final HikariDataSource pool;

    private Store(Path file, HikariDataSource pool) {
        this.file = file;
        this.pool = pool;
    }

    /** Opens (creating if needed) the store in {@code dataDir} and brings its schema up to date. */
    public static Store open(Path dataDir) {
        return open(dataDir, java.time.Duration.ofSeconds(5));
    }

    /** As {@link #open(Path)}; a write waits at most {@code busyTimeout} for another writer to finish. */
    public static Store open(Path dataDir, java.time.Duration busyTimeout) {
        Path file = dataDir.resolve(FILE);
        try {
            if (!Files.isDirectory(dataDir)) {
                Files.createDirectories(dataDir);
                Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx------"));
            }
        } catch (IOException | UnsupportedOperationException e) {
            throw new StoreException("cannot create data directory " + dataDir + ": " + e.getMessage(), e);
        }
        HikariConfig config = new HikariConfig();
        config.setDataSource(dataSource(file, (int) busyTimeout.toMillis()));
        config.setMaximumPoolSize(2);
        config.setMinimumIdle(0);
        config.setPoolName("sockwarden-store");
        config.setInitializationFailTimeout(-1);
        HikariDataSource pool = new HikariDataSource(config);
        Store store = new Store(file, pool);
        try (Connection c = pool.getConnection()) {
            migrate(c, file, "migrations/", MIGRATIONS);
        } catch (SQLException e) {
            pool.close();
            throw unusable(file, e);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        return store;
    }

    static SQLiteDataSource dataSource(Path file, int busyTimeoutMs) {
        return dataSource(file, busyTimeoutMs, true);
    }

    /** {@code create} false for readers that must report a missing file rather than make an empty one. */
    static SQLiteDataSource dataSource(Path file, int busyTimeoutMs, boolean create) {
        SQLiteConfig c = new SQLiteConfig();
        if (!create) {
            c.resetOpenMode(SQLiteOpenMode.CREATE);
        }
        c.setJournalMode(SQLiteConfig.JournalMode.WAL);
        // FULL: a committed revocation survives a power loss; NORMAL in WAL mode may lose the last commits, and with them a revocation.
        c.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        c.enforceForeignKeys(true);
        c.setBusyTimeout(busyTimeoutMs);
        SQLiteDataSource ds = new SQLiteDataSource(c);
        ds.setUrl("jdbc:sqlite:" + file);
        return ds;
    }

    public Path file() {
        return file;
    }

    /**
     * Brings the database {@code file} (open as {@code c}) up to {@code migrations}, scripts of the
     * resource folder {@code folder}; the policy store and the audit trail each have their own list.
     */
    static void migrate(Connection c, Path file, String folder, List<String> migrations) throws SQLException {
        // Read without a lock first: an up-to-date database is opened by users who may not
        // write it, and while another process holds the write lock.
        if (checkedVersion(c, file, migrations) == migrations.size()) {
            return;
        }
        while (true) {
            // Under the write lock, and the version read again: two processes opening a new
            // directory at once must not both apply V1.
            exec(c, "BEGIN IMMEDIATE");
            try {
                int current = checkedVersion(c, file, migrations);
                if (current == migrations.size()) {
                    exec(c, "ROLLBACK");
                    return;
                }
                int v = current + 1;
                String name = migrations.get(v - 1);
                for (String statement : statements(resource(folder + name))) {
                    exec(c, statement);
                }
                exec(c, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, script TEXT NOT NULL, applied_at TEXT)");
                try (PreparedStatement p = c.prepareStatement("INSERT OR IGNORE INTO schema_version VALUES (?, ?, ?)")) {
                    // Versions applied before the history was kept get a row without a date.
                    for (int old = 1; old <= v; old++) {
                        p.setInt(1, old);
                        p.setString(2, migrations.get(old - 1));
                        p.setString(3, old == v ? Instant.now().toString() : null);
                        p.executeUpdate();
                    }
                }
                exec(c, "PRAGMA user_version = " + v);
                exec(c, "COMMIT");
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
                throw e;
            }
        }
    }

    private static int checkedVersion(Connection c, Path file, List<String> migrations) throws SQLException {
        int current;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA user_version")) {
            current = rs.getInt(1);
        }
        if (current > migrations.size()) {
            throw new StoreException("database " + file + " has schema version " + current + ", this sockwarden knows up to "
                    + migrations.size() + ": upgrade sockwarden");
        }
        return current;
    }

    /** Our scripts are plain DDL and DML: one statement ends at a semicolon at the end of a line. */
    static List<String> statements(String script) {
        String code = script.lines().filter(l -> !l.strip().startsWith("--")).collect(java.util.stream.Collectors.joining("\n"));
        return java.util.Arrays.stream(code.split(";\\s*(\\n|$)")).map(String::strip).filter(x -> !x.isEmpty()).toList();
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static String resource(String name) {
        try (InputStream in = Store.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new StoreException("migration " + name + " missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new StoreException("cannot read migration " + name, e);
        }
    }

    private StoreException unusable(SQLException e) {
        return unusable(file, e);
    }

    static StoreException unusable(Path file, SQLException e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        if (m.contains("SQLITE_BUSY") || m.contains("locked")) {
            return new StoreException("database " + file + " is locked by another writer; try again (" + m + ")", e);
        }
        return new StoreException("database " + file + ": " + m, e);
    }

    // ---- reads ----

    public Snapshot snapshot() {
        try (Connection c = pool.getConnection()) {
            return read(c);
        } catch (SQLException e) {
            throw unusable(e);
        }
    }

    /** Reads everything in one transaction so the picture is consistent. */
    static Snapshot read(Connection c) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            return readSnapshot(c);
        } finally {
            c.rollback();
            c.setAutoCommit(auto);
        }
    }

    /** Reads everything with the connection's transaction as it is (a writer's: its own changes included). */
    private static Snapshot readSnapshot(Connection c) throws SQLException {
        long version = policyVersion(c);
        Map<Long, Builder> byId = new LinkedHashMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id, name, mode, guardrails, own_only, owner_id, limits, redact FROM clients ORDER BY name")) {
            while (rs.next()) {
                byId.put(rs.getLong(1), new Builder(rs.getString(2), rs.getString(3), rs.getString(4), rs.getInt(5) != 0, rs.getString(6),
                        rs.getString(7), rs.getString(8)));
            }
        }
        readInto(c, byId, "SELECT client_id, kind, address, mode, uid, gid FROM listeners ORDER BY kind, address", (b, rs) ->
                b.listeners.add(new StoredClient.Listener(rs.getString(2), rs.getString(3), rs.getString(4),
                        (Integer) rs.getObject(5), (Integer) rs.getObject(6))));
        readInto(c, byId, "SELECT client_id, cidr FROM sources ORDER BY cidr", (b, rs) -> b.sources.add(rs.getString(2)));
        readInto(c, byId, "SELECT client_id, uid FROM peer_uids ORDER BY uid", (b, rs) -> b.peerUids.add(rs.getInt(2)));
        readInto(c, byId, "SELECT client_id, permission FROM grants", (b, rs) -> b.grants.add(rs.getString(2)));
        readInto(c, byId, "SELECT client_id, preset FROM presets ORDER BY preset", (b, rs) -> b.presets.add(rs.getString(2)));
        readInto(c, byId, "SELECT client_id, kind, value, ca FROM cert_mappings ORDER BY value, ca", (b, rs) -> {
            if (rs.getString(2).equals("subject")) {
                b.certSubjects.add(new StoredClient.SubjectMapping(rs.getString(3), rs.getString(4)));
            } else {
                b.certFingerprints.add(rs.getString(3));
            }
        });
        List<StoredCertificate> certificates = certificates(c);
        List<Snapshot.RevokedFingerprint> revoked = new ArrayList<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT fingerprint, revoked_at, reason FROM revoked_fingerprints ORDER BY revoked_at")) {
            while (rs.next()) {
                revoked.add(new Snapshot.RevokedFingerprint(rs.getString(1), Instant.parse(rs.getString(2)), rs.getString(3)));
            }
        }
        List<StoredClient> clients = new ArrayList<>();
        for (Builder b : byId.values()) {
            clients.add(new StoredClient(b.name, b.mode, b.guardrails, b.ownOnly, b.ownerId, b.limits, b.redact, b.listeners, b.sources, b.peerUids, b.grants, b.presets, b.certSubjects,
                    b.certFingerprints));
        }
        return new Snapshot(version, clients, certificates, revoked);
    }

    /** {@code snapshot} with {@code client} in place of the client of its name, or added. */
    private static Snapshot with(Snapshot snapshot, StoredClient client) {
        List<StoredClient> clients = new ArrayList<>(snapshot.clients());
        clients.removeIf(x -> x.name().equals(client.name()));
        clients.add(client);
        return new Snapshot(snapshot.version(), clients, snapshot.certificates(), snapshot.revokedFingerprints());
    }

    static long policyVersion(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT value FROM meta WHERE key = 'policy_version'")) {
            return rs.next() ? Long.parseLong(rs.getString(1)) : 0;
        }
    }

    private static List<StoredCertificate> certificates(Connection c) throws SQLException {
        List<StoredCertificate> certificates = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT serial, kind, client, fingerprint, subject, "
                + "not_before, not_after, revoked_at, revoke_reason FROM certificates ORDER BY not_before, serial")) {
            while (rs.next()) {
                certificates.add(new StoredCertificate(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                        Instant.parse(rs.getString(6)), Instant.parse(rs.getString(7)),
                        rs.getString(8) == null ? null : Instant.parse(rs.getString(8)), rs.getString(9)));
            }
        }
        return certificates;
    }

    /** One row of a per-client table, added to its client's builder. */
    @FunctionalInterface
    private interface RowInto {
        void read(Builder client, ResultSet row) throws SQLException;
    }

    /** After a failed transaction: the failure that ended it is the one to report, not a failing rollback. */
    private static void rollbackQuietly(Connection c) {
        try {
            exec(c, "ROLLBACK");
        } catch (SQLException ignored) {
            // no transaction left to roll back
        }
    }

    /**
     * Runs a query whose first column is the client id and hands each row to that client's builder.
     * A row of no client (deleted by hand with foreign keys off) belongs to nobody and is passed over:
     * it must not make the whole policy unreadable.
     */
    private static void readInto(Connection c, Map<Long, Builder> byId, String sql, RowInto into) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                Builder client = byId.get(rs.getLong(1));
                if (client != null) {
                    into.read(client, rs);
                }
            }
        }
    }

    private static final class Builder {
        final String name;
        final String mode;
        final String guardrails;
        final boolean ownOnly;
        final String ownerId;
        final String limits;
        final String redact;
        final List<StoredClient.Listener> listeners = new ArrayList<>();
        final List<String> sources = new ArrayList<>();
        final List<Integer> peerUids = new ArrayList<>();
        final TreeSet<String> grants = new TreeSet<>();
        final List<String> presets = new ArrayList<>();
        final List<StoredClient.SubjectMapping> certSubjects = new ArrayList<>();
        final List<String> certFingerprints = new ArrayList<>();

        Builder(String name, String mode, String guardrails, boolean ownOnly, String ownerId, String limits, String redact) {
            this.name = name;
            this.mode = mode;
            this.guardrails = guardrails;
            this.ownOnly = ownOnly;
            this.redact = redact;
            this.ownerId = ownerId;
            this.limits = limits;
        }
    }

    public StoredClient client(String name) {
        Snapshot s = snapshot();
        return s.clients().stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> noSuchClient(name, s.clients().stream().map(StoredClient::name).toList()));
    }

    /** The certificates of one client (also of a removed one: its name stays on them), or all with {@code null}. */
    public List<StoredCertificate> certificates(String clientOrNull) {
        return snapshot().certificates().stream().filter(x -> clientOrNull == null || clientOrNull.equals(x.client())).toList();
    }

    public Optional<String> setting(String key) {
        try (Connection c = pool.getConnection(); PreparedStatement p = c.prepareStatement("SELECT value FROM settings WHERE key = ?")) {
            p.setString(1, key);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw unusable(e);
        }
    }

    private static StoreException noSuchClient(String name, List<String> names) {
        return new StoreException("no client \"" + name + "\"; clients: " + (names.isEmpty() ? "(none)" : String.join(", ", names)));
    }

    // ---- changes ----

    @FunctionalInterface
    private interface Change<T> {
        T apply(Connection c) throws SQLException;
    }

    /** One write transaction that also bumps the policy version; BEGIN IMMEDIATE so writers queue instead of failing late. */
    private <T> T change(Change<T> change) {
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(true);
            exec(c, "BEGIN IMMEDIATE");
            try {
                T result = change.apply(c);
                exec(c, "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'policy_version'");
                exec(c, "COMMIT");
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
                throw e;
            }
        } catch (SQLException e) {
            throw unusable(e);
        }
    }

    /** Adds a client; refuses a taken name. */
    public void addClient(StoredClient client) {
        addClient(client, after -> { });
    }

    /**
     * Adds a client. {@code check} sees every client as they would be with it, under the write lock
     * (so no other writer comes in between), and refuses the change by throwing. Returns the client as
     * added: with the owner id the store gave it.
     */
    public StoredClient addClient(StoredClient given, Consumer<Snapshot> check) {
        String mode = checkMode(given.mode());
        // The store gives every client its owner id; whatever the caller had in it is not taken.
        StoredClient client = given.withOwnerId(newOwnerId());
        change(c -> {
            if (clientId(c, client.name()) != null) {
                throw new StoreException("client \"" + client.name() + "\" already exists");
            }
            check.accept(with(readSnapshot(c), client));
            try (PreparedStatement p = c.prepareStatement(
                    "INSERT INTO clients (name, mode, guardrails, own_only, owner_id, limits, redact, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                p.setString(1, client.name());
                p.setString(2, mode);
                p.setString(3, client.guardrails());
                p.setInt(4, client.ownOnly() ? 1 : 0);
                p.setString(5, client.ownerId());
                p.setString(6, client.limits());
                p.setString(7, client.redact());
                p.setString(8, Instant.now().toString());
                p.executeUpdate();
            }
            long id = clientId(c, client.name());
            writeIdentity(c, id, client);
            insertAll(c, "INSERT OR IGNORE INTO grants (client_id, permission) VALUES (?, ?)", id, client.grants());
            insertAll(c, "INSERT OR IGNORE INTO presets (client_id, preset) VALUES (?, ?)", id, client.presets());
            return null;
        });
        return client;
    }

    /**
     * Changes how a client is recognised and treated: {@code edit} gets the client as stored, under
     * the write lock, and returns it as it is to be; its listeners, sources, peer uids, certificate
     * mappings, mode, guardrails, own-only setting, limits and redacted fields are written (name and grants stay). {@code check} sees every
     * client as they would be and refuses by throwing. Returns the client as written.
     */
    public StoredClient updateClient(String name, UnaryOperator<StoredClient> edit, Consumer<Snapshot> check) {
        return change(c -> {
            long id = requireClient(c, name);
            Snapshot before = readSnapshot(c);
            StoredClient old = before.clients().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
            StoredClient edited = edit.apply(old);
            StoredClient updated = old.withIdentity(edited.listeners(), edited.sources(), edited.peerUids(), edited.certSubjects(),
                    edited.certFingerprints()).withRules(checkMode(edited.mode()), edited.guardrails(), edited.ownOnly()).withLimits(edited.limits())
                    .withRedact(edited.redact());
            check.accept(with(before, updated));
            try (PreparedStatement p = c.prepareStatement("UPDATE clients SET mode = ?, guardrails = ?, own_only = ?, limits = ?, redact = ? WHERE id = ?")) {
                p.setString(1, updated.mode());
                p.setString(2, updated.guardrails());
                p.setInt(3, updated.ownOnly() ? 1 : 0);
                p.setString(4, updated.limits());
                p.setString(5, updated.redact());
                p.setLong(6, id);
                p.executeUpdate();
            }
            for (String table : List.of("listeners", "sources", "peer_uids", "cert_mappings")) {
                try (PreparedStatement p = c.prepareStatement("DELETE FROM " + table + " WHERE client_id = ?")) {
                    p.setLong(1, id);
                    p.executeUpdate();
                }
            }
            writeIdentity(c, id, updated);
            touch(c, id);
            return updated;
        });
    }

    /** Sets {@code enforce} or {@code learn}; returns whether the mode changed. */
    public boolean setMode(String client, String mode) {
        String checked = checkMode(mode);
        return change(c -> {
            long id = requireClient(c, client);
            try (PreparedStatement p = c.prepareStatement("UPDATE clients SET mode = ? WHERE id = ? AND mode <> ?")) {
                p.setString(1, checked);
                p.setLong(2, id);
                p.setString(3, checked);
                if (p.executeUpdate() == 0) {
                    return false;
                }
            }
            touch(c, id);
            return true;
        });
    }

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    /** A new client's owner id: 128 random bits, never derived from its name (see V7). */
    private static String newOwnerId() {
        byte[] id = new byte[16];
        RANDOM.nextBytes(id);
        return java.util.HexFormat.of().formatHex(id);
    }

    private static String checkMode(String mode) {
        if (!StoredClient.ENFORCE.equals(mode) && !StoredClient.LEARN.equals(mode)) {
            throw new StoreException("unknown mode \"" + mode + "\"; modes: " + StoredClient.ENFORCE + ", " + StoredClient.LEARN);
        }
        return mode;
    }

    private static void touch(Connection c, long id) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("UPDATE clients SET updated_at = ? WHERE id = ?")) {
            p.setString(1, Instant.now().toString());
            p.setLong(2, id);
            p.executeUpdate();
        }
    }

    /** Uniqueness is the caller's check, on addresses as the proxy reads them; the table constraints catch only equal text. */
    private static void writeIdentity(Connection c, long id, StoredClient client) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(
                "INSERT INTO listeners (client_id, kind, address, mode, uid, gid) VALUES (?, ?, ?, ?, ?, ?)")) {
            for (StoredClient.Listener l : client.listeners()) {
                p.setLong(1, id);
                p.setString(2, l.kind());
                p.setString(3, l.address());
                p.setString(4, l.mode());
                p.setObject(5, l.uid());
                p.setObject(6, l.gid());
                p.executeUpdate();
            }
        }
        insertAll(c, "INSERT OR IGNORE INTO sources (client_id, cidr) VALUES (?, ?)", id, client.sources());
        try (PreparedStatement p = c.prepareStatement("INSERT INTO cert_mappings (client_id, kind, value, ca) VALUES (?, ?, ?, ?)")) {
            for (StoredClient.SubjectMapping m : client.certSubjects()) {
                p.setLong(1, id);
                p.setString(2, "subject");
                p.setString(3, m.subject());
                p.setString(4, m.ca());
                p.executeUpdate();
            }
            for (String fingerprint : client.certFingerprints()) {
                p.setLong(1, id);
                p.setString(2, "fingerprint");
                p.setString(3, fingerprint);
                p.setString(4, null);
                p.executeUpdate();
            }
        }
        try (PreparedStatement p = c.prepareStatement("INSERT OR IGNORE INTO peer_uids (client_id, uid) VALUES (?, ?)")) {
            for (Integer uid : client.peerUids()) {
                p.setLong(1, id);
                p.setInt(2, uid);
                p.executeUpdate();
            }
        }
    }

    /** Records a certificate sockwarden issued; {@code client} must exist for a client certificate. */
    public void recordCertificate(StoredCertificate cert) {
        change(c -> {
            if (cert.client() != null) {
                requireClient(c, cert.client());
            }
            try (PreparedStatement p = c.prepareStatement("INSERT INTO certificates (serial, kind, client, fingerprint, subject, "
                    + "not_before, not_after) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                p.setString(1, cert.serial());
                p.setString(2, cert.kind());
                p.setString(3, cert.client());
                p.setString(4, cert.fingerprint());
                p.setString(5, cert.subject());
                p.setString(6, cert.notBefore().toString());
                p.setString(7, cert.notAfter().toString());
                p.executeUpdate();
            }
            return null;
        });
    }

    /** As {@link #revokeCertificates(String, String)} without a reason. */
    public List<StoredCertificate> revokeCertificates(String nameSerialOrFingerprint) {
        return revokeCertificates(nameSerialOrFingerprint, null);
    }

    /**
     * Revokes by client name (all its valid certificates), serial or fingerprint; returns the
     * certificates revoked now. Nothing matching is a refusal naming what was looked for.
     */
    public List<StoredCertificate> revokeCertificates(String nameSerialOrFingerprint, String reason) {
        return change(c -> {
            String key = nameSerialOrFingerprint.replace(":", "").toLowerCase(java.util.Locale.ROOT);
            List<StoredCertificate> hits = certificates(c).stream().filter(x -> x.revokedAt() == null && x.kind().equals("client"))
                    .filter(x -> nameSerialOrFingerprint.equals(x.client()) || x.serial().equals(key) || x.fingerprint().equals(key))
                    .toList();
            if (hits.isEmpty()) {
                throw new StoreException("no valid client certificate has client name, serial or fingerprint " + nameSerialOrFingerprint
                        + "; `sockwarden cert list` shows them");
            }
            Instant now = Instant.now();
            try (PreparedStatement p = c.prepareStatement("UPDATE certificates SET revoked_at = ?, revoke_reason = ? WHERE serial = ?")) {
                for (StoredCertificate x : hits) {
                    p.setString(1, now.toString());
                    p.setString(2, reason);
                    p.setString(3, x.serial());
                    p.executeUpdate();
                }
            }
            return hits.stream().map(x -> new StoredCertificate(x.serial(), x.kind(), x.client(), x.fingerprint(), x.subject(),
                    x.notBefore(), x.notAfter(), now, reason)).toList();
        });
    }

    /**
     * Revokes a certificate sockwarden did not issue (a mapped one of another CA) by its SHA-256
     * fingerprint: from then on it identifies no client, whatever mapping it matches. Refused for a
     * certificate sockwarden issued ({@link #revokeCertificates} records those). Returns false if it
     * was revoked already.
     */
    public boolean revokeFingerprint(String fingerprint, String reason) {
        if (!fingerprint.matches("[0-9a-f]{64}")) {
            throw new StoreException("not a SHA-256 fingerprint (64 lower-case hex digits): " + fingerprint);
        }
        return change(c -> {
            if (certificates(c).stream().anyMatch(x -> x.fingerprint().equals(fingerprint))) {
                throw new StoreException("certificate " + fingerprint + " was issued by sockwarden; revoke it as such");
            }
            try (PreparedStatement p = c.prepareStatement(
                    "INSERT OR IGNORE INTO revoked_fingerprints (fingerprint, revoked_at, reason) VALUES (?, ?, ?)")) {
                p.setString(1, fingerprint);
                p.setString(2, Instant.now().toString());
                p.setString(3, reason);
                return p.executeUpdate() > 0;
            }
        });
    }

    private static void insertAll(Connection c, String sql, long id, Collection<String> values) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql)) {
            for (String v : values) {
                p.setLong(1, id);
                p.setString(2, v);
                p.executeUpdate();
            }
        }
    }

    /**
     * Removes a client and revokes its certificates: they name the client, and a new client of
     * the same name must not inherit them.
     */
    public void removeClient(String name) {
        change(c -> {
            long id = requireClient(c, name);
            try (PreparedStatement p = c.prepareStatement("UPDATE certificates SET revoked_at = ?, revoke_reason = 'client removed' "
                    + "WHERE client = ? AND kind = 'client' AND revoked_at IS NULL")) {
                p.setString(1, Instant.now().toString());
                p.setString(2, name);
                p.executeUpdate();
            }
            try (PreparedStatement p = c.prepareStatement("DELETE FROM clients WHERE id = ?")) {
                p.setLong(1, id);
                p.executeUpdate();
            }
            return null;
        });
    }

    /** Grants permissions (and records presets applied); returns the names that were not granted before. */
    public List<String> grant(String client, Collection<String> permissions, Collection<String> presets) {
        return change(c -> {
            long id = requireClient(c, client);
            List<String> added = new ArrayList<>();
            try (PreparedStatement p = c.prepareStatement("INSERT OR IGNORE INTO grants (client_id, permission) VALUES (?, ?)")) {
                for (String perm : permissions) {
                    p.setLong(1, id);
                    p.setString(2, perm);
                    if (p.executeUpdate() > 0) {
                        added.add(perm);
                    }
                }
            }
            insertAll(c, "INSERT OR IGNORE INTO presets (client_id, preset) VALUES (?, ?)", id, presets);
            touch(c, id);
            return added;
        });
    }

    /** Revokes permissions; returns the names that were granted and are not any more. */
    public List<String> revoke(String client, Collection<String> permissions) {
        return change(c -> {
            long id = requireClient(c, client);
            List<String> removed = new ArrayList<>();
            try (PreparedStatement p = c.prepareStatement("DELETE FROM grants WHERE client_id = ? AND permission = ?")) {
                for (String perm : permissions) {
                    p.setLong(1, id);
                    p.setString(2, perm);
                    if (p.executeUpdate() > 0) {
                        removed.add(perm);
                    }
                }
            }
            touch(c, id);
            return removed;
        });
    }

    public void putSetting(String key, String value) {
        change(c -> {
            try (PreparedStatement p = c.prepareStatement("INSERT INTO settings (key, value) VALUES (?, ?) "
                    + "ON CONFLICT (key) DO UPDATE SET value = excluded.value")) {
                p.setString(1, key);
                p.setString(2, value);
                p.executeUpdate();
            }
            return null;
        });
    }

    private static Long clientId(Connection c, String name) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT id FROM clients WHERE name = ?")) {
            p.setString(1, name);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        }
    }

    private static long requireClient(Connection c, String name) throws SQLException {
        Long id = clientId(c, name);
        if (id == null) {
            List<String> names = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT name FROM clients ORDER BY name")) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
            throw noSuchClient(name, names);
        }
        return id;
    }

    @Override
    public void close() {
        pool.close();
    }
}
