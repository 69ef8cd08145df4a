package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.sockwarden.admin.MultiClientTest.await;
import static org.sockwarden.admin.MultiClientTest.freePort;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.sockwarden.proxy.testing.Docker;
import org.sockwarden.proxy.testing.TestEngine;

/**
 * scripts/image.sh builds an image from the packaged jar (an integration test: it needs the jar of
 * the package phase); a container of it, beside the engine whose socket it is given, serves the real
 * docker CLI plainly and over mutual TLS, takes admin commands on its data volume live, reports
 * itself in `status` from another container, and stops on SIGTERM.
 */
class ContainerImageIT {

    @Test
    void theImageServesTheDockerCliPlainAndOverMutualTls() throws Exception {
        Path engine = TestEngine.socket();
        Docker engineCli = new Docker("unix://" + engine).timeout(Duration.ofMinutes(3));
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String tag = "sockwarden-it:" + suffix;
        String name = "sockwarden-it-" + suffix;
        Path repo = Path.of(System.getProperty("user.dir")).getParent();
        Path work = Files.createTempDirectory(Path.of("/tmp"), "swimage");
        try {
            ProcessBuilder build = new ProcessBuilder("bash", repo.resolve("scripts/image.sh").toString(), tag)
                    .redirectErrorStream(true).redirectOutput(work.resolve("build.log").toFile());
            build.environment().put("DOCKER_HOST", "unix://" + engine);
            Process p = build.start();
            assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("image.sh finishes").isTrue();
            assertThat(p.exitValue()).as(Files.readString(work.resolve("build.log"))).isZero();

            int port = freePort();
            int tlsPort = freePort();
            // Host networking: the proxy's listeners are on this machine's loopback, as a published port would be.
            // Read-only: all it writes goes to the /data volume.
            engineCli.run("run", "-d", "--name", name, "--read-only", "--network", "host", "-v", engine + ":/var/run/docker.sock",
                    "-e", "CONTAINERS=1", tag, "serve", "--listen", "127.0.0.1:" + port, "--tls-listen", "127.0.0.1:" + tlsPort,
                    "--docker-socket", "/var/run/docker.sock").ok();
            await("listener in the container", () -> MultiClientTest.accepts(port), Duration.ofSeconds(30));

            Docker plain = new Docker("tcp://127.0.0.1:" + port);
            assertThat(plain.run("ps", "--format", "{{.Names}}").ok().stdout()).contains(name);
            assertThat(plain.run("network", "ls").failed().stderr())
                    .contains("sockwarden: client \"default\" may not call networks.list").contains("set NETWORKS=1");

            // The admin CLI of the image, on the running proxy's data volume as the README shows it: a
            // client and its certificate, picked up live.
            engineCli.run("run", "--rm", "--read-only", "--volumes-from", name, tag, "client", "add", "ci", "--allow", "PING,VERSION,CONTAINERS").ok();
            engineCli.run("run", "--rm", "--read-only", "--volumes-from", name, tag, "cert", "issue", "ci", "--out", "/data/ci-certs").ok();
            engineCli.run("cp", name + ":/data/ci-certs", work.resolve("ci-certs").toString()).ok();
            Docker tls = new Docker("tcp://127.0.0.1:" + tlsPort).env("DOCKER_TLS_VERIFY", "1")
                    .env("DOCKER_CERT_PATH", work.resolve("ci-certs").toString());
            await("client ci in force", () -> tls.run("ps").exitCode() == 0, Duration.ofSeconds(15));
            assertThat(tls.run("network", "ls").failed().stderr()).contains("sockwarden: client \"ci\" may not call networks.list");

            String log = engineCli.run("logs", name).ok().stdout();
            assertThat(log).contains("listener=127.0.0.1:" + port + " client=default GET /v").contains("op=containers.list allow")
                    .contains("listener=tls:127.0.0.1:" + tlsPort + " client=ci");

            // status from a container of its own on the proxy's data volume: there, pid 1 is status itself.
            assertThat(engineCli.run("run", "--rm", "--volumes-from", name, tag, "status").stdout())
                    .contains("proxy: running").contains("listening: 127.0.0.1:" + port + " -> default");
            engineCli.run("kill", name).ok();
            assertThat(engineCli.run("run", "--rm", "--volumes-from", name, tag, "status").stdout())
                    .contains("proxy: not running against this data directory");

            // docker stop sends SIGTERM: the JVM shuts down within the grace and exits with 143.
            engineCli.run("start", name).ok();
            await("listener after the restart", () -> MultiClientTest.accepts(port), Duration.ofSeconds(30));
            engineCli.run("stop", "--time", "20", name).ok();
            assertThat(engineCli.run("inspect", "--format", "{{.State.ExitCode}}", name).ok().stdout().trim()).isEqualTo("143");
        } finally {
            engineCli.run("rm", "-f", "-v", name);
            engineCli.run("rmi", tag);
            try (Stream<Path> files = Files.walk(work)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
