package org.sockwarden.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.sockwarden.certs.CertificateAuthorityTest.aki;
import static org.sockwarden.certs.CertificateAuthorityTest.mode;
import static org.sockwarden.certs.CertificateAuthorityTest.ski;

import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x509.Extension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IssuingTest {
    static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

    @TempDir
    Path dir;
    CertificateAuthority ca;

    @BeforeEach
    void ca() throws Exception {
        ca = CertificateAuthority.createOrLoad(dir.resolve("ca"));
    }

    @Test
    void clientCertificate() throws Exception {
        Instant before = Instant.now();
        IssuedCertificate client = ca.issueClient("traefik", Duration.ofDays(30));
        Instant after = Instant.now();
        X509Certificate c = client.certificate();

        c.verify(ca.certificate().getPublicKey());
        c.checkValidity();
        assertThat(c.getIssuerX500Principal()).isEqualTo(ca.certificate().getSubjectX500Principal());
        assertThat(c.getSubjectX500Principal().getName()).isEqualTo("CN=traefik,O=sockwarden");
        assertThat(c.getExtendedKeyUsage()).containsExactly(CLIENT_AUTH);
        assertThat(c.getKeyUsage()).containsExactly(true, false, false, false, false, false, false, false, false);
        assertThat(c.getCriticalExtensionOIDs()).containsExactlyInAnyOrder(Extension.basicConstraints.getId(), Extension.keyUsage.getId());
        assertThat(c.getBasicConstraints()).isEqualTo(-1);
        assertThat(c.getSubjectAlternativeNames()).isNull();
        assertThat(aki(c)).isEqualTo(ski(ca.certificate()));
        assertThat(c.getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(c.getSerialNumber().signum()).isPositive();
        assertThat(c.getSerialNumber().bitLength()).isLessThanOrEqualTo(128);

        // A minute back; X.509 keeps whole seconds.
        assertThat(client.notBefore()).isBetween(before.minusSeconds(61), after.minusSeconds(59));
        assertThat(client.notAfter()).isBetween(before.plus(Duration.ofDays(30)).minusSeconds(1), after.plus(Duration.ofDays(30)));
        assertThat(client.notBefore()).isEqualTo(c.getNotBefore().toInstant());
        assertThat(client.notAfter()).isEqualTo(c.getNotAfter().toInstant());
        assertThat(client.serialHex()).isEqualTo(c.getSerialNumber().toString(16)).matches("[0-9a-f]+");
        assertThat(new BigInteger(client.serialHex(), 16)).isEqualTo(c.getSerialNumber());
        assertThat(client.sha256Fingerprint()).matches("[0-9a-f]{64}").isEqualTo(Fingerprints.sha256(c)).isEqualTo(client.fingerprint());

        assertThat(client.privateKeyPem()).startsWith("-----BEGIN PRIVATE KEY-----\n").endsWith("-----END PRIVATE KEY-----\n");
        assertThat(Pem.parsePrivateKey(client.privateKeyPem(), "pem")).isEqualTo(client.key());
        assertThat(Pem.parseCertificates(client.certificatePem(), "pem")).containsExactly(c);
        assertThat(client.toString()).contains("CN=traefik", client.sha256Fingerprint()).doesNotContain(client.key().toString())
                .doesNotContain("PRIVATE");
    }

    @Test
    void serverCertificate() throws Exception {
        IssuedCertificate server = ca.issueServer(List.of("localhost", "docker.example.test", "*.example.test"),
                List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1"), InetAddress.getByName("192.0.2.7")), Duration.ofDays(825));
        X509Certificate c = server.certificate();
        c.verify(ca.certificate().getPublicKey());
        assertThat(c.getExtendedKeyUsage()).containsExactly(SERVER_AUTH);
        assertThat(c.getKeyUsage()[0]).isTrue();
        assertThat(c.getSubjectAlternativeNames().stream().map(l -> l.get(0) + "=" + l.get(1)).toList()).containsExactly(
                "2=localhost", "2=docker.example.test", "2=*.example.test", "7=127.0.0.1", "7=0:0:0:0:0:0:0:1", "7=192.0.2.7");
        assertThat(Duration.between(server.notBefore(), server.notAfter())).isEqualTo(Duration.ofDays(825).plusMinutes(1));
    }

    @Test
    void serialsAreUnique() {
        Set<String> serials = new HashSet<>();
        Set<String> fingerprints = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            IssuedCertificate c = ca.issueClient("c" + i, Duration.ofMinutes(5));
            serials.add(c.serialHex());
            fingerprints.add(c.sha256Fingerprint());
        }
        assertThat(serials).hasSize(100);
        assertThat(fingerprints).hasSize(100);
    }

    @Test
    void anExplicitWindowMayLieInThePast() throws Exception {
        Instant now = Instant.now();
        IssuedCertificate expired = ca.issueClient("vidar", now.minus(Duration.ofDays(10)), now.minus(Duration.ofDays(1)));
        expired.certificate().verify(ca.certificate().getPublicKey());
        assertThat(expired.notAfter()).isBefore(now);
    }

    @Test
    void noCertificateOutlivesItsCa() {
        IssuedCertificate c = ca.issueServer(List.of("localhost"), List.of(), Duration.ofDays(365 * 20));
        assertThat(c.certificate().getNotAfter()).isEqualTo(ca.certificate().getNotAfter());
        assertThatThrownBy(() -> ca.issueClient("late", Instant.now().plus(Duration.ofDays(3700)), Instant.now().plus(Duration.ofDays(3800))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("expires at").hasMessageContaining("create a new CA");
    }

    @Test
    void badInputIsRefusedWithAReason() {
        assertThatThrownBy(() -> ca.issueServer(List.of("127.0.0.1"), List.of(), Duration.ofDays(1)))
                .hasMessageContaining("127.0.0.1 is an IP address: pass it among the addresses");
        assertThatThrownBy(() -> ca.issueServer(List.of("::1"), List.of(), Duration.ofDays(1))).hasMessageContaining("is an IP address");
        assertThatThrownBy(() -> ca.issueServer(List.of("bad name"), List.of(), Duration.ofDays(1))).hasMessageContaining("not a DNS name: bad name");
        assertThatThrownBy(() -> ca.issueServer(List.of("exämple.test"), List.of(), Duration.ofDays(1))).hasMessageContaining("not a DNS name");
        assertThatThrownBy(() -> ca.issueServer(List.of(), List.of(), Duration.ofDays(1))).hasMessageContaining("at least one DNS name or IP address");
        assertThatThrownBy(() -> ca.issueClient("x", Duration.ZERO)).hasMessageContaining("validity must be positive");
        assertThatThrownBy(() -> ca.issueClient("x".repeat(65), Duration.ofDays(1))).hasMessageContaining("1 to 64 characters");
        assertThatThrownBy(() -> ca.issueClient(" ", Duration.ofDays(1))).hasMessageContaining("1 to 64 characters");
        assertThatThrownBy(() -> ca.issueClient("a\nb", Duration.ofDays(1))).hasMessageContaining("no control characters");
        Instant now = Instant.now();
        assertThatThrownBy(() -> ca.issueClient("x", now, now)).hasMessageContaining("is not after notBefore");
    }

    @Test
    void aNameWithSpecialCharactersStaysOneCommonName() {
        IssuedCertificate c = ca.issueClient("ci, O=evil+CN=root", Duration.ofDays(1));
        assertThat(c.certificate().getSubjectX500Principal().getName()).isEqualTo("CN=ci\\, O\\=evil\\+CN\\=root,O=sockwarden");
    }

    @Test
    void recordComponentsMustBeThoseOfTheCertificate() {
        IssuedCertificate c = ca.issueClient("x", Duration.ofDays(1));
        assertThatThrownBy(() -> new IssuedCertificate("01", c.sha256Fingerprint(), c.notBefore(), c.notAfter(), c.certificate(), c.key()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(new IssuedCertificate(c.serialHex(), c.sha256Fingerprint(), c.notBefore(), c.notAfter(), c.certificate(), c.key())).isEqualTo(c);
    }

    @Test
    void dockerLayout() throws Exception {
        IssuedCertificate client = ca.issueClient("dozzle", Duration.ofDays(1));
        Path out = dir.resolve("certs/dozzle");
        client.writeDockerLayout(out, Pem.certificate(ca.certificate()));
        assertThat(mode(out)).isEqualTo("rwx------");
        assertThat(mode(out.resolve("key.pem"))).isEqualTo("rw-------");
        assertThat(mode(out.resolve("cert.pem"))).isEqualTo("rw-r--r--");
        assertThat(mode(out.resolve("ca.pem"))).isEqualTo("rw-r--r--");
        try (var files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("ca.pem", "cert.pem", "key.pem");
        }
        assertThat(Pem.readCertificates(out.resolve("ca.pem"))).containsExactly(ca.certificate());
        assertThat(Pem.readCertificates(out.resolve("cert.pem"))).containsExactly(client.certificate());
        assertThat(Pem.readPrivateKey(out.resolve("key.pem"))).isEqualTo(client.key());
        assertThat(Files.readString(out.resolve("key.pem"))).startsWith("-----BEGIN PRIVATE KEY-----");

        // Issued again into the same directory, over a key.pem someone had opened up: the new key is 0600 again.
        Files.setPosixFilePermissions(out.resolve("key.pem"), PosixFilePermissions.fromString("rw-r--r--"));
        IssuedCertificate next = ca.issueClient("dozzle", Duration.ofDays(1));
        next.writeDockerLayout(out, ca.certificate());
        assertThat(mode(out.resolve("key.pem"))).isEqualTo("rw-------");
        assertThat(Pem.readPrivateKey(out.resolve("key.pem"))).isEqualTo(next.key());
        // An existing directory keeps the mode its owner gave it.
        Path shared = Files.createDirectories(dir.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
        next.writeDockerLayout(shared, ca.certificate());
        assertThat(mode(shared)).isEqualTo("rwxr-xr-x");
        assertThat(mode(shared.resolve("key.pem"))).isEqualTo("rw-------");

        assertThatThrownBy(() -> next.writeDockerLayout(dir.resolve("x"), "not pem")).hasMessageContaining("holds no PEM certificate");
        assertThat(dir.resolve("x")).doesNotExist();
    }

    @Test
    void serverNameDefaults() throws Exception {
        ServerNames d = ServerNames.defaults();
        assertThat(d.dnsNames()).first().isEqualTo("localhost");
        assertThat(d.ips()).containsExactly(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1"));
        String host = InetAddress.getLocalHost().getHostName().toLowerCase(java.util.Locale.ROOT);
        if (!host.equals("localhost")) {
            assertThat(d.dnsNames()).containsExactly("localhost", host);
        }
        ServerNames more = d.plus(List.of("proxy.example.test", "localhost"), List.of(InetAddress.getByName("10.0.0.2"), InetAddress.getByName("127.0.0.1")));
        assertThat(more.dnsNames()).endsWith("proxy.example.test").doesNotHaveDuplicates();
        assertThat(more.ips()).containsExactly(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1"), InetAddress.getByName("10.0.0.2"));
        IssuedCertificate server = ca.issueServer(more.dnsNames(), more.ips(), Duration.ofDays(1));
        assertThat(server.certificate().getSubjectAlternativeNames()).hasSize(more.dnsNames().size() + 3);
    }
}
