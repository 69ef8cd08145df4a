package org.sockwarden.proxy.identity;

import java.util.List;
import java.util.Set;

/**
 * Everything the proxy needs about one client: who it is, what it may do, where it connects,
 * and what else its connection must prove (source range, peer uid).
 */
public record ClientConfig(Client client, List<ListenerAddress> listeners, List<Cidr> sources, Set<Integer> peerUids) {

    public ClientConfig {
        listeners = List.copyOf(listeners);
        sources = List.copyOf(sources);
        peerUids = Set.copyOf(peerUids);
    }

    public String name() {
        return client.name();
    }
}
