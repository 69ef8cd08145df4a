package org.sockwarden.proxy.identity;

import java.util.List;
import java.util.Set;
import org.sockwarden.proxy.policy.PermissionSet;

/**
 * Everything the proxy needs about one client: who it is, what it may do, where it connects,
 * and what else its connection must prove (source range, peer uid).
 *
 * @param certFingerprints SHA-256 fingerprints (lower-case hex) of certificates that identify this client on
 *                         the TLS listener: those sockwarden issued to it and not revoked, and mapped ones of another CA
 * @param certSubjects     certificate subjects mapped to it, each with the CA that must have signed the certificate
 * @param problems         why its stored policy cannot be applied as it is (empty: it can); a client with problems is
 *                         served nothing ({@link Directory#resolve} gives no client for any of its identities)
 */
public record ClientConfig(Client client, List<ListenerAddress> listeners, List<Cidr> sources, Set<Integer> peerUids,
                           Set<String> certFingerprints, List<SubjectMapping> certSubjects, List<String> problems) {

    public ClientConfig {
        listeners = List.copyOf(listeners);
        sources = List.copyOf(sources);
        peerUids = Set.copyOf(peerUids);
        certFingerprints = Set.copyOf(certFingerprints);
        certSubjects = List.copyOf(certSubjects);
        problems = List.copyOf(problems);
    }

    public ClientConfig(Client client, List<ListenerAddress> listeners, List<Cidr> sources, Set<Integer> peerUids) {
        this(client, listeners, sources, peerUids, Set.of(), List.of(), List.of());
    }

    public String name() {
        return client.name();
    }

    /** Whether its stored policy applies: false means it is served deny-all. */
    public boolean applies() {
        return problems.isEmpty();
    }

    /**
     * This client with these problems added and every permission taken away. Its listeners stay
     * (a caller there is told why it is refused) and so do its certificate claims (a collision
     * involving them is still seen). Its rules go back to the default: a client in learn mode would
     * otherwise have every refusal forwarded.
     */
    ClientConfig denyAll(List<String> more) {
        List<String> all = new java.util.ArrayList<>(problems);
        more.stream().filter(p -> !all.contains(p)).forEach(all::add);
        return new ClientConfig(new Client(client.name(), PermissionSet.none(), client.grantAdvice(), ClientRules.DEFAULT), listeners, sources, peerUids,
                certFingerprints, certSubjects, all);
    }
}
