package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.sockwarden.proxy.testing.Docker;
import org.sockwarden.proxy.testing.TestEngine;

/**
 * The container image built from the root Dockerfile by scripts/image.sh (the offline path CI
 * takes), once per test JVM and shared by the integration tests that run it; removed when the JVM
 * ends. An integration test: it needs the sources and the engine, and root.
 */
final class TestImage {
    private static String tag;

    private TestImage() {}

    static Path repository() {
        return Path.of(System.getProperty("user.dir")).getParent();
    }

    static Docker engineCli() {
        return new Docker("unix://" + TestEngine.socket()).timeout(Duration.ofMinutes(3));
    }

    static synchronized String tag() throws Exception {
        if (tag != null) {
            return tag;
        }
        String name = "sockwarden-it:" + UUID.randomUUID().toString().substring(0, 8);
        Path log = Files.createTempFile("swimage", ".log");
        try {
            ProcessBuilder build = new ProcessBuilder("bash", repository().resolve("scripts/image.sh").toString(), name)
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            build.environment().put("DOCKER_HOST", "unix://" + TestEngine.socket());
            Process p = build.start();
            if (!p.waitFor(12, TimeUnit.MINUTES)) {
                p.destroyForcibly();
            }
            assertThat(p.isAlive()).as("image.sh finishes").isFalse();
            assertThat(p.exitValue()).as(Files.readString(log)).isZero();
        } finally {
            Files.deleteIfExists(log);
        }
        // The CLI is made now: made in the hook, its config directory would come after Docker's own
        // hook had deleted the temporary directories (hooks run together), and be left behind.
        Docker cli = engineCli();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> cli.run("rmi", "-f", name)));
        tag = name;
        return tag;
    }
}
