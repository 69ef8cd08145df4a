package org.sockwarden.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sockwarden.proxy.limit.ClientLimits;
import org.sockwarden.proxy.forward.Forwarder;
import org.sockwarden.proxy.guard.Guard;
import org.sockwarden.proxy.guard.Guardrails;
import org.sockwarden.proxy.guard.Label;
import org.sockwarden.proxy.identity.ClientRules;
import org.sockwarden.proxy.listener.Limits;
import org.sockwarden.proxy.testing.Docker;
import org.sockwarden.proxy.testing.TestEngine;
import org.sockwarden.proxy.testing.TestProxy;
import org.sockwarden.proxy.testing.Wire;

/**
 * Issue 19's acceptance on the real engine with the real docker CLI: a client that may create
 * containers, with the default guardrails, runs a plain container, and every dangerous flag of
 * {@code docker run}, every crafted body sent raw, every bind in disguise is refused with the field
 * named; then the engine itself is asked whether anything was created. Learn mode, forced labels,
 * the query of every operation, and the memory bound on judged bodies, on the same engine.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GuardedRequestsTest {

    private static final String IMAGE = TestEngine.IMAGE;
    private static final String[] RUN_GRANTS = {"PING", "VERSION", "CONTAINERS_CREATE", "CONTAINERS_START"};

    private final String prefix = "sw-gr-" + UUID.randomUUID().toString().substring(0, 6);
    private int serial;
    private Docker direct;
    private Path hostDir;

    @BeforeAll
    void start() throws IOException {
        TestEngine.socket();
        direct = Docker.engine();
        hostDir = Docker.tempDir("sw-gr-host").toRealPath();
        Files.writeString(hostDir.resolve("marker"), "host file\n");
    }

    @AfterAll
    void cleanUp() throws IOException {
        if (direct == null) {
            return;
        }
        String ids = direct.run("ps", "-aq", "--filter", "name=" + prefix).stdout().strip();
        if (!ids.isEmpty()) {
            List<String> args = new ArrayList<>(List.of("rm", "-f"));
            args.addAll(List.of(ids.split("\\s+")));
            direct.run(args.toArray(String[]::new));
        }
        for (String v : direct.run("volume", "ls", "-q", "--filter", "name=" + prefix).stdout().strip().split("\\s+")) {
            if (!v.isEmpty()) {
                direct.run("volume", "rm", "-f", v);
            }
        }
        Files.deleteIfExists(hostDir.resolve("marker"));
        Files.deleteIfExists(hostDir);
    }

    private String name() {
        return prefix + "-" + (++serial);
    }

    /** Whether the engine itself has a container of this name: asked directly, by a list filter and by name. */
    private boolean engineHasContainer(String name) {
        boolean listed = direct.run("ps", "-a", "--format", "{{.Names}}").ok().stdout().lines().anyMatch(name::equals);
        boolean byName = direct.run("inspect", "--type", "container", name).exitCode() == 0;
        assertThat(listed).as("docker ps -a and docker inspect agree on " + name).isEqualTo(byName);
        return byName;
    }

    /** {docker run flags, the field the 403 names} */
    Stream<Arguments> dangerousFlags() {
        String engineSocket = TestEngine.socket().toString();
        return Stream.of(
            Arguments.of(List.of("--privileged"), "HostConfig.Privileged"),
            Arguments.of(List.of("-v", "/:/host"), "HostConfig.Binds[0]"),
            Arguments.of(List.of("-v", "/var/run/docker.sock:/s"), "HostConfig.Binds[0]"),
            Arguments.of(List.of("-v", engineSocket + ":/s"), "HostConfig.Binds[0]"),
            Arguments.of(List.of("--mount", "type=bind,src=/,dst=/host"), "HostConfig.Mounts[0].Source"),
            Arguments.of(List.of("--mount", "type=bind,source=" + engineSocket + ",target=/s"), "HostConfig.Mounts[0].Source"),
            Arguments.of(List.of("--mount", "type=volume,src=VOLUME,dst=/x,volume-driver=local,volume-opt=type=none,volume-opt=o=bind,"
                    + "volume-opt=device=/"), "HostConfig.Mounts[0].VolumeOptions.DriverConfig.Options.device"),
            Arguments.of(List.of("--pid", "host"), "HostConfig.PidMode"),
            Arguments.of(List.of("--network", "host"), "HostConfig.NetworkMode"),
            Arguments.of(List.of("--cap-add", "SYS_ADMIN"), "HostConfig.CapAdd[0]"),
            Arguments.of(List.of("--device", "/dev/null"), "HostConfig.Devices"),
            Arguments.of(List.of("--security-opt", "seccomp=unconfined"), "HostConfig.SecurityOpt[0]"),
            Arguments.of(List.of("--sysctl", "net.ipv4.ip_forward=1"), "HostConfig.Sysctls"),
            Arguments.of(List.of("--volumes-from", "CANARY"), "HostConfig.VolumesFrom")
        );
    }

    @ParameterizedTest(name = "docker run {0}")
    @MethodSource("dangerousFlags")
    void eachDangerousFlagIsRefusedNamingItsFieldAndNothingIsCreated(List<String> flags, String field) throws Exception {
        try (TestProxy proxy = TestProxy.start(TestEngine.socket(), RUN_GRANTS)) {
            Docker docker = new Docker(proxy.dockerHost());
            String plain = name();
            docker.run("run", "-d", "--name", plain, "--network", "none", IMAGE, "sleep", "1").ok();
            assertThat(engineHasContainer(plain)).as("the plain docker run -d created its container").isTrue();

            String canary = name();
            String volume = name();
            if (flags.contains("--volumes-from")) {
                direct.run("create", "--name", canary, "--network", "none", IMAGE, "true").ok();
            }
            String refused = name();
            List<String> args = new ArrayList<>(List.of("run", "-d", "--name", refused));
            if (!flags.contains("--network")) {
                args.addAll(List.of("--network", "none"));
            }
            flags.forEach(f -> args.add(f.replace("CANARY", canary).replace("VOLUME", volume)));
            args.addAll(List.of(IMAGE, "sleep", "1"));
            Docker.Result r = docker.run(args.toArray(String[]::new)).failed();
            assertThat(r.stderr()).contains("sockwarden: client \"default\" may not call containers.create with " + field + ": ");
            if (flags.stream().anyMatch(f -> f.contains(TestEngine.socket().toString()))) {
                assertThat(r.stderr()).contains("never allowed").contains("no guardrail allows it");
            }
            assertThat(engineHasContainer(refused)).as("nothing was created for " + flags).isFalse();
            assertThat(direct.run("volume", "ls", "-q").ok().stdout()).doesNotContain(volume);
            assertThat(proxy.awaitLog("deny(" + field, Duration.ofSeconds(5))).contains("op=containers.create deny(" + field);
        }
    }

    /** {what, the body, the status} */
    Stream<Arguments> craftedBodies() {
        String hc = "{\"Image\":\"" + IMAGE + "\",";
        return Stream.of(
            Arguments.of("lower-case privileged", hc + "\"HostConfig\":{\"privileged\":true}}", 403),
            Arguments.of("case-varied HostConfig", hc + "\"HOSTCONFIG\":{\"PRIVILEGED\":true}}", 403),
            Arguments.of("duplicated HostConfig", hc + "\"HostConfig\":{\"Privileged\":true},\"hostconfig\":{\"NetworkMode\":\"none\"}}", 400),
            Arguments.of("Unicode-folded key", hc + "\"Ho\u017Ftconfig\":{\"Privileged\":true}}", 400),
            Arguments.of("escaped key", hc + "\"HostConfig\":{\"\\u0050rivileged\":true}}", 403),
            Arguments.of("trailing JSON", hc + "\"HostConfig\":{\"NetworkMode\":\"none\"}} {\"HostConfig\":{\"Privileged\":true}}", 400),
            Arguments.of("top-level Privileged and Binds", hc + "\"Privileged\":true,\"Binds\":[\"/:/host\"]}", 400)
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("craftedBodies")
    void craftedBodiesSentRawAreRefusedAndCreateNothing(String what, String body, int status) throws Exception {
        try (TestProxy proxy = TestProxy.start(TestEngine.socket(), RUN_GRANTS)) {
            String name = name();
            String answer = post(proxy, "/v1.41/containers/create?name=" + name, null, body.getBytes(StandardCharsets.UTF_8));
            assertThat(answer).startsWith("HTTP/1.1 " + status + " ");
            assertThat(engineHasContainer(name)).as(what).isFalse();
        }
    }

    @Test
    void gzipEncodedAndOverTheCapBodiesAreRefusedAndCreateNothing() throws Exception {
        try (TestProxy proxy = TestProxy.start(TestEngine.socket(), RUN_GRANTS)) {
            byte[] json = ("{\"Image\":\"" + IMAGE + "\",\"HostConfig\":{\"NetworkMode\":\"none\"}}").getBytes(StandardCharsets.UTF_8);
            ByteArrayOutputStream gz = new ByteArrayOutputStream();
            try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
                out.write(json);
            }
            String gzipped = name();
            assertThat(post(proxy, "/v1.41/containers/create?name=" + gzipped, "Content-Encoding: gzip\r\n", gz.toByteArray()))
                    .startsWith("HTTP/1.1 400 ").contains("header Content-Encoding");
            assertThat(engineHasContainer(gzipped)).isFalse();

            // Over the cap: white space after a valid body, which the engine would read as that body.
            byte[] big = new byte[Guard.BODY_CAP + 1];
            java.util.Arrays.fill(big, (byte) ' ');
            System.arraycopy(json, 0, big, 0, json.length);
            String declared = name();
            assertThat(post(proxy, "/v1.41/containers/create?name=" + declared, null, big)).startsWith("HTTP/1.1 413 ")
                    .contains("inspection limit");
            assertThat(engineHasContainer(declared)).isFalse();
            String chunked = name();
            assertThat(postChunked(proxy, "/v1.41/containers/create?name=" + chunked, big)).startsWith("HTTP/1.1 413 ");
            assertThat(engineHasContainer(chunked)).isFalse();
            // A chunked body within the cap is judged whole and reaches the engine with its own length.
            String small = name();
            assertThat(postChunked(proxy, "/v1.41/containers/create?name=" + small, json)).startsWith("HTTP/1.1 201 ");
            assertThat(engineHasContainer(small)).isTrue();
            assertThat(proxy.awaitLog("reject(body)", Duration.ofSeconds(5))).contains("op=containers.create reject(body) status=413");
        }
    }

    @Test
    void volumesWithBindOptionsReachOnlyTheAllowedHostPaths() throws Exception {
        try (TestProxy proxy = TestProxy.start(TestEngine.socket(), "PING", "VERSION", "CONTAINERS_CREATE", "CONTAINERS_START",
                "CONTAINERS_WAIT", "CONTAINERS_ATTACH", "CONTAINERS_DELETE", "VOLUMES_CREATE")) {
            proxy.rules(new ClientRules(false, Guardrails.parse("bind-path=" + hostDir), null, ClientLimits.NONE, Set.of()));
            Docker docker = new Docker(proxy.dockerHost());
            String outside = name();
            assertThat(docker.run("volume", "create", "--driver", "local", "--opt", "type=none", "--opt", "o=bind", "--opt", "device=/etc",
                    outside).failed().stderr()).contains("may not call volumes.create with DriverOpts.device");
            assertThat(direct.run("volume", "ls", "-q").ok().stdout().lines()).doesNotContain(outside);

            String inside = name();
            docker.run("volume", "create", "--driver", "local", "--opt", "type=none", "--opt", "o=bind", "--opt", "device=" + hostDir,
                    inside).ok();
            assertThat(docker.run("run", "--rm", "--network", "none", "-v", inside + ":/v", IMAGE, "cat", "/v/marker").ok().stdout())
                    .isEqualTo("host file\n");

            String inline = name();
            String refused = name();
            assertThat(docker.run("run", "--name", refused, "--network", "none", "--mount", "type=volume,src=" + inline + ",dst=/v,"
                    + "volume-driver=local,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=/etc", IMAGE, "true").failed().stderr())
                    .contains("may not call containers.create with HostConfig.Mounts[0].VolumeOptions.DriverConfig.Options.device");
            assertThat(engineHasContainer(refused)).isFalse();
            assertThat(direct.run("volume", "ls", "-q").ok().stdout().lines()).doesNotContain(inline);
            assertThat(docker.run("run", "--rm", "--network", "none", "--mount", "type=volume,src=" + name() + ",dst=/v,"
                    + "volume-driver=local,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=" + hostDir, IMAGE, "cat", "/v/marker")
                    .ok().stdout()).isEqualTo("host file\n");
        }
    }

    @Test
    void learnModeForwardsWhatAGrantOrItemWouldAllowAndSaysSoButNotWhatNothingAllows() throws Exception {
        try (TestProxy proxy = TestProxy.start(TestEngine.socket(), RUN_GRANTS)) {
            proxy.rules(new ClientRules(true, Guardrails.DEFAULT, null, ClientLimits.NONE, Set.of()));
            Docker docker = new Docker(proxy.dockerHost());
            String privileged = name();
            // Created, not started: a privileged container needs capabilities the test machine may not give.
            docker.run("create", "--name", privileged, "--network", "none", "--privileged", IMAGE, "true").ok();
            assertThat(direct.run("inspect", "-f", "{{.HostConfig.Privileged}}", privileged).ok().stdout().strip()).isEqualTo("true");
            docker.run("network", "ls").ok();
            String log = proxy.awaitLog("would-deny(NETWORKS)", Duration.ofSeconds(5));
            assertThat(log).contains("op=containers.create would-deny(HostConfig.Privileged guardrail=privileged) status=201")
                    .contains("op=networks.list would-deny(NETWORKS) status=200");

            String socket = name();
            assertThat(docker.run("run", "-d", "--name", socket, "--network", "none", "-v", TestEngine.socket() + ":/s", IMAGE, "true")
                    .failed().stderr()).contains("never allowed");
            assertThat(engineHasContainer(socket)).isFalse();
            String duplicate = name();
            assertThat(post(proxy, "/v1.41/containers/create?name=" + duplicate, null, ("{\"Image\":\"" + IMAGE
                    + "\",\"HostConfig\":{},\"hostconfig\":{\"Privileged\":true}}").getBytes(StandardCharsets.UTF_8))).startsWith("HTTP/1.1 400 ");
            assertThat(engineHasContainer(duplicate)).isFalse();
            assertThat(post(proxy, "/v1.41/nothing/here", null, new byte[0])).startsWith("HTTP/1.1 403 ");
        }
    }

    @Test
    void forcedLabelsAreWrittenOverTheClientsOwn() throws Exception {
        try (TestProxy proxy = TestProxy.start(TestEngine.socket(), RUN_GRANTS)) {
            proxy.rules(new ClientRules(false, Guardrails.parse("label=team=ci"), new Label(ClientRules.OWNER_LABEL, "0f".repeat(16)), ClientLimits.NONE, Set.of()));
            Docker docker = new Docker(proxy.dockerHost());
            String name = name();
            docker.run("run", "-d", "--name", name, "--network", "none", "--label", "TEAM=evil", "--label",
                    ClientRules.OWNER_LABEL + "=someone-else", "--label", "kept=yes", IMAGE, "sleep", "1").ok();
            String labels = direct.run("inspect", "-f", "{{json .Config.Labels}}", name).ok().stdout().strip();
            assertThat(labels).contains("\"team\":\"ci\"").contains("\"" + ClientRules.OWNER_LABEL + "\":\"" + "0f".repeat(16) + "\"")
                    .contains("\"kept\":\"yes\"").doesNotContain("evil").doesNotContain("someone-else");
        }
    }

    @Test
    void theQueryOfEveryOperationIsJudgedHijackedOnesToo() throws Exception {
        try (TestProxy proxy = TestProxy.start(TestEngine.socket(), "PING", "CONTAINERS", "POST", "IMAGES")) {
            String worker = name();
            direct.run("run", "-d", "--name", worker, "--network", "none", IMAGE, "sleep", "30").ok();
            try (Wire w = new Wire(proxy.port())) {
                w.send("GET /v1.41/containers/json?all=1&bogus=1 HTTP/1.1\r\nHost: docker\r\n\r\n");
                assertThat(w.head()).startsWith("HTTP/1.1 403 ");
            }
            try (Wire w = new Wire(proxy.port())) {
                w.send("POST /v1.41/containers/" + worker + "/attach?stream=1&stdout=1&bogus=1 HTTP/1.1\r\nHost: docker\r\n"
                        + "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n");
                assertThat(w.head()).startsWith("HTTP/1.1 403 ");
                assertThat(w.readUntil("query bogus")).contains("the Docker API defines no parameter");
            }
            Docker docker = new Docker(proxy.dockerHost());
            assertThat(docker.run("import", "http://127.0.0.1:1/rootfs.tar", name()).failed().stderr())
                    .contains("may not call images.create with query fromSrc").contains("set SOCKWARDEN_GUARDRAILS=image-import");
            assertThat(proxy.log()).contains("op=containers.attach deny(query bogus)");
        }
    }

    @Test
    void aRuleChangedWhileTheBodyArrivesIsTheOneItIsJudgedBy() throws Exception {
        try (TestProxy proxy = TestProxy.start(TestEngine.socket(), RUN_GRANTS)) {
            byte[] body = ("{\"Image\":\"" + IMAGE + "\",\"HostConfig\":{\"NetworkMode\":\"none\",\"Privileged\":true}}")
                    .getBytes(StandardCharsets.UTF_8);
            String relaxed = name();
            try (Wire w = new Wire(proxy.port())) {
                w.send("POST /v1.41/containers/create?name=" + relaxed + " HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + body.length + "\r\n\r\n");
                w.send(java.util.Arrays.copyOf(body, 10));
                proxy.rules(new ClientRules(false, Guardrails.parse("privileged"), null, ClientLimits.NONE, Set.of()));
                w.send(java.util.Arrays.copyOfRange(body, 10, body.length));
                assertThat(w.head()).startsWith("HTTP/1.1 201 ");
            }
            assertThat(engineHasContainer(relaxed)).isTrue();
            String tightened = name();
            try (Wire w = new Wire(proxy.port())) {
                w.send("POST /v1.41/containers/create?name=" + tightened + " HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + body.length + "\r\n\r\n");
                w.send(java.util.Arrays.copyOf(body, 10));
                proxy.rules(ClientRules.DEFAULT);
                w.send(java.util.Arrays.copyOfRange(body, 10, body.length));
                assertThat(w.head()).startsWith("HTTP/1.1 403 ");
            }
            assertThat(engineHasContainer(tightened)).isFalse();
        }
    }

    @Test
    void bodiesHeldForJudgingAreBoundedInMemoryAndNobodyElseIsStarved() throws Exception {
        Limits limits = new Limits(Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofSeconds(60), 2048, 1024);
        try (TestProxy proxy = TestProxy.start(TestEngine.socket(), limits, RUN_GRANTS)) {
            int holders = (int) (Forwarder.INSPECTED_BODIES / Guard.BODY_CAP);
            List<Wire> holding = new ArrayList<>();
            try {
                // Each holder announces a whole cap with Content-Length and sends none of it: its share of the
                // budget is taken at once, when the proxy starts reading the body, so exactly `holders` of them
                // find room, whatever order the proxy takes them in. (Chunked holders, whose shares grow as
                // bytes arrive, let several grow at once near the end and each be refused with room left over:
                // a CI run saw three refused and fifteen holding, and the plain creates below went through.)
                for (int i = 0; i < holders + 2; i++) {
                    Wire w = new Wire(proxy.port());
                    holding.add(w);
                    w.send("POST /v1.41/containers/create HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\n"
                            + "Content-Length: " + Guard.BODY_CAP + "\r\n\r\n");
                }
                // The two more are refused; once both answers are in, every holder has its share.
                List<String> refused = new ArrayList<>();
                Set<Wire> answered = new java.util.HashSet<>();
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (refused.size() < 2 && System.nanoTime() < deadline) {
                    for (Wire w : holding) {
                        if (!answered.contains(w) && w.socket().getInputStream().available() > 0) {
                            answered.add(w);
                            refused.add(w.head());
                        }
                    }
                    Thread.sleep(20);
                }
                assertThat(refused).hasSize(2).allSatisfy(head -> assertThat(head).startsWith("HTTP/1.1 503 "));
                String[] busy = awaitAnswer(proxy, "HTTP/1.1 503 ", Duration.ofSeconds(20));
                assertThat(busy[1]).startsWith("HTTP/1.1 503 ").contains("too many request bodies");
                assertThat(engineHasContainer(busy[0])).isFalse();
                // A chunked body is refused as soon as it needs its first bytes of the budget.
                byte[] json = ("{\"Image\":\"" + IMAGE + "\",\"HostConfig\":{\"NetworkMode\":\"none\"}}").getBytes(StandardCharsets.UTF_8);
                assertThat(postChunked(proxy, "/v1.41/containers/create", json)).startsWith("HTTP/1.1 503 ");
            } finally {
                for (Wire w : holding) {
                    w.close();
                }
            }
            String[] after = awaitAnswer(proxy, "HTTP/1.1 201 ", Duration.ofSeconds(20));
            assertThat(after[1]).startsWith("HTTP/1.1 201 ");
            assertThat(engineHasContainer(after[0])).isTrue();
        }
    }

    /**
     * Plain creates, each of a new name, tried until an answer starts with {@code expected} or {@code within}
     * passes: {the last name, its answer}.
     */
    private String[] awaitAnswer(TestProxy proxy, String expected, Duration within) throws Exception {
        byte[] json = ("{\"Image\":\"" + IMAGE + "\",\"HostConfig\":{\"NetworkMode\":\"none\"}}").getBytes(StandardCharsets.UTF_8);
        long deadline = System.nanoTime() + within.toNanos();
        String name;
        String answer;
        do {
            name = name();
            answer = post(proxy, "/v1.41/containers/create?name=" + name, null, json);
            if (answer.startsWith(expected)) {
                break;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        return new String[] {name, answer};
    }

    /** A POST with a Content-Length, written while the answer is read (a refused body may not be read to its end). */
    private static String post(TestProxy proxy, String target, String extraHeaders, byte[] body) throws Exception {
        String head = "POST " + target + " HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nConnection: close\r\n"
                + (extraHeaders == null ? "" : extraHeaders) + "Content-Length: " + body.length + "\r\n\r\n";
        return exchange(proxy, head.getBytes(StandardCharsets.ISO_8859_1), body);
    }

    private static String postChunked(TestProxy proxy, String target, byte[] body) throws Exception {
        String head = "POST " + target + " HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nConnection: close\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n";
        ByteArrayOutputStream chunked = new ByteArrayOutputStream();
        for (int at = 0; at < body.length; at += 0x8000) {
            int n = Math.min(0x8000, body.length - at);
            chunked.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            chunked.write(body, at, n);
            chunked.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        chunked.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        return exchange(proxy, head.getBytes(StandardCharsets.ISO_8859_1), chunked.toByteArray());
    }

    private static String exchange(TestProxy proxy, byte[] head, byte[] body) throws Exception {
        try (Wire w = new Wire(proxy.port())) {
            Thread writer = new Thread(() -> {
                try {
                    w.send(head);
                    w.send(body);
                } catch (IOException e) {
                    // the proxy answered and closed before taking it all: the answer says why
                }
            }, "body-writer");
            writer.setDaemon(true);
            writer.start();
            String answer = w.rest();
            writer.join(Duration.ofSeconds(10).toMillis());
            return answer;
        }
    }
}
