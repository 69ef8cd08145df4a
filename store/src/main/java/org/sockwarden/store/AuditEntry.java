package org.sockwarden.store;

import java.time.Instant;

/**
 * One row of the audit trail, as stored: the store does not interpret the names. {@code decision}
 * is {@code allow}, {@code deny}, {@code would-deny}, {@code reject} or {@code limit}; {@code identityKind} is
 * {@code port}, {@code socket} or {@code certificate}; {@code client}, {@code identity}, {@code remoteHost},
 * {@code operation}, {@code decidedBy} and {@code guardrail} may be null. {@code remoteHost} is the TCP
 * peer's address (bracketed when IPv6) and {@code remotePort} its port; a unix socket's peer has neither
 * (null and 0). {@code id} is 0 for a row not yet written.
 */
public record AuditEntry(long id, Instant time, String client, String identityKind, String identity, String remoteHost,
                         int remotePort, String method, String target, String operation, String decision, String decidedBy,
                         String guardrail, int status, long bytesIn, long bytesOut, long durationMicros) {

    /** {@code host:port} of a TCP peer, or null. */
    public String remote() {
        return remoteHost == null ? null : remoteHost + ":" + remotePort;
    }
}
