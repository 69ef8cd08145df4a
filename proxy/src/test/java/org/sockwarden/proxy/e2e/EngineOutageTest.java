package org.sockwarden.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.sockwarden.proxy.guard.EngineInfo;
import org.sockwarden.proxy.testing.Docker;
import org.sockwarden.proxy.testing.RawHttp;
import org.sockwarden.proxy.testing.TestEngine;
import org.sockwarden.proxy.testing.TestProxy;

/**
 * A private engine of its own is stopped and started again under a running proxy: requests fail
 * with the cause while it is down and succeed again afterwards, without restarting the proxy. The
 * guard knows the engine from the start, forgets it while it is down, and knows it again once it answers.
 */
class EngineOutageTest {

    private static final Path ENGINE_SCRIPT = Path.of(System.getProperty("user.dir")).getParent().resolve("scripts/engine.sh");

    @Test
    void engineStoppedAndRestartedUnderTheProxy() throws Exception {
        TestEngine.socket(); // the shared engine being there means this machine can run engines at all
        if (!"0".equals(run("id", "-u").trim()) || !Files.isExecutable(ENGINE_SCRIPT)) {
            if ("true".equals(System.getenv("CI"))) {
                Assertions.fail("CI must run as root with " + ENGINE_SCRIPT + " to start a second engine");
            }
            Assumptions.abort("needs root to start a private dockerd");
        }
        Path dir = Docker.tempDir("swo");
        Path socket = dir.resolve("docker.sock");
        try {
            script("start", dir);
            try (TestProxy proxy = TestProxy.start(socket, "CONTAINERS", "PING", "VERSION")) {
                Docker docker = new Docker(proxy.dockerHost());
                docker.run("ps").ok();
                Docker engineCli = new Docker("unix://" + socket);
                EngineInfo known = new EngineInfo(engineCli.run("version", "--format", "{{.Server.Version}}").ok().stdout().strip(),
                        engineCli.run("version", "--format", "{{.Server.APIVersion}}").ok().stdout().strip(), false);
                assertThat(proxy.server().engine()).isEqualTo(known);

                script("stop", dir);
                RawHttp.Answer down = RawHttp.tcp(proxy.port(), "GET /v1.41/containers/json HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n",
                        Duration.ofMillis(500));
                assertThat(down.status()).as(down.text()).isIn(502, 503);
                assertThat(down.text()).contains("Docker engine").contains(socket.toString());
                Docker.Result failing = docker.run("ps").failed();
                assertThat(failing.stderr()).contains(socket.toString());
                assertThat(proxy.awaitLog("ERROR Docker engine", Duration.ofSeconds(5))).contains("ERROR Docker engine");
                assertThat(proxy.server().engine()).isEqualTo(EngineInfo.UNKNOWN);

                script("start", dir);
                docker.run("ps").ok();
                assertThat(proxy.server().engine()).isEqualTo(known);
                assertThat(docker.run("version", "--format", "{{.Server.APIVersion}}").ok().stdout()).isNotBlank();
            }
        } finally {
            script("stop", dir);
            run("rm", "-rf", dir.toString());
        }
    }

    private static void script(String command, Path dir) throws IOException, InterruptedException {
        String out = run("bash", ENGINE_SCRIPT.toString(), command, dir.toString());
        assertThat(out).doesNotContain("did not answer");
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            Assertions.fail(String.join(" ", cmd) + " did not finish within 120 s");
        }
        Assertions.assertEquals(0, p.exitValue(), () -> String.join(" ", cmd) + " failed: " + new String(out));
        return new String(out);
    }
}
