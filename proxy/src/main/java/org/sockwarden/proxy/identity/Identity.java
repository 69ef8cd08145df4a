package org.sockwarden.proxy.identity;

import java.security.cert.X509Certificate;

/** What a caller proved about itself; the {@link Directory} turns it into a client. */
public sealed interface Identity {

    /** Whoever connects to this per-client listener (TCP port or unix socket) is its client. */
    record Listener(String key) implements Identity {}

    /** A client certificate accepted on the TLS listener, by its SHA-256 fingerprint (lower-case hex). */
    record Certificate(String fingerprint, X509Certificate certificate) implements Identity {}
}
