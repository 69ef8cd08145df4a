package org.sockwarden.proxy.guard;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sockwarden.proxy.api.Operation;
import org.sockwarden.proxy.testing.Docker;
import org.sockwarden.proxy.testing.RawHttp;
import org.sockwarden.proxy.testing.TestEngine;

/**
 * The guard's model of the engine, proved on the real one: each crafted body is sent raw to the engine
 * (not through any proxy) to show the engine does what the guard assumes (a folded key does create a
 * privileged container, trailing content is ignored, ...), while the guard refuses it. Then the bodies
 * the docker CLI itself sends for {@code docker run} are captured and judged: the plain one passes with
 * default guardrails and is accepted by the engine, each flag of the list is refused with its
 * field named, and the engine shows that flag in effect when given the same bytes. Everything created
 * is removed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GuardEngineTest {

    private static final Duration ENGINE = Duration.ofSeconds(15);
    private static final Pattern ID = Pattern.compile("\"Id\":\"([0-9a-f]{64})\"");
    private static final String IMAGE = TestEngine.IMAGE;

    private Path socket;
    private Docker docker;
    private final String prefix = "sw-guard-" + UUID.randomUUID().toString().substring(0, 8);
    private int serial;
    private Path hostDir;

    @BeforeAll
    void start() throws IOException {
        socket = TestEngine.socket();
        docker = Docker.engine();
        hostDir = Docker.tempDir("sw-guard-host");
        Files.writeString(hostDir.resolve("marker"), "host file\n");
    }

    @AfterAll
    void cleanUp() throws IOException {
        if (docker == null) {
            return;
        }
        String ids = docker.run("ps", "-aq", "--filter", "name=" + prefix).stdout().strip();
        if (!ids.isEmpty()) {
            List<String> args = new ArrayList<>(List.of("rm", "-f"));
            args.addAll(List.of(ids.split("\\s+")));
            docker.run(args.toArray(String[]::new));
        }
        for (String v : docker.run("volume", "ls", "-q", "--filter", "name=" + prefix).stdout().strip().split("\\s+")) {
            if (!v.isEmpty()) {
                docker.run("volume", "rm", "-f", v);
            }
        }
        if (hostDir != null) {
            Files.deleteIfExists(hostDir.resolve("marker"));
            Files.deleteIfExists(hostDir);
        }
    }

    private String name() {
        return prefix + "-" + (++serial);
    }

    /** A raw request to the engine itself; the body's bytes go as they are. */
    private RawHttp.Answer engine(String method, String target, String contentType, String contentEncoding, byte[] body) throws IOException {
        StringBuilder head = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n");
        if (contentType != null) {
            head.append("Content-Type: ").append(contentType).append("\r\n");
        }
        if (contentEncoding != null) {
            head.append("Content-Encoding: ").append(contentEncoding).append("\r\n");
        }
        head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
        return RawHttp.unix(socket, head + new String(body, StandardCharsets.ISO_8859_1), ENGINE);
    }

    private RawHttp.Answer engineCreate(String name, byte[] body) throws IOException {
        return engine("POST", "/v1.41/containers/create?name=" + name, "application/json", null, body);
    }

    private String inspect(String name, String format) {
        return docker.run("inspect", "-f", format, name).ok().stdout().strip();
    }

    private static Verdict guard(Operation op, String query, byte[] body, Guardrails rules) {
        return GuardTest.GUARD.inspect(new GuardedRequest(op, query, "application/json", null, body.length, body), rules, null);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** {name, body, guard status, guard field, engine inspect format, what the engine shows} */
    Stream<Arguments> craftedBodies() {
        String hc = "{\"Image\":\"" + IMAGE + "\",";
        return Stream.of(
            Arguments.of("lower-case privileged", hc + "\"HostConfig\":{\"privileged\":true}}", 403, "HostConfig.Privileged",
                    "{{.HostConfig.Privileged}}", "true"),
            Arguments.of("case-varied HostConfig", hc + "\"HOSTCONFIG\":{\"PRIVILEGED\":true}}", 403, "HostConfig.Privileged",
                    "{{.HostConfig.Privileged}}", "true"),
            Arguments.of("duplicated HostConfig, merged", hc + "\"HostConfig\":{\"Privileged\":true},\"hostconfig\":{\"NetworkMode\":\"none\"}}",
                    400, "body", "{{.HostConfig.Privileged}} {{.HostConfig.NetworkMode}}", "true none"),
            Arguments.of("long s folds onto s", hc + "\"Ho\u017Ftconfig\":{\"Privileged\":true}}", 400, "Ho\u017Ftconfig",
                    "{{.HostConfig.Privileged}}", "true"),
            Arguments.of("Kelvin sign folds onto k", hc + "\"HostConfig\":{\"Mas\u212AedPaths\":[]}}", 400, "HostConfig.Mas\u212AedPaths",
                    "{{json .HostConfig.MaskedPaths}}", "[]"),
            Arguments.of("dotted capital I does not fold for Go", hc + "\"HostConfig\":{\"Pr\u0130vileged\":true}}", 400,
                    "HostConfig.Pr\u0130vileged", "{{.HostConfig.Privileged}}", "false"),
            Arguments.of("escaped key", hc + "\"HostConfig\":{\"\\u0050rivileged\":true}}", 403, "HostConfig.Privileged",
                    "{{.HostConfig.Privileged}}", "true"),
            Arguments.of("trailing JSON ignored by 20.10", hc + "\"HostConfig\":{\"NetworkMode\":\"none\"}} {\"HostConfig\":{\"Privileged\":true}}",
                    400, "body", "{{.HostConfig.Privileged}} {{.HostConfig.NetworkMode}}", "false none"),
            Arguments.of("top-level Privileged and Binds", hc + "\"Privileged\":true,\"Binds\":[\"/:/host\"]}", 400, "Privileged",
                    "{{.HostConfig.Privileged}} {{.HostConfig.Binds}}", "true [/:/host]"),
            Arguments.of("top-level VolumeDriver merged into HostConfig", hc + "\"VolumeDriver\":\"local\",\"HostConfig\":{}}", 400,
                    "VolumeDriver", "{{.HostConfig.VolumeDriver}}", "local"),
            Arguments.of("long s in Sysctls", hc + "\"HostConfig\":{\"\u017Fysctls\":{\"kernel.shm_rmid_forced\":\"1\"}}}", 400,
                    "HostConfig.\u017Fysctls", "{{json .HostConfig.Sysctls}}", "{\"kernel.shm_rmid_forced\":\"1\"}")
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("craftedBodies")
    void craftedBodiesDoOnTheEngineWhatTheGuardRefusesThemFor(String what, String body, int status, String field,
                                                               String format, String engineShows) throws IOException {
        Verdict.Refuse r = GuardTest.refused(guard(Operation.CONTAINERS_CREATE, null, utf8(body), Guardrails.DEFAULT));
        assertThat(r.status()).isEqualTo(status);
        assertThat(r.field()).isEqualTo(field);
        String name = name();
        RawHttp.Answer created = engineCreate(name, utf8(body));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        assertThat(inspect(name, format)).isEqualTo(engineShows);
    }

    @Test
    void bodiesTheEngineRefusesItselfAreRefusedToo() throws IOException {
        byte[] typed = utf8("{\"Image\":\"" + IMAGE + "\",\"HostConfig\":{\"Privileged\":1}}");
        assertThat(GuardTest.refused(guard(Operation.CONTAINERS_CREATE, null, typed, Guardrails.DEFAULT)).status()).isEqualTo(400);
        RawHttp.Answer a = engineCreate(name(), typed);
        assertThat(a.status()).isIn(400, 500);
        assertThat(a.text()).contains("cannot unmarshal number");
        // 20.10 answers a body its decoder cannot read with 500, later engines with 400: either way nothing is created

        byte[] json = utf8("{\"Image\":\"" + IMAGE + "\"}");
        byte[] bom = new byte[json.length + 3];
        bom[0] = (byte) 0xEF;
        bom[1] = (byte) 0xBB;
        bom[2] = (byte) 0xBF;
        System.arraycopy(json, 0, bom, 3, json.length);
        assertThat(GuardTest.refused(guard(Operation.CONTAINERS_CREATE, null, bom, Guardrails.DEFAULT)).status()).isEqualTo(400);
        RawHttp.Answer b = engineCreate(name(), bom);
        assertThat(b.status()).isIn(400, 500);
        assertThat(b.text()).contains("invalid character");

        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(json);
        }
        Verdict.Refuse encoded = GuardTest.refused(GuardTest.GUARD.inspect(new GuardedRequest(Operation.CONTAINERS_CREATE, null,
                "application/json", "gzip", gz.size(), gz.toByteArray()), Guardrails.DEFAULT, null));
        assertThat(encoded.field()).isEqualTo("header Content-Encoding");
        RawHttp.Answer gzipped = engine("POST", "/v1.41/containers/create?name=" + name(), "application/json", "gzip", gz.toByteArray());
        assertThat(gzipped.status()).as("20.10 does not decode request encodings").isIn(400, 500);
        assertThat(gzipped.text()).contains("invalid character");
    }

    @Test
    void rootHasManySpellingsOnTheEngine() throws IOException {
        Guardrails nonRoot = Guardrails.parse("non-root");
        for (String user : new String[] {"+0", "-0", "0000:5", "root:root"}) {
            byte[] body = utf8("{\"Image\":\"" + IMAGE + "\",\"User\":\"" + user + "\",\"Cmd\":[\"id\",\"-u\"],\"HostConfig\":{\"NetworkMode\":\"none\"}}");
            assertThat(GuardTest.refused(guard(Operation.CONTAINERS_CREATE, null, body, nonRoot)).field()).isEqualTo("User");
            String name = name();
            assertThat(engineCreate(name, body).status()).isEqualTo(201);
            assertThat(docker.run("start", "-a", name).ok().stdout().strip()).as(user).isEqualTo("0");
        }
    }

    @Test
    void onlyTheLiteralHostIsTheHostsNetwork() throws IOException {
        String hostId = inspect("host", "{{.Id}}");
        byte[] byId = utf8("{\"Image\":\"" + IMAGE + "\",\"Cmd\":[\"sleep\",\"30\"],\"HostConfig\":{\"NetworkMode\":\"" + hostId.substring(0, 12) + "\"}}");
        GuardTest.assertForwarded(guard(Operation.CONTAINERS_CREATE, null, byId, Guardrails.DEFAULT));
        String name = name();
        assertThat(engineCreate(name, byId).status()).isEqualTo(201);
        docker.run("start", name).ok();
        String pid = inspect(name, "{{.State.Pid}}");
        assertThat(Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/net")))
                .as("a container on the host network by ID gets a namespace of its own")
                .isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/net")));
        docker.run("rm", "-f", name);
    }

    @Test
    void aBodyOnStartIsAHostConfigForOldApiVersions() throws IOException {
        String name = name();
        docker.run("create", "--name", name, "--network", "none", IMAGE, "true").ok();
        byte[] body = utf8("{\"Privileged\":true,\"Binds\":[\"/:/host\"]}");
        assertThat(GuardTest.refused(guard(Operation.CONTAINERS_START, null, body, Guardrails.DEFAULT)).status()).isEqualTo(400);
        engine("POST", "/v1.23/containers/" + name + "/start", "application/json", null, body);
        // the container may fail to start here (privileged needs capabilities the test machine may lack): its HostConfig changed anyway
        assertThat(inspect(name, "{{.HostConfig.Privileged}} {{.HostConfig.Binds}}")).isEqualTo("true [/:/host]");
    }

    @Test
    void aFormBodyIsReadAsTheQuery() throws IOException {
        String name = name();
        docker.run("create", "--name", name, "--network", "none", IMAGE, "true").ok();
        String renamed = name + "-renamed";
        byte[] form = utf8("name=" + renamed);
        Verdict.Refuse r = GuardTest.refused(GuardTest.GUARD.inspect(new GuardedRequest(Operation.CONTAINERS_RENAME, null,
                "application/x-www-form-urlencoded", null, form.length, null), Guardrails.DEFAULT, null));
        assertThat(r.field()).isEqualTo("header Content-Type");
        engine("POST", "/v1.41/containers/" + name + "/rename", "application/x-www-form-urlencoded", null, form);
        assertThat(inspect(renamed, "{{.Name}}")).isEqualTo("/" + renamed);
    }

    @Test
    void localVolumeOptionsBindHostPaths() throws IOException {
        String volume = name();
        byte[] body = utf8("{\"Name\":\"" + volume + "\",\"DriverOpts\":{\"type\":\"none\",\"o\":\"bind\",\"device\":\"" + hostDir + "\"}}");
        Verdict.Refuse r = GuardTest.refused(guard(Operation.VOLUMES_CREATE, null, body, Guardrails.DEFAULT));
        assertThat(r.field()).isEqualTo("DriverOpts.device");
        assertThat(r.remedy()).isEqualTo("bind-path=" + hostDir);
        GuardTest.assertForwarded(guard(Operation.VOLUMES_CREATE, null, body, Guardrails.parse("bind-path=" + hostDir)));
        assertThat(engine("POST", "/v1.41/volumes/create", "application/json", null, body).status()).isEqualTo(201);
        assertThat(docker.run("run", "--rm", "--name", name(), "--network", "none", "-v", volume + ":/v", IMAGE, "cat", "/v/marker")
                .ok().stdout()).isEqualTo("host file\n");

        String inlineVolume = name();
        byte[] inline = utf8("{\"Image\":\"" + IMAGE + "\",\"Cmd\":[\"cat\",\"/v/marker\"],\"HostConfig\":{\"NetworkMode\":\"none\","
                + "\"Mounts\":[{\"Type\":\"volume\",\"Source\":\"" + inlineVolume + "\",\"Target\":\"/v\",\"VolumeOptions\":{\"DriverConfig\":"
                + "{\"Name\":\"local\",\"Options\":{\"type\":\"none\",\"o\":\"bind\",\"device\":\"" + hostDir + "\"}}}}]}}");
        assertThat(GuardTest.refused(guard(Operation.CONTAINERS_CREATE, null, inline, Guardrails.DEFAULT)).field())
                .isEqualTo("HostConfig.Mounts[0].VolumeOptions.DriverConfig.Options.device");
        String name = name();
        assertThat(engineCreate(name, inline).status()).isEqualTo(201);
        assertThat(docker.run("start", "-a", name).ok().stdout()).isEqualTo("host file\n");
    }

    /** {docker run flags, field refused with default guardrails (null: passes), safe to create on this machine} */
    Stream<Arguments> cliFlags() {
        return Stream.of(
            Arguments.of(List.of(), null, true),
            Arguments.of(List.of("--privileged"), "HostConfig.Privileged", true),
            Arguments.of(List.of("-v", "/:/host"), "HostConfig.Binds[0]", true),
            Arguments.of(List.of("-v", "/var/run/docker.sock:/s"), "HostConfig.Binds[0]", false),
            Arguments.of(List.of("--mount", "type=bind,src=/,dst=/host"), "HostConfig.Mounts[0].Source", false),
            Arguments.of(List.of("--mount", "type=bind,source=/var/run/docker.sock,target=/s"), "HostConfig.Mounts[0].Source", false),
            Arguments.of(List.of("--mount", "type=volume,src=VOLUME,dst=/x,volume-driver=local,volume-opt=type=none,volume-opt=o=bind,"
                    + "volume-opt=device=/"), "HostConfig.Mounts[0].VolumeOptions.DriverConfig.Options.device", true),
            Arguments.of(List.of("--pid", "host"), "HostConfig.PidMode", true),
            Arguments.of(List.of("--network", "host"), "HostConfig.NetworkMode", true),
            Arguments.of(List.of("--cap-add", "SYS_ADMIN"), "HostConfig.CapAdd[0]", true),
            Arguments.of(List.of("--device", "/dev/null"), "HostConfig.Devices", true),
            Arguments.of(List.of("--security-opt", "seccomp=unconfined"), "HostConfig.SecurityOpt[0]", true),
            Arguments.of(List.of("--sysctl", "net.ipv4.ip_forward=1"), "HostConfig.Sysctls", true),
            Arguments.of(List.of("--volumes-from", "CANARY"), "HostConfig.VolumesFrom", true)
        );
    }

    @ParameterizedTest(name = "docker run {0}")
    @MethodSource("cliFlags")
    void dockerRunBodiesOfTheCliAreJudged(List<String> flags, String field, boolean createOnEngine) throws Exception {
        String canary = name();
        String volume = name();
        List<String> args = new ArrayList<>(List.of("run", "-d"));
        if (!flags.contains("--network")) {
            args.addAll(List.of("--network", "none")); // the test engine has no bridge
        }
        for (String f : flags) {
            args.add(f.replace("CANARY", canary).replace("VOLUME", volume));
        }
        args.addAll(List.of(IMAGE, "sleep", "1"));
        byte[] body;
        try (CliBodyRecorder recorder = new CliBodyRecorder()) {
            new Docker(recorder.dockerHost()).run(args.toArray(String[]::new)).ok();
            body = recorder.nextCreate();
        }
        Verdict v = guard(Operation.CONTAINERS_CREATE, "name=x", body, Guardrails.DEFAULT);
        if (field == null) {
            GuardTest.assertForwarded(v);
        } else {
            Verdict.Refuse r = GuardTest.refused(v);
            assertThat(r.field()).isEqualTo(field);
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.message("ci", remedy -> "+" + remedy)).contains(field);
        }
        if (flags.contains("/var/run/docker.sock:/s") || String.join(" ", flags).contains("/var/run/docker.sock")) {
            Verdict.Refuse never = GuardTest.refused(guard(Operation.CONTAINERS_CREATE, null, body, Guardrails.parse("bind-path=/")));
            assertThat(never.remedy()).as("no guardrail lets the socket be bound").isNull();
        }
        if (createOnEngine) {
            if (flags.contains("--volumes-from")) {
                docker.run("create", "--name", canary, "--network", "none", IMAGE, "true").ok();
            }
            RawHttp.Answer created = engineCreate(name(), body);
            assertThat(created.status()).as("the engine takes the CLI's bytes: " + created.text()).isEqualTo(201);
            Matcher id = ID.matcher(created.text());
            assertThat(id.find()).isTrue();
            if (field != null) {
                String shown = inspect(id.group(1), "{{json .HostConfig}}");
                String key = field.substring("HostConfig.".length()).replaceAll("[\\[.].*", "");
                assertThat(shown).as("the engine applied " + flags).containsPattern("\"" + key + "\":(true|\\[\\{|\\[\"|\\{\"|\"host\")");
            }
        }
    }
}
