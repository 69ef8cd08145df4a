package org.sockwarden.proxy.listener;

import java.security.cert.X509Certificate;
import org.eclipse.jetty.io.EndPoint;
import java.util.List;
import org.sockwarden.certs.Fingerprints;
import org.sockwarden.proxy.identity.Identity;

/**
 * The client certificate chain of a TLS connection, read once per connection (renegotiation is
 * off, so it cannot change), with the last {@link ClientCertificateTrust.Verdict} on it: each
 * request asks the trust manager whether that verdict still holds.
 */
final class TlsIdentity {
    private final X509Certificate[] chain;
    private final Identity.Certificate identity;
    private volatile ClientCertificateTrust.Verdict verdict;

    private TlsIdentity(X509Certificate[] chain, ClientCertificateTrust.Verdict verdict) {
        this.chain = chain;
        this.identity = new Identity.Certificate(Fingerprints.sha256(chain[0]), List.of(chain));
        this.verdict = verdict;
    }

    /** What the directory resolves: the chain and its leaf's fingerprint, made once per connection. */
    Identity.Certificate identity() {
        return identity;
    }

    /** The certificate chain of {@code endPoint}'s TLS session, or null when the client sent none. */
    static TlsIdentity of(EndPoint endPoint) {
        EndPoint.SslSessionData ssl = endPoint.getSslSessionData();
        X509Certificate[] chain = ssl == null ? null : ssl.peerCertificates();
        return chain == null || chain.length == 0 ? null : new TlsIdentity(chain, ClientCertificateTrust.verdictOf(ssl.sslSession()));
    }

    X509Certificate[] chain() {
        return chain;
    }

    X509Certificate certificate() {
        return chain[0];
    }

    String fingerprint() {
        return identity.fingerprint();
    }

    ClientCertificateTrust.Verdict verdict() {
        return verdict;
    }

    void verdict(ClientCertificateTrust.Verdict verdict) {
        this.verdict = verdict;
    }
}
