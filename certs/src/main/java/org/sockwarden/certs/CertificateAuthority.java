package org.sockwarden.certs;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The local CA: an EC P-256 key kept as {@code ca-key.pem} (PKCS#8, mode 0600) next to
 * {@code ca.pem} in the data directory. The key is never printed or logged.
 */
public final class CertificateAuthority {
    public static final String CERT_FILE = "ca.pem";
    public static final String KEY_FILE = "ca-key.pem";
    /** Serialises CA creation between processes that share a data directory. */
    static final String LOCK_FILE = ".ca.lock";
    static final Duration CA_VALIDITY = Duration.ofDays(3650);
    /** Tolerates clocks of clients and server that disagree by a little. */
    static final Duration BACKDATE = Duration.ofMinutes(1);

    private static final Set<PosixFilePermission> OWNER_ONLY = EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

    private final X509Certificate certificate;
    private final PrivateKey key;
    private final byte[] keyId;

    private CertificateAuthority(X509Certificate certificate, PrivateKey key) {
        this.certificate = certificate;
        this.key = key;
        // Leaves carry the CA's own SKI as their AKI, whichever way it was computed.
        byte[] ski = certificate.getExtensionValue(Extension.subjectKeyIdentifier.getId());
        this.keyId = ski != null ? SubjectKeyIdentifier.getInstance(ASN1OctetString.getInstance(ski).getOctets()).getKeyIdentifier()
                : extensionUtils().createSubjectKeyIdentifier(certificate.getPublicKey()).getKeyIdentifier();
    }

    /**
     * Loads the CA of {@code dir}, creating it (and {@code dir}, 0700) on first use.
     *
     * @throws IOException also when the key file's mode is wider than 0600, when only one of the
     *                     two files exists, or when they do not belong together
     */
    public static CertificateAuthority createOrLoad(Path dir) throws IOException {
        Path certFile = dir.resolve(CERT_FILE);
        Path keyFile = dir.resolve(KEY_FILE);
        if (Files.exists(certFile) && Files.exists(keyFile)) {
            return load(certFile, keyFile);
        }
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        // FileLock is per process; threads of this JVM queue here first (a second lock would throw).
        synchronized (CertificateAuthority.class) {
            try (FileChannel channel = FileChannel.open(dir.resolve(LOCK_FILE), Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(OWNER_ONLY))) {
                channel.lock(); // released when the channel closes
                boolean haveCert = Files.exists(certFile);
                boolean haveKey = Files.exists(keyFile);
                if (haveCert && haveKey) {
                    return load(certFile, keyFile);
                }
                if (haveCert || haveKey) {
                    Path present = haveCert ? certFile : keyFile;
                    Path missing = haveCert ? keyFile : certFile;
                    throw new IOException(present + " exists but " + missing + " does not; restore " + missing.getFileName()
                            + " from a backup, or, if no certificate from this CA is in use, delete " + present.getFileName()
                            + " to create a new CA (every issued certificate must then be issued again)");
                }
                return create(certFile, keyFile);
            }
        }
    }

    private static CertificateAuthority load(Path certFile, Path keyFile) throws IOException {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(keyFile);
        if (!OWNER_ONLY.containsAll(perms)) {
            throw new IOException("refusing the CA key " + keyFile + ": its mode is " + PosixFilePermissions.toString(perms)
                    + ", wider than rw------- (0600); run chmod 600 " + keyFile
                    + ", and if others could read it, treat the CA as compromised and create a new one");
        }
        X509Certificate cert = Pem.readCertificates(certFile).get(0);
        if (cert.getBasicConstraints() < 0) {
            throw new IOException(certFile + " is not a CA certificate (no basicConstraints CA:true)");
        }
        PrivateKey key = Pem.readPrivateKey(keyFile);
        if (!Keys.matches(key, cert.getPublicKey())) {
            throw new IOException(keyFile + " is not the key of " + certFile);
        }
        return new CertificateAuthority(cert, key);
    }

    private static CertificateAuthority create(Path certFile, Path keyFile) throws IOException {
        KeyPair pair = Keys.newP256();
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, "sockwarden CA " + HexFormat.of().formatHex(randomBytes(4))).build();
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        JcaX509ExtensionUtils ext = extensionUtils();
        SubjectKeyIdentifier ski = ext.createSubjectKeyIdentifier(pair.getPublic());
        X509Certificate cert;
        try {
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(), Date.from(now.minus(BACKDATE)),
                    Date.from(now.plus(CA_VALIDITY)), subject, pair.getPublic())
                    // pathLen 0: this CA signs leaves only.
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, ski)
                    .addExtension(Extension.authorityKeyIdentifier, false, new AuthorityKeyIdentifier(ski.getKeyIdentifier()));
            cert = sign(b, pair.getPrivate());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Pem.write(keyFile, Pem.privateKey(pair.getPrivate()), "rw-------");
        Pem.write(certFile, Pem.certificate(cert), "rw-r--r--");
        return new CertificateAuthority(cert, pair.getPrivate());
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /**
     * A server certificate: EKU serverAuth, and exactly the given SANs (Go ignores the CN, so a
     * name or address missing here fails verification). See {@link ServerNames#defaults()}.
     */
    public IssuedCertificate issueServer(List<String> dnsNames, List<InetAddress> ips, Duration validity) {
        List<GeneralName> sans = new ArrayList<>();
        for (String d : dnsNames) {
            sans.add(new GeneralName(GeneralName.dNSName, checkDnsName(d)));
        }
        for (InetAddress ip : ips) {
            // The raw bytes: getHostAddress() may carry an IPv6 scope ("%eth0") that is no part of a SAN.
            sans.add(new GeneralName(GeneralName.iPAddress, new DEROctetString(ip.getAddress())));
        }
        if (sans.isEmpty()) {
            throw new IllegalArgumentException("a server certificate needs at least one DNS name or IP address");
        }
        Instant now = Instant.now();
        return issue(name("sockwarden"), now.minus(BACKDATE), now.plus(positive(validity)), KeyPurposeId.id_kp_serverAuth, sans);
    }

    /** A client certificate, subject {@code CN=<clientName>,O=sockwarden}, EKU clientAuth, valid from a minute ago. */
    public IssuedCertificate issueClient(String clientName, Duration validity) {
        Instant now = Instant.now();
        return issueClient(clientName, now.minus(BACKDATE), now.plus(positive(validity)));
    }

    /** As {@link #issueClient(String, Duration)} with an explicit window, which may lie in the past. */
    public IssuedCertificate issueClient(String clientName, Instant notBefore, Instant notAfter) {
        Objects.requireNonNull(clientName, "clientName");
        if (clientName.isBlank() || clientName.length() > 64 || clientName.chars().anyMatch(Character::isISOControl)) {
            // 64: the X.520 upper bound of a common name.
            throw new IllegalArgumentException("a client name for a certificate has 1 to 64 characters and no control characters: " + clientName);
        }
        return issue(name(clientName), notBefore, notAfter, KeyPurposeId.id_kp_clientAuth, List.of());
    }

    private IssuedCertificate issue(X500Name subject, Instant notBefore, Instant notAfter, KeyPurposeId purpose, List<GeneralName> sans) {
        // X.509 times have whole seconds; truncating here keeps the record equal to the certificate.
        Instant from = notBefore.truncatedTo(ChronoUnit.SECONDS);
        Instant until = notAfter.truncatedTo(ChronoUnit.SECONDS);
        if (!until.isAfter(from)) {
            throw new IllegalArgumentException("notAfter " + notAfter + " is not after notBefore " + notBefore);
        }
        // A certificate cannot usefully outlive its CA: PKIX checks the CA's dates too.
        Instant caEnd = certificate.getNotAfter().toInstant();
        if (until.isAfter(caEnd)) {
            until = caEnd;
            if (!until.isAfter(from)) {
                throw new IllegalStateException("the CA " + certificate.getSubjectX500Principal().getName() + " expires at " + caEnd
                        + ", before the certificate would start; create a new CA");
            }
        }
        KeyPair pair = Keys.newP256();
        JcaX509ExtensionUtils ext = extensionUtils();
        try {
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(certificate, serial(), Date.from(from), Date.from(until),
                    subject, pair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    // digitalSignature only: keyEncipherment has no meaning for an EC key (RFC 5480) and ECDHE needs none.
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()))
                    .addExtension(Extension.authorityKeyIdentifier, false, new AuthorityKeyIdentifier(keyId));
            if (!sans.isEmpty()) {
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
            }
            return IssuedCertificate.of(sign(b, key), pair.getPrivate());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer) {
        try {
            return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder(Keys.signatureAlgorithm(signer)).build(signer)));
        } catch (OperatorCreationException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign a certificate: " + e.getMessage(), e);
        }
    }

    private static String checkDnsName(String name) {
        if (name.matches("[0-9.]+|.*:.*")) {
            throw new IllegalArgumentException(name + " is an IP address: pass it among the addresses, a DNS-name SAN never matches an address");
        }
        if (!ServerNames.isDnsName(name)) {
            throw new IllegalArgumentException("not a DNS name: " + name);
        }
        return name;
    }

    /** O before CN in the encoding, so the name reads {@code CN=…,O=sockwarden} (RFC 2253 order, as Java prints it). */
    private static X500Name name(String commonName) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "sockwarden").addRDN(BCStyle.CN, commonName).build();
    }

    private static Duration positive(Duration validity) {
        if (validity.isNegative() || validity.isZero()) {
            throw new IllegalArgumentException("validity must be positive: " + validity);
        }
        return validity;
    }

    private static JcaX509ExtensionUtils extensionUtils() {
        try {
            return new JcaX509ExtensionUtils();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no SHA-1 for key identifiers", e);
        }
    }

    /** 128 random bits, positive and non-zero: unique without a counter shared between processes. */
    private static BigInteger serial() {
        BigInteger s;
        do {
            s = new BigInteger(1, randomBytes(16));
        } while (s.signum() == 0);
        return s;
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        Keys.RANDOM.nextBytes(b);
        return b;
    }
}
