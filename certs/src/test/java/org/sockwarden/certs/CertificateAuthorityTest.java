package org.sockwarden.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {

    @TempDir
    Path dir;

    @Test
    void createdOnceKeptPrivateAndReloaded() throws Exception {
        CertificateAuthority ca = CertificateAuthority.createOrLoad(dir);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca-key.pem")))).isEqualTo("rw-------");
        assertThat(Files.readString(dir.resolve("ca-key.pem"))).startsWith("-----BEGIN PRIVATE KEY-----");
        CertificateAuthority again = CertificateAuthority.createOrLoad(dir);
        assertThat(again.certificate()).isEqualTo(ca.certificate());
        Files.setPosixFilePermissions(dir.resolve("ca-key.pem"), PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> CertificateAuthority.createOrLoad(dir)).hasMessageContaining("is readable by others (rw-r--r--)");
    }

    @Test
    void issuedCertificatesChainToTheCaWithTheRightUsage() throws Exception {
        CertificateAuthority ca = CertificateAuthority.createOrLoad(dir);
        Instant now = Instant.now();
        IssuedCertificate client = ca.issueClient("traefik", now.minusSeconds(60), now.plus(Duration.ofDays(30)));
        client.certificate().verify(ca.certificate().getPublicKey());
        assertThat(client.certificate().getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        assertThat(client.certificate().getSubjectX500Principal().getName()).isEqualTo("O=sockwarden,CN=traefik");
        IssuedCertificate server = ca.issueServer(List.of("localhost"), List.of(InetAddress.getByName("127.0.0.1")), Duration.ofDays(365));
        assertThat(server.certificate().getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(server.certificate().getSubjectAlternativeNames().stream().map(l -> (Object) l.get(1)).toList())
                .containsExactlyInAnyOrder("localhost", "127.0.0.1");
        Set<String> serials = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            serials.add(ca.issueClient("c" + i, now, now.plusSeconds(60)).serialHex());
        }
        assertThat(serials).hasSize(100);
    }

    @Test
    void opensslAcceptsTheChainAndTheKey() throws Exception {
        CertificateAuthority ca = CertificateAuthority.createOrLoad(dir.resolve("ca"));
        IssuedCertificate client = ca.issueClient("vidar", Instant.now().minusSeconds(60), Instant.now().plus(Duration.ofDays(1)));
        Path out = dir.resolve("docker");
        client.writeDockerLayout(out, ca.certificate());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("key.pem")))).isEqualTo("rw-------");
        assertThat(run("openssl", "verify", "-CAfile", out.resolve("ca.pem").toString(), out.resolve("cert.pem").toString()))
                .contains("cert.pem: OK");
        assertThat(run("openssl", "pkey", "-in", out.resolve("key.pem").toString(), "-noout", "-text")).contains("NIST CURVE: P-256");
        assertThat(run("openssl", "x509", "-in", out.resolve("cert.pem").toString(), "-noout", "-ext", "extendedKeyUsage"))
                .contains("TLS Web Client Authentication");
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }
}
