package org.sockwarden.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.sockwarden.proxy.api.RedactedField;
import org.sockwarden.proxy.guard.Guardrails;
import org.sockwarden.proxy.guard.Label;
import org.sockwarden.proxy.identity.Client;
import org.sockwarden.proxy.identity.ClientRules;
import org.sockwarden.proxy.limit.ClientLimits;
import org.sockwarden.proxy.policy.PermissionSet;
import org.sockwarden.proxy.testing.Docker;
import org.sockwarden.proxy.testing.RawHttp;
import org.sockwarden.proxy.testing.TestEngine;
import org.sockwarden.proxy.testing.TestProxy;

/**
 * Redacted inspect against the real engine: a client with redacted fields gets container inspect answers
 * without them, rewritten with a length of their own, while the engine and other clients still see them;
 * an answer it cannot read or that is over the cap is never passed on unredacted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedactedInspectTest {

    private static final String SECRET = "hunter2-" + UUID.randomUUID();
    private final String p = "sw-redact-" + UUID.randomUUID().toString().substring(0, 6);
    private final String owner = "ab".repeat(16);
    private final Docker direct = Docker.engine();
    private TestProxy proxy;

    private static Client client(String name, Label owner, Set<RedactedField> redacted) {
        return new Client(name, PermissionSet.parse(List.of("PING", "VERSION", "CONTAINERS")), Client.GrantAdvice.CLI,
                new ClientRules(false, Guardrails.DEFAULT, owner, ClientLimits.NONE, redacted));
    }

    @BeforeAll
    void start() throws Exception {
        proxy = TestProxy.start(TestEngine.socket(), client("traefik", null, Set.of(RedactedField.CONFIG_ENV)),
                client("strict", new Label(ClientRules.OWNER_LABEL, owner), Set.of(RedactedField.CONFIG_ENV, RedactedField.ARGS,
                        RedactedField.CONFIG_CMD)),
                client("plain", null, Set.of()));
        direct.run("create", "--name", p + "-web", "--network", "none", "-e", "DB_PASSWORD=" + SECRET, "--label", "traefik.enable=true",
                "--label", ClientRules.OWNER_LABEL + "=" + owner, TestEngine.IMAGE, "sh", "-c", "echo --password=" + SECRET).ok();
    }

    @AfterAll
    void stop() throws Exception {
        direct.run("rm", "-f", p + "-web", p + "-huge");
        if (proxy != null) {
            proxy.close();
        }
    }

    @Test
    void aRedactingClientGetsNoEnvironmentWhileTheEngineHasIt() throws Exception {
        String seen = new Docker(proxy.dockerHost("traefik")).run("container", "inspect", p + "-web").ok().stdout();
        assertThat(seen).doesNotContain(SECRET.substring(9, 20) + "\"]").doesNotContain("DB_PASSWORD");
        assertThat(seen).contains("\"traefik.enable\": \"true\"").contains("\"Name\": \"/" + p + "-web\"");
        assertThat(new Docker(proxy.dockerHost("traefik")).run("inspect", "-f", "{{json .Config.Env}}", p + "-web").ok().stdout().trim())
                .isEqualTo("null");
        // Fields it did not ask to redact stay: the command line is there.
        assertThat(seen).contains("--password=" + SECRET);
        assertThat(direct.run("inspect", "-f", "{{json .Config.Env}}", p + "-web").ok().stdout()).contains("DB_PASSWORD=" + SECRET);
        assertThat(new Docker(proxy.dockerHost("plain")).run("inspect", "-f", "{{json .Config.Env}}", p + "-web").ok().stdout())
                .contains("DB_PASSWORD=" + SECRET);

        // Raw: the answer carries the length of what is sent, and parses.
        RawHttp.Answer raw = RawHttp.unix(proxy.socket("traefik"), "GET /v1.41/containers/" + p + "-web/json HTTP/1.1\r\nHost: docker\r\n"
                + "Connection: close\r\n\r\n", Duration.ofSeconds(10));
        String text = raw.text();
        int headEnd = text.indexOf("\r\n\r\n");
        String body = text.substring(headEnd + 4);
        assertThat(text.substring(0, headEnd)).containsIgnoringCase("Content-Length: " + body.getBytes(StandardCharsets.ISO_8859_1).length)
                .doesNotContainIgnoringCase("Transfer-Encoding").containsIgnoringCase("Api-Version: 1.41");
        assertThat(topLevelConfigKeys(body)).doesNotContain("Env").contains("Labels", "Cmd", "Image");
    }

    @Test
    void anOwnOnlyClientGetsItsOwnContainersRedactedToo() {
        String seen = new Docker(proxy.dockerHost("strict")).run("container", "inspect", p + "-web").ok().stdout();
        assertThat(seen).doesNotContain(SECRET).doesNotContain("\"Args\"").contains("\"Labels\"");
    }

    @Test
    void anAnswerOverTheCapIsNotPassedOn() throws Exception {
        // A 4.5 MB environment: more than sockwarden reads to redact an answer.
        String huge = "BIG=" + "x".repeat(4_500_000);
        String body = "{\"Image\":\"" + TestEngine.IMAGE + "\",\"Env\":[\"" + huge + "\",\"DB_PASSWORD=" + SECRET + "\"],"
                + "\"HostConfig\":{\"NetworkMode\":\"none\"}}";
        RawHttp.Answer created = RawHttp.unix(TestEngine.socket(), "POST /containers/create?name=" + p + "-huge HTTP/1.1\r\nHost: docker\r\n"
                + "Connection: close\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body, Duration.ofSeconds(20));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        RawHttp.Answer redacted = RawHttp.unix(proxy.socket("traefik"), "GET /v1.41/containers/" + p + "-huge/json HTTP/1.1\r\nHost: docker\r\n"
                + "Connection: close\r\n\r\n", Duration.ofSeconds(20));
        assertThat(redacted.status()).isEqualTo(502);
        assertThat(redacted.text()).doesNotContain(SECRET).contains("nothing of it was passed on");
        // A client without redaction gets it whole (the forwarder streams it).
        assertThat(new Docker(proxy.dockerHost("plain")).run("inspect", "-f", "{{range .Config.Env}}{{len .}} {{end}}", p + "-huge").ok()
                .stdout()).contains(Integer.toString(huge.length()));
    }

    @Test
    void anAnswerThatCannotBeReadIsNotPassedOn() throws Exception {
        // An engine answer no real engine sends: a fake one, for this edge case alone.
        Path dir = Docker.tempDir("sw-redact-fake");
        Path engine = dir.resolve("engine.sock");
        String broken = "{\"Id\":\"c1\",\"Config\":{\"Env\":[\"DB_PASSWORD=" + SECRET + "\"]";
        try (ServerSocketChannel fake = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            fake.bind(UnixDomainSocketAddress.of(engine));
            // The proxy's start-up GET /version gets "not found" (an engine it does not know); the inspect gets the broken answer.
            Thread server = new Thread(() -> {
                for (int i = 0; i < 8; i++) {
                    try (SocketChannel c = fake.accept()) {
                        ByteBuffer in = ByteBuffer.allocate(8192);
                        c.read(in);
                        String answer = new String(in.array(), 0, in.position(), StandardCharsets.ISO_8859_1).startsWith("GET /version ")
                                ? "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
                                : "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + broken.length() + "\r\n\r\n" + broken;
                        c.write(ByteBuffer.wrap(answer.getBytes(StandardCharsets.ISO_8859_1)));
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "fake-engine");
            server.setDaemon(true);
            server.start();
            try (TestProxy fakeProxy = TestProxy.start(engine, client("traefik", null, Set.of(RedactedField.CONFIG_ENV)))) {
                RawHttp.Answer a = RawHttp.unix(fakeProxy.socket("traefik"), "GET /containers/c1/json HTTP/1.1\r\nHost: docker\r\n"
                        + "Connection: close\r\n\r\n", Duration.ofSeconds(10));
                assertThat(a.status()).isEqualTo(502);
                assertThat(a.text()).doesNotContain(SECRET).contains("could not be read to redact it");
            }
        }
    }

    private static List<String> topLevelConfigKeys(String json) throws IOException {
        List<String> keys = new java.util.ArrayList<>();
        try (JsonParser parser = new JsonFactory().createParser(json)) {
            int depth = 0;
            boolean inConfig = false;
            JsonToken t;
            while ((t = parser.nextToken()) != null) {
                if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                    depth++;
                } else if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
                    depth--;
                    if (depth == 1) {
                        inConfig = false;
                    }
                } else if (t == JsonToken.FIELD_NAME) {
                    if (depth == 1 && parser.currentName().equals("Config")) {
                        inConfig = true;
                    } else if (depth == 2 && inConfig) {
                        keys.add(parser.currentName());
                    }
                }
            }
        }
        return keys;
    }
}
