package org.sockwarden.store;

import java.time.Instant;

/**
 * A certificate sockwarden issued; {@code client} is null for the server's, {@code revokedAt} null
 * while valid, {@code revokeReason} null when none was given.
 */
public record StoredCertificate(String serial, String kind, String client, String fingerprint, String subject,
                                Instant notBefore, Instant notAfter, Instant revokedAt, String revokeReason) {

    public StoredCertificate(String serial, String kind, String client, String fingerprint, String subject,
                             Instant notBefore, Instant notAfter, Instant revokedAt) {
        this(serial, kind, client, fingerprint, subject, notBefore, notAfter, revokedAt, null);
    }
}
