package org.sockwarden.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real handshakes: a JDK server built from {@link TlsMaterial}, and curl, openssl and the docker CLI as clients. */
class MutualTlsTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    CertificateAuthority ca;
    CertificateAuthority other;
    Path client;
    Path foreign;
    IssuedCertificate clientCert;
    IssuedCertificate foreignCert;
    TlsTestServer server;

    @BeforeEach
    void setUp() throws Exception {
        ca = CertificateAuthority.createOrLoad(dir.resolve("data"));
        other = CertificateAuthority.createOrLoad(dir.resolve("other"));
        ServerNames names = ServerNames.defaults();
        IssuedCertificate serverCert = ca.issueServer(names.dnsNames(), names.ips(), Duration.ofDays(825));
        // The chain file the proxy keeps: leaf then CA.
        Pem.write(dir.resolve("server.pem"), serverCert.certificatePem() + Pem.certificate(ca.certificate()), "rw-r--r--");
        Pem.write(dir.resolve("server-key.pem"), serverCert.privateKeyPem(), "rw-------");
        client = dir.resolve("client");
        clientCert = ca.issueClient("traefik", Duration.ofDays(1));
        clientCert.writeDockerLayout(client, ca.certificate());
        foreign = dir.resolve("foreign");
        foreignCert = other.issueClient("traefik", Duration.ofDays(1));
        // Its ca.pem is ours, so that only the client certificate is wrong.
        foreignCert.writeDockerLayout(foreign, ca.certificate());
    }

    private TlsTestServer start(Path... trustedCaFiles) throws Exception {
        server = new TlsTestServer(TlsMaterial.keyStore(dir.resolve("server.pem"), dir.resolve("server-key.pem")),
                TlsTestServer.trustStore(List.of(trustedCaFiles)));
        return server;
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private Tools.Result curl(Path certs, String... tlsOptions) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("curl", "-sS", "--max-time", "15", "--cacert", certs.resolve("ca.pem").toString(),
                "--cert", certs.resolve("cert.pem").toString(), "--key", certs.resolve("key.pem").toString()));
        cmd.addAll(List.of(tlsOptions));
        cmd.add("https://127.0.0.1:" + server.port() + "/");
        return Tools.run(WAIT, Map.of(), cmd.toArray(String[]::new));
    }

    @Test
    void curlWithAClientCertificateOverTls13AndTls12() throws Exception {
        Tools.require("curl");
        start(dir.resolve("data/ca.pem"));
        for (String[] version : List.of(new String[] {"--tlsv1.3"}, new String[] {"--tlsv1.2", "--tls-max", "1.2"})) {
            Tools.Result r = curl(client, version);
            assertThat(r.exit()).as(r.all()).isZero();
            assertThat(r.out()).isEqualTo("ok");
            TlsTestServer.Handshake h = server.next(WAIT);
            assertThat(h).isNotNull();
            assertThat(h.ok()).as(String.valueOf(h.failure())).isTrue();
            assertThat(h.protocol()).isEqualTo(version[0].equals("--tlsv1.3") ? "TLSv1.3" : "TLSv1.2");
            assertThat(h.clientFingerprint()).isEqualTo(clientCert.sha256Fingerprint());
        }
        // By host name too: the SAN "localhost".
        Tools.Result r = Tools.run(WAIT, Map.of(), "curl", "-sS", "--max-time", "15", "--cacert", client.resolve("ca.pem").toString(),
                "--cert", client.resolve("cert.pem").toString(), "--key", client.resolve("key.pem").toString(),
                "--resolve", "localhost:" + server.port() + ":127.0.0.1", "https://localhost:" + server.port() + "/");
        assertThat(r.exit()).as(r.all()).isZero();
    }

    @Test
    void aClientCertificateOfAnotherCaIsRefusedAtTheHandshake() throws Exception {
        Tools.require("curl");
        start(dir.resolve("data/ca.pem"));
        for (String[] version : List.of(new String[] {"--tlsv1.3"}, new String[] {"--tlsv1.2", "--tls-max", "1.2"})) {
            Tools.Result r = curl(foreign, version);
            assertThat(r.exit()).as(r.all()).isNotZero();
            assertThat(r.out()).doesNotContain("ok");
            TlsTestServer.Handshake h = server.next(WAIT);
            assertThat(h).isNotNull();
            assertThat(h.ok()).isFalse();
            assertThat(h.request()).isNull();
            assertThat(h.failure()).containsAnyOf("PKIX", "certificate", "Certificate");
        }
        // No certificate at all.
        Tools.Result r = Tools.run(WAIT, Map.of(), "curl", "-sS", "--max-time", "15", "--cacert", client.resolve("ca.pem").toString(),
                "https://127.0.0.1:" + server.port() + "/");
        assertThat(r.exit()).as(r.all()).isNotZero();
        TlsTestServer.Handshake h = server.next(WAIT);
        assertThat(h).isNotNull();
        assertThat(h.ok()).isFalse();
    }

    /** The other CA as a {@code --trust-ca} file: its client certificates now pass, ours still do. */
    @Test
    void aSecondTrustedCa() throws Exception {
        Tools.require("curl");
        start(dir.resolve("data/ca.pem"), dir.resolve("other/ca.pem"));
        for (Path certs : List.of(foreign, client)) {
            Tools.Result r = curl(certs);
            assertThat(r.exit()).as(r.all()).isZero();
            TlsTestServer.Handshake h = server.next(WAIT);
            assertThat(h).isNotNull();
            assertThat(h.ok()).as(String.valueOf(h.failure())).isTrue();
        }
    }

    @Test
    void opensslSClient() throws Exception {
        Tools.require("openssl");
        start(dir.resolve("data/ca.pem"));
        Tools.Result r = Tools.run(WAIT, Map.of(), "openssl", "s_client", "-connect", "127.0.0.1:" + server.port(), "-verify_return_error",
                "-CAfile", client.resolve("ca.pem").toString(), "-cert", client.resolve("cert.pem").toString(),
                "-key", client.resolve("key.pem").toString(), "-verify_ip", "127.0.0.1", "-brief");
        assertThat(r.all()).contains("Verification: OK");
        TlsTestServer.Handshake h = server.next(WAIT);
        assertThat(h).isNotNull();
        assertThat(h.clientFingerprint()).isEqualTo(clientCert.sha256Fingerprint());
    }

    /**
     * Go's crypto/tls, as the docker CLI uses it with DOCKER_CERT_PATH, accepts the PKCS#8 EC key,
     * the chain and the server's SANs. The test server answers {@code /_ping} and {@code /version},
     * so {@code docker version} even completes.
     */
    @Test
    void dockerCliCompletesTheHandshake() throws Exception {
        assumeTrue(Tools.onPath("docker"), "docker CLI is not on PATH");
        start(dir.resolve("data/ca.pem"));
        Path config = Files.createDirectories(dir.resolve("docker-config"));
        Map<String, String> env = Map.of("DOCKER_TLS_VERIFY", "1", "DOCKER_CERT_PATH", client.toString(), "DOCKER_CONFIG", config.toString(),
                "DOCKER_CONTEXT", "default", "DOCKER_HOST", "");
        Tools.Result r = Tools.run(WAIT, env, "docker", "-H", "tcp://127.0.0.1:" + server.port(), "version");
        String err = r.err().toLowerCase(java.util.Locale.ROOT);
        assertThat(err).as(r.all()).doesNotContain("tls").doesNotContain("x509").doesNotContain("certificate").doesNotContain("private key");
        List<TlsTestServer.Handshake> all = new java.util.ArrayList<>();
        TlsTestServer.Handshake first = server.next(WAIT);
        assertThat(first).as("docker connected").isNotNull();
        all.add(first);
        all.addAll(server.drain());
        assertThat(all).allSatisfy(h -> {
            assertThat(h.ok()).as(String.valueOf(h.failure())).isTrue();
            assertThat(h.protocol()).isEqualTo("TLSv1.3");
            assertThat(h.clientFingerprint()).isEqualTo(clientCert.sha256Fingerprint());
        });
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(r.out()).contains("sockwarden-test");

        // A client certificate of the other CA: refused at the handshake.
        env = Map.of("DOCKER_TLS_VERIFY", "1", "DOCKER_CERT_PATH", foreign.toString(), "DOCKER_CONFIG", config.toString(),
                "DOCKER_CONTEXT", "default", "DOCKER_HOST", "");
        Tools.Result refused = Tools.run(WAIT, env, "docker", "-H", "tcp://127.0.0.1:" + server.port(), "version");
        assertThat(refused.exit()).as(refused.all()).isNotZero();
        assertThat(refused.out()).doesNotContain("sockwarden-test");
        TlsTestServer.Handshake h = server.next(WAIT);
        assertThat(h).isNotNull();
        assertThat(h.ok()).isFalse();
    }
}
