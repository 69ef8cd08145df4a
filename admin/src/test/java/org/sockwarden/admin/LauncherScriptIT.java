package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.sockwarden.admin.MultiClientTest.await;
import static org.sockwarden.admin.MultiClientTest.freePort;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.sockwarden.proxy.testing.Docker;
import org.sockwarden.proxy.testing.TestEngine;

/**
 * `./sockwarden serve`, the README's command for running the proxy, on the packaged jar (an
 * integration test: it needs the jar of the package phase): it serves the docker CLI through the
 * engine with the script's JVM flags, and loads SQLite's native library from beside the jar rather
 * than unpacking it into the temp directory at every start.
 */
class LauncherScriptIT {

    @Test
    void theScriptServesAndLeavesTheTempDirectoryAlone() throws Exception {
        Path engine = TestEngine.socket();
        Path repo = Path.of(System.getProperty("user.dir")).getParent();
        Path work = Files.createTempDirectory("swlauncher");
        Path tmp = Files.createDirectories(work.resolve("tmp"));
        Path data = work.resolve("data");
        int port = freePort();
        // The script's own flags, with java.io.tmpdir pointed at a directory of the test's to see what lands there.
        Process flags = new ProcessBuilder("bash", repo.resolve("scripts/jvm-options.sh").toString(), "java").start();
        String jvmOptions = new String(flags.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(flags.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(jvmOptions).contains("-XX:+UseSerialGC");

        ProcessBuilder serve = new ProcessBuilder("bash", repo.resolve("sockwarden").toString(), "serve", "--listen", "127.0.0.1:" + port,
                "--docker-socket", engine.toString(), "--data", data.toString())
                .redirectErrorStream(true).redirectOutput(work.resolve("serve.log").toFile());
        serve.environment().put("CONTAINERS", "1");
        serve.environment().put("SOCKWARDEN_JAVA_OPTS", jvmOptions + " -Djava.io.tmpdir=" + tmp);
        Process proxy = serve.start();
        try {
            // serve opens its database before it first writes the status file.
            await("status file", () -> Files.exists(data.resolve("status.json")), Duration.ofSeconds(60));
            await("listener", () -> MultiClientTest.accepts(port), Duration.ofSeconds(10));

            Docker cli = new Docker("tcp://127.0.0.1:" + port);
            cli.run("ps").ok();
            assertThat(cli.run("network", "ls").failed().stderr()).contains("sockwarden: client \"default\" may not call networks.list");

            // The script execs java, so the process it started is the JVM.
            String commandLine = Files.readString(Path.of("/proc", Long.toString(proxy.pid()), "cmdline")).replace('\0', ' ');
            assertThat(commandLine).contains("-Dorg.sqlite.lib.path=" + repo.resolve("admin/target/sockwarden.jar.native"))
                    .contains("-Djava.io.tmpdir=" + tmp).contains("-XX:SharedArchiveFile=");
            assertThat(Files.readString(data.resolve("status.json"))).contains("\"healthy\":true");
            try (Stream<Path> left = Files.list(tmp)) {
                List<String> names = left.map(p -> p.getFileName().toString()).toList();
                assertThat(names).as("files sqlite-jdbc unpacked into java.io.tmpdir").noneMatch(n -> n.startsWith("sqlite-"));
            }

            proxy.destroy(); // SIGTERM
            assertThat(proxy.waitFor(30, TimeUnit.SECONDS)).as("serve ends on SIGTERM").isTrue();
            assertThat(Files.readString(work.resolve("serve.log"))).contains("op=containers.list allow");
        } finally {
            proxy.destroyForcibly();
            proxy.waitFor(10, TimeUnit.SECONDS);
            deleteTree(work);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
