package org.sockwarden.admin;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.sockwarden.store.StoredClient;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "client", mixinStandardHelpOptions = true, description = "Add, list, show, change and remove clients.",
        subcommands = {ClientCommand.Add.class, ClientCommand.ListClients.class, ClientCommand.Show.class,
                ClientCommand.Remove.class, ClientCommand.Set.class})
final class ClientCommand {

    /** What a new client is granted unless told --no-defaults: the version negotiation of every Docker SDK. */
    static final List<String> DEFAULT_GRANTS = List.of("PING", "VERSION");

    /** How a client is recognised; shared by add and set. */
    static final class Identity {
        @Option(names = "--listen", paramLabel = "HOST:PORT", description = "A TCP listener of its own: whoever connects is this client.")
        List<String> listen = new ArrayList<>();

        @Option(names = "--socket", paramLabel = "PATH", description = "A unix socket of its own.")
        List<Path> socket = new ArrayList<>();

        @Option(names = "--socket-mode", paramLabel = "MODE", description = "Mode of its sockets (default 0660).")
        String socketMode;

        @Option(names = "--socket-owner", paramLabel = "UID[:GID]", description = "Owner of its sockets, so a non-root container can open them.")
        String socketOwner;

        @Option(names = "--peer-uid", paramLabel = "UID", description = "Accept only these peer uids on its sockets (SO_PEERCRED).")
        List<Integer> peerUid = new ArrayList<>();

        @Option(names = "--from", paramLabel = "CIDR", description = "Accept TCP connections only from these ranges.")
        List<String> from = new ArrayList<>();

        @Option(names = "--cert-subject", paramLabel = "DN", description = "A client certificate of a trusted CA with this subject is this client.")
        List<String> certSubject = new ArrayList<>();

        @Option(names = "--cert-fingerprint", paramLabel = "SHA256", description = "A client certificate with this SHA-256 fingerprint is this client.")
        List<String> certFingerprint = new ArrayList<>();

        boolean given() {
            return !listen.isEmpty() || !socket.isEmpty() || !peerUid.isEmpty() || !from.isEmpty() || socketMode != null || socketOwner != null
                    || !certSubject.isEmpty() || !certFingerprint.isEmpty();
        }

        List<String> subjects() {
            for (String s : certSubject) {
                try {
                    new javax.security.auth.x500.X500Principal(s);
                } catch (IllegalArgumentException e) {
                    throw new Main.UsageException("--cert-subject wants a distinguished name such as \"CN=ci,O=example\", not " + s);
                }
            }
            return certSubject;
        }

        List<String> fingerprints() {
            List<String> out = new ArrayList<>();
            for (String f : certFingerprint) {
                String n = org.sockwarden.certs.Fingerprints.normalize(f);
                if (!n.matches("[0-9a-f]{64}")) {
                    throw new Main.UsageException("--cert-fingerprint wants a SHA-256 fingerprint (64 hex digits, colons allowed), not " + f);
                }
                out.add(n);
            }
            return out;
        }

        List<StoredClient.Listener> listeners() {
            List<StoredClient.Listener> out = new ArrayList<>();
            for (String l : listen) {
                out.add(StoreCommands.tcp(l));
            }
            for (Path p : socket) {
                out.add(StoreCommands.unix(p, socketMode, socketOwner));
            }
            return out;
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = {"Add a client. Without --listen or --socket it is recognised only by its certificate."})
    static final class Add implements Callable<Integer> {
        @Parameters(paramLabel = "NAME")
        String name;

        @Mixin
        DataDir dataDir = new DataDir();

        @ArgGroup(exclusive = false)
        Identity identity = new Identity();

        @Option(names = "--preset", paramLabel = "PRESET", description = "Grant a preset's permissions (`sockwarden preset list`).")
        List<String> presets = new ArrayList<>();

        @Option(names = "--allow", paramLabel = "PERM[,PERM…]", description = "Grant these permissions.")
        List<String> allow = new ArrayList<>();

        @Option(names = "--no-defaults", description = "Do not grant PING and VERSION, which every Docker SDK calls first"
                + " (granted otherwise, as in the drop-in mode and every preset).")
        boolean noDefaults;

        @Override
        public Integer call() {
            if (!name.matches("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}")) {
                throw new Main.UsageException("client names are letters, digits, '.', '_' and '-' (at most 63), not " + name);
            }
            if (name.equals(ServeCommand.DEFAULT_LISTENER)) {
                throw new Main.UsageException("\"default\" is the client of serve's --listen (the env-flag mode); choose another name");
            }
            TreeSet<String> grants = new TreeSet<>(StoreCommands.permissions(allow));
            if (!noDefaults) {
                // Without /_ping the docker CLI guesses its newest API version and reports the engine's
                // "client version ... is too new", which never names sockwarden.
                grants.addAll(DEFAULT_GRANTS);
            }
            for (String p : presets) {
                grants.addAll(StoreCommands.preset(p).permissions());
            }
            Identity id = identity == null ? new Identity() : identity;
            StoredClient client = new StoredClient(name, id.listeners(), StoreCommands.cidrs(id.from), id.peerUid, grants, presets,
                    id.subjects(), id.fingerprints());
            StoreCommands.withStore(dataDir, s -> {
                s.addClient(client);
                return null;
            });
            System.out.print(StoreCommands.text(client));
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the clients.")
    static final class ListClients implements Callable<Integer> {
        @Mixin
        DataDir dataDir = new DataDir();

        @Option(names = "--json", description = "Machine-readable output.")
        boolean json;

        @Override
        public Integer call() {
            List<StoredClient> clients = StoreCommands.withStore(dataDir, s -> s.snapshot().clients());
            if (json) {
                System.out.println("[" + clients.stream().map(StoreCommands::json).collect(Collectors.joining(",\n ")) + "]");
            } else {
                for (StoredClient c : clients) {
                    System.out.println(c.name() + "\t" + (c.listeners().isEmpty() ? "-" : c.listeners().stream().map(StoredClient.Listener::toString)
                            .collect(Collectors.joining(","))) + "\t" + String.join(",", c.grants()));
                }
            }
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one client.")
    static final class Show implements Callable<Integer> {
        @Parameters(paramLabel = "NAME")
        String name;

        @Mixin
        DataDir dataDir = new DataDir();

        @Option(names = "--json", description = "Machine-readable output.")
        boolean json;

        @Override
        public Integer call() {
            StoredClient c = StoreCommands.withStore(dataDir, s -> s.client(name));
            System.out.print(json ? StoreCommands.json(c) + "\n" : StoreCommands.text(c));
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Remove a client: a running proxy closes its listeners and ends its streams within a second.")
    static final class Remove implements Callable<Integer> {
        @Parameters(paramLabel = "NAME")
        String name;

        @Mixin
        DataDir dataDir = new DataDir();

        @Override
        public Integer call() {
            StoreCommands.withStore(dataDir, s -> {
                s.removeClient(name);
                return null;
            });
            System.out.println("removed client " + name);
            return 0;
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true,
            description = "Replace how a client is recognised (listeners, sockets, --from, --peer-uid); its grants stay.")
    static final class Set implements Callable<Integer> {
        @Parameters(paramLabel = "NAME")
        String name;

        @Mixin
        DataDir dataDir = new DataDir();

        @ArgGroup(exclusive = false)
        Identity identity = new Identity();

        @Override
        public Integer call() {
            if (identity == null || !identity.given()) {
                throw new Main.UsageException("client set needs at least one of --listen, --socket, --from, --peer-uid, --cert-subject, --cert-fingerprint");
            }
            StoredClient updated = StoreCommands.withStore(dataDir, s -> {
                StoredClient old = s.client(name);
                StoredClient c = new StoredClient(name, identity.listeners(), StoreCommands.cidrs(identity.from), identity.peerUid,
                        old.grants(), old.presets(), identity.subjects(), identity.fingerprints());
                s.updateIdentity(c);
                return c;
            });
            System.out.print(StoreCommands.text(updated));
            return 0;
        }
    }

}
