package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.sockwarden.admin.MultiClientTest.await;
import static org.sockwarden.admin.MultiClientTest.cli;
import static org.sockwarden.admin.MultiClientTest.freePort;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.DERPrintableString;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sockwarden.certs.CertificateAuthority;
import org.sockwarden.certs.Fingerprints;
import org.sockwarden.proxy.testing.TestEngine;

/**
 * A subject mapping is exact (the DER bytes of the name) and bound to the CA it names, over real
 * handshakes: look-alike spellings, the same subject from another trusted CA (sockwarden's own
 * included) and other string types do not match; one certificate of the CA can be revoked alone.
 */
class SubjectMappingTest {

    @TempDir
    Path dir;

    private Path data;
    private Path trusted;
    private Path other;
    private Process proxy;
    private Path log;
    private int port;

    @BeforeEach
    void start() throws Exception {
        data = dir.resolve("data");
        assertThat(cli(data, "init")).isZero();
        trusted = dir.resolve("trusted-ca");
        other = dir.resolve("other-ca");
        CertificateAuthority.createOrLoad(trusted);
        CertificateAuthority.createOrLoad(other);
        // Both are trusted CAs; only the first is named by the mapping.
        Path bundle = Files.writeString(dir.resolve("bundle.pem"),
                Files.readString(trusted.resolve(CertificateAuthority.CERT_FILE)) + Files.readString(other.resolve(CertificateAuthority.CERT_FILE)));
        assertThat(cli(data, "init", "--trust-ca", bundle.toString())).isZero();
        assertThat(cli(data, "client", "add", "ci", "--cert-subject", "CN=ci,O=example", "--cert-ca", fingerprint(trusted))).isZero();
        port = freePort();
        log = dir.resolve("proxy.log");
        proxy = MultiClientTest.serve(log, "--listen", "none", "--tls-listen", "127.0.0.1:" + port,
                "--data", data.toString(), "--docker-socket", TestEngine.socket().toString());
        await("TLS listener", () -> MultiClientTest.accepts(port), Duration.ofSeconds(30));
    }

    @AfterEach
    void stop() throws Exception {
        MultiClientTest.stopProxy(proxy, log);
    }

    private static String fingerprint(Path caDir) throws Exception {
        return Fingerprints.sha256(CertificateAuthority.createOrLoad(caDir).certificate());
    }

    private static X500Name name(ASN1Encodable commonName, String organisation) {
        return new X500Name(new RDN[] {new RDN(BCStyle.O, new DERUTF8String(organisation)), new RDN(BCStyle.CN, commonName)});
    }

    private X509Certificate issue(Path ca, X500Name subject, String out) throws Exception {
        return TestCertificates.issue(ca, subject, dir.resolve(out), data.resolve(CertificateAuthority.CERT_FILE));
    }

    @Test
    void onlyTheExactSubjectSignedByTheNamedCaIsTheClient() throws Exception {
        issue(trusted, name(new DERUTF8String("ci"), "example"), "exact");
        assertThat(TestCertificates.ping(port, dir.resolve("exact"))).isEqualTo("200 OK");
        await("the request logged", () -> read().contains("listener=tls:127.0.0.1:" + port + " client=ci GET /_ping"), Duration.ofSeconds(5));

        // Spellings X500Principal's CANONICAL form folds into "ci": full width, upper case, dotless i.
        for (String lookalike : new String[] {"\uff43\uff49", "CI", "c\u0131"}) {
            issue(trusted, name(new DERUTF8String(lookalike), "example"), "lookalike");
            assertThat(TestCertificates.ping(port, dir.resolve("lookalike"))).as(lookalike).startsWith("refused");
        }
        // The same characters in another string type are other bytes.
        issue(trusted, name(new DERPrintableString("ci"), "example"), "printable");
        assertThat(TestCertificates.ping(port, dir.resolve("printable"))).startsWith("refused");
        // The same subject, minted by another trusted CA, and by sockwarden's own.
        issue(other, name(new DERUTF8String("ci"), "example"), "other");
        assertThat(TestCertificates.ping(port, dir.resolve("other"))).startsWith("refused");
        issue(data, name(new DERUTF8String("ci"), "example"), "own");
        assertThat(TestCertificates.ping(port, dir.resolve("own"))).startsWith("refused");
        await("the refusals logged", () -> read().split("is not issued or mapped to any client", -1).length - 1 >= 6, Duration.ofSeconds(5));
        assertThat(read()).contains("(CN=\uff43\uff49,O=example) is not issued or mapped to any client")
                .contains("(CN=CI,O=example) is not issued or mapped to any client");
    }

    @Test
    void aMappedCertificateIsRevokedOnItsOwn() throws Exception {
        X509Certificate leaked = issue(trusted, name(new DERUTF8String("ci"), "example"), "leaked");
        issue(trusted, name(new DERUTF8String("ci"), "example"), "successor");
        assertThat(TestCertificates.ping(port, dir.resolve("leaked"))).isEqualTo("200 OK");
        String fp = Fingerprints.sha256(leaked);
        CliTest.Run revoke = CliTest.run("cert", "revoke", fp.replaceAll("(..)(?!$)", "$1:").toUpperCase(), "--data=" + data);
        assertThat(revoke.exit()).as(revoke.err()).isZero();
        assertThat(revoke.out()).contains("revoked certificate sha256 " + fp + " (not issued by sockwarden");
        await("the revocation in force", () -> safePing("leaked").startsWith("refused"), Duration.ofSeconds(3));
        await("refused as revoked", () -> read().contains("TLS client refused: revoked: certificate " + fp + " was revoked at "), Duration.ofSeconds(3));
        // The mapping still admits the CA's other certificates of that subject.
        assertThat(TestCertificates.ping(port, dir.resolve("successor"))).isEqualTo("200 OK");
        assertThat(CliTest.run("cert", "list", "--data=" + data).out()).contains("external\t-\t-\t" + fp);
    }

    @Test
    void theSameSubjectOfAnotherCaCanBeAnotherClient() throws Exception {
        assertThat(cli(data, "client", "add", "ci-other", "--cert-subject", "CN=ci,O=example", "--cert-ca", fingerprint(other))).isZero();
        issue(trusted, name(new DERUTF8String("ci"), "example"), "trusted-certs");
        issue(other, name(new DERUTF8String("ci"), "example"), "other-certs");
        await("both served", () -> safePing("other-certs").equals("200 OK"), Duration.ofSeconds(3));
        assertThat(TestCertificates.ping(port, dir.resolve("trusted-certs"))).isEqualTo("200 OK");
        await("each its own client", () -> read().contains("client=ci GET /_ping") && read().contains("client=ci-other GET /_ping"),
                Duration.ofSeconds(5));
    }

    private String safePing(String certs) {
        try {
            return TestCertificates.ping(port, dir.resolve(certs));
        } catch (Exception e) {
            return "error " + e;
        }
    }

    private String read() {
        try {
            return Files.readString(log);
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
