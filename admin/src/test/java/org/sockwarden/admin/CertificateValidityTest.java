package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.sockwarden.admin.MultiClientTest.await;
import static org.sockwarden.admin.MultiClientTest.cli;
import static org.sockwarden.admin.MultiClientTest.freePort;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.sockwarden.certs.CertificateAuthority;
import org.sockwarden.certs.Fingerprints;
import org.sockwarden.certs.IssuedCertificate;
import org.sockwarden.proxy.testing.Docker;
import org.sockwarden.store.Store;

/**
 * A client certificate stops being usable the moment it stops being valid, on connections and
 * streams already open, with real handshakes: each request on a kept-alive TLS connection is
 * checked again, and an expiry or a trusted CA taken away ends open streams as a revocation does.
 * TLS 1.2 renegotiation, which could swap the certificate under an open connection, is refused.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CertificateValidityTest {

    private Path data;
    private Path log;
    private Process proxy;
    private int port;
    private Path vidarCerts;
    private CertificateAuthority ours;

    @BeforeAll
    void start() throws Exception {
        data = Docker.tempDir("swcv");
        assertThat(cli(data, "init")).isZero();
        assertThat(cli(data, "client", "add", "vidar", "--allow", "PING,VERSION,CONTAINERS,EVENTS")).isZero();
        vidarCerts = data.resolve("vidar-certs");
        assertThat(cli(data, "cert", "issue", "vidar", "--out", vidarCerts.toString())).isZero();
        ours = CertificateAuthority.createOrLoad(data);
        port = freePort();
        log = data.resolve("proxy.log");
        proxy = MultiClientTest.serveTls(data, port, log);
    }

    @AfterAll
    void stop() throws Exception {
        MultiClientTest.stopProxy(proxy, log);
    }

    private boolean logContains(String text) {
        return MultiClientTest.logContains(log, text);
    }

    /**
     * A Python client on one kept-alive TLS connection with the certificate in {@code certs}: it
     * asks for /_ping, waits until {@code go} exists, asks again, and prints both statuses and the
     * second answer's message.
     */
    private Process keptAlive(Path certs, Path go) throws Exception {
        String script = "import ssl, socket, sys, os, time\n"
                + "ctx = ssl.create_default_context(cafile=sys.argv[2] + '/ca.pem')\n"
                + "ctx.load_cert_chain(sys.argv[2] + '/cert.pem', sys.argv[2] + '/key.pem')\n"
                + "s = ctx.wrap_socket(socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=30), server_hostname='127.0.0.1')\n"
                + "def ask():\n"
                + "    s.sendall(b'GET /_ping HTTP/1.1\\r\\nHost: docker\\r\\n\\r\\n')\n"
                + "    data = b''\n"
                + "    while b'\\r\\n\\r\\n' not in data:\n"
                + "        chunk = s.recv(65536)\n"
                + "        if not chunk: return 'closed'\n"
                + "        data += chunk\n"
                + "    head, body = data.split(b'\\r\\n\\r\\n', 1)\n"
                + "    length = int([l.split(b':')[1] for l in head.split(b'\\r\\n') if l.lower().startswith(b'content-length')][0])\n"
                + "    while len(body) < length:\n"
                + "        body += s.recv(65536)\n"
                + "    return head.split(b' ')[1].decode() + ' ' + body.decode().strip()\n"
                + "print(ask(), flush=True)\n"
                + "for _ in range(600):\n"
                + "    if os.path.exists(sys.argv[3]): break\n"
                + "    time.sleep(0.1)\n"
                + "print(ask(), flush=True)\n";
        return new ProcessBuilder("/usr/bin/python3", "-c", script, String.valueOf(port), certs.toString(), go.toString())
                .redirectErrorStream(true).start();
    }

    private static String output(Process p) throws Exception {
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    /** Waits until the proxy accepts the certificate in {@code certs} (a policy change takes up to a poll to apply). */
    private void awaitAccepted(Path certs, Duration within) throws InterruptedException {
        Docker docker = new Docker("tcp://127.0.0.1:" + port).env("DOCKER_TLS_VERIFY", "1").env("DOCKER_CERT_PATH", certs.toString());
        await("the certificate in " + certs + " accepted", () -> docker.run("version").exitCode() == 0, within);
    }

    private Process events(Path certs) throws Exception {
        return MultiClientTest.openEvents("-H", "tcp://127.0.0.1:" + port, "--tlsverify", "--tlscacert", certs + "/ca.pem",
                "--tlscert", certs + "/cert.pem", "--tlskey", certs + "/key.pem");
    }

    @Test
    @Order(1)
    void aTls12RenegotiationClosesTheConnection() throws Exception {
        // openssl's interactive "R" renegotiates; the request after it must not be answered on that connection.
        Process s = new ProcessBuilder("bash", "-c", "(printf 'GET /_ping HTTP/1.1\\r\\nHost: docker\\r\\n\\r\\n'; sleep 2; printf 'R\\n';"
                + " sleep 2; printf 'GET /_ping HTTP/1.1\\r\\nHost: docker\\r\\n\\r\\n'; sleep 2) | openssl s_client -tls1_2 -connect 127.0.0.1:"
                + port + " -cert " + vidarCerts + "/cert.pem -key " + vidarCerts + "/key.pem -CAfile " + vidarCerts + "/ca.pem 2>&1")
                .redirectErrorStream(true).start();
        String out = output(s);
        assertThat(out).contains("RENEGOTIATING");
        assertThat(out.split("HTTP/1.1 200 OK", -1)).as("answers: only the one before the renegotiation\n" + out).hasSize(2);
    }

    @Test
    @Order(2)
    void anExpiredCertificateEndsItsStreamsAndItsNextRequest() throws Exception {
        Instant notAfter = Instant.now().plusSeconds(20);
        IssuedCertificate shortLived = ours.issueClient("vidar", Instant.now().minusSeconds(60), notAfter);
        try (Store store = Store.open(data)) {
            Tls.record(store, shortLived, "client", "vidar");
        }
        Path certs = data.resolve("short-lived");
        shortLived.writeDockerLayout(certs, ours.certificate());
        awaitAccepted(certs, Duration.ofSeconds(5));

        Path go = data.resolve("expired");
        Process client = keptAlive(certs, go);
        Process events = events(certs);
        try {
            await("expiry", () -> Instant.now().isAfter(notAfter.plusMillis(500)), Duration.ofSeconds(30));
            Files.createFile(go);
            assertThat(events.waitFor(5, TimeUnit.SECONDS)).as("the events stream ended at the expiry").isTrue();
            String out = output(client);
            // The directory itself refuses an expired leaf (Directory.resolve checks its dates on every request).
            assertThat(out).startsWith("200 OK\n").contains("403 {\"message\":\"sockwarden: expired at " + notAfter.truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
            await("the cut logged", () -> logContains("INFO ended system.events of client vidar: the client certificate expired at"),
                    Duration.ofSeconds(5));
        } finally {
            events.destroyForcibly();
            client.destroyForcibly();
        }
    }

    @Test
    @Order(3)
    void aTrustedCaTakenAwayEndsItsStreamsAndItsNextRequest() throws Exception {
        CertificateAuthority other = CertificateAuthority.createOrLoad(data.resolve("other-ca"));
        CertificateAuthority.createOrLoad(data.resolve("third-ca"));
        assertThat(CliTest.run("init", "--trust-ca", data.resolve("other-ca").resolve(CertificateAuthority.CERT_FILE).toString(),
                "--data", data.toString()).exit()).isZero();
        assertThat(cli(data, "client", "add", "ci", "--allow", "PING,VERSION,EVENTS", "--cert-subject", "CN=ci,O=sockwarden",
                "--cert-ca", Fingerprints.sha256(other.certificate()))).isZero();
        Path certs = data.resolve("ci-certs");
        other.issueClient("ci", Duration.ofHours(1)).writeDockerLayout(certs, ours.certificate());
        awaitAccepted(certs, Duration.ofSeconds(15));

        Path go = data.resolve("untrusted");
        Process client = keptAlive(certs, go);
        Process events = events(certs);
        try {
            // The trusted CA file now names another CA: the one that issued ci's certificate is no longer trusted.
            assertThat(CliTest.run("init", "--trust-ca", data.resolve("third-ca").resolve(CertificateAuthority.CERT_FILE).toString(),
                    "--data", data.toString()).exit()).isZero();
            await("the reload", () -> logContains("trusted CAs reloaded") && Files.exists(data.resolve(Tls.TRUSTED_CA)), Duration.ofSeconds(10));
            assertThat(events.waitFor(5, TimeUnit.SECONDS)).as("the events stream ended with the trust").isTrue();
            Files.createFile(go);
            // Refused by whichever check sees the change first: the connection's trust check (the trusted CAs reloaded) or
            // the directory compiled with them (the mapping's CA is no longer trusted).
            assertThat(output(client)).startsWith("200 OK\n").containsPattern("403 \\{\"message\":\"sockwarden: (not issued by a trusted CA"
                    + "|certificate [0-9a-f]{64} \\(CN=ci,O=sockwarden\\) does not chain to a CA this proxy trusts)");
        } finally {
            events.destroyForcibly();
            client.destroyForcibly();
        }
    }
}
