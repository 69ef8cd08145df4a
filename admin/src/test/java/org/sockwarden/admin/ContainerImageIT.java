package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.sockwarden.admin.MultiClientTest.await;
import static org.sockwarden.admin.MultiClientTest.freePort;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.sockwarden.proxy.testing.Docker;
import org.sockwarden.proxy.testing.TestEngine;

/**
 * The image of the root Dockerfile (built by scripts/image.sh with base images made on this
 * machine, as CI builds it): a container of it, beside the engine whose socket it is given, serves
 * the real docker CLI plainly and over mutual TLS as uid 10001 with a read-only root, takes admin
 * commands on its data volume live, reports healthy through its HEALTHCHECK, and stops on SIGTERM;
 * given a socket of another group, it joins that group when started as root and names the exact
 * group_add when started as a user.
 */
class ContainerImageIT {

    @Test
    void theImageServesTheDockerCliPlainAndOverMutualTls() throws Exception {
        Path engine = TestEngine.socket();
        Docker engineCli = TestImage.engineCli();
        String tag = TestImage.tag();
        String name = "sockwarden-it-" + UUID.randomUUID().toString().substring(0, 8);
        Path work = Files.createTempDirectory(Path.of("/tmp"), "swimage");
        try {
            // What the Dockerfile declares: root at the start (only the entry point), data in a volume, Docker's ports, a health check.
            assertThat(engineCli.run("image", "inspect", "--format",
                    "user={{.Config.User}} volumes={{json .Config.Volumes}} ports={{json .Config.ExposedPorts}} health={{json .Config.Healthcheck.Test}}",
                    tag).ok().stdout().trim())
                    .isEqualTo("user= volumes={\"/data\":{}} ports={\"2375/tcp\":{},\"2376/tcp\":{}} "
                            + "health=[\"CMD\",\"/opt/sockwarden/bin/sockwarden\",\"health\"]");

            int port = freePort();
            int tlsPort = freePort();
            // Host networking: the proxy's listeners are on this machine's loopback, as a published port would be.
            // Read-only: all it writes goes to the /data volume. The health check every 2 s instead of 30 s, so the test need not wait.
            engineCli.run("run", "-d", "--name", name, "--read-only", "--network", "host", "-v", engine + ":/var/run/docker.sock",
                    "--health-interval", "2s", "-e", "CONTAINERS=1", tag, "serve", "--listen", "127.0.0.1:" + port,
                    "--tls-listen", "127.0.0.1:" + tlsPort, "--docker-socket", "/var/run/docker.sock").ok();
            await("listener in the container", () -> MultiClientTest.accepts(port), Duration.ofSeconds(60));

            Docker plain = new Docker("tcp://127.0.0.1:" + port);
            assertThat(plain.run("ps", "--format", "{{.Names}}").ok().stdout()).contains(name);
            assertThat(plain.run("network", "ls").failed().stderr())
                    .contains("sockwarden: client \"default\" may not call networks.list").contains("set NETWORKS=1");
            assertThat(processStatus(engineCli, name)).contains("Uid:\t10001\t10001\t10001\t10001").contains("Gid:\t10001\t10001\t10001\t10001")
                    .contains("CapEff:\t0000000000000000").contains("NoNewPrivs:\t1");

            // The admin CLI of the image, on the running proxy's data volume as the README shows it: a
            // client and its certificate, picked up live.
            engineCli.run("run", "--rm", "--read-only", "--volumes-from", name, tag, "client", "add", "ci", "--allow", "PING,VERSION,CONTAINERS").ok();
            engineCli.run("run", "--rm", "--read-only", "--volumes-from", name, tag, "cert", "issue", "ci", "--out", "/data/ci-certs").ok();
            engineCli.run("cp", name + ":/data/ci-certs", work.resolve("ci-certs").toString()).ok();
            Docker tls = new Docker("tcp://127.0.0.1:" + tlsPort).env("DOCKER_TLS_VERIFY", "1")
                    .env("DOCKER_CERT_PATH", work.resolve("ci-certs").toString());
            await("client ci in force", () -> tls.run("ps").exitCode() == 0, Duration.ofSeconds(15));
            assertThat(tls.run("network", "ls").failed().stderr()).contains("sockwarden: client \"ci\" may not call networks.list");
            // docker exec goes through the same entry point: uid 10001, never root, on the same data.
            assertThat(engineCli.run("exec", name, "sockwarden", "client", "list").ok().stdout()).contains("ci\t-\t");

            String log = engineCli.run("logs", name).ok().stdout();
            assertThat(log).contains("listener=127.0.0.1:" + port + " client=default GET /v").contains("op=containers.list allow")
                    .contains("listener=tls:127.0.0.1:" + tlsPort + " client=ci");

            await("HEALTHCHECK healthy", () -> health(engineCli, name).equals("healthy"), Duration.ofSeconds(90));
            // status from a container of its own on the proxy's data volume: there, pid 1 is status itself.
            assertThat(engineCli.run("run", "--rm", "--volumes-from", name, tag, "status").stdout())
                    .contains("proxy: running").contains("listening: 127.0.0.1:" + port + " -> default");
            engineCli.run("kill", name).ok();
            assertThat(engineCli.run("run", "--rm", "--volumes-from", name, tag, "status").stdout())
                    .contains("proxy: not running against this data directory");

            // docker stop sends SIGTERM: the JVM shuts down within the grace and exits with 143.
            engineCli.run("start", name).ok();
            await("listener after the restart", () -> MultiClientTest.accepts(port), Duration.ofSeconds(60));
            engineCli.run("stop", "--time", "20", name).ok();
            assertThat(engineCli.run("inspect", "--format", "{{.State.ExitCode}}", name).ok().stdout().trim()).isEqualTo("143");
        } finally {
            engineCli.run("rm", "-f", "-v", name);
            deleteTree(work);
        }
    }

    @Test
    void aSocketOfAnotherGroupIsJoinedAsRootAndNamedWhenStartedAsAUser() throws Exception {
        Docker engineCli = TestImage.engineCli();
        String tag = TestImage.tag();
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Path work = Files.createTempDirectory(Path.of("/tmp"), "swgid");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        // The engine's socket as the host gives it to a container, owned by a group the image knows nothing of.
        Path socket = work.resolve("docker.sock");
        Process relay = new ProcessBuilder("socat", "UNIX-LISTEN:" + socket + ",fork,mode=660,user=0,group=4242",
                "UNIX-CONNECT:" + TestEngine.socket()).redirectErrorStream(true).redirectOutput(work.resolve("socat.log").toFile()).start();
        List<String> containers = List.of("sw-gid-root-" + suffix, "sw-gid-user-" + suffix, "sw-gid-fixed-" + suffix);
        try {
            await("relay socket", () -> Files.exists(socket), Duration.ofSeconds(10));
            String mount = socket + ":/var/run/docker.sock";

            // As root (the default): it joins group 4242 and runs as uid 10001, without capabilities.
            int port = freePort();
            engineCli.run("run", "-d", "--name", containers.get(0), "--read-only", "--network", "host", "-v", mount, "-e", "CONTAINERS=1",
                    tag, "serve", "--listen", "127.0.0.1:" + port).ok();
            await("listener of the container started as root", () -> MultiClientTest.accepts(port), Duration.ofSeconds(60));
            assertThat(new Docker("tcp://127.0.0.1:" + port).run("ps", "--format", "{{.Names}}").ok().stdout()).contains(containers.get(0));
            assertThat(processStatus(engineCli, containers.get(0))).contains("Uid:\t10001\t10001\t10001\t10001")
                    .contains("Groups:\t4242").contains("CapEff:\t0000000000000000").contains("NoNewPrivs:\t1");
            assertThat(engineCli.run("logs", containers.get(0)).stderr()).contains("sockwarden: joining group 4242 of the Docker socket "
                    + "/var/run/docker.sock (owned by uid 0, gid 4242, mode 660) as uid 10001");

            // As a user: it cannot join a group, so it stops at once and says which group to add.
            Docker.Result refused = engineCli.run("run", "--name", containers.get(1), "--read-only", "--network", "none", "--user", "10001:10001",
                    "-v", mount, tag, "serve", "--listen", "127.0.0.1:0").failed();
            assertThat(refused.exitCode()).isEqualTo(1);
            assertThat(refused.stderr()).contains("sockwarden: cannot open the Docker socket /var/run/docker.sock (owned by uid 0, gid 4242, mode 660)"
                    + " as uid 10001 with groups 10001: add the socket's group to the container: compose `group_add: [\"4242\"]`,"
                    + " docker run `--group-add 4242`");

            // The fix it names works.
            int fixedPort = freePort();
            engineCli.run("run", "-d", "--name", containers.get(2), "--read-only", "--network", "host", "--user", "10001:10001",
                    "--group-add", "4242", "-v", mount, "-e", "CONTAINERS=1", tag, "serve", "--listen", "127.0.0.1:" + fixedPort).ok();
            await("listener of the container given the group", () -> MultiClientTest.accepts(fixedPort), Duration.ofSeconds(60));
            new Docker("tcp://127.0.0.1:" + fixedPort).run("ps").ok();

            // The socket itself was never changed.
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-rw----");
            assertThat(Files.getAttribute(socket, "unix:gid")).isEqualTo(4242);
        } finally {
            for (String c : containers) {
                engineCli.run("rm", "-f", "-v", c);
            }
            relay.destroy();
            relay.waitFor(10, TimeUnit.SECONDS);
            deleteTree(work);
        }
    }

    /** /proc/PID/status of the container's main process, read on this machine (the engine shares its kernel). */
    private static String processStatus(Docker engineCli, String container) throws IOException {
        String pid = engineCli.run("inspect", "--format", "{{.State.Pid}}", container).ok().stdout().trim();
        return Files.readString(Path.of("/proc", pid, "status"));
    }

    private static String health(Docker engineCli, String container) {
        return engineCli.run("inspect", "--format", "{{.State.Health.Status}}", container).stdout().trim();
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
