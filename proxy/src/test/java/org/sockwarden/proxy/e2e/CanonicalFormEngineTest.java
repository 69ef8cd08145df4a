package org.sockwarden.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sockwarden.proxy.policy.Permission;
import org.sockwarden.proxy.policy.PermissionSet;
import org.sockwarden.proxy.testing.RawHttp;
import org.sockwarden.proxy.testing.TestEngine;
import org.sockwarden.proxy.testing.TestProxy;

/**
 * Every malformed or smuggling request of the table reaches a sockwarden that grants everything,
 * and each one aims at deleting a canary container. Each must be refused, and the canary must
 * still be there: the engine saw none of them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CanonicalFormEngineTest {

    private static final Duration QUIET = Duration.ofMillis(400);
    /** Requests to the engine itself close the connection when answered; allow a loaded engine time. */
    private static final Duration ENGINE = Duration.ofSeconds(8);

    private Path socket;
    private TestProxy everything;
    private TestProxy readOnly;
    private String canary;

    @BeforeAll
    void start() throws Exception {
        socket = TestEngine.socket();
        everything = TestProxy.start(socket, PermissionSet.of(Permission.all()));
        readOnly = TestProxy.start(socket, "CONTAINERS");
        canary = "sw-canary-" + UUID.randomUUID().toString().substring(0, 8);
        String body = "{\"Image\":\"" + TestEngine.IMAGE + "\",\"Cmd\":[\"sleep\",\"300\"],\"HostConfig\":{\"NetworkMode\":\"none\"}}";
        RawHttp.Answer created = RawHttp.unix(socket, "POST /containers/create?name=" + canary + " HTTP/1.1\r\nHost: docker\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body, ENGINE);
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        // Running, so that a /kill or a DELETE that reached the engine would show: a stopped container
        // answers /kill with 409 whatever the proxy did.
        startCanary();
        assertCanaryAlive();
    }

    /** A case that killed the canary fails by itself; the next one starts with the canary running again. */
    @BeforeEach
    void startCanary() throws Exception {
        RawHttp.Answer started = RawHttp.unix(socket, "POST /containers/" + canary + "/start HTTP/1.1\r\nHost: docker\r\n"
                + "Content-Length: 0\r\nConnection: close\r\n\r\n", ENGINE);
        assertThat(started.status()).as(started.text()).isIn(204, 304);
    }

    @AfterAll
    void stop() throws Exception {
        if (canary != null) {
            RawHttp.unix(socket, "DELETE /containers/" + canary + "?force=1 HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n", ENGINE);
        }
        if (everything != null) {
            everything.close();
        }
        if (readOnly != null) {
            readOnly.close();
        }
    }

    private void assertCanaryAlive() throws Exception {
        RawHttp.Answer a = RawHttp.unix(socket, "GET /containers/" + canary + "/json HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n", ENGINE);
        assertThat(a.status()).as("canary container must be untouched").isEqualTo(200);
        assertThat(a.text()).as("canary container must still run").contains("\"Running\":true");
    }

    /** {@code C} in a case stands for the canary's name. */
    Stream<Arguments> refused() {
        String del = "?force=1 HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n";
        String smuggled = "DELETE /containers/C?force=1 HTTP/1.1\r\nHost: docker\r\n\r\n";
        return Stream.of(
            Arguments.of("dot-dot segments", "DELETE /containers/x/../C" + del, 400),
            Arguments.of("encoded dot-dot", "DELETE /containers/x/%2e%2e/C" + del, 400),
            Arguments.of("encoded slash makes //", "DELETE /containers%2F%2FC" + del, 400),
            Arguments.of("double slash", "DELETE //containers/C" + del, 400),
            Arguments.of("dot segment", "DELETE /containers/./C" + del, 400),
            Arguments.of("double encoding", "DELETE /containers/%252e%252e/C" + del, 400),
            Arguments.of("backslash", "DELETE /containers\\C" + del, 400),
            Arguments.of("encoded backslash", "DELETE /containers/x%5C..%5CC" + del, 400),
            Arguments.of("semicolon", "DELETE /containers/C;x=1" + del, 400),
            Arguments.of("NUL", "DELETE /containers/C%00" + del, 400),
            Arguments.of("newline", "DELETE /containers/C%0a" + del, 400),
            Arguments.of("bad percent", "DELETE /containers/C%G1" + del, 400),
            Arguments.of("version /v1", "DELETE /v1/containers/C" + del, 400),
            Arguments.of("version /v1.2.3", "DELETE /v1.2.3/containers/C" + del, 400),
            Arguments.of("absolute-form, other host", "DELETE http://evil.example/containers/C?force=1 HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n", 400),
            Arguments.of("CONNECT", "CONNECT docker:2375 HTTP/1.1\r\nHost: docker:2375\r\n\r\n", 400),
            Arguments.of("unknown method", "PURGE /containers/C" + del, 400),
            Arguments.of("CL and TE", "POST /v1.41/containers/x/wait HTTP/1.1\r\nHost: docker\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled, 400),
            Arguments.of("duplicate CL", "POST /v1.41/containers/x/wait HTTP/1.1\r\nHost: docker\r\nContent-Length: 0\r\nContent-Length: " + smuggled.length() + "\r\n\r\n" + smuggled, 400),
            Arguments.of("CL list", "POST /v1.41/containers/x/wait HTTP/1.1\r\nHost: docker\r\nContent-Length: 0, " + smuggled.length() + "\r\n\r\n" + smuggled, 400),
            Arguments.of("TE not chunked last", "POST /v1.41/containers/x/wait HTTP/1.1\r\nHost: docker\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n" + smuggled, 400),
            Arguments.of("TE gzip", "POST /v1.41/containers/x/wait HTTP/1.1\r\nHost: docker\r\nTransfer-Encoding: gzip\r\n\r\n" + smuggled, 400),
            Arguments.of("space before colon", "POST /v1.41/containers/x/wait HTTP/1.1\r\nHost: docker\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n" + smuggled, 400),
            Arguments.of("obs-fold", "POST /v1.41/containers/x/wait HTTP/1.1\r\nHost: docker\r\nX-A: a\r\n Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled, 400),
            Arguments.of("bad chunk size", "POST /v1.41/containers/x/wait HTTP/1.1\r\nHost: docker\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" + smuggled, 400),
            Arguments.of("negative CL", "POST /v1.41/containers/x/wait HTTP/1.1\r\nHost: docker\r\nContent-Length: -1\r\n\r\n" + smuggled, 400),
            Arguments.of("header too large", "DELETE /containers/C?force=1 HTTP/1.1\r\nHost: docker\r\nX-A: " + "a".repeat(20_000) + "\r\n\r\n", 431),
            Arguments.of("NUL in header", "DELETE /containers/C?force=1 HTTP/1.1\r\nHost: docker\r\nX-A: a\0b\r\n\r\n", 400),
            Arguments.of("HTTP/0.9", "DELETE /containers/C?force=1\r\n\r\n", 505)
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void refusedBeforeTheEngine(String name, String request, int status) throws Exception {
        RawHttp.Answer a = RawHttp.tcp(everything.port(), request.replace("/C", "/" + canary), QUIET);
        assertThat(a.status()).as(a.text()).isEqualTo(status);
        assertThat(a.statuses()).as("nothing after the refusal is answered: " + a.text()).containsOnly(status);
        assertThat(a.text()).contains("{\"message\":\"sockwarden: bad request");
        assertCanaryAlive();
    }

    @Test
    void bodyShorterThanItsLengthNeverReachesTheEngine() throws Exception {
        // The client promises 100 bytes, sends a complete request's worth, then closes.
        RawHttp.Answer a = RawHttp.tcp(everything.port(), "POST /v1.41/containers/" + canary + "/kill HTTP/1.1\r\nHost: docker\r\n"
                + "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{}", QUIET);
        assertThat(a.statuses()).doesNotContain(204);
        assertCanaryAlive();
    }

    @Test
    void upgradeOnAnOrdinaryEndpointOpensNoTunnel() throws Exception {
        // If this opened a raw tunnel, the DELETE behind it would reach the engine unchecked.
        RawHttp.Answer a = RawHttp.tcp(readOnly.port(), "GET /v1.41/containers/json HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\n"
                + "Upgrade: tcp\r\n\r\nDELETE /containers/" + canary + "?force=1 HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n", QUIET);
        assertThat(a.statuses()).containsExactly(200, 403);
        assertThat(a.text()).contains("may not call containers.delete");
        assertCanaryAlive();
    }

    @Test
    void aRefusedRequestsBodyIsReadSoTheClientGetsTheAnswer() throws Exception {
        // docker run sends its create body while the 403 is already decided; closing under that
        // write showed the user "broken pipe" instead of the message.
        String body = "{\"Image\":\"" + TestEngine.IMAGE + "\",\"Env\":[\"" + "x".repeat(900_000) + "\"]}";
        RawHttp.Answer a = RawHttp.tcp(readOnly.port(), "POST /v1.41/containers/create HTTP/1.1\r\nHost: docker\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body
                + "GET /v1.41/containers/json HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n", Duration.ofSeconds(2));
        assertThat(a.statuses()).as("the refusal, then the next request on the same connection").containsExactly(403, 200);
        assertThat(a.text()).contains("may not call containers.create");
    }

    @Test
    void eachPipelinedRequestIsCheckedOnItsOwn() throws Exception {
        RawHttp.Answer a = RawHttp.tcp(readOnly.port(), "GET /v1.41/containers/json HTTP/1.1\r\nHost: docker\r\n\r\n"
                + "POST /v1.41/containers/" + canary + "/kill HTTP/1.1\r\nHost: docker\r\nContent-Length: 0\r\n\r\n"
                + "GET /containers/json HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n", QUIET);
        assertThat(a.statuses()).containsExactly(200, 403, 200);
        assertCanaryAlive();
    }

    @Test
    void legitimateEncodingsStillWork() throws Exception {
        for (String target : List.of("/v1.41/containers/" + canary + "/json", "/v1.41/containers%2F" + canary + "%2Fjson",
                "/v%31.41/containers/" + canary + "/json", "/v1.41/images/sockwarden-test%2Fbusybox%3Alatest/json")) {
            RawHttp.Answer a = RawHttp.tcp(everything.port(), "GET " + target + " HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n", QUIET);
            assertThat(a.status()).as(target + "\n" + a.text()).isEqualTo(200);
        }
    }
}
