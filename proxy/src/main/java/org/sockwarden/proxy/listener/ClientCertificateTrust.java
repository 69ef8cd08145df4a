package org.sockwarden.proxy.listener;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.sockwarden.certs.Fingerprints;
import org.sockwarden.certs.TlsMaterial;
import org.sockwarden.proxy.identity.Directory;
import org.sockwarden.proxy.identity.Identity;

/**
 * Decides a client certificate during the handshake: first the chain to a trusted CA and the
 * validity dates (the JDK's PKIX checks), then whether the current directory knows it. The
 * directory is read on every handshake, so a revocation refuses the next handshake at once,
 * without reloading the TLS context.
 */
final class ClientCertificateTrust extends X509ExtendedTrustManager {
    // Replaced whole when the trusted CAs change; each handshake reads it once.
    private volatile X509ExtendedTrustManager pkix;
    private final Supplier<Directory> directory;
    private final Consumer<String> refused;

    ClientCertificateTrust(List<X509Certificate> trustedCas, Supplier<Directory> directory, Consumer<String> refused)
            throws GeneralSecurityException {
        this.directory = directory;
        this.refused = refused;
        trust(trustedCas);
    }

    /** From the next handshake on, client certificates must chain to one of {@code trustedCas}. */
    void trust(List<X509Certificate> trustedCas) throws GeneralSecurityException {
        this.pkix = TlsMaterial.clientTrust(trustedCas);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        X509ExtendedTrustManager anchors = pkix;
        check(chain, () -> anchors.checkClientTrusted(chain, authType, engine));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        X509ExtendedTrustManager anchors = pkix;
        check(chain, () -> anchors.checkClientTrusted(chain, authType, socket));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        X509ExtendedTrustManager anchors = pkix;
        check(chain, () -> anchors.checkClientTrusted(chain, authType));
    }

    private interface Check {
        void run() throws CertificateException;
    }

    private void check(X509Certificate[] chain, Check pkixCheck) throws CertificateException {
        X509Certificate leaf = chain[0];
        String fp = Fingerprints.sha256(leaf);
        try {
            // The leaf's own dates first: PKIX would only say "validity check failed".
            leaf.checkValidity();
            pkixCheck.run();
        } catch (CertificateException e) {
            String reason = reason(e, leaf) + ": certificate " + fp + " (" + leaf.getSubjectX500Principal().getName() + ")";
            refused.accept(reason);
            throw new CertificateException(reason, e);
        }
        Directory d = directory.get();
        Identity.Certificate identity = new Identity.Certificate(fp, List.of(chain));
        if (d.resolve(identity) == null) {
            String reason = d.whyNot(identity);
            refused.accept(reason);
            throw new CertificateException(reason);
        }
    }

    private static String reason(CertificateException e, X509Certificate leaf) {
        if (e instanceof java.security.cert.CertificateExpiredException) {
            return "expired at " + leaf.getNotAfter().toInstant();
        }
        if (e instanceof java.security.cert.CertificateNotYetValidException) {
            return "not valid before " + leaf.getNotBefore().toInstant();
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (String.valueOf(t.getMessage()).contains("validity check failed")) {
                return "a certificate of its chain is expired or not yet valid";
            }
        }
        return "not issued by a trusted CA";
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        throw new CertificateException("a server does not check server certificates");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("a server does not check server certificates");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a server does not check server certificates");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return pkix.getAcceptedIssuers();
    }
}
