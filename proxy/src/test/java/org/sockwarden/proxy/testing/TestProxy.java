package org.sockwarden.proxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sockwarden.proxy.identity.Client;
import org.sockwarden.proxy.identity.ClientConfig;
import org.sockwarden.proxy.identity.ClientRules;
import org.sockwarden.proxy.identity.Directory;
import org.sockwarden.proxy.identity.ListenerAddress;
import org.sockwarden.proxy.limit.ClientLimits;
import org.sockwarden.proxy.listener.Limits;
import org.sockwarden.proxy.listener.ProxyServer;
import org.sockwarden.proxy.log.AccessLog;
import org.sockwarden.proxy.policy.PermissionSet;

/** A sockwarden in this JVM on 127.0.0.1 and a free port, in the drop-in mode, with its access log captured. */
public final class TestProxy implements AutoCloseable {
    private final ProxyServer server;
    private final AccessLog log;
    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final int port;

    private final ListenerAddress.Tcp listener = new ListenerAddress.Tcp("127.0.0.1", 0);
    private long version = 1;
    private PermissionSet permissions;
    private ClientRules rules = ClientRules.DEFAULT;
    /** For a proxy of several clients: each one's socket. */
    private final Map<String, Path> sockets = new LinkedHashMap<>();

    private TestProxy(Path socket, Limits limits, PermissionSet permissions) throws Exception {
        this.log = new AccessLog(AccessLog.Format.TEXT, new PrintStream(new Tee(logBytes), true, StandardCharsets.UTF_8));
        this.server = new ProxyServer(socket, log, Duration.ofSeconds(2), limits, null);
        this.permissions = permissions;
        server.start(directory());
        this.port = server.port(listener.key());
    }

    private TestProxy(Path socket, List<Client> clients) throws Exception {
        this.log = new AccessLog(AccessLog.Format.TEXT, new PrintStream(new Tee(logBytes), true, StandardCharsets.UTF_8));
        this.server = new ProxyServer(socket, log, Duration.ofSeconds(2), Limits.DEFAULT, null);
        Path dir = Docker.tempDir("sw-clients");
        List<ClientConfig> configs = new java.util.ArrayList<>();
        for (Client c : clients) {
            Path s = dir.resolve(c.name() + ".sock");
            sockets.put(c.name(), s);
            configs.add(new ClientConfig(c, List.of(new ListenerAddress.Unix(s, "0600", null, null)), List.of(), Set.of()));
        }
        server.start(new Directory(version++, configs));
        this.port = -1;
    }

    /** A proxy for several clients, each on a unix socket of its own ({@link #dockerHost(String)}). */
    public static TestProxy start(Path socket, Client... clients) throws Exception {
        return new TestProxy(socket, List.of(clients));
    }

    /** The DOCKER_HOST of {@code client} on a proxy of several clients. */
    public String dockerHost(String client) {
        return "unix://" + socket(client);
    }

    /** The socket of {@code client} on a proxy of several clients. */
    public Path socket(String client) {
        Path s = sockets.get(client);
        if (s == null) {
            throw new IllegalArgumentException("no client " + client);
        }
        return s;
    }

    public static TestProxy start(Path socket, PermissionSet permissions) throws Exception {
        return new TestProxy(socket, Limits.DEFAULT, permissions);
    }

    public static TestProxy start(Path socket, String... permissions) throws Exception {
        return start(socket, PermissionSet.parse(List.of(permissions)));
    }

    /** With time limits and connection caps of its own (short ones make timeout tests quick). */
    public static TestProxy start(Path socket, Limits limits, String... permissions) throws Exception {
        return new TestProxy(socket, limits, PermissionSet.parse(List.of(permissions)));
    }

    private synchronized Directory directory() {
        Client client = new Client("default", permissions, Client.GrantAdvice.ENV_FLAGS, rules);
        return new Directory(version++, List.of(new ClientConfig(client, List.of(listener), List.of(), Set.of())));
    }

    /** Gives the client these permissions from now on, as a policy change does: fewer is a revocation, and running exchanges it refuses end. */
    public void permit(String... permissions) {
        synchronized (this) {
            this.permissions = PermissionSet.parse(List.of(permissions));
        }
        server.apply(directory());
    }

    /** Gives the client these limits from now on, as a policy change does (its permissions stay). */
    public void limit(ClientLimits limits) {
        synchronized (this) {
            rules = new ClientRules(rules.learning(), rules.guardrails(), rules.owner(), limits, rules.redacted());
        }
        server.apply(directory());
    }

    /** Gives the client these rules (learn mode, guardrails, owner) from now on, with the permissions it has. */
    public void rules(ClientRules next) {
        synchronized (this) {
            rules = next;
        }
        server.apply(directory());
    }

    public ProxyServer server() {
        return server;
    }

    public int port() {
        return port;
    }

    public String dockerHost() {
        return "tcp://127.0.0.1:" + port;
    }

    /** The access log so far (it is written asynchronously: poll for what you expect). */
    public String log() {
        synchronized (logBytes) {
            return logBytes.toString(StandardCharsets.UTF_8);
        }
    }

    /** Waits (bounded) until the access log contains {@code text}, and returns the log. */
    public String awaitLog(String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!log().contains(text) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return log();
    }

    @Override
    public void close() throws Exception {
        server.close();
        log.close();
    }

    /** Keeps the log in memory and on stdout, so a failing test's report shows it. */
    private static final class Tee extends java.io.OutputStream {
        private final ByteArrayOutputStream memory;

        Tee(ByteArrayOutputStream memory) {
            this.memory = memory;
        }

        @Override
        public void write(int b) {
            synchronized (memory) {
                memory.write(b);
            }
            System.out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            synchronized (memory) {
                memory.write(b, off, len);
            }
            System.out.write(b, off, len);
        }
    }
}
