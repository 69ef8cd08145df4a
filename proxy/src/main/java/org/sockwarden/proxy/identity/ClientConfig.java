package org.sockwarden.proxy.identity;

import java.util.List;
import java.util.Set;

/**
 * Everything the proxy needs about one client: who it is, what it may do, where it connects,
 * and what else its connection must prove (source range, peer uid).
 */
public record ClientConfig(Client client, List<ListenerAddress> listeners, List<Cidr> sources, Set<Integer> peerUids,
                           Set<String> certFingerprints, Set<String> certSubjects) {

    /**
     * @param certFingerprints SHA-256 fingerprints (lower-case hex) of certificates that identify this client on
     *                         the TLS listener: those sockwarden issued to it and not revoked, and mapped ones of another CA
     * @param certSubjects     subjects (as {@link javax.security.auth.x500.X500Principal} names) mapped to it
     */
    public ClientConfig {
        listeners = List.copyOf(listeners);
        sources = List.copyOf(sources);
        peerUids = Set.copyOf(peerUids);
        certFingerprints = Set.copyOf(certFingerprints);
        certSubjects = Set.copyOf(certSubjects);
    }

    public ClientConfig(Client client, List<ListenerAddress> listeners, List<Cidr> sources, Set<Integer> peerUids) {
        this(client, listeners, sources, peerUids, Set.of(), Set.of());
    }

    public String name() {
        return client.name();
    }
}
