package org.sockwarden.proxy.identity;

import java.security.cert.X509Certificate;
import java.util.List;
import org.sockwarden.certs.Fingerprints;

/** What a caller proved about itself; the {@link Directory} turns it into a client. */
public sealed interface Identity {

    /** Whoever connects to this per-client listener (TCP port or unix socket) is its client. */
    record Listener(String key) implements Identity {}

    /**
     * A client certificate presented on the TLS listener: the chain as the peer sent it, leaf first,
     * and the leaf's SHA-256 fingerprint (lower-case hex). Make one per connection: the directory
     * remembers what it decided about a fingerprint, so later requests cost two map lookups.
     */
    record Certificate(String fingerprint, List<X509Certificate> chain) implements Identity {
        public Certificate {
            chain = List.copyOf(chain);
            if (chain.isEmpty()) {
                throw new IllegalArgumentException("a certificate identity needs the client's certificate");
            }
        }

        public Certificate(List<X509Certificate> chain) {
            this(Fingerprints.sha256(chain.get(0)), chain);
        }

        public X509Certificate leaf() {
            return chain.get(0);
        }
    }
}
