package org.sockwarden.proxy.listener;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.stream.Collectors;
import org.sockwarden.proxy.identity.Cidr;
import org.sockwarden.proxy.identity.ClientConfig;
import org.sockwarden.proxy.identity.Directory;
import org.sockwarden.proxy.identity.Identity;

/**
 * Who is calling on one connection, and what that connection proves: decided for every request
 * against the directory it meets, and again against each new directory while its exchange runs.
 * On the mutual-TLS listener the certificate is the identity and is checked for trust and expiry
 * each time; elsewhere the listener is the identity.
 */
final class Caller {
    private final Identity identity;
    private final TlsIdentity tls;
    private final ClientCertificateTrust trust;
    private final SocketAddress remote;
    private final GuardedConnection connection;

    private Caller(Identity identity, TlsIdentity tls, ClientCertificateTrust trust, SocketAddress remote, GuardedConnection connection) {
        this.identity = identity;
        this.tls = tls;
        this.trust = trust;
        this.remote = remote;
        this.connection = connection;
    }

    /** A caller on a per-client listener (TCP port or unix socket): whoever connects there is its client. */
    static Caller onListener(String listener, SocketAddress remote, GuardedConnection connection) {
        return new Caller(new Identity.Listener(listener), null, null, remote, connection);
    }

    /** A caller on the mutual-TLS listener, identified by {@code tls} (null: it sent no certificate). */
    static Caller withCertificate(TlsIdentity tls, ClientCertificateTrust trust, SocketAddress remote, GuardedConnection connection) {
        return new Caller(tls == null ? null : tls.identity(), tls, trust, remote, connection);
    }

    /** What the caller proved: its listener, or its certificate; null on a TLS connection without one. */
    Identity identity() {
        return identity;
    }

    SocketAddress remote() {
        return remote;
    }

    /** The peer's uid on a unix socket (read once per connection), else -1. */
    int peerUid() {
        return connection.peerUid();
    }

    /** The client this caller is in {@code directory}, or null ({@link #whyUnknown} says why). */
    ClientConfig client(Directory directory) {
        return identity == null ? null : directory.resolve(identity);
    }

    /** Why this caller is no client of {@code directory}. */
    String whyUnknown(Directory directory) {
        return identity == null ? "no client certificate on a TLS connection" : directory.whyNot(identity);
    }

    /**
     * Null if this connection proves everything {@code config} asks of it; else what it failed to
     * prove: a certificate still trusted and unexpired, a source address in range, a peer uid.
     */
    String unproven(ClientConfig config) {
        if (tls != null) {
            String untrusted = trust.refusal(tls);
            if (untrusted != null) {
                return untrusted;
            }
        }
        if (!config.sources().isEmpty()) {
            boolean ok = remote instanceof InetSocketAddress inet && inet.getAddress() != null
                    && config.sources().stream().anyMatch(c -> c.contains(inet.getAddress()));
            if (!ok) {
                return "client \"" + config.name() + "\" accepts connections only from "
                        + config.sources().stream().map(Cidr::toString).collect(Collectors.joining(", ")) + ", not from " + remote;
            }
        }
        if (!config.peerUids().isEmpty()) {
            int uid = connection.peerUid();
            if (!config.peerUids().contains(uid)) {
                return "client \"" + config.name() + "\" accepts only peer uids " + config.peerUids()
                        + " on its socket, not uid " + (uid < 0 ? "(unknown)" : uid);
            }
        }
        return null;
    }

    /** When this caller's credential stops being valid (epoch ms), as last checked; Long.MAX_VALUE without a certificate. */
    long validUntil() {
        ClientCertificateTrust.Verdict v = tls == null ? null : tls.verdict();
        return v == null ? Long.MAX_VALUE : v.validUntil();
    }
}
