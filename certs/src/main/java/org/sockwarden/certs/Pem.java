package org.sockwarden.certs;

import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.X509TrustedCertificateBlock;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * PEM in and out. Keys are always written as PKCS#8 ({@code PRIVATE KEY}): Go's crypto/tls (the
 * docker CLI) and openssl reject an {@code EC PRIVATE KEY} without curve parameters. Reading
 * accepts PKCS#8, PKCS#1 RSA and SEC1 EC, and skips whatever else the file holds (the
 * {@code EC PARAMETERS} block of {@code openssl ecparam -genkey}, openssl's text dumps, a
 * certificate next to the key).
 */
public final class Pem {
    private Pem() {}

    public static String certificate(X509Certificate cert) {
        try {
            return block("CERTIFICATE", cert.getEncoded());
        } catch (CertificateException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String privateKey(PrivateKey key) {
        // JCA encodes private keys as PKCS#8 PrivateKeyInfo, curve parameters included.
        if (!"PKCS#8".equals(key.getFormat())) {
            throw new IllegalArgumentException("the key does not encode as PKCS#8 (format " + key.getFormat() + ")");
        }
        return block("PRIVATE KEY", key.getEncoded());
    }

    private static String block(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** Every certificate of the file, in file order (a chain file: leaf first). */
    public static List<X509Certificate> readCertificates(Path file) throws IOException {
        return parseCertificates(read(file), file.toString());
    }

    /** The first private key of the file: PKCS#8, PKCS#1 RSA or SEC1 EC, unencrypted. */
    public static PrivateKey readPrivateKey(Path file) throws IOException {
        return parsePrivateKey(read(file), file.toString());
    }

    /** Latin-1 never fails to decode, whatever text (openssl's dumps, comments) surrounds the blocks. */
    private static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.ISO_8859_1);
    }

    static List<X509Certificate> parseCertificates(String pem, String source) throws IOException {
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        List<X509Certificate> out = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            for (Object o; (o = read(parser, source)) != null; ) {
                X509CertificateHolder holder = o instanceof X509CertificateHolder h ? h
                        : o instanceof X509TrustedCertificateBlock t ? t.getCertificateHolder() : null;
                if (holder != null) {
                    out.add(converter.getCertificate(holder));
                }
            }
        } catch (CertificateException e) {
            throw new IOException(source + " holds a certificate that cannot be decoded: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IOException(source + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        return out;
    }

    static PrivateKey parsePrivateKey(String pem, String source) throws IOException {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            for (Object o; (o = read(parser, source)) != null; ) {
                try {
                    if (o instanceof PrivateKeyInfo info) {
                        return converter.getPrivateKey(info);
                    }
                    if (o instanceof PEMKeyPair pair) {
                        // Not getKeyPair(): the public key is optional in SEC1, and the JDK's own encoding leaves it out.
                        return converter.getPrivateKey(pair.getPrivateKeyInfo());
                    }
                } catch (IOException | RuntimeException e) {
                    // SEC1 keys written without their curve land here.
                    throw new IOException(source + " holds a private key that cannot be decoded (" + e.getMessage()
                            + "); an EC key needs its curve: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8", e);
                }
                if (o instanceof PKCS8EncryptedPrivateKeyInfo || o instanceof PEMEncryptedKeyPair) {
                    throw new IOException(source + " holds an encrypted private key; sockwarden needs it unencrypted"
                            + " (openssl pkey -in KEY -out PLAIN), kept in a file only its owner can read");
                }
            }
        }
        throw new IOException(source + " holds no PEM private key (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)");
    }

    private static Object read(PEMParser parser, String source) throws IOException {
        try {
            return parser.readObject();
        } catch (IOException | RuntimeException e) {
            throw new IOException(source + " is not valid PEM: " + e.getMessage(), e);
        }
    }

    /**
     * Replaces {@code file} with {@code content}, durably. The content goes to a temporary file of
     * the same directory that is created with {@code mode} (e.g. {@code rw-------}) before anything
     * is written to it, is flushed to the disk, then is renamed over {@code file}, and the directory
     * is flushed too: a key is never readable by others, not even briefly, a reader never sees half a
     * file, and after a crash or power loss {@code file} holds either the old content or the whole
     * new one (without the first flush, the rename can reach the disk before the data, leaving an
     * empty {@code ca-key.pem}; without the second, the rename itself can be lost).
     */
    public static void write(Path file, String content, String mode) throws IOException {
        Set<PosixFilePermission> perms = PosixFilePermissions.fromString(mode);
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp", PosixFilePermissions.asFileAttribute(perms));
        try {
            // The umask may have narrowed the mode (0644 -> 0600 under umask 077); the file is still empty here.
            Files.setPosixFilePermissions(tmp, perms);
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer bytes = ByteBuffer.wrap(content.getBytes(StandardCharsets.US_ASCII));
                while (bytes.hasRemaining()) {
                    out.write(bytes);
                }
                out.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
                directory.force(true);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
