package org.sockwarden.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.sockwarden.proxy.testing.Docker;
import org.sockwarden.proxy.testing.RawHttp;
import org.sockwarden.proxy.testing.Tar;
import org.sockwarden.proxy.testing.TestEngine;
import org.sockwarden.proxy.testing.TestProxy;
import org.sockwarden.proxy.testing.Wire;

/**
 * A revocation lands in every phase of an exchange, against the real engine: the head decided
 * and the body not yet sent, an upload half sent, an exec start whose body is still arriving
 * (its hijack handshake), a spliced session, and a followed log stream. After it nothing more of
 * the exchange is served.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RevocationPhasesTest {

    private static final String[] EVERYTHING = {"PING", "VERSION", "CONTAINERS", "POST", "EXEC", "CONTAINERS_ARCHIVE_PUT"};
    private static final String[] AFTER_REVOCATION = {"PING", "VERSION", "CONTAINERS"};
    private static final Duration ENGINE = Duration.ofSeconds(8);

    private final String prefix = "sw-rev-" + UUID.randomUUID().toString().substring(0, 6);
    private final Docker direct = Docker.engine();
    private Path engine;
    private String container;
    private TestProxy proxy;

    @BeforeAll
    void container() {
        engine = TestEngine.socket();
        container = TestEngine.startLineWriter(prefix + "-c");
    }

    @AfterAll
    void removeContainers() {
        direct.run("rm", "-f", container, prefix + "-created");
    }

    @BeforeEach
    void proxy() throws Exception {
        proxy = TestProxy.start(engine, EVERYTHING);
    }

    @AfterEach
    void stop() throws Exception {
        proxy.close();
    }

    private void revoke() {
        proxy.permit(AFTER_REVOCATION);
    }

    /** Waits (bounded) until the proxy has registered the exchange of a request whose head it just received. */
    private void awaitRunning(int count) throws InterruptedException {
        long deadline = System.nanoTime() + ENGINE.toNanos();
        while (proxy.server().runningExchanges().size() < count && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(proxy.server().runningExchanges().size()).as("running exchanges").isGreaterThanOrEqualTo(count);
    }

    private int engineStatus(String request) throws Exception {
        return RawHttp.unix(engine, request + " HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n", ENGINE).status();
    }

    @Test
    void theHeadDecidedAndTheBodyNotYetSent() throws Exception {
        String name = prefix + "-created";
        String body = "{\"Image\":\"" + TestEngine.IMAGE + "\",\"Cmd\":[\"true\"],\"HostConfig\":{\"NetworkMode\":\"none\"}}";
        try (Wire wire = new Wire(proxy.port())) {
            wire.send("POST /v1.41/containers/create?name=" + name + " HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n");
            awaitRunning(1);
            revoke();
            wire.send(body);
            assertThat(wire.rest()).doesNotContain("HTTP/1.1 201");
        } catch (java.net.SocketException closed) {
            // the proxy closed the connection under the body: refused as well
        }
        assertThat(engineStatus("GET /containers/" + name + "/json")).as("the container must not exist").isEqualTo(404);
    }

    @Test
    void anUploadHalfSent() throws Exception {
        // Two files in one tar, streamed chunked (docker cp's form): the revocation lands inside the first.
        byte[] data = new byte[200_000];
        Arrays.fill(data, (byte) 'a');
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("first", data);
        files.put("second", data);
        byte[] archive = Tar.of(files);
        String target = "/tmp/" + prefix;
        direct.run("exec", container, "mkdir", "-p", target).ok();
        try (Wire wire = new Wire(proxy.port())) {
            wire.send("PUT /v1.41/containers/" + container + "/archive?path=" + target + " HTTP/1.1\r\nHost: docker\r\n"
                    + "Content-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n\r\n");
            wire.send(chunk(archive, 0, 100_000));
            awaitRunning(1);
            revoke();
            Thread.sleep(300);
            wire.send(chunk(archive, 100_000, archive.length)).send("0\r\n\r\n");
            assertThat(wire.rest()).doesNotContain("HTTP/1.1 200");
        } catch (java.net.SocketException closed) {
            // closed under the rest of the upload
        }
        assertThat(engineStatus("HEAD /containers/" + container + "/archive?path=" + target + "/second"))
                .as("nothing sent after the revocation reached the container").isEqualTo(404);
    }

    private static byte[] chunk(byte[] data, int from, int to) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes((Integer.toHexString(to - from) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        b.write(data, from, to - from);
        b.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        return b.toByteArray();
    }

    private static String execStartHead(String id, int length) {
        return "POST /v1.41/exec/" + id + "/start HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + length + "\r\n\r\n";
    }

    @Test
    void anExecStartWhoseBodyIsStillArriving() throws Exception {
        String marker = "/tmp/" + prefix + "-hijacked";
        String id = TestEngine.createExec(container, "touch " + marker);
        String body = "{\"Detach\":false,\"Tty\":false}";
        try (Wire wire = new Wire(proxy.port())) {
            wire.send(execStartHead(id, body.length()));
            awaitRunning(1);
            revoke();
            wire.send(body);
            assertThat(wire.rest()).doesNotContain("101 ");
        } catch (java.net.SocketException closed) {
            // closed under the body: no session either
        }
        Thread.sleep(500);
        RawHttp.Answer inspect = RawHttp.unix(engine, "GET /exec/" + id + "/json HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n", ENGINE);
        assertThat(inspect.text()).as("the exec never ran").contains("\"Running\":false").contains("\"ExitCode\":null");
        assertThat(engineStatus("HEAD /containers/" + container + "/archive?path=" + marker)).isEqualTo(404);
    }

    @Test
    void aSplicedSession() throws Exception {
        String id = TestEngine.createExec(container, "while true; do echo tick; sleep 0.2; done");
        String body = "{\"Detach\":false,\"Tty\":false}";
        try (Wire wire = new Wire(proxy.port())) {
            wire.send(execStartHead(id, body.length()) + body);
            assertThat(wire.head()).startsWith("HTTP/1.1 101 ");
            wire.readUntil("tick");
            revoke();
            assertThat(wire.closesWithin(Duration.ofSeconds(3))).as("the session ends").isTrue();
        }
        // The cut is logged after the walk that made it; the access log line may come first.
        assertThat(proxy.awaitLog("INFO ended exec.start of client default", Duration.ofSeconds(5)))
                .contains("INFO ended exec.start of client default: client \"default\" may no longer call exec.start");
    }

    @Test
    void aFollowedLogStream() throws Exception {
        try (Wire wire = new Wire(proxy.port())) {
            wire.send("GET /v1.41/containers/" + container + "/logs?follow=1&stdout=1&tail=1 HTTP/1.1\r\nHost: docker\r\n\r\n");
            assertThat(wire.head()).startsWith("HTTP/1.1 200 ");
            wire.readUntil("line");
            proxy.permit("PING", "VERSION", "POST");
            assertThat(wire.closesWithin(Duration.ofSeconds(3))).as("the stream ends").isTrue();
        }
    }
}
