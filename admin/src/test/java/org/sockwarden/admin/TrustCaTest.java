package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.sockwarden.admin.MultiClientTest.await;
import static org.sockwarden.admin.MultiClientTest.cli;
import static org.sockwarden.admin.MultiClientTest.freePort;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.sockwarden.certs.CertificateAuthority;
import org.sockwarden.proxy.testing.Docker;
import org.sockwarden.proxy.testing.TestEngine;

/** {@code init --trust-ca}: another CA's client certificates, mapped by subject, with the real docker CLI; and the files it refuses. */
class TrustCaTest {

    private Path data;
    private Path otherCaDir;
    private CertificateAuthority otherCa;
    private Process proxy;
    private Path log;

    @BeforeEach
    void setUp() throws Exception {
        data = Docker.tempDir("swtrust");
        assertThat(cli(data, "init")).isZero();
        otherCaDir = data.resolve("other-ca");
        otherCa = CertificateAuthority.createOrLoad(otherCaDir);
    }

    @AfterEach
    void tearDown() throws Exception {
        MultiClientTest.stopProxy(proxy, log);
    }

    @Test
    void aClientCertificateOfTheTrustedCaIsTheClientItsSubjectNames() throws Exception {
        CliTest.Run trusted = trustOtherCa();
        assertThat(trusted.exit()).as(trusted.err()).isZero();
        assertThat(trusted.out()).contains("trusting 1 CA certificate(s) from " + otherCaDir.resolve(CertificateAuthority.CERT_FILE));
        Path certs = clientCiWithACertificateOfTheOtherCa();
        int port = startProxy();

        Docker docker = docker(port, certs);
        docker.run("ps").ok();
        assertThat(docker.run("network", "ls").failed().stderr()).contains("sockwarden: client \"ci\" may not call networks.list");
        // The access log is written on its own thread.
        await("the requests logged", () -> logContains("listener=tls:127.0.0.1:" + port + " client=ci GET /v1.")
                && logContains("op=containers.list allow"), Duration.ofSeconds(5));
    }

    @Test
    void aRunningProxyTrustsANewCaWithoutARestart() throws Exception {
        Path certs = data.resolve("ci-certs");
        otherCa.issueClient("ci", Duration.ofHours(1)).writeDockerLayout(certs, Files.readString(data.resolve(CertificateAuthority.CERT_FILE)));
        int port = startProxy();
        Docker docker = docker(port, certs);
        // Go presents a certificate only if the server lists its issuer, so this handshake ends without one.
        docker.run("ps").failed();
        await("refusal logged", () -> logContains("TLS handshake refused from"), Duration.ofSeconds(5));

        CliTest.Run trusted = trustOtherCa();
        assertThat(trusted.exit()).as(trusted.err()).isZero();
        // A subject mapping names a trusted CA: the client comes once its CA is trusted.
        assertThat(cli(data, "client", "add", "ci", "--allow", "PING,VERSION,CONTAINERS", "--cert-subject", "CN=ci,O=sockwarden",
                "--cert-ca", otherCaFingerprint())).isZero();
        await("the new CA in force", () -> docker.run("ps").exitCode() == 0, Duration.ofSeconds(15));
        // Now listed, the other CA's certificate is presented, and it is this client (the access log is written on its own thread).
        assertThat(Files.readString(log)).contains("trusted CAs reloaded: 2");
        await("the request logged", () -> logContains("client=ci GET /v1."), Duration.ofSeconds(5));
    }

    private CliTest.Run trustOtherCa() {
        return CliTest.run("init", "--trust-ca", otherCaDir.resolve(CertificateAuthority.CERT_FILE).toString(), "--data", data.toString());
    }

    private String otherCaFingerprint() {
        return org.sockwarden.certs.Fingerprints.sha256(otherCa.certificate());
    }

    /** Client "ci", mapped by subject to the other CA (trusted already), and a certificate for it from that CA in the docker CLI's layout. */
    private Path clientCiWithACertificateOfTheOtherCa() throws Exception {
        assertThat(cli(data, "client", "add", "ci", "--allow", "PING,VERSION,CONTAINERS", "--cert-subject", "CN=ci,O=sockwarden",
                "--cert-ca", otherCaFingerprint())).isZero();
        Path certs = data.resolve("ci-certs");
        // The docker CLI checks the proxy's certificate against sockwarden's CA, and shows its own from the other CA.
        otherCa.issueClient("ci", Duration.ofHours(1)).writeDockerLayout(certs, Files.readString(data.resolve(CertificateAuthority.CERT_FILE)));
        return certs;
    }

    private static Docker docker(int port, Path certs) {
        return new Docker("tcp://127.0.0.1:" + port).env("DOCKER_TLS_VERIFY", "1").env("DOCKER_CERT_PATH", certs.toString());
    }

    private int startProxy() throws Exception {
        int port = freePort();
        log = data.resolve("proxy.log");
        proxy = MultiClientTest.serve(log, "--listen", "none", "--tls-listen", "127.0.0.1:" + port,
                "--data", data.toString(), "--docker-socket", TestEngine.socket().toString());
        await("TLS listener", () -> MultiClientTest.accepts(port), Duration.ofSeconds(30));
        return port;
    }

    private boolean logContains(String text) {
        try {
            return Files.readString(log).contains(text);
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    void aFileThatHoldsNoCaIsRefusedAndTheTrustedCasStayAsTheyWere() throws Exception {
        Path trustedFile = data.resolve(Tls.TRUSTED_CA);
        assertThat(trustOtherCa().exit()).isZero();
        byte[] before = Files.readAllBytes(trustedFile);

        // A client certificate: as a trust anchor it would trust only itself.
        Path leaf = data.resolve("leaf");
        otherCa.issueClient("ci", Duration.ofHours(1)).writeDockerLayout(leaf, otherCa.certificate());
        CliTest.Run notCa = CliTest.run("init", "--trust-ca", leaf.resolve("cert.pem").toString(), "--data", data.toString());
        assertThat(notCa.exit()).isEqualTo(1);
        assertThat(notCa.err()).contains(leaf.resolve("cert.pem") + " holds CN=ci,O=sockwarden, which is not a CA certificate")
                .contains("give the certificate of the CA that issued it");

        Path text = Files.writeString(data.resolve("notes.txt"), "the CA is on the wiki\n");
        CliTest.Run noPem = CliTest.run("init", "--trust-ca", text.toString(), "--data", data.toString());
        assertThat(noPem.exit()).isEqualTo(1);
        assertThat(noPem.err()).contains(text + " holds no PEM certificate");

        CliTest.Run missing = CliTest.run("init", "--trust-ca", data.resolve("absent.pem").toString(), "--data", data.toString());
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("absent.pem");

        assertThat(Files.readAllBytes(trustedFile)).isEqualTo(before);
    }

    @Test
    void onlyTheCertificatesOfABundleAreKept() throws Exception {
        // A bundle as some tools export it: the CA's certificate, its key, and text around them.
        Path bundle = Files.writeString(data.resolve("bundle.pem"), "Our CA, exported for the proxy\n"
                + Files.readString(otherCaDir.resolve(CertificateAuthority.CERT_FILE))
                + Files.readString(otherCaDir.resolve(CertificateAuthority.KEY_FILE)));
        CliTest.Run r = CliTest.run("init", "--trust-ca", bundle.toString(), "--data", data.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        String trusted = Files.readString(data.resolve(Tls.TRUSTED_CA));
        assertThat(trusted).isEqualTo(org.sockwarden.certs.Pem.certificate(otherCa.certificate())).doesNotContain("PRIVATE KEY");
    }

    @Test
    void serveRefusesATrustedCaFileThatWasReplacedByALeafCertificate() throws Exception {
        Path leaf = data.resolve("leaf");
        otherCa.issueClient("ci", Duration.ofHours(1)).writeDockerLayout(leaf, otherCa.certificate());
        Files.copy(leaf.resolve("cert.pem"), data.resolve(Tls.TRUSTED_CA));

        log = data.resolve("proxy.log");
        Process serve = MultiClientTest.serve(log, "--listen", "none", "--tls-listen", "127.0.0.1:" + freePort(),
                "--data", data.toString(), "--docker-socket", TestEngine.socket().toString());
        boolean exited = serve.waitFor(60, TimeUnit.SECONDS);
        if (!exited) {
            proxy = serve;
        }
        assertThat(exited).as("serve exits").isTrue();
        assertThat(serve.exitValue()).isEqualTo(1);
        assertThat(Files.readString(log)).contains(data.resolve(Tls.TRUSTED_CA) + " holds CN=ci,O=sockwarden, which is not a CA certificate");
    }
}
