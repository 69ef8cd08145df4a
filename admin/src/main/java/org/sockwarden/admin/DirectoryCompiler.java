package org.sockwarden.admin;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.sockwarden.proxy.identity.Cidr;
import org.sockwarden.proxy.identity.Client;
import org.sockwarden.proxy.identity.ClientConfig;
import org.sockwarden.proxy.identity.Directory;
import org.sockwarden.proxy.identity.ListenerAddress;
import org.sockwarden.proxy.policy.Permission;
import org.sockwarden.proxy.policy.PermissionSet;
import org.sockwarden.proxy.policy.UnknownPermissionException;
import org.sockwarden.store.Snapshot;
import org.sockwarden.store.StoredCertificate;
import org.sockwarden.store.StoredClient;

/** From the store's text to the proxy's types. Anything that does not parse is left out: fail closed. */
final class DirectoryCompiler {
    private DirectoryCompiler() {}

    static Directory directory(Snapshot snapshot, List<ClientConfig> extra, Consumer<String> warn) {
        List<ClientConfig> clients = new ArrayList<>(extra);
        for (StoredClient c : snapshot.clients()) {
            clients.add(config(c, snapshot.certificates(), warn));
        }
        Map<String, String> revoked = new HashMap<>();
        for (StoredCertificate cert : snapshot.certificates()) {
            if (cert.revokedAt() != null) {
                revoked.put(cert.fingerprint(), "revoked: certificate " + cert.fingerprint() + " of client " + cert.client()
                        + " (serial " + cert.serial() + ") was revoked at " + cert.revokedAt());
            }
        }
        return new Directory(snapshot.version(), clients, revoked);
    }

    static ClientConfig config(StoredClient c, Consumer<String> warn) {
        return config(c, List.of(), warn);
    }

    static ClientConfig config(StoredClient c, List<StoredCertificate> certificates, Consumer<String> warn) {
        List<Permission> granted = new ArrayList<>();
        for (String name : c.grants()) {
            try {
                granted.add(Permission.of(name));
            } catch (UnknownPermissionException e) {
                warn.accept("client " + c.name() + ": ignoring stored grant: " + e.getMessage());
            }
        }
        List<ListenerAddress> listeners = new ArrayList<>();
        for (StoredClient.Listener l : c.listeners()) {
            try {
                listeners.add(listener(l));
            } catch (IllegalArgumentException e) {
                warn.accept("client " + c.name() + ": ignoring listener " + l + ": " + e.getMessage());
            }
        }
        List<Cidr> sources = new ArrayList<>();
        for (String s : c.sources()) {
            try {
                sources.add(Cidr.parse(s));
            } catch (IllegalArgumentException e) {
                // A range that no longer parses must not widen access: admit no address at all.
                warn.accept("client " + c.name() + ": " + e.getMessage() + "; refusing all its connections");
                sources.add(Cidr.parse("0.0.0.0/32"));
            }
        }
        Set<String> fingerprints = new HashSet<>(c.certFingerprints());
        for (StoredCertificate cert : certificates) {
            if (c.name().equals(cert.client()) && cert.revokedAt() == null) {
                fingerprints.add(cert.fingerprint());
            }
        }
        Set<String> subjects = new HashSet<>();
        for (String subject : c.certSubjects()) {
            try {
                new javax.security.auth.x500.X500Principal(subject);
                subjects.add(subject);
            } catch (IllegalArgumentException e) {
                warn.accept("client " + c.name() + ": ignoring certificate subject " + subject + ": " + e.getMessage());
            }
        }
        return new ClientConfig(new Client(c.name(), PermissionSet.of(granted), Client.GrantAdvice.CLI), listeners, sources,
                new HashSet<>(c.peerUids()), fingerprints, subjects);
    }

    static ListenerAddress listener(StoredClient.Listener l) {
        if (l.kind().equals("unix")) {
            return new ListenerAddress.Unix(Path.of(l.address()), l.mode(), l.uid(), l.gid());
        }
        return ListenerAddress.Tcp.parse(l.address());
    }
}
