package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.sockwarden.proxy.testing.Docker;
import org.sockwarden.proxy.testing.TestEngine;

/**
 * One sockwarden process, three clients on two ports and a unix socket, each with its preset;
 * the admin CLI changes the policy from another process while it serves.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MultiClientTest {

    private Path data;
    private Process proxy;
    private Path proxyLog;
    private int traefikPort;
    private int watchtowerPort;
    private Path discoverySocket;
    private Docker traefik;
    private Docker watchtower;
    private Docker discovery;
    private Docker direct;
    private final String prefix = "sw-mc-" + UUID.randomUUID().toString().substring(0, 6);

    static int cli(Path data, String... args) {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--data";
        all[args.length + 1] = data.toString();
        return Main.run(all);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static void await(String what, BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " not within " + timeout);
            }
            Thread.sleep(20);
        }
    }

    /** `docker events` through a proxy, checked to be open after 1.5 s; the caller ends it. */
    static Process openEvents(String... hostArgs) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("docker"));
        cmd.addAll(java.util.List.of(hostArgs));
        cmd.add("events");
        Process events = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Thread.sleep(1_500);
        assertThat(events.isAlive()).as("events stream is open").isTrue();
        return events;
    }

    /** Ends a proxy started by a test (SIGTERM, then SIGKILL after 15 s) and prints its log; null: nothing started. */
    static void stopProxy(Process proxy, Path log) throws Exception {
        if (proxy != null) {
            proxy.destroy();
            proxy.waitFor(15, TimeUnit.SECONDS);
            proxy.destroyForcibly();
            System.out.println(Files.readString(log));
        }
    }

    /** `sockwarden serve ARGS` in a JVM of its own (this test's classpath), its output in {@code log}; end it with {@link #stopProxy}. */
    static Process serve(Path log, java.util.Map<String, String> env, String... args) throws IOException {
        java.util.List<String> command = ChildJvm.sockwarden("serve");
        command.addAll(java.util.List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        return pb.start();
    }

    static Process serve(Path log, String... args) throws IOException {
        return serve(log, java.util.Map.of(), args);
    }

    /** {@code serve --listen none --tls-listen 127.0.0.1:PORT} on {@code data}, its output in {@code log}; returned once it accepts. */
    static Process serveTls(Path data, int port, Path log) throws Exception {
        Process p = serve(log, "--listen", "none", "--tls-listen", "127.0.0.1:" + port, "--data", data.toString(),
                "--docker-socket", TestEngine.socket().toString());
        await("TLS listener", () -> accepts(port), Duration.ofSeconds(30));
        return p;
    }

    /** Whether a proxy's log holds {@code text} by now (it is written on its own thread: poll with {@link #await}). */
    static boolean logContains(Path log, String text) {
        try {
            return Files.readString(log).contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    static boolean accepts(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @BeforeAll
    void start() throws Exception {
        Path engine = TestEngine.socket();
        data = Docker.tempDir("swmc");
        traefikPort = freePort();
        watchtowerPort = freePort();
        discoverySocket = data.resolve("discovery.sock");
        assertThat(cli(data, "client", "add", "traefik", "--listen", "127.0.0.1:" + traefikPort, "--preset", "traefik")).isZero();
        assertThat(cli(data, "client", "add", "watchtower", "--listen", "127.0.0.1:" + watchtowerPort, "--preset", "watchtower")).isZero();
        assertThat(cli(data, "client", "add", "discovery", "--socket", discoverySocket.toString(), "--preset", "discovery")).isZero();
        proxyLog = data.resolve("proxy.log");
        proxy = new ProcessBuilder(ChildJvm.sockwarden("serve", "--listen", "none", "--data", data.toString(), "--docker-socket", engine.toString()))
                .redirectErrorStream(true).redirectOutput(proxyLog.toFile()).start();
        await("listeners", () -> accepts(traefikPort) && accepts(watchtowerPort) && Files.exists(discoverySocket), Duration.ofSeconds(30));
        traefik = new Docker("tcp://127.0.0.1:" + traefikPort);
        watchtower = new Docker("tcp://127.0.0.1:" + watchtowerPort);
        discovery = new Docker("unix://" + discoverySocket);
        direct = new Docker(TestEngine.dockerHost());
    }

    @AfterAll
    void stop() throws Exception {
        stopProxy(proxy, proxyLog);
        if (direct != null) {
            direct.run("rm", "-f", prefix + "-wt");
        }
    }

    @Test
    @Order(1)
    void eachClientGetsExactlyItsPreset() {
        // traefik: reads containers and networks, nothing else
        traefik.run("ps").ok();
        traefik.run("network", "ls").ok();
        assertThat(traefik.run("volume", "ls").failed().stderr())
                .contains("sockwarden: client \"traefik\" may not call volumes.list (GET /v1.")
                .contains("needs VOLUMES); to allow it: sockwarden grant traefik VOLUMES");
        assertThat(traefik.run("run", "--rm", "--network", "none", TestEngine.IMAGE, "true").failed().stderr())
                .contains("client \"traefik\" may not call containers.create").contains("sockwarden grant traefik CONTAINERS_CREATE");
        // watchtower: recreates containers, but may not exec or read volumes
        watchtower.run("create", "--name", prefix + "-wt", "--network", "none", TestEngine.IMAGE, "true").ok();
        watchtower.run("rm", prefix + "-wt").ok();
        assertThat(watchtower.run("volume", "ls").failed().stderr()).contains("client \"watchtower\" may not call volumes.list");
        // discovery on its unix socket: topology only
        discovery.run("ps").ok();
        discovery.run("network", "ls").ok();
        assertThat(discovery.run("run", "--rm", TestEngine.IMAGE, "true").failed().stderr())
                .contains("client \"discovery\" may not call containers.create");
        assertThat(direct.run("ps", "-a", "--format", "{{.Names}}").ok().stdout()).doesNotContain(prefix + "-wt");
    }

    @Test
    @Order(2)
    void grantAndRevokeApplyWithinASecondWithoutRestart() throws Exception {
        assertThat(cli(data, "grant", "traefik", "VOLUMES")).isZero();
        long t0 = System.nanoTime();
        await("grant applied", () -> traefik.run("volume", "ls").exitCode() == 0, Duration.ofSeconds(1));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
        assertThat(cli(data, "revoke", "traefik", "VOLUMES")).isZero();
        await("revoke applied", () -> traefik.run("volume", "ls").exitCode() != 0, Duration.ofSeconds(1));
    }

    @Test
    @Order(3)
    void aClientAddedWhileServingGetsItsPortWithinASecond() throws Exception {
        int port = freePort();
        assertThat(cli(data, "client", "add", "late", "--listen", "127.0.0.1:" + port, "--allow", "PING,VERSION,CONTAINERS")).isZero();
        await("new listener", () -> accepts(port), Duration.ofSeconds(1));
        new Docker("tcp://127.0.0.1:" + port).run("ps").ok();
    }

    @Test
    @Order(4)
    void revokingAGrantEndsTheStreamThatUsesIt() throws Exception {
        Process events = openEvents("-H", "unix://" + discoverySocket);
        try {
            assertThat(cli(data, "revoke", "discovery", "SYSTEM_EVENTS")).isZero();
            assertThat(events.waitFor(1, TimeUnit.SECONDS)).as("events stream ended within 1 s of the revocation").isTrue();
            discovery.run("ps").ok();
        } finally {
            events.destroyForcibly();
        }
    }

    @Test
    @Order(4)
    void removingAClientClosesItsListenerAndEndsItsStreams() throws Exception {
        Process events = openEvents("-H", "tcp://127.0.0.1:" + traefikPort);
        try {
            assertThat(cli(data, "client", "remove", "traefik")).isZero();
            assertThat(events.waitFor(3, TimeUnit.SECONDS)).as("events stream ended after the client was removed").isTrue();
            await("listener closed", () -> !accepts(traefikPort), Duration.ofSeconds(1));
        } finally {
            events.destroyForcibly();
        }
    }

    @Test
    @Order(5)
    void socketModeOwnerPeerUidAndSourceRange() throws Exception {
        // Outside the 0700 data directory, so that uid 65534 can reach the socket at all.
        Path open = Docker.tempDir("swpeer");
        Files.setPosixFilePermissions(open, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path peerSocket = open.resolve("peer.sock");
        assertThat(cli(data, "client", "add", "peer", "--socket", peerSocket.toString(), "--socket-mode", "0666",
                "--socket-owner", "0:4242", "--peer-uid", "0", "--allow", "PING,VERSION,CONTAINERS")).isZero();
        await("peer socket", () -> Files.exists(peerSocket), Duration.ofSeconds(1));
        Thread.sleep(200);
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(peerSocket))).isEqualTo("rw-rw-rw-");
        assertThat(Files.getAttribute(peerSocket, "unix:gid")).isEqualTo(4242);
        new Docker("unix://" + peerSocket).run("ps").ok();
        // The same socket, opened by uid 65534: its SO_PEERCRED uid is not allowed.
        Process nobody = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c",
                "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); "
                        + "s.sendall(b'GET /_ping HTTP/1.1\\r\\nHost: d\\r\\nConnection: close\\r\\n\\r\\n'); "
                        + "print(s.recv(4096).decode())", peerSocket.toString()).redirectErrorStream(true).start();
        String answer = new String(nobody.getInputStream().readAllBytes());
        assertThat(nobody.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(answer).startsWith("HTTP/1.1 403").contains("client \\\"peer\\\" accepts only peer uids [0] on its socket, not uid 65534");

        int port = freePort();
        assertThat(cli(data, "client", "add", "ranged", "--listen", "127.0.0.1:" + port, "--from", "10.0.0.0/8",
                "--allow", "PING,VERSION,CONTAINERS")).isZero();
        await("ranged listener", () -> accepts(port), Duration.ofSeconds(1));
        assertThat(new Docker("tcp://127.0.0.1:" + port).run("ps").failed().stderr())
                .contains("client \"ranged\" accepts connections only from 10.0.0.0/8, not from /127.0.0.1:");
    }

    @Test
    @Order(5)
    void cliErrorsAreExact() {
        String d = "--data=" + data;
        CliTest.Run typo = CliTest.run("grant", "watchtower", "NETWROKS", d);
        assertThat(typo.exit()).isEqualTo(2);
        assertThat(typo.err()).isEqualTo("sockwarden: unknown permission NETWROKS (did you mean NETWORKS?); "
                + "`sockwarden permissions` lists them all\n");
        CliTest.Run unknown = CliTest.run("grant", "watchtowr", "NETWORKS", d);
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err()).isEqualTo("sockwarden: no client \"watchtowr\"; clients: discovery, late, peer, ranged, watchtower\n");
        CliTest.Run conflict = CliTest.run("client", "add", "other", "--listen", "127.0.0.1:" + watchtowerPort, d);
        assertThat(conflict.exit()).isEqualTo(1);
        assertThat(conflict.err()).isEqualTo("sockwarden: port 127.0.0.1:" + watchtowerPort
                + " is also the listener of client \"watchtower\"; nothing was changed\n");
        CliTest.Run preset = CliTest.run("client", "add", "other", "--preset", "traefk", d);
        assertThat(preset.exit()).isEqualTo(2);
        assertThat(preset.err()).startsWith("sockwarden: unknown preset traefk (did you mean traefik?); presets: traefik, portainer,");
    }

    @Test
    @Order(6)
    void aDeletedDatabaseKeepsTheLastPolicyInForceAndSaysSo() throws Exception {
        Files.delete(data.resolve("sockwarden.db"));
        Files.deleteIfExists(data.resolve("sockwarden.db-wal"));
        Files.deleteIfExists(data.resolve("sockwarden.db-shm"));
        await("unhealthy status", () -> {
            try {
                return Files.readString(data.resolve("status.json")).contains("\"healthy\":false");
            } catch (IOException e) {
                return false;
            }
        }, Duration.ofSeconds(3));
        await("the loud log line", () -> {
            try {
                return Files.readString(proxyLog).contains("is missing (deleted?); still serving the last good policy");
            } catch (IOException e) {
                return false;
            }
        }, Duration.ofSeconds(3));
        watchtower.run("ps").ok();
        assertThat(watchtower.run("volume", "ls").failed().stderr()).contains("may not call volumes.list");
    }
}
