package org.sockwarden.certs;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The server's in-memory PKCS12 key store ({@code SslContextFactory.Server#setKeyStore}), the CA
 * certificates a client certificate may come from, and the checks of a client's chain against
 * them. Nothing here writes to the disk.
 */
public final class TlsMaterial {
    /**
     * The password of the key store and of its key entry. Empty: the store never leaves the
     * process, but JSSE's PKCS12 needs a password to read the key back, so pass this one
     * ({@code setKeyStorePassword(TlsMaterial.PASSWORD)}) rather than none.
     */
    public static final String PASSWORD = "";
    static final String KEY_ALIAS = "server";

    private TlsMaterial() {}

    /** The server's key and its chain, leaf first (the CA may follow: clients have it anyway). */
    public static KeyStore keyStore(PrivateKey key, List<X509Certificate> chain) {
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("a key store needs the certificate of the key");
        }
        if (!Keys.matches(key, chain.get(0).getPublicKey())) {
            throw new IllegalArgumentException("the private key is not the key of the certificate " + chain.get(0).getSubjectX500Principal().getName());
        }
        try {
            KeyStore ks = empty();
            ks.setKeyEntry(KEY_ALIAS, key, PASSWORD.toCharArray(), chain.toArray(X509Certificate[]::new));
            return ks;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot build an in-memory key store: " + e.getMessage(), e);
        }
    }

    /** As {@link #keyStore(PrivateKey, List)}, from a PEM chain file and a PEM key file. */
    public static KeyStore keyStore(Path chainFile, Path keyFile) throws IOException {
        List<X509Certificate> chain = Pem.readCertificates(chainFile);
        PrivateKey key = Pem.readPrivateKey(keyFile);
        try {
            return keyStore(key, chain);
        } catch (IllegalArgumentException e) {
            throw new IOException(keyFile + " is not the key of the first certificate of " + chainFile, e);
        }
    }

    /**
     * The certificates of a file that is to be trusted as a CA, every one of them a CA certificate. A
     * certificate that is not a CA is refused: as a trust anchor it would silently trust only itself.
     */
    public static List<X509Certificate> caCertificates(Path file) throws IOException {
        List<X509Certificate> certificates = Pem.readCertificates(file);
        for (X509Certificate c : certificates) {
            // Version 1 certificates have no extensions, and old private CAs are often v1; the JDK accepts them as anchors.
            if (c.getVersion() >= 3 && c.getBasicConstraints() < 0) {
                throw new IOException(file + " holds " + c.getSubjectX500Principal().getName() + ", which is not a CA certificate"
                        + " (no basicConstraints CA:true); give the certificate of the CA that issued it");
            }
        }
        return certificates;
    }

    /**
     * The JDK's PKIX checks of a TLS client's chain (path to one of {@code cas}, signatures, dates,
     * key usage), as the handshake runs them.
     */
    public static X509ExtendedTrustManager clientTrust(List<X509Certificate> cas) throws GeneralSecurityException {
        KeyStore anchors = empty();
        for (int i = 0; i < cas.size(); i++) {
            anchors.setCertificateEntry("ca-" + i, cas.get(i));
        }
        TrustManagerFactory f = TrustManagerFactory.getInstance("PKIX");
        f.init(anchors);
        return (X509ExtendedTrustManager) f.getTrustManagers()[0];
    }

    private static KeyStore empty() throws GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try {
            ks.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
        return ks;
    }
}
