package org.sockwarden.admin;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
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
import org.sockwarden.store.StoredClient;

/** From the store's text to the proxy's types. Anything that does not parse is left out: fail closed. */
final class Policies {
    private Policies() {}

    static Directory directory(Snapshot snapshot, List<ClientConfig> extra, Consumer<String> warn) {
        List<ClientConfig> clients = new ArrayList<>(extra);
        for (StoredClient c : snapshot.clients()) {
            clients.add(config(c, warn));
        }
        return new Directory(snapshot.version(), clients);
    }

    static ClientConfig config(StoredClient c, Consumer<String> warn) {
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
        return new ClientConfig(new Client(c.name(), PermissionSet.of(granted), Client.GrantAdvice.CLI), listeners, sources,
                new HashSet<>(c.peerUids()));
    }

    static ListenerAddress listener(StoredClient.Listener l) {
        if (l.kind().equals("unix")) {
            return new ListenerAddress.Unix(Path.of(l.address()), l.mode(), l.uid(), l.gid());
        }
        var address = ServeCommand.parseHostPort(l.address());
        return new ListenerAddress.Tcp(address.getHostString(), address.getPort());
    }
}
