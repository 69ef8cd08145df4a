package org.sockwarden.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {

    @TempDir
    Path dir;

    static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    static byte[] ski(X509Certificate c) {
        return SubjectKeyIdentifier.getInstance(ASN1OctetString.getInstance(c.getExtensionValue(Extension.subjectKeyIdentifier.getId())).getOctets())
                .getKeyIdentifier();
    }

    static byte[] aki(X509Certificate c) {
        return AuthorityKeyIdentifier.getInstance(ASN1OctetString.getInstance(c.getExtensionValue(Extension.authorityKeyIdentifier.getId())).getOctets())
                .getKeyIdentifierObject().getOctets();
    }

    @Test
    void createdOnceThenReloadedAsTheSameCa() throws Exception {
        Path data = dir.resolve("data");
        Instant before = Instant.now();
        CertificateAuthority ca = CertificateAuthority.createOrLoad(data);
        assertThat(mode(data)).isEqualTo("rwx------");
        assertThat(mode(data.resolve("ca-key.pem"))).isEqualTo("rw-------");
        assertThat(mode(data.resolve("ca.pem"))).isEqualTo("rw-r--r--");
        assertThat(Files.readString(data.resolve("ca-key.pem"))).startsWith("-----BEGIN PRIVATE KEY-----\n");
        try (var files = Files.list(data)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("ca.pem", "ca-key.pem", ".ca.lock");
        }

        X509Certificate c = ca.certificate();
        c.verify(c.getPublicKey());
        assertThat(c.getSubjectX500Principal().getName()).matches("CN=sockwarden CA [0-9a-f]{8}").isEqualTo(c.getIssuerX500Principal().getName());
        assertThat(c.getBasicConstraints()).isZero();
        assertThat(c.getCriticalExtensionOIDs()).contains(Extension.basicConstraints.getId(), Extension.keyUsage.getId());
        assertThat(c.getKeyUsage()).containsExactly(false, false, false, false, false, true, true, false, false);
        assertThat(aki(c)).isEqualTo(ski(c)).hasSize(20);
        assertThat(c.getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(c.getSigAlgName()).isEqualTo("SHA256withECDSA");
        assertThat(c.getNotBefore().toInstant()).isBetween(before.minusSeconds(62), before.minusSeconds(58));
        assertThat(Duration.between(c.getNotBefore().toInstant(), c.getNotAfter().toInstant())).isEqualTo(Duration.ofDays(3650).plusMinutes(1));

        String keyPem = Files.readString(data.resolve("ca-key.pem"));
        CertificateAuthority again = CertificateAuthority.createOrLoad(data);
        assertThat(again.certificate()).isEqualTo(c);
        assertThat(Files.readString(data.resolve("ca-key.pem"))).isEqualTo(keyPem);
        // What the reloaded CA signs chains to the certificate of the first one.
        again.issueClient("x", Duration.ofHours(1)).certificate().verify(c.getPublicKey());
    }

    @Test
    void aKeyFileWiderThan0600IsRefused() throws Exception {
        CertificateAuthority.createOrLoad(dir);
        Path key = dir.resolve("ca-key.pem");
        for (String wide : List.of("rw-r--r--", "rw-r-----", "rwx------", "rw-----w-")) {
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString(wide));
            assertThatThrownBy(() -> CertificateAuthority.createOrLoad(dir))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("refusing the CA key " + key)
                    .hasMessageContaining("its mode is " + wide + ", wider than rw------- (0600)")
                    .hasMessageContaining("chmod 600");
        }
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("r--------"));
        assertThat(CertificateAuthority.createOrLoad(dir)).isNotNull();
    }

    @Test
    void aLoneKeyOrCertificateIsNeverReplacedByANewCa() throws Exception {
        CertificateAuthority.createOrLoad(dir);
        String key = Files.readString(dir.resolve("ca-key.pem"));
        Files.delete(dir.resolve("ca.pem"));
        assertThatThrownBy(() -> CertificateAuthority.createOrLoad(dir))
                .hasMessageContaining("ca-key.pem exists but " + dir.resolve("ca.pem") + " does not");
        assertThat(Files.readString(dir.resolve("ca-key.pem"))).isEqualTo(key);
        assertThat(dir.resolve("ca.pem")).doesNotExist();
    }

    @Test
    void aKeyOfAnotherCaIsRefused() throws Exception {
        CertificateAuthority.createOrLoad(dir.resolve("a"));
        CertificateAuthority.createOrLoad(dir.resolve("b"));
        Files.copy(dir.resolve("b/ca-key.pem"), dir.resolve("a/ca-key.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> CertificateAuthority.createOrLoad(dir.resolve("a")))
                .hasMessageContaining("ca-key.pem is not the key of " + dir.resolve("a/ca.pem"));
    }

    @Test
    void threadsCreatingAtOnceGetOneCa() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<X509Certificate>> tasks = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                tasks.add(() -> CertificateAuthority.createOrLoad(dir).certificate());
            }
            List<X509Certificate> certs = new ArrayList<>();
            for (Future<X509Certificate> f : pool.invokeAll(tasks, 30, TimeUnit.SECONDS)) {
                certs.add(f.get());
            }
            assertThat(certs).allMatch(c -> c.equals(certs.get(0)));
            assertThat(Pem.readCertificates(dir.resolve("ca.pem"))).containsExactly(certs.get(0));
        } finally {
            pool.shutdownNow();
        }
    }

    /** The file lock, which threads of one JVM never reach: several JVMs share one data directory. */
    @Test
    void processesCreatingAtOnceGetOneCa() throws Exception {
        List<Process> ps = new ArrayList<>();
        List<Path> outs = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Path out = dir.resolve("out" + i);
                outs.add(out);
                ps.add(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", System.getProperty("java.class.path"),
                        CreateOrLoadMain.class.getName(), dir.resolve("shared").toString())
                        .redirectErrorStream(true).redirectOutput(out.toFile()).start());
            }
            for (Process p : ps) {
                assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            }
        } finally {
            ps.forEach(Process::destroyForcibly);
        }
        String expected = Fingerprints.sha256(Pem.readCertificates(dir.resolve("shared/ca.pem")).get(0));
        for (int i = 0; i < 3; i++) {
            assertThat(ps.get(i).exitValue()).as(Files.readString(outs.get(i))).isZero();
            assertThat(Files.readString(outs.get(i)).trim()).isEqualTo(expected);
        }
    }

    static final class CreateOrLoadMain {
        public static void main(String[] args) throws Exception {
            System.out.println(Fingerprints.sha256(CertificateAuthority.createOrLoad(Path.of(args[0])).certificate()));
        }
    }
}
