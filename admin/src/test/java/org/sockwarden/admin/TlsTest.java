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
import org.sockwarden.certs.IssuedCertificate;
import org.sockwarden.proxy.testing.Docker;
import org.sockwarden.proxy.testing.TestEngine;
import org.sockwarden.store.Store;

/** Client certificates from the built-in CA on one mutual-TLS port, with the real docker CLI, docker-py and openssl. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TlsTest {

    private Path data;
    private Path log;
    private Process proxy;
    private int port;
    private Path traefikCerts;
    private Path vidarCerts;

    private Docker docker(Path certs) {
        return new Docker("tcp://127.0.0.1:" + port).env("DOCKER_TLS_VERIFY", "1").env("DOCKER_CERT_PATH", certs.toString());
    }

    @BeforeAll
    void start() throws Exception {
        Path engine = TestEngine.socket();
        data = Docker.tempDir("swtls");
        traefikCerts = data.resolve("traefik-certs");
        vidarCerts = data.resolve("vidar-certs");
        port = freePort();
        assertThat(cli(data, "init")).isZero();
        assertThat(cli(data, "client", "add", "traefik", "--preset", "traefik")).isZero();
        assertThat(cli(data, "client", "add", "vidar", "--allow", "PING,VERSION,CONTAINERS")).isZero();
        assertThat(cli(data, "cert", "issue", "traefik", "--out", traefikCerts.toString())).isZero();
        assertThat(cli(data, "cert", "issue", "vidar", "--out", vidarCerts.toString(), "--days", "7")).isZero();
        log = data.resolve("proxy.log");
        proxy = new ProcessBuilder(ChildJvm.sockwarden("serve", "--listen", "none", "--tls-listen", "127.0.0.1:" + port,
                "--data", data.toString(), "--docker-socket", engine.toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        await("TLS listener", () -> MultiClientTest.accepts(port), Duration.ofSeconds(30));
    }

    @AfterAll
    void stop() throws Exception {
        MultiClientTest.stopProxy(proxy, log);
    }

    private String log() throws Exception {
        return Files.readString(log);
    }

    /** Runs a Python script with {@code ctx}, an SSL context holding vidar's certificate; {@code sys.argv[1]} is the port. */
    private String vidarOverTls(String script) throws Exception {
        String prelude = "import ssl, sys\n"
                + "ctx = ssl.create_default_context(cafile=sys.argv[2] + '/ca.pem')\n"
                + "ctx.load_cert_chain(sys.argv[2] + '/cert.pem', sys.argv[2] + '/key.pem')\n";
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", prelude + script, String.valueOf(port), vidarCerts.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    @Test
    @Order(1)
    void eachCertificateIsItsOwnClient() throws Exception {
        docker(traefikCerts).run("ps").ok();
        docker(traefikCerts).run("network", "ls").ok();
        assertThat(docker(vidarCerts).run("network", "ls").failed().stderr())
                .contains("sockwarden: client \"vidar\" may not call networks.list").contains("sockwarden grant vidar NETWORKS");
        docker(vidarCerts).run("ps").ok();
        assertThat(log()).contains("listener=tls:127.0.0.1:" + port + " client=traefik").contains("client=vidar");
        // Expiry within 14 days is warned about.
        assertThat(log()).containsPattern("WARN client certificate [0-9a-f]{64} of client vidar expires at ");
        CliTest.Run status = CliTest.run("status", "--data=" + data);
        assertThat(status.out()).containsPattern("WARNING: client certificate [0-9a-f]{64} of client vidar expires at ")
                .contains("proxy: running").contains("listening: tls:127.0.0.1:" + port);
    }

    @Test
    @Order(2)
    void theCertificateNotTheHostHeaderSaysWhoCalls() throws Exception {
        // A client that reached the proxy by another name (a tunnel, an alias) sends a Host the server
        // certificate does not name; Jetty's default SNI host check would refuse it with 400 "Invalid SNI".
        String out = vidarOverTls("import http.client\n"
                + "c = http.client.HTTPSConnection('127.0.0.1', int(sys.argv[1]), context=ctx, timeout=30)\n"
                + "c.request('GET', '/v1.41/containers/json', headers={'Host': 'docker.elsewhere.example'})\n"
                + "r = c.getresponse()\n"
                + "print(r.status, r.read()[:1].decode())\n");
        assertThat(out).as(out).isEqualTo("200 [\n");
        assertThat(log()).contains("client=vidar GET /v1.41/containers/json op=containers.list allow");
    }

    @Test
    @Order(2)
    void aKeptAliveTlsConnectionAnswersLateAndPipelinedRequests() throws Exception {
        // Between requests the proxy waits for the connection's next bytes instead of reading for
        // them; over TLS, bytes already decrypted must still be seen (two requests in one record).
        String out = vidarOverTls("import socket, time\n"
                + "s = ctx.wrap_socket(socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=30), server_hostname='127.0.0.1')\n"
                + "req = b'GET /_ping HTTP/1.1\\r\\nHost: docker\\r\\n\\r\\n'\n"
                + "def answers(n):\n"
                + "    buf = b''\n"
                + "    while buf.count(b'\\r\\n\\r\\nOK') < n:\n"
                + "        chunk = s.recv(65536)\n"
                + "        if not chunk: break\n"
                + "        buf += chunk\n"
                + "    return buf.count(b'HTTP/1.1 200 ')\n"
                + "s.sendall(req)\n"
                + "first = answers(1)\n"
                + "time.sleep(0.3)\n"
                + "s.sendall(req + req)\n"
                + "print(first, answers(2))\n");
        assertThat(out).as(out).isEqualTo("1 2\n");
    }

    @Test
    @Order(2)
    void dockerPyWithItsTlsConfig() throws Exception {
        String script = "import docker, sys\n"
                + "tls = docker.tls.TLSConfig(client_cert=(sys.argv[2] + '/cert.pem', sys.argv[2] + '/key.pem'), ca_cert=sys.argv[2] + '/ca.pem', verify=True)\n"
                + "c = docker.DockerClient(base_url='https://127.0.0.1:' + sys.argv[1], tls=tls)\n"
                + "print('containers', len(c.containers.list(all=True)))\n"
                + "print('version', c.version()['ApiVersion'])\n";
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/python3", "-c", script, String.valueOf(port), traefikCerts.toString())
                .redirectErrorStream(true);
        // requests lets a CA bundle from the environment override docker-py's own CA (requests issue 3829).
        pb.environment().keySet().removeIf(k -> k.equals("REQUESTS_CA_BUNDLE") || k.equals("CURL_CA_BUNDLE") || k.startsWith("DOCKER_"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(out).as(out).contains("containers ").contains("version 1.");
        assertThat(p.exitValue()).as(out).isZero();
    }

    @Test
    @Order(3)
    void renewedServerCertificateIsUsedWithoutRestart() throws Exception {
        String before = serverFingerprint();
        assertThat(cli(data, "cert", "renew-server")).isZero();
        await("new server certificate", () -> {
            try {
                return !serverFingerprint().equals(before);
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(3));
        docker(traefikCerts).run("ps").ok();
    }

    private String serverFingerprint() throws Exception {
        Process p = new ProcessBuilder("bash", "-c", "openssl s_client -connect 127.0.0.1:" + port + " -cert " + traefikCerts + "/cert.pem -key "
                + traefikCerts + "/key.pem -CAfile " + traefikCerts + "/ca.pem </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(out).contains("Fingerprint");
        return out;
    }

    @Test
    @Order(4)
    void unknownExpiredForeignAndRevokedCertificatesAreRefusedWithTheirReason() throws Exception {
        // No client certificate at all.
        assertThat(docker(data.resolve("nowhere")).env("DOCKER_TLS_VERIFY", "").env("DOCKER_CERT_PATH", "").run("ps").failed().exitCode()).isNotZero();
        Process curl = new ProcessBuilder("bash", "-c", "openssl s_client -connect 127.0.0.1:" + port + " -CAfile " + traefikCerts
                + "/ca.pem </dev/null >/dev/null 2>&1; exit 0").start();
        assertThat(curl.waitFor(30, TimeUnit.SECONDS)).isTrue();
        await("no-certificate refusal logged", () -> logContains("TLS handshake refused from"), Duration.ofSeconds(2));

        // A certificate of another CA.
        CertificateAuthority other = CertificateAuthority.createOrLoad(data.resolve("other-ca"));
        Path foreign = data.resolve("foreign-certs");
        other.issueClient("traefik", Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600)).writeDockerLayout(foreign, other.certificate());
        // Go only sends a certificate whose issuer the server lists, so openssl presents it regardless.
        Process s = new ProcessBuilder("bash", "-c", "openssl s_client -connect 127.0.0.1:" + port + " -cert " + foreign + "/cert.pem -key "
                + foreign + "/key.pem </dev/null >/dev/null 2>&1; exit 0").start();
        assertThat(s.waitFor(30, TimeUnit.SECONDS)).isTrue();
        await("foreign refusal logged", () -> logContains("TLS client refused: not issued by a trusted CA: certificate"), Duration.ofSeconds(2));

        // An expired certificate of our own CA, recorded as issued.
        CertificateAuthority ours = CertificateAuthority.createOrLoad(data);
        IssuedCertificate expired = ours.issueClient("vidar", Instant.now().minus(Duration.ofDays(10)), Instant.now().minus(Duration.ofDays(1)));
        try (Store store = Store.open(data)) {
            Tls.record(store, expired, "client", "vidar");
        }
        Path expiredCerts = data.resolve("expired-certs");
        expired.writeDockerLayout(expiredCerts, ours.certificate());
        Process e = new ProcessBuilder("bash", "-c", "openssl s_client -connect 127.0.0.1:" + port + " -cert " + expiredCerts + "/cert.pem -key "
                + expiredCerts + "/key.pem </dev/null >/dev/null 2>&1; exit 0").start();
        assertThat(e.waitFor(30, TimeUnit.SECONDS)).isTrue();
        await("expiry refusal logged", () -> logContains("TLS client refused: expired at " + expired.notAfter() + ": certificate " + expired.fingerprint()), Duration.ofSeconds(2));

        // A revoked one: new handshakes fail at once.
        assertThat(cli(data, "cert", "revoke", "vidar")).isZero();
        // A handshake just before the revocation applied is refused at its request instead; the next ones at the handshake.
        await("revocation refused at the handshake", () -> docker(vidarCerts).run("ps").exitCode() != 0
                && logContains("TLS client refused: revoked: certificate"), Duration.ofSeconds(3));
    }

    private boolean logContains(String text) {
        try {
            return log().contains(text);
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    @Order(5)
    void revokingACertificateEndsItsOpenEventsStream() throws Exception {
        Process events = MultiClientTest.openEvents("-H", "tcp://127.0.0.1:" + port, "--tlsverify", "--tlscacert", traefikCerts + "/ca.pem",
                "--tlscert", traefikCerts + "/cert.pem", "--tlskey", traefikCerts + "/key.pem");
        try {
            // By fingerprint this time, in openssl's colon form.
            String fingerprint = org.sockwarden.certs.Fingerprints.sha256(
                    org.sockwarden.certs.Pem.readCertificates(traefikCerts.resolve("cert.pem")).get(0)).replaceAll("(..)(?!$)", "$1:");
            assertThat(cli(data, "cert", "revoke", fingerprint)).isZero();
            assertThat(events.waitFor(1, TimeUnit.SECONDS)).as("events stream ended within 1 s of the revocation").isTrue();
        } finally {
            events.destroyForcibly();
        }
    }
}
