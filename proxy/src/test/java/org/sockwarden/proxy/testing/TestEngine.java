package org.sockwarden.proxy.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The real Docker engine the tests run against, named by {@code SOCKWARDEN_TEST_DOCKER_SOCKET}
 * (scripts/test.sh starts a private one). Without it engine tests are skipped on a developer's
 * machine and fail in CI: a CI run that quietly skipped them would prove nothing.
 */
public final class TestEngine {
    public static final String IMAGE = "sockwarden-test/busybox:latest";
    public static final String VARIABLE = "SOCKWARDEN_TEST_DOCKER_SOCKET";

    private static volatile Path checked;

    private TestEngine() {}

    public static Path socket() {
        Path p = checked;
        if (p != null) {
            return p;
        }
        String value = System.getenv(VARIABLE);
        String problem = null;
        if (value == null || value.isBlank()) {
            problem = VARIABLE + " is not set (scripts/test.sh starts an engine and sets it)";
        } else if (!Files.exists(Path.of(value))) {
            problem = VARIABLE + "=" + value + " does not exist";
        } else {
            try {
                RawHttp.Answer a = RawHttp.unix(Path.of(value), "GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n",
                        Duration.ofSeconds(2));
                if (a.status() != 200) {
                    problem = "the engine at " + value + " answered /_ping with: " + a.text();
                }
            } catch (IOException e) {
                problem = "the engine at " + value + " does not answer: " + e;
            }
        }
        if (problem != null) {
            if ("true".equals(System.getenv("CI"))) {
                Assertions.fail("engine tests are mandatory in CI: " + problem);
            }
            Assumptions.abort("no Docker engine: " + problem);
        }
        checked = Path.of(value);
        return checked;
    }

    public static String dockerHost() {
        return "unix://" + socket();
    }
}
