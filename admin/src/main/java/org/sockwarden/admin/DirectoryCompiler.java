package org.sockwarden.admin;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.sockwarden.certs.DistinguishedNames;
import org.sockwarden.certs.Fingerprints;
import org.sockwarden.proxy.api.RedactedField;
import org.sockwarden.proxy.identity.Cidr;
import org.sockwarden.proxy.guard.Guardrails;
import org.sockwarden.proxy.guard.InvalidGuardrailsException;
import org.sockwarden.proxy.guard.Label;
import org.sockwarden.proxy.identity.Client;
import org.sockwarden.proxy.identity.ClientRules;
import org.sockwarden.proxy.identity.ClientConfig;
import org.sockwarden.proxy.identity.Directory;
import org.sockwarden.proxy.identity.ListenerAddress;
import org.sockwarden.proxy.identity.SocketPaths;
import org.sockwarden.proxy.identity.SubjectMapping;
import org.sockwarden.proxy.limit.ClientLimits;
import org.sockwarden.proxy.policy.Permission;
import org.sockwarden.proxy.policy.PermissionSet;
import org.sockwarden.proxy.policy.UnknownPermissionException;
import org.sockwarden.store.Snapshot;
import org.sockwarden.store.StoreException;
import org.sockwarden.store.StoredCertificate;
import org.sockwarden.store.StoredClient;

/**
 * From the store's rows to the proxy's {@link Directory}. Nothing here throws on a row: a row that
 * cannot be applied (an address that is not one, an unknown grant, a socket path that is the
 * engine's...) becomes a problem of its client, which the directory then serves deny-all, while
 * everything else, each revocation above all, applies. The admin commands run the same reading
 * on the clients as a change would leave them, so the CLI refuses what the proxy could not apply.
 */
final class DirectoryCompiler {
    private DirectoryCompiler() {}

    /**
     * What the stored rows are read against: the proxy they are for.
     *
     * @param builtIn   clients that are not stored (the drop-in {@code default} of {@code serve --listen})
     * @param reserved  listener keys that belong to no client (the mutual-TLS listener)
     * @param trustedCas the CAs client certificates may come from; a subject mapping names one of them
     */
    record Surroundings(Path dataDir, Path engineSocket, List<ClientConfig> builtIn, Set<String> reserved, List<X509Certificate> trustedCas) {
        Surroundings {
            builtIn = List.copyOf(builtIn);
            reserved = Set.copyOf(reserved);
            trustedCas = List.copyOf(trustedCas);
        }
    }

    static Directory compile(Snapshot snapshot, Surroundings around, Consumer<String> warn) {
        List<ClientConfig> clients = new ArrayList<>(around.builtIn());
        for (StoredClient c : snapshot.clients()) {
            clients.add(config(c, snapshot.certificates(), around, warn));
        }
        Map<String, String> revoked = new HashMap<>();
        for (StoredCertificate cert : snapshot.certificates()) {
            if (cert.revokedAt() != null) {
                revoked.put(cert.fingerprint(), "revoked: certificate " + cert.fingerprint() + " of client " + cert.client()
                        + " (serial " + cert.serial() + ") was revoked at " + cert.revokedAt());
            }
        }
        for (Snapshot.RevokedFingerprint r : snapshot.revokedFingerprints()) {
            revoked.put(r.fingerprint(), "revoked: certificate " + r.fingerprint() + " was revoked at " + r.revokedAt()
                    + (r.reason() == null ? "" : " (" + r.reason() + ")"));
        }
        return new Directory(snapshot.version(), clients, revoked, around.trustedCas());
    }

    /**
     * Refuses (a {@link StoreException} naming each reason) a change after which client {@code name}
     * could not be applied as stored: what the CLI checks before it writes.
     */
    static void refuseUnappliable(String name, Snapshot after, Surroundings around) {
        List<String> reasons = compile(after, around, w -> { }).problems().stream()
                .filter(p -> p.client().equals(name)).map(Directory.Problem::reason).distinct().toList();
        if (!reasons.isEmpty()) {
            throw new StoreException(String.join("; ", reasons) + "; nothing was changed");
        }
    }

    /** One stored client as the proxy serves it; what cannot be applied is among its {@link ClientConfig#problems()}. */
    static ClientConfig config(StoredClient c, List<StoredCertificate> certificates, Surroundings around, Consumer<String> warn) {
        List<String> problems = new ArrayList<>();
        List<Permission> granted = new ArrayList<>();
        for (String name : c.grants()) {
            try {
                granted.add(Permission.of(name));
            } catch (UnknownPermissionException e) {
                problems.add("stored grant " + name + " is not a permission this sockwarden knows");
            }
        }
        List<ListenerAddress> listeners = new ArrayList<>();
        for (StoredClient.Listener l : c.listeners()) {
            try {
                ListenerAddress a = listener(l, around);
                if (a instanceof ListenerAddress.Tcp tcp && around.reserved().contains(tcp.key())) {
                    problems.add("port " + tcp.key() + " is the proxy's mutual-TLS listener");
                }
                listeners.add(a);
            } catch (IllegalArgumentException e) {
                problems.add("listener " + l + ": " + e.getMessage());
            }
        }
        List<Cidr> sources = new ArrayList<>();
        for (String s : c.sources()) {
            try {
                sources.add(Cidr.parse(s));
            } catch (IllegalArgumentException e) {
                problems.add("--from " + e.getMessage());
            }
        }
        for (int uid : c.peerUids()) {
            if (uid < 0) {
                // -1 is what an unknown peer reads as: admitting it would admit every peer that cannot be told.
                problems.add("peer uid " + uid + " is no uid");
            }
        }
        Set<String> fingerprints = new LinkedHashSet<>();
        for (String fp : c.certFingerprints()) {
            if (fp.matches("[0-9a-f]{64}")) {
                fingerprints.add(fp);
            } else {
                problems.add("certificate fingerprint \"" + fp + "\" is not a SHA-256 fingerprint (64 lower-case hex digits)");
            }
        }
        for (StoredCertificate cert : certificates) {
            if (c.name().equals(cert.client()) && cert.kind().equals("client") && cert.revokedAt() == null) {
                fingerprints.add(cert.fingerprint());
            }
        }
        List<SubjectMapping> subjects = new ArrayList<>();
        for (StoredClient.SubjectMapping m : c.certSubjects()) {
            byte[] der;
            try {
                der = DistinguishedNames.encode(m.subject());
            } catch (IllegalArgumentException e) {
                problems.add("certificate subject: " + e.getMessage());
                continue;
            }
            if (m.ca() == null) {
                problems.add("certificate subject " + m.subject() + " names no CA (any trusted CA could write it): "
                        + "`sockwarden client set " + c.name() + " --cert-ca SHA256` names the one that signs its certificates");
                continue;
            }
            X509Certificate ca = around.trustedCas().stream().filter(x -> Fingerprints.sha256(x).equals(m.ca())).findFirst().orElse(null);
            if (ca == null) {
                warn.accept("client " + c.name() + ": certificate subject " + m.subject() + " names CA " + m.ca()
                        + ", which this proxy does not trust (init --trust-ca): it matches no certificate");
                continue;
            }
            subjects.add(new SubjectMapping(der, ca));
        }
        boolean learning = false;
        switch (c.mode()) {
            case StoredClient.LEARN -> learning = true;
            case StoredClient.ENFORCE -> { }
            default -> problems.add("mode \"" + c.mode() + "\" is neither " + StoredClient.ENFORCE + " nor " + StoredClient.LEARN);
        }
        Guardrails guardrails = Guardrails.DEFAULT;
        try {
            guardrails = Guardrails.parse(c.guardrails());
        } catch (InvalidGuardrailsException e) {
            problems.add("guardrails: " + e.getMessage());
        }
        java.util.Set<RedactedField> redacted = java.util.Set.of();
        try {
            redacted = RedactedField.parse(c.redact());
        } catch (IllegalArgumentException e) {
            problems.add("redacted fields: " + e.getMessage());
        }
        Label owner = null;
        if (c.ownOnly()) {
            if (c.ownerId() == null || !c.ownerId().matches("[0-9a-f]{32}")) {
                problems.add("own-only, but its owner id \"" + c.ownerId() + "\" is not 32 lower-case hex digits");
            } else {
                owner = new Label(ClientRules.OWNER_LABEL, c.ownerId());
            }
        }
        ClientLimits limits = ClientLimits.NONE;
        try {
            limits = ClientLimits.parse(c.limits());
        } catch (IllegalArgumentException e) {
            problems.add("limits: " + e.getMessage());
        }
        // A client that cannot be applied is served nothing; in learn mode it would be forwarded everything.
        ClientRules rules = problems.isEmpty() ? new ClientRules(learning, guardrails, owner, limits, redacted) : ClientRules.DEFAULT;
        return new ClientConfig(new Client(c.name(), PermissionSet.of(granted), Client.GrantAdvice.CLI, rules), listeners, sources,
                new LinkedHashSet<>(c.peerUids()), fingerprints, subjects, problems);
    }

    /** A stored listener as the proxy opens it: a TCP key in its one spelling, a socket at its real location. */
    static ListenerAddress listener(StoredClient.Listener l, Surroundings around) {
        if (l.kind().equals("unix")) {
            Path real = SocketPaths.realLocation(l.address());
            String refusal = SocketPaths.refusal(real, around.dataDir(), around.engineSocket());
            if (refusal != null) {
                throw new IllegalArgumentException(refusal);
            }
            if (l.mode() != null && !l.mode().matches("0?[0-7]{3}")) {
                throw new IllegalArgumentException("socket mode \"" + l.mode() + "\" is not an octal mode such as 0660");
            }
            return new ListenerAddress.Unix(real, l.mode(), l.uid(), l.gid());
        }
        ListenerAddress.Tcp tcp = ListenerAddress.Tcp.parse(l.address());
        if (tcp.port() == 0) {
            throw new IllegalArgumentException("port 0 is no fixed port for a client's callers to connect to");
        }
        return tcp;
    }
}
