package org.sockwarden.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.sockwarden.certs.CertificateAuthorityTest.mode;

import java.io.StringWriter;
import java.math.BigInteger;
import java.util.Base64;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.time.Duration;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemTest {
    @TempDir
    Path dir;

    private static String bcPem(Object o) throws Exception {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
            pw.writeObject(o);
        }
        return w.toString();
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder().encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    @Test
    void certificatesOneOrManyWithTextAround() throws Exception {
        CertificateAuthority a = CertificateAuthority.createOrLoad(dir.resolve("a"));
        CertificateAuthority b = CertificateAuthority.createOrLoad(dir.resolve("b"));
        IssuedCertificate leaf = a.issueClient("x", Duration.ofDays(1));
        Path file = dir.resolve("bundle.pem");
        Files.writeString(file, "subject=CN = x\nBag Attributes: <No Attributes>\n" + leaf.certificatePem() + "\n# comment\n"
                + Pem.certificate(a.certificate()) + leaf.privateKeyPem() + Pem.certificate(b.certificate()));
        assertThat(Pem.readCertificates(file)).containsExactly(leaf.certificate(), a.certificate(), b.certificate());
        assertThat(Pem.readPrivateKey(file)).isEqualTo(leaf.key());
        // Lines of 64 characters, as openssl writes them.
        assertThat(leaf.certificatePem().lines().filter(l -> !l.startsWith("-----")).allMatch(l -> l.length() <= 64)).isTrue();
    }

    @Test
    void keysAsPkcs8Pkcs1AndSec1() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        KeyPair rsaPair = rsa.generateKeyPair();
        KeyPair ecPair = Keys.newP256();

        String pkcs1 = bcPem(rsaPair);
        assertThat(pkcs1).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        assertThat(Keys.matches(Pem.parsePrivateKey(pkcs1, "rsa"), rsaPair.getPublic())).isTrue();

        // SEC1 as openssl writes it: curve parameters and public key inside the ECPrivateKey.
        PrivateKeyInfo info = PrivateKeyInfo.getInstance(ecPair.getPrivate().getEncoded());
        BigInteger d = ECPrivateKey.getInstance(info.parsePrivateKey()).getKey();
        ASN1Encodable curve = info.getPrivateKeyAlgorithm().getParameters();
        DERBitString pub = new DERBitString(SubjectPublicKeyInfo.getInstance(ecPair.getPublic().getEncoded()).getPublicKeyData().getBytes());
        String sec1 = pem("EC PRIVATE KEY", new ECPrivateKey(256, d, pub, curve).getEncoded());
        PrivateKey ec = Pem.parsePrivateKey(sec1, "ec");
        assertThat(Keys.matches(ec, ecPair.getPublic())).isTrue();
        // The public key is optional in SEC1.
        PrivateKey noPub = Pem.parsePrivateKey(pem("EC PRIVATE KEY", new ECPrivateKey(256, d, curve).getEncoded()), "ec");
        assertThat(((java.security.interfaces.ECPrivateKey) noPub).getS()).isEqualTo(d);
        assertThat(Keys.matches(noPub, ecPair.getPublic())).isTrue();
        // openssl ecparam -genkey puts the curve in a block of its own first.
        String withParams = "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" + sec1;
        assertThat(Pem.parsePrivateKey(withParams, "ec")).isEqualTo(ec);
        // Without the curve (what BouncyCastle's PEM writer makes of a JDK key): the form Go and openssl reject too.
        String noCurve = bcPem(ecPair);
        assertThat(noCurve).startsWith("-----BEGIN EC PRIVATE KEY-----");
        assertThatThrownBy(() -> Pem.parsePrivateKey(noCurve, "nocurve.pem")).hasMessageContaining("nocurve.pem holds a private key that cannot be decoded")
                .hasMessageContaining("openssl pkcs8 -topk8");

        // Whatever came in goes out as PKCS#8, the one form every client reads.
        assertThat(Pem.privateKey(ec)).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(Pem.parsePrivateKey(Pem.privateKey(ec), "p8")).isEqualTo(ec);
        assertThat(Pem.privateKey(Pem.parsePrivateKey(pkcs1, "rsa"))).startsWith("-----BEGIN PRIVATE KEY-----");
    }

    @Test
    void unusableKeyFilesSayWhy() throws Exception {
        CertificateAuthority a = CertificateAuthority.createOrLoad(dir);
        assertThatThrownBy(() -> Pem.readPrivateKey(dir.resolve("ca.pem"))).hasMessageContaining("ca.pem holds no PEM private key");
        assertThatThrownBy(() -> Pem.parseCertificates("", "empty.pem")).hasMessageContaining("empty.pem holds no PEM certificate");
        assertThatThrownBy(() -> Pem.parseCertificates("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "bad.pem"))
                .hasMessageContaining("bad.pem");
        assertThat(a).isNotNull();
    }

    @Test
    void writeCreatesWithTheModeAndLeavesNoTemporaryFile() throws Exception {
        Path f = dir.resolve("k.pem");
        Files.writeString(f, "old");
        Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
        Pem.write(f, "new\n", "rw-------");
        assertThat(Files.readString(f)).isEqualTo("new\n");
        assertThat(mode(f)).isEqualTo("rw-------");
        Pem.write(dir.resolve("c.pem"), "c\n", "rw-r--r--");
        assertThat(mode(dir.resolve("c.pem"))).isEqualTo("rw-r--r--");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("k.pem", "c.pem");
        }
    }

    @Test
    void fingerprints() throws Exception {
        CertificateAuthority a = CertificateAuthority.createOrLoad(dir);
        String fp = Fingerprints.sha256(a.certificate());
        assertThat(fp).matches("[0-9a-f]{64}");
        String openSslForm = fp.toUpperCase(java.util.Locale.ROOT).replaceAll("(..)(?!$)", "$1:");
        assertThat(Fingerprints.normalize(openSslForm)).isEqualTo(fp);
    }
}
