package org.sockwarden.proxy.listener;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509ExtendedTrustManager;
import org.sockwarden.certs.Fingerprints;
import org.sockwarden.certs.TlsMaterial;
import org.sockwarden.proxy.identity.Directory;
import org.sockwarden.proxy.identity.Identity;

/**
 * Decides a client certificate during the handshake, and again for every request on the
 * connection: first the chain to a trusted CA and the validity dates (the JDK's PKIX checks),
 * then (at the handshake) whether the current directory knows it. The directory is read on every
 * handshake, so a revocation refuses the next handshake at once, without reloading the TLS context.
 *
 * <p>A chain found trusted is remembered with the CAs it was checked against and the moment its
 * first certificate expires ({@link Verdict}, kept in the TLS session). A request then costs a
 * volatile read and a clock read; only after the trusted CAs changed is the chain checked again.
 */
final class ClientCertificateTrust extends X509ExtendedTrustManager {

    /** A chain trusted under {@code anchors} until {@code validUntil} (epoch ms, the earliest notAfter of the chain). */
    record Verdict(Object anchors, long validUntil) {}

    private static final String VERDICT = "sockwarden.verdict";

    /** The CAs trusted at one time; replaced whole when they change, compared by identity. */
    private static final class Anchors {
        private final X509ExtendedTrustManager pkix;

        Anchors(X509ExtendedTrustManager pkix) {
            this.pkix = pkix;
        }
    }

    private volatile Anchors anchors;
    private final Supplier<Directory> directory;
    private final Consumer<String> refused;

    ClientCertificateTrust(List<X509Certificate> trustedCas, Supplier<Directory> directory, Consumer<String> refused)
            throws GeneralSecurityException {
        this.directory = directory;
        this.refused = refused;
        trust(trustedCas);
    }

    /** From now on client certificates must chain to one of {@code trustedCas}: new handshakes, and every later request. */
    void trust(List<X509Certificate> trustedCas) throws GeneralSecurityException {
        this.anchors = new Anchors(TlsMaterial.clientTrust(trustedCas));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        Anchors a = anchors;
        check(chain, () -> a.pkix.checkClientTrusted(chain, authType, engine));
        SSLSession session = engine.getHandshakeSession();
        if (session != null) {
            session.putValue(VERDICT, new Verdict(a, validUntil(chain)));
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        Anchors a = anchors;
        check(chain, () -> a.pkix.checkClientTrusted(chain, authType, socket));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        Anchors a = anchors;
        check(chain, () -> a.pkix.checkClientTrusted(chain, authType));
    }

    /** The verdict the handshake of {@code session} left, or null. */
    static Verdict verdictOf(SSLSession session) {
        return session == null ? null : (Verdict) session.getValue(VERDICT);
    }

    /**
     * Null if the chain of {@code identity} is still trusted and valid now; else why not. Checks
     * the chain again (and remembers the new verdict on {@code identity}) only if the trusted CAs
     * changed since it was last checked.
     */
    String refusal(TlsIdentity identity) {
        Anchors a = anchors;
        Verdict v = identity.verdict();
        long now = System.currentTimeMillis();
        if (v == null || v.anchors() != a) {
            X509Certificate[] chain = identity.chain();
            try {
                chain[0].checkValidity();
                a.pkix.checkClientTrusted(chain, "UNKNOWN");
            } catch (CertificateException e) {
                return reason(e, chain[0]) + ": certificate " + identity.fingerprint() + " (" + chain[0].getSubjectX500Principal().getName() + ")";
            }
            v = new Verdict(a, validUntil(chain));
            identity.verdict(v);
        }
        if (now >= v.validUntil()) {
            return "a certificate of its chain expired at " + Instant.ofEpochMilli(v.validUntil()) + ": certificate "
                    + identity.fingerprint() + " (" + identity.certificate().getSubjectX500Principal().getName() + ")";
        }
        return null;
    }

    private static long validUntil(X509Certificate[] chain) {
        long until = Long.MAX_VALUE;
        for (X509Certificate c : chain) {
            until = Math.min(until, c.getNotAfter().getTime());
        }
        return until;
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
        return anchors.pkix.getAcceptedIssuers();
    }
}
