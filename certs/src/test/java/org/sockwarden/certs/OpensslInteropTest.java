package org.sockwarden.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.sockwarden.certs.Tools.ok;
import static org.sockwarden.certs.Tools.run;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What sockwarden writes, read by openssl; and what openssl writes, read by sockwarden. */
class OpensslInteropTest {
    @TempDir
    Path dir;
    CertificateAuthority ca;

    @BeforeEach
    void setUp() throws Exception {
        Tools.require("openssl");
        ca = CertificateAuthority.createOrLoad(dir.resolve("ca"));
    }

    @Test
    void clientCertificateInTheDockerLayout() throws Exception {
        Path out = dir.resolve("client");
        ca.issueClient("vidar", Duration.ofDays(1)).writeDockerLayout(out, ca.certificate());
        String ca = out.resolve("ca.pem").toString();
        String cert = out.resolve("cert.pem").toString();
        String key = out.resolve("key.pem").toString();

        assertThat(ok("openssl", "verify", "-CAfile", ca, cert)).contains(cert + ": OK");
        assertThat(ok("openssl", "verify", "-purpose", "sslclient", "-CAfile", ca, cert)).contains(": OK");
        assertThat(run("openssl", "verify", "-purpose", "sslserver", "-CAfile", ca, cert).exit()).isNotZero();
        ok("openssl", "pkey", "-in", key, "-noout");
        assertThat(ok("openssl", "pkey", "-in", key, "-noout", "-text")).contains("NIST CURVE: P-256");
        assertThat(ok("openssl", "x509", "-in", cert, "-noout", "-ext", "extendedKeyUsage")).contains("TLS Web Client Authentication")
                .doesNotContain("Server");
        assertThat(ok("openssl", "x509", "-in", cert, "-noout", "-subject", "-nameopt", "RFC2253")).contains("subject=CN=vidar,O=sockwarden");
        // The key belongs to the certificate.
        assertThat(ok("openssl", "pkey", "-in", key, "-pubout")).isEqualTo(ok("openssl", "x509", "-in", cert, "-noout", "-pubkey"));
    }

    @Test
    void serverCertificateAndTheCaItself() throws Exception {
        IssuedCertificate server = ca.issueServer(List.of("localhost"), List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1")),
                Duration.ofDays(825));
        Path cert = dir.resolve("server.pem");
        Files.writeString(cert, server.certificatePem());
        String caFile = dir.resolve("ca/ca.pem").toString();
        assertThat(ok("openssl", "verify", "-purpose", "sslserver", "-CAfile", caFile, cert.toString())).contains(": OK");
        assertThat(ok("openssl", "verify", "-CAfile", caFile, "-verify_ip", "127.0.0.1", cert.toString())).contains(": OK");
        assertThat(ok("openssl", "verify", "-CAfile", caFile, "-verify_hostname", "localhost", cert.toString())).contains(": OK");
        assertThat(run("openssl", "verify", "-CAfile", caFile, "-verify_hostname", "elsewhere.test", cert.toString()).exit()).isNotZero();
        assertThat(ok("openssl", "x509", "-in", cert.toString(), "-noout", "-ext", "extendedKeyUsage")).contains("TLS Web Server Authentication");
        assertThat(ok("openssl", "x509", "-in", cert.toString(), "-noout", "-ext", "subjectAltName"))
                .contains("DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1");

        String caText = ok("openssl", "x509", "-in", caFile, "-noout", "-text");
        assertThat(caText).contains("CA:TRUE, pathlen:0").contains("Certificate Sign, CRL Sign").contains("X509v3 Subject Key Identifier")
                .contains("X509v3 Authority Key Identifier");
        ok("openssl", "pkey", "-in", dir.resolve("ca/ca-key.pem").toString(), "-noout");
    }

    @Test
    void keysAndCasMadeByOpenssl() throws Exception {
        Path rsa = dir.resolve("rsa.pem");
        Path sec1 = dir.resolve("sec1.pem");
        Path pkcs8 = dir.resolve("pkcs8.pem");
        ok("openssl", "genrsa", "-traditional", "-out", rsa.toString(), "2048");
        ok("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-out", sec1.toString());
        ok("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", pkcs8.toString());
        assertThat(Files.readString(rsa)).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        assertThat(Files.readString(sec1)).startsWith("-----BEGIN EC PARAMETERS-----");
        assertThat(Files.readString(pkcs8)).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(Pem.readPrivateKey(rsa).getAlgorithm()).isEqualTo("RSA");
        assertThat(Pem.readPrivateKey(sec1).getAlgorithm()).isEqualTo("EC");
        assertThat(Pem.readPrivateKey(pkcs8).getAlgorithm()).isEqualTo("EC");
        Path encrypted = dir.resolve("encrypted.pem");
        Path traditional = dir.resolve("traditional.pem");
        ok("openssl", "pkey", "-in", pkcs8.toString(), "-aes256", "-passout", "pass:secret", "-out", encrypted.toString());
        ok("openssl", "ec", "-in", sec1.toString(), "-aes256", "-passout", "pass:secret", "-out", traditional.toString());
        assertThat(Files.readString(encrypted)).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----");
        assertThat(Files.readString(traditional)).contains("Proc-Type: 4,ENCRYPTED");
        for (Path p : List.of(encrypted, traditional)) {
            assertThatThrownBy(() -> Pem.readPrivateKey(p)).hasMessageContaining(p + " holds an encrypted private key");
        }

        // Another CA, as `init --trust-ca` gets it, and a leaf of its own that must not pass for a CA.
        Path otherCa = dir.resolve("other-ca.pem");
        ok("openssl", "req", "-x509", "-new", "-key", rsa.toString(), "-subj", "/O=example/CN=example CA", "-days", "30", "-out", otherCa.toString());
        Path csr = dir.resolve("leaf.csr");
        Path leaf = dir.resolve("leaf.pem");
        ok("openssl", "req", "-new", "-key", pkcs8.toString(), "-subj", "/CN=ci", "-out", csr.toString());
        ok("openssl", "x509", "-req", "-in", csr.toString(), "-CA", otherCa.toString(), "-CAkey", rsa.toString(), "-days", "1",
                "-extfile", writeExt("basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n").toString(), "-out", leaf.toString());
        assertThat(TlsMaterial.caCertificates(otherCa)).singleElement()
                .satisfies(c -> assertThat(c.getSubjectX500Principal().getName()).isEqualTo("CN=example CA,O=example"));
        assertThatThrownBy(() -> TlsMaterial.caCertificates(leaf)).hasMessageContaining("CN=ci, which is not a CA certificate");

        // A key store from files openssl wrote.
        KeyStore ks = TlsMaterial.keyStore(leaf, pkcs8);
        assertThat(ks.getKey(TlsMaterial.KEY_ALIAS, TlsMaterial.PASSWORD.toCharArray())).isEqualTo(Pem.readPrivateKey(pkcs8));
        assertThatThrownBy(() -> TlsMaterial.keyStore(leaf, sec1)).hasMessageContaining("sec1.pem is not the key of the first certificate of");
    }

    private Path writeExt(String text) throws Exception {
        Path f = dir.resolve("ext.cnf");
        Files.writeString(f, text);
        return f;
    }
}
