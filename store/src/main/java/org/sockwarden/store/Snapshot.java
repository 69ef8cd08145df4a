package org.sockwarden.store;

import java.time.Instant;
import java.util.List;

/**
 * Every client at one policy version, read in one transaction: the clients, the certificates
 * sockwarden issued, and the fingerprints of other certificates revoked on their own.
 */
public record Snapshot(long version, List<StoredClient> clients, List<StoredCertificate> certificates,
                       List<RevokedFingerprint> revokedFingerprints) {
    public Snapshot {
        clients = List.copyOf(clients);
        certificates = List.copyOf(certificates);
        revokedFingerprints = List.copyOf(revokedFingerprints);
    }

    /** A certificate sockwarden did not issue (a mapped one of another CA), revoked by its SHA-256 fingerprint. */
    public record RevokedFingerprint(String fingerprint, Instant revokedAt, String reason) {}
}
