package org.sockwarden.store;

import java.util.List;

/** Every client at one policy version, read in one transaction. */
public record Snapshot(long version, List<StoredClient> clients, List<StoredCertificate> certificates) {
    public Snapshot {
        clients = List.copyOf(clients);
        certificates = List.copyOf(certificates);
    }
}
