package org.sockwarden.certs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Objects;

/**
 * A certificate sockwarden issued, with its key. The derived fields are checked against the
 * certificate, so a record never disagrees with itself.
 *
 * @param serialHex         the serial number, lower-case hex without leading zeros (as the store keeps it)
 * @param sha256Fingerprint SHA-256 of the DER encoding, lower-case hex without colons ({@link Fingerprints#sha256})
 */
public record IssuedCertificate(String serialHex, String sha256Fingerprint, Instant notBefore, Instant notAfter,
                                X509Certificate certificate, PrivateKey key) {

    public IssuedCertificate {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(key, "key");
        if (!serialHex.equals(serialHex(certificate)) || !sha256Fingerprint.equals(Fingerprints.sha256(certificate))
                || !notBefore.equals(certificate.getNotBefore().toInstant()) || !notAfter.equals(certificate.getNotAfter().toInstant())) {
            throw new IllegalArgumentException("serial, fingerprint and validity must be those of the certificate");
        }
    }

    static IssuedCertificate of(X509Certificate certificate, PrivateKey key) {
        return new IssuedCertificate(serialHex(certificate), Fingerprints.sha256(certificate), certificate.getNotBefore().toInstant(),
                certificate.getNotAfter().toInstant(), certificate, key);
    }

    private static String serialHex(X509Certificate certificate) {
        return certificate.getSerialNumber().toString(16);
    }

    /** Same as {@link #sha256Fingerprint()}; the name the admin module calls. */
    public String fingerprint() {
        return sha256Fingerprint;
    }

    public String certificatePem() {
        return Pem.certificate(certificate);
    }

    /** PKCS#8 ({@code -----BEGIN PRIVATE KEY-----}). */
    public String privateKeyPem() {
        return Pem.privateKey(key);
    }

    /**
     * Writes {@code ca.pem}, {@code cert.pem} and {@code key.pem} (created 0600) into {@code dir}
     * (created 0700 if missing): the layout {@code DOCKER_CERT_PATH} and docker-py expect.
     *
     * @param caPem the CA certificate(s) the client should trust the server by, as PEM
     */
    public void writeDockerLayout(Path dir, String caPem) throws IOException {
        Pem.parseCertificates(caPem, "the CA PEM");
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        Pem.write(dir.resolve("key.pem"), privateKeyPem(), "rw-------");
        Pem.write(dir.resolve("cert.pem"), certificatePem(), "rw-r--r--");
        Pem.write(dir.resolve("ca.pem"), caPem, "rw-r--r--");
    }

    public void writeDockerLayout(Path dir, X509Certificate ca) throws IOException {
        writeDockerLayout(dir, Pem.certificate(ca));
    }

    /** Without the key: a record's default toString would print every component. */
    @Override
    public String toString() {
        return "IssuedCertificate[" + certificate.getSubjectX500Principal().getName() + ", serial " + serialHex + ", sha256 "
                + sha256Fingerprint + ", " + notBefore + " .. " + notAfter + "]";
    }
}
