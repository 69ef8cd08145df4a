package org.sockwarden.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.sockwarden.proxy.limit.ClientLimits;
import org.sockwarden.proxy.guard.Guardrails;
import org.sockwarden.proxy.identity.ClientRules;
import org.sockwarden.proxy.policy.Permission;
import org.sockwarden.proxy.policy.PermissionSet;
import org.sockwarden.proxy.testing.Docker;
import org.sockwarden.proxy.testing.TestEngine;
import org.sockwarden.proxy.testing.TestProxy;

/**
 * With every permission granted, the docker CLI through sockwarden behaves as on the engine's socket. The
 * guardrails stay the defaults but for {@code image-import}, which {@code docker import} needs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DockerCliSessionTest {

    private TestProxy proxy;
    private Docker docker;
    private Docker direct;
    private final String prefix = "sw-cli-" + UUID.randomUUID().toString().substring(0, 6);
    private String worker;

    @BeforeAll
    void start() throws Exception {
        proxy = TestProxy.start(TestEngine.socket(), PermissionSet.of(Permission.all()));
        proxy.rules(new ClientRules(false, Guardrails.parse("image-import"), null, ClientLimits.NONE, Set.of()));
        docker = new Docker(proxy.dockerHost());
        direct = new Docker(TestEngine.dockerHost());
        worker = prefix + "-worker";
        docker.run("run", "-d", "--name", worker, "--network", "none", TestEngine.IMAGE, "sleep", "600").ok();
    }

    @AfterAll
    void stop() throws Exception {
        if (direct != null) {
            String ids = direct.run("ps", "-aq", "--filter", "name=" + prefix).stdout().trim();
            if (!ids.isEmpty()) {
                direct.run(("rm -f " + ids.replace('\n', ' ')).split(" "));
            }
        }
        if (proxy != null) {
            proxy.close();
        }
    }

    @Test
    @Order(1)
    void versionInfoPs() {
        assertThat(docker.run("version", "--format", "{{.Server.APIVersion}}").ok().stdout()).matches("(?s)1\\.\\d+\\s*");
        assertThat(docker.run("info", "--format", "{{.ServerVersion}}").ok().stdout()).isNotBlank();
        assertThat(docker.run("ps", "-a", "--format", "{{.Names}}").ok().stdout()).contains(worker);
    }

    @Test
    @Order(2)
    void runAndLogsFollow() {
        String name = prefix + "-logs";
        docker.run("run", "-d", "--name", name, "--network", "none", TestEngine.IMAGE, "sh", "-c",
                "for i in 1 2 3 4 5; do echo line$i; sleep 0.2; done").ok();
        // -f ends when the container does: the stream must close cleanly through the proxy.
        Docker.Result logs = docker.run("logs", "-f", name).ok();
        assertThat(logs.stdout()).isEqualTo("line1\nline2\nline3\nline4\nline5\n");
        assertThat(docker.run("wait", name).ok().stdout().trim()).isEqualTo("0");
        docker.run("rm", name).ok();
    }

    @Test
    @Order(3)
    void runInForegroundAndRemove() {
        Docker.Result r = docker.run("run", "--rm", "--network", "none", TestEngine.IMAGE, "echo", "hello from a container").ok();
        assertThat(r.stdout()).isEqualTo("hello from a container\n");
    }

    @Test
    @Order(4)
    void eventsBetweenSinceAndUntil() {
        Instant since = Instant.now().minusSeconds(1);
        docker.run("run", "--rm", "--network", "none", "--name", prefix + "-ev", TestEngine.IMAGE, "true").ok();
        Docker.Result events = docker.run("events", "--since", String.valueOf(since.getEpochSecond()),
                "--until", String.valueOf(Instant.now().getEpochSecond() + 1), "--filter", "container=" + prefix + "-ev");
        assertThat(events.ok().stdout()).contains("container create").contains("container start").contains("container destroy");
    }

    @Test
    @Order(5)
    void execWithPipedStdinIsEchoedBack() {
        byte[] input = "first line\nsecond line\n".repeat(2_000).getBytes(StandardCharsets.UTF_8);
        Docker.Result r = docker.run(input, "exec", "-i", worker, "cat").ok();
        assertThat(r.stdout().getBytes(StandardCharsets.UTF_8)).isEqualTo(input);
    }

    @Test
    @Order(5)
    void execSplicesMegabytesOfBinaryBothWaysByteForByte() {
        // Many splice reads each way, with the CLI's stdin and the container's output in flight together.
        byte[] input = new byte[8 << 20];
        new Random(42).nextBytes(input);
        ByteArrayOutputStream out = new ByteArrayOutputStream(input.length);
        docker.runTo(out, input, "exec", "-i", worker, "cat").ok();
        assertThat(out.toByteArray()).isEqualTo(input);
    }

    @Test
    @Order(6)
    void execInteractiveUnderATerminal() {
        Docker.Result r = docker.runInTerminal("echo tty-$((40+2))\nexit\n", "exec", "-it", worker, "sh").ok();
        assertThat(r.stdout()).contains("tty-42");
    }

    @Test
    @Order(7)
    void runInteractiveUnderATerminal() {
        Docker.Result r = docker.runInTerminal("echo run-it-$((6*7))\nexit\n", "run", "-it", "--rm", "--network", "none",
                TestEngine.IMAGE, "sh").ok();
        assertThat(r.stdout()).contains("run-it-42");
    }

    @Test
    @Order(8)
    void attachSeesTheOutput() {
        String name = prefix + "-attach";
        docker.run("run", "-d", "--name", name, "--network", "none", TestEngine.IMAGE, "sh", "-c",
                "sleep 1; echo attached-output; sleep 1").ok();
        Docker.Result r = docker.run("attach", name);
        assertThat(r.stdout()).contains("attached-output");
        docker.run("rm", "-f", name).ok();
    }

    @Test
    @Order(9)
    void copyBothWays() throws Exception {
        Path dir = Docker.tempDir("sw-cp");
        Path file = dir.resolve("in.txt");
        Files.writeString(file, "copied into the container\n");
        docker.run("cp", file.toString(), worker + ":/tmp/in.txt").ok();
        assertThat(docker.run("exec", worker, "cat", "/tmp/in.txt").ok().stdout()).isEqualTo("copied into the container\n");
        docker.run("cp", worker + ":/tmp/in.txt", dir.resolve("out.txt").toString()).ok();
        assertThat(Files.readString(dir.resolve("out.txt"))).isEqualTo("copied into the container\n");
    }

    @Test
    @Order(10)
    void buildFromTheLocalImage() throws Exception {
        Path context = Docker.tempDir("sw-build");
        Files.writeString(context.resolve("Dockerfile"), "FROM " + TestEngine.IMAGE + "\nCOPY hello.txt /hello.txt\nCMD [\"cat\", \"/hello.txt\"]\n");
        Files.writeString(context.resolve("hello.txt"), "built through sockwarden\n");
        String tag = prefix + "-built:latest";
        docker.env("DOCKER_BUILDKIT", "0").run("build", "-t", tag, context.toString()).ok();
        assertThat(docker.run("run", "--rm", "--network", "none", tag).ok().stdout()).isEqualTo("built through sockwarden\n");
        docker.run("rmi", tag).ok();
    }

    @Test
    @Order(11)
    void statsWaitStopRemove() {
        String name = prefix + "-life";
        docker.run("run", "-d", "--name", name, "--network", "none", TestEngine.IMAGE, "sleep", "300").ok();
        assertThat(docker.run("stats", "--no-stream", "--format", "{{.Name}}", name).ok().stdout()).contains(name);
        docker.run("stop", "-t", "1", name).ok();
        assertThat(docker.run("wait", name).ok().stdout().trim()).isNotEmpty();
        docker.run("rm", name).ok();
        assertThat(docker.run("ps", "-a", "--format", "{{.Names}}").ok().stdout()).doesNotContain(name);
    }

    @Test
    @Order(12)
    void networksAndVolumes() {
        String net = prefix + "-net";
        docker.run("network", "create", "--internal", net).ok();
        assertThat(docker.run("network", "ls", "--format", "{{.Name}}").ok().stdout()).contains(net);
        docker.run("network", "rm", net).ok();
        String vol = prefix + "-vol";
        docker.run("volume", "create", vol).ok();
        assertThat(docker.run("volume", "ls", "--format", "{{.Name}}").ok().stdout()).contains(vol);
        docker.run("volume", "rm", vol).ok();
    }

    @Test
    @Order(13)
    void saveThenLoad() throws Exception {
        String tag = prefix + "-saved:latest";
        docker.run("tag", TestEngine.IMAGE, tag).ok();
        Path tar = Docker.tempDir("sw-save").resolve("image.tar");
        docker.run("save", "-o", tar.toString(), tag).ok();
        assertThat(Files.size(tar)).isGreaterThan(100_000);
        docker.run("rmi", tag).ok();
        assertThat(docker.run(Files.readAllBytes(tar), "load").ok().stdout()).contains(tag);
        docker.run("rmi", tag).ok();
    }

    @Test
    @Order(14)
    void exportThenImport() throws Exception {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        docker.runTo(tar, "export", worker).ok();
        assertThat(tar.size()).isGreaterThan(100_000);
        String tag = prefix + "-imported:latest";
        docker.run(tar.toByteArray(), "import", "-", tag).ok();
        assertThat(docker.run("run", "--rm", "--network", "none", tag, "/bin/echo", "imported").ok().stdout()).isEqualTo("imported\n");
        docker.run("rmi", tag).ok();
    }

    @Test
    @Order(15)
    void everyCallIsInTheAccessLog() throws Exception {
        String log = proxy.awaitLog("op=containers.attach", Duration.ofSeconds(5));
        assertThat(log).contains("op=system.ping allow(PING)").contains("op=exec.start allow(")
                .contains("op=containers.archive-put allow(CONTAINERS_ARCHIVE_PUT)").contains("status=101");
    }
}
