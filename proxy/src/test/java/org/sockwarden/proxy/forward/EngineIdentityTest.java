package org.sockwarden.proxy.forward;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sockwarden.proxy.forward.EngineAnswerEdgeCasesTest.Answer;
import org.sockwarden.proxy.forward.EngineAnswerEdgeCasesTest.FakeEngine;
import org.sockwarden.proxy.guard.EngineInfo;
import org.sockwarden.proxy.testing.RawHttp;
import org.sockwarden.proxy.testing.TestProxy;

/**
 * Which engine the guard judges for, when no real one can show it: Podman's Docker-compatible service
 * (not on this machine), an engine replaced behind the socket, and one that goes away and comes back.
 * The real engine's own identification is checked by EngineOutageTest.
 */
class EngineIdentityTest {

    private static final String PODMAN_HEADERS = "Server: Libpod/4.3.1 (linux)\r\nApi-Version: 1.41\r\nLibpod-Api-Version: 4.3.1\r\n";
    private static final String DOCKER_HEADERS = "Server: Docker/20.10.24+dfsg1 (linux)\r\nApi-Version: 1.41\r\n";
    private static final String BUILD = "POST /v1.41/build?t=x HTTP/1.1\r\nHost: docker\r\nContent-Type: application/x-tar\r\n"
            + "Content-Length: 0\r\nConnection: close\r\n\r\n";
    private static final String PING = "GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n";

    @TempDir
    Path dir;
    private FakeEngine engine;

    @AfterEach
    void stop() throws Exception {
        if (engine != null) {
            engine.close();
        }
    }

    private static String version(String headers, String json) {
        return "HTTP/1.1 200 OK\r\n" + headers + "Content-Type: application/json\r\nContent-Length: " + json.length()
                + "\r\nConnection: close\r\n\r\n" + json;
    }

    private static Answer pong(String headers) {
        return new Answer("HTTP/1.1 200 OK\r\n" + headers + "Content-Length: 2\r\n\r\nOK", false);
    }

    @Test
    void podmanIsKnownByItsVersionAndEveryBuildOnItNeedsHostNetwork() throws Exception {
        engine = new FakeEngine(dir, (c, n, head) -> pong(PODMAN_HEADERS), version(PODMAN_HEADERS,
                "{\"Version\":\"4.3.1\",\"ApiVersion\":\"1.41\",\"Components\":[{\"Name\":\"Podman Engine\",\"Version\":\"4.3.1\"}]}"));
        try (TestProxy proxy = TestProxy.start(engine.socket, "PING", "BUILD", "POST")) {
            assertThat(proxy.server().engine()).isEqualTo(new EngineInfo("4.3.1", "1.41", true));
            assertThat(proxy.awaitLog("INFO engine: Podman 4.3.1 (API 1.41)", Duration.ofSeconds(5))).contains("INFO engine: Podman 4.3.1");
            RawHttp.Answer build = RawHttp.tcp(proxy.port(), BUILD, Duration.ofSeconds(2));
            assertThat(build.status()).isEqualTo(403);
            assertThat(build.text()).contains("may not call images.build with operation: builds on Podman run their RUN steps in the"
                    + " host's network; to allow it: set SOCKWARDEN_GUARDRAILS=host-network");
            assertThat(engine.connections.get()).as("nothing of the build reached the engine").isZero();
        }
    }

    @Test
    void anEngineReplacedBehindTheSocketIsMetOnTheNextNewConnection() throws Exception {
        engine = new FakeEngine(dir, (c, n, head) -> pong(PODMAN_HEADERS), version(DOCKER_HEADERS,
                "{\"Version\":\"20.10.24+dfsg1\",\"ApiVersion\":\"1.41\"}"));
        try (TestProxy proxy = TestProxy.start(engine.socket, "PING", "BUILD", "POST")) {
            assertThat(proxy.server().engine()).isEqualTo(new EngineInfo("20.10.24+dfsg1", "1.41", false));
            assertThat(RawHttp.tcp(proxy.port(), PING, Duration.ofSeconds(2)).status()).isEqualTo(200);
            assertThat(proxy.server().engine()).isEqualTo(new EngineInfo("4.3.1", "1.41", true));
            assertThat(RawHttp.tcp(proxy.port(), BUILD, Duration.ofSeconds(2)).text()).contains("builds on Podman");
        }
    }

    @Test
    void anEngineThatWentAwayIsUnknownUntilItAnswersAgain() throws Exception {
        engine = new FakeEngine(dir, (c, n, head) -> pong(DOCKER_HEADERS), version(DOCKER_HEADERS,
                "{\"Version\":\"20.10.24+dfsg1\",\"ApiVersion\":\"1.41\"}"));
        try (TestProxy proxy = TestProxy.start(engine.socket, "PING", "BUILD", "POST")) {
            assertThat(proxy.server().engine().known()).isTrue();
            engine.close();
            assertThat(RawHttp.tcp(proxy.port(), PING, Duration.ofSeconds(2)).status()).isIn(502, 503);
            assertThat(proxy.server().engine()).isEqualTo(EngineInfo.UNKNOWN);
            assertThat(proxy.awaitLog("WARN the engine is unreachable", Duration.ofSeconds(5)))
                    .contains("as strictly as for Podman (every build needs host-network), until it answers again");

            engine = new FakeEngine(dir, (c, n, head) -> pong(DOCKER_HEADERS));
            // Until the engine has answered, the guard judges for an engine it does not know: the build is refused.
            assertThat(RawHttp.tcp(proxy.port(), BUILD, Duration.ofSeconds(2)).text()).contains("an engine not yet identified");
            assertThat(RawHttp.tcp(proxy.port(), PING, Duration.ofSeconds(2)).status()).isEqualTo(200);
            assertThat(proxy.server().engine()).isEqualTo(new EngineInfo("20.10.24+dfsg1", "1.41", false));
        }
    }
}
