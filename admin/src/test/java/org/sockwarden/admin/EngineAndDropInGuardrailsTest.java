package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.sockwarden.admin.MultiClientTest.await;
import static org.sockwarden.admin.MultiClientTest.freePort;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sockwarden.proxy.forward.EngineVersion;
import org.sockwarden.proxy.guard.EngineInfo;
import org.sockwarden.proxy.testing.Docker;
import org.sockwarden.proxy.testing.TestEngine;

/**
 * A running proxy shows the engine its guard judges for (status, status --json, the status page), and
 * serves the drop-in client the guardrails of $SOCKWARDEN_GUARDRAILS and --guardrail: the real docker
 * CLI gets what they relax and a 403 naming the env line for what they do not.
 */
class EngineAndDropInGuardrailsTest {

    @Test
    void statusShowsTheEngineAndTheDropInClientHasItsGuardrails(@TempDir Path data) throws Exception {
        Path engine = TestEngine.socket();
        EngineInfo expected = EngineVersion.ask(engine, Duration.ofSeconds(5));
        assertThat(expected.known()).as("the test engine answers /version").isTrue();
        int port = freePort();
        Docker direct = Docker.engine();
        String name = "sw-dropin-" + ProcessHandle.current().pid();
        try (ServedProxy proxy = ServedProxy.start(data, Map.of("CONTAINERS", "1", "POST", "1", "SOCKWARDEN_GUARDRAILS", "privileged"),
                "--listen", "127.0.0.1:" + port, "--docker-socket", engine.toString(), "--guardrail", "cap-add=NET_ADMIN")) {
            await("status names the engine", () -> CliTest.run("status", "--data=" + data).out()
                    .contains("engine: " + engine + " answers: " + expected + "\n"), Duration.ofSeconds(15));
            assertThat(CliTest.run("status", "--data=" + data, "--json").out()).contains("\"kind\" : \"docker\"")
                    .contains("\"version\" : \"" + expected.version() + "\"");
            assertThat(proxy.get("/").body()).contains("<span id=\"engine\">engine " + expected + "</span>");
            assertThat(proxy.log()).contains("client default on 127.0.0.1:" + port).contains("guardrails privileged cap-add=NET_ADMIN");

            Docker docker = new Docker("tcp://127.0.0.1:" + port);
            docker.run("create", "--name", name, "--privileged", "--cap-add", "NET_ADMIN", "--network", "none",
                    TestEngine.IMAGE, "true").ok();
            Docker.Result refused = docker.run("create", "--name", name + "-x", "--cap-add", "SYS_ADMIN", "--network", "none",
                    TestEngine.IMAGE, "true").failed();
            assertThat(refused.stderr()).contains("HostConfig.CapAdd").contains("SOCKWARDEN_GUARDRAILS=");
            assertThat(direct.run("ps", "-a", "-q", "--filter", "name=^/" + name + "-x$").stdout()).isBlank();
        } finally {
            direct.run("rm", "-f", name);
        }
    }
}
