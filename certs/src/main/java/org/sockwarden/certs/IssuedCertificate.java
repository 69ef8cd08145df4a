package org.sockwarden.certs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;

/** A certificate sockwarden issued, with its key (held only until written out). */
public record IssuedCertificate(X509Certificate certificate, PrivateKey key) {

    public String serialHex() {
        return certificate.getSerialNumber().toString(16);
    }

    public String fingerprint() {
        return Fingerprints.sha256(certificate);
    }

    public Instant notAfter() {
        return certificate.getNotAfter().toInstant();
    }

    /** {@code ca.pem}, {@code cert.pem}, {@code key.pem} (0600): the layout DOCKER_CERT_PATH and docker-py expect. */
    public void writeDockerLayout(Path dir, X509Certificate ca) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        Pem.write(dir.resolve("ca.pem"), Pem.certificate(ca), "rw-r--r--");
        Pem.write(dir.resolve("cert.pem"), Pem.certificate(certificate), "rw-r--r--");
        Pem.write(dir.resolve("key.pem"), Pem.privateKey(key), "rw-------");
    }
}
