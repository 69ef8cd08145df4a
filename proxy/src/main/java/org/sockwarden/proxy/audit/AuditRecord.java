package org.sockwarden.proxy.audit;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Instant;
import org.sockwarden.proxy.api.Operation;

/**
 * One decided request, or one hijacked session (attach, exec start, session, grpc) when its
 * tunnel closes. Built on the request path from values the handler already holds; the textual
 * fields of the audit trail ({@link #identityKind()}, {@link #identity()}, {@link #remoteHost()})
 * are derived by whoever consumes it, off the request path.
 *
 * @param listener    the listener's key as in the access log ({@code 127.0.0.1:2380}, {@code unix:/run/x.sock},
 *                    {@code tls:0.0.0.0:2376})
 * @param client      the client the caller was recognised as, or null when it was none
 * @param fingerprint the SHA-256 fingerprint of the client certificate on the TLS listener, else null
 * @param peerUid     the uid at the other end of a unix socket, or -1 (not a socket, or not known)
 * @param remote      the peer's address as the connection gives it, or null
 * @param target      the request target as sent: path and query, not decoded
 * @param operation   the Docker API operation, or null when the request matched none (or was rejected before)
 * @param decidedBy   for {@link Verdict#ALLOW} the grant that allowed it ({@code CONTAINERS+POST}); for
 *                    {@link Verdict#DENY} and {@link Verdict#WOULD_DENY} the permission names that would allow it
 *                    ({@code NETWORKS}, joined with {@code +}), or why nothing can ({@code identity},
 *                    {@code unknown-endpoint}); for {@link Verdict#LIMIT} the limit ({@code max-requests},
 *                    {@code max-streams}, {@code rate}); null for {@link Verdict#REJECT}
 * @param guardrail   the guardrail option that refused the request body (or would have, for a learning client),
 *                    written as the option that relaxes it; null when no guardrail decided
 * @param status      the HTTP status the client got (101 for a hijacked session)
 * @param bytesIn     body bytes from the client (for a session: everything it sent through the tunnel)
 * @param bytesOut    body bytes to the client
 */
public record AuditRecord(Instant time, String listener, String client, String fingerprint, int peerUid, SocketAddress remote,
                          String method, String target, Operation operation, Verdict verdict, String decidedBy, String guardrail,
                          int status, long bytesIn, long bytesOut, long durationMicros) {

    /** What sockwarden did with the request. */
    public enum Verdict {
        /** Forwarded: a grant allows it. */
        ALLOW("allow"),
        /** Refused with 403: no grant allows it, or a guardrail refuses it (or the caller is not a client, or the endpoint is unknown). */
        DENY("deny"),
        /** Forwarded although no grant or no guardrail allows it: its client is in learn mode. */
        WOULD_DENY("would-deny"),
        /**
         * Refused for its form, which no grant or guardrail can allow: 400 before any permission check (not in
         * canonical form), or after it a body or query the guard cannot read as the engine would (400) or a body
         * over the guard's inspection cap (413).
         */
        REJECT("reject"),
        /** Allowed, but refused with 429: its client is at one of its limits, which {@code decidedBy} names. */
        LIMIT("limit");

        private final String text;

        Verdict(String text) {
            this.text = text;
        }

        /** The name in the access log, the audit trail and the metrics' {@code decision} label. */
        public String text() {
            return text;
        }
    }

    /** How the caller was recognised. */
    public enum IdentityKind {
        /** By the client's own TCP port. */
        PORT("port"),
        /** By the client's own unix socket (and its peer uid). */
        SOCKET("socket"),
        /** By its client certificate on the mutual-TLS listener. */
        CERTIFICATE("certificate");

        private final String text;

        IdentityKind(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    public IdentityKind identityKind() {
        if (listener.startsWith("tls:")) {
            return IdentityKind.CERTIFICATE;
        }
        return listener.startsWith("unix:") ? IdentityKind.SOCKET : IdentityKind.PORT;
    }

    /**
     * What identified the caller: the port's address, the socket's path with the peer uid, or the
     * certificate's fingerprint (null for a TLS connection without one).
     */
    public String identity() {
        return switch (identityKind()) {
            case PORT -> listener;
            case SOCKET -> listener.substring("unix:".length()) + (peerUid >= 0 ? " uid " + peerUid : "");
            case CERTIFICATE -> fingerprint;
        };
    }

    /** The address of a TCP peer, bracketed when IPv6; null for a unix socket, whose peers have no address. */
    public String remoteHost() {
        if (remote instanceof InetSocketAddress inet) {
            String host = inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
            return host.contains(":") ? "[" + host + "]" : host;
        }
        return null;
    }

    /** The port of a TCP peer; 0 for a unix socket. */
    public int remotePort() {
        return remote instanceof InetSocketAddress inet ? inet.getPort() : 0;
    }
}
