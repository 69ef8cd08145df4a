package org.sockwarden.admin;

import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.sockwarden.certs.CertificateAuthority;
import org.sockwarden.certs.DistinguishedNames;
import org.sockwarden.certs.Fingerprints;
import org.sockwarden.certs.Pem;
import org.sockwarden.proxy.api.Operation;
import org.sockwarden.proxy.api.RedactedField;
import org.sockwarden.proxy.guard.Guardrails;
import org.sockwarden.proxy.guard.InvalidGuardrailsException;
import org.sockwarden.proxy.policy.PermissionSet;
import org.sockwarden.proxy.identity.SocketPaths;
import org.sockwarden.proxy.limit.ClientLimits;
import org.sockwarden.store.Store;
import org.sockwarden.store.StoreException;
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

    /** What a new client is granted unless told --no-defaults (or its grants allow it already): the version negotiation of every Docker SDK. */
    static final Map<Operation, String> DEFAULT_GRANTS = new EnumMap<>(Map.of(Operation.SYSTEM_PING, "PING", Operation.SYSTEM_VERSION, "VERSION"));

    /** How a client is recognised; shared by add and set. */
    static final class Identity {
        @Option(names = "--listen", paramLabel = "IP:PORT", description = "A TCP listener of its own: whoever connects is this client.")
        List<String> listen = new ArrayList<>();

        @Option(names = "--socket", paramLabel = "PATH", description = "A unix socket of its own.")
        List<String> socket = new ArrayList<>();

        @Option(names = "--socket-mode", paramLabel = "MODE", description = "Mode of its sockets (default 0660).")
        String socketMode;

        @Option(names = "--socket-owner", paramLabel = "UID[:GID]", description = "Owner of its sockets, so a non-root container can open them.")
        String socketOwner;

        @Option(names = "--peer-uid", paramLabel = "UID", description = "Accept only these peer uids on its sockets (SO_PEERCRED).")
        List<Integer> peerUid = new ArrayList<>();

        @Option(names = "--from", paramLabel = "CIDR", description = "Accept TCP connections only from these ranges (numeric).")
        List<String> from = new ArrayList<>();

        @Option(names = "--cert-subject", paramLabel = "DN",
                description = "A client certificate with exactly this subject (compared as DER), signed by the CA of --cert-ca, is this client.")
        List<String> certSubject = new ArrayList<>();

        @Option(names = "--cert-ca", paramLabel = "SHA256",
                description = "The CA (SHA-256 fingerprint of a CA trusted with init --trust-ca) that signs the certificates of --cert-subject.")
        String certCa;

        @Option(names = "--cert-fingerprint", paramLabel = "SHA256", description = "A client certificate with this SHA-256 fingerprint is this client.")
        List<String> certFingerprint = new ArrayList<>();

        List<Integer> peerUids() {
            for (int uid : peerUid) {
                if (uid < 0) {
                    throw new Main.UsageException("--peer-uid wants a uid (0 or more), not " + uid);
                }
            }
            return List.copyOf(new LinkedHashSet<>(peerUid));
        }

        /** Each subject checked to be a name, bound to the CA of --cert-ca, once per DER encoding. */
        List<StoredClient.SubjectMapping> subjects(String ca) {
            List<StoredClient.SubjectMapping> out = new ArrayList<>();
            List<String> seen = new ArrayList<>();
            for (String s : certSubject) {
                try {
                    String der = java.util.HexFormat.of().formatHex(DistinguishedNames.encode(s));
                    if (!seen.contains(der)) {
                        seen.add(der);
                        out.add(new StoredClient.SubjectMapping(s, ca));
                    }
                } catch (IllegalArgumentException e) {
                    throw new Main.UsageException("--cert-subject " + e.getMessage());
                }
            }
            return out;
        }

        List<String> fingerprints() {
            LinkedHashSet<String> out = new LinkedHashSet<>();
            for (String f : certFingerprint) {
                String n = Fingerprints.normalize(f);
                if (!n.matches("[0-9a-f]{64}")) {
                    throw new Main.UsageException("--cert-fingerprint wants a SHA-256 fingerprint (64 hex digits, colons allowed), not " + f);
                }
                out.add(n);
            }
            return List.copyOf(out);
        }

        List<StoredClient.Listener> tcpListeners() {
            LinkedHashSet<StoredClient.Listener> out = new LinkedHashSet<>();
            listen.forEach(l -> out.add(StoreCommands.tcp(l)));
            return List.copyOf(out);
        }

        List<StoredClient.Listener> sockets(String mode, Integer uid, Integer gid) {
            LinkedHashSet<StoredClient.Listener> out = new LinkedHashSet<>();
            socket.forEach(p -> out.add(StoreCommands.unix(p, mode, uid, gid)));
            return List.copyOf(out);
        }

        /**
         * A socket of --socket that exists and answers is another process's (dockerd's, containerd's,
         * at whatever path) unless the proxy running on this data directory has it open: refused.
         */
        void refuseAnsweringSockets(DataDir dataDir) {
            List<String> open = StatusFile.read(dataDir.resolve()).map(r -> r.listeners().stream().map(StatusFile.Listener::listener).toList())
                    .orElse(List.of());
            for (StoredClient.Listener l : sockets(null, null, null)) {
                if (!open.contains(l.toString()) && SocketPaths.answers(Path.of(l.address()))) {
                    throw new StoreException("--socket " + l.address() + " is a socket another process answers on; nothing was changed");
                }
            }
        }
    }

    /**
     * The CA a subject mapping names: the SHA-256 fingerprint of one that {@code init --trust-ca}
     * trusted (recorded in the setting {@code trusted_cas}). sockwarden's own CA is refused: what it
     * issues is recorded by fingerprint, and a subject of its would match the next `cert issue` too.
     */
    static String trustedCa(Store store, DataDir dataDir, String given) {
        String fp = Fingerprints.normalize(given);
        if (!fp.matches("[0-9a-f]{64}")) {
            throw new Main.UsageException("--cert-ca wants the SHA-256 fingerprint of a trusted CA (64 hex digits, colons allowed), not " + given);
        }
        List<String> trusted = store.setting(InitCommand.TRUSTED_CAS).map(v -> List.of(v.split(","))).orElse(List.of());
        if (!trusted.contains(fp)) {
            String own = ownCaFingerprint(dataDir);
            throw new Main.UsageException(fp.equals(own)
                    ? "--cert-ca " + fp + " is sockwarden's own CA, whose certificates identify their client by fingerprint when issued;"
                            + " a subject mapping names a CA trusted with `sockwarden init --trust-ca FILE`"
                    : "--cert-ca " + fp + " is not a trusted CA; `sockwarden init --trust-ca FILE` trusts one (and prints its fingerprint)"
                            + (trusted.isEmpty() ? "" : "; trusted: " + String.join(", ", trusted)));
        }
        return fp;
    }

    private static String ownCaFingerprint(DataDir dataDir) {
        try {
            List<X509Certificate> own = Pem.readCertificates(dataDir.resolve().resolve(CertificateAuthority.CERT_FILE));
            return Fingerprints.sha256(own.get(0));
        } catch (IOException e) {
            return null;
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

        @Option(names = "--guardrail", paramLabel = "ITEM", description = "A guardrail item: a relaxation such as privileged, or"
                + " bind-path=/srv/data, non-root, ... (repeatable; `sockwarden guardrails` lists them). Without any, the defaults:"
                + " nothing relaxed.")
        List<String> guardrails = new ArrayList<>();

        @Option(names = "--learn", description = "Learn mode: what its permissions or guardrails would refuse is forwarded and"
                + " recorded as would-deny, for `sockwarden suggest`.")
        boolean learn;

        @Option(names = "--own-only", description = "Limit it to its own containers, networks, volumes and execs: what it creates"
                + " gets its owner label, and it may act only on what carries that label.")
        boolean ownOnly;

        @Mixin
        LimitOptions limitOptions = new LimitOptions();

        @Option(names = "--redact", paramLabel = "FIELD", description = "Strip this field from the container inspect answers it gets"
                + " (repeatable): Config.Env, Config.Cmd, Config.Entrypoint, Args, Config.Healthcheck, Config.Labels, HostConfig.LogConfig."
                + " Presets of clients that never read the environment (traefik, homepage, ...) set Config.Env.")
        List<String> redact = new ArrayList<>();

        @Override
        public Integer call() {
            if (!name.matches("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}")) {
                throw new Main.UsageException("client names are letters, digits, '.', '_' and '-' (at most 63), not " + name);
            }
            if (name.equals(ServeCommand.DEFAULT_LISTENER)) {
                throw new Main.UsageException("\"default\" is the client of serve's --listen (the env-flag mode); choose another name");
            }
            TreeSet<String> grants = new TreeSet<>(StoreCommands.permissions(allow));
            java.util.Set<RedactedField> redacted = StoreCommands.redacted(redact);
            for (String p : presets) {
                grants.addAll(StoreCommands.preset(p).permissions());
                redacted.addAll(StoreCommands.preset(p).redacted());
            }
            if (!noDefaults) {
                // Without /_ping the docker CLI guesses its newest API version and reports the engine's
                // "client version ... is too new", which never names sockwarden.
                PermissionSet granted = PermissionSet.parse(grants);
                DEFAULT_GRANTS.forEach((op, name) -> {
                    if (!granted.allows(op)) {
                        grants.add(name);
                    }
                });
            }
            Identity id = identity == null ? new Identity() : identity;
            if (!id.certSubject.isEmpty() && id.certCa == null) {
                throw new Main.UsageException("--cert-subject needs --cert-ca: the CA that signs its certificates (any trusted CA could write the subject)");
            }
            if (id.certCa != null && id.certSubject.isEmpty()) {
                throw new Main.UsageException("--cert-ca names the CA of the --cert-subject mappings; give those too");
            }
            String mode = id.socketMode == null ? "0660" : StoreCommands.socketMode(id.socketMode);
            Integer[] owner = id.socketOwner == null ? new Integer[2] : StoreCommands.socketOwner(id.socketOwner);
            List<StoredClient.Listener> listeners = new ArrayList<>(id.tcpListeners());
            listeners.addAll(id.sockets(mode, owner[0], owner[1]));
            List<String> sources = StoreCommands.cidrs(id.from);
            List<Integer> peers = id.peerUids();
            List<String> fingerprints = id.fingerprints();
            String rails = StoreCommands.guardrails(guardrails).toString();
            String limits = limitOptions.applyTo(ClientLimits.NONE).toString();
            StoredClient client = StoreCommands.withStore(dataDir, s -> {
                String ca = id.certCa == null ? null : trustedCa(s, dataDir, id.certCa);
                StoredClient c = new StoredClient(name, listeners, sources, peers, grants, presets, id.subjects(ca), fingerprints)
                        .withRules(learn ? StoredClient.LEARN : StoredClient.ENFORCE, rails, ownOnly).withLimits(limits)
                        .withRedact(RedactedField.text(redacted));
                DirectoryCompiler.Surroundings around = StoreCommands.surroundings(dataDir);
                // The store gives it its owner id: what is printed carries it.
                return s.addClient(c, after -> {
                    DirectoryCompiler.refuseUnappliable(name, after, around);
                    id.refuseAnsweringSockets(dataDir);
                });
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
                System.out.println(Json.pretty(g -> {
                    g.writeStartArray();
                    for (StoredClient c : clients) {
                        StoreCommands.json(g, c);
                    }
                    g.writeEndArray();
                }));
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
            System.out.print(json ? Json.pretty(g -> StoreCommands.json(g, c)) + "\n" : StoreCommands.text(c));
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

    /**
     * The guardrails text of {@code c} with {@code added} and without {@code dropped}: what `client set
     * --guardrail/--drop-guardrail` and `suggest --apply` store. A stored text this version cannot read is
     * refused (nothing changes); only --clear-guardrails replaces it.
     */
    static String guardrails(StoredClient c, Guardrails added, Guardrails dropped) {
        if (added.equals(Guardrails.DEFAULT) && dropped.equals(Guardrails.DEFAULT)) {
            return c.guardrails();
        }
        Guardrails now;
        try {
            now = Guardrails.parse(c.guardrails());
        } catch (InvalidGuardrailsException e) {
            throw new StoreException("client " + c.name() + " has stored guardrails this sockwarden cannot read (" + e.getMessage()
                    + "); client set --clear-guardrails replaces them; nothing was changed");
        }
        return now.minus(dropped).plus(added).toString();
    }

    @Command(name = "set", mixinStandardHelpOptions = true,
            description = {"Change how a client is recognised: each option given replaces what the client had of it"
                    + " (--listen its TCP listeners, --socket its sockets, --from its ranges...), the others stay;"
                    + " --clear-... removes. --socket-mode and --socket-owner alone change its sockets' mode and owner;"
                    + " --cert-ca alone names the CA of its subject mappings. --guardrail adds guardrail items to those it has"
                    + " and --drop-guardrail removes some; --learn on|off sets learn mode. --max-requests, --max-streams and --rate"
                    + " set one limit each (none removes it), --clear-limits removes them all. Its grants stay."})
    static final class Set implements Callable<Integer> {
        @Parameters(paramLabel = "NAME")
        String name;

        @Mixin
        DataDir dataDir = new DataDir();

        @ArgGroup(exclusive = false)
        Identity identity = new Identity();

        @Option(names = "--clear-listen", description = "Remove its TCP listeners.")
        boolean clearListen;

        @Option(names = "--clear-sockets", description = "Remove its sockets.")
        boolean clearSockets;

        @Option(names = "--clear-socket-owner", description = "Its sockets belong to the proxy's user again.")
        boolean clearSocketOwner;

        @Option(names = "--clear-peer-uids", description = "Accept any peer uid on its sockets.")
        boolean clearPeerUids;

        @Option(names = "--clear-from", description = "Accept TCP connections from anywhere.")
        boolean clearFrom;

        @Option(names = "--clear-cert-subjects", description = "Remove its certificate subject mappings.")
        boolean clearCertSubjects;

        @Option(names = "--clear-cert-fingerprints", description = "Remove its certificate fingerprint mappings.")
        boolean clearCertFingerprints;

        @Option(names = "--guardrail", paramLabel = "ITEM", description = "Add a guardrail item (repeatable; `sockwarden guardrails` lists them).")
        List<String> guardrails = new ArrayList<>();

        @Option(names = "--drop-guardrail", paramLabel = "ITEM", description = "Remove a guardrail item it has (repeatable).")
        List<String> dropGuardrails = new ArrayList<>();

        @Option(names = "--clear-guardrails", description = "Back to the default guardrails: nothing relaxed, nothing required.")
        boolean clearGuardrails;

        @Option(names = "--learn", paramLabel = "on|off", description = "Learn mode on or off.")
        String learn;

        @Option(names = "--own-only", paramLabel = "on|off", description = "Limit it to its own objects (on), or not (off).")
        String ownOnly;

        @Mixin
        LimitOptions limitOptions = new LimitOptions();

        @Option(names = "--clear-limits", description = "Remove all its limits (--max-requests, --max-streams, --rate).")
        boolean clearLimits;

        @Option(names = "--redact", paramLabel = "FIELD", description = "Also strip this field from the container inspect answers it gets (repeatable).")
        List<String> redact = new ArrayList<>();

        @Option(names = "--clear-redact", description = "Give it container inspect answers whole again.")
        boolean clearRedact;

        @Override
        public Integer call() {
            Identity id = identity == null ? new Identity() : identity;
            boolean given = !id.listen.isEmpty() || !id.socket.isEmpty() || id.socketMode != null || id.socketOwner != null
                    || !id.peerUid.isEmpty() || !id.from.isEmpty() || !id.certSubject.isEmpty() || id.certCa != null
                    || !id.certFingerprint.isEmpty() || clearListen || clearSockets || clearSocketOwner || clearPeerUids || clearFrom
                    || clearCertSubjects || clearCertFingerprints || !guardrails.isEmpty() || !dropGuardrails.isEmpty() || clearGuardrails
                    || learn != null || ownOnly != null || limitOptions.given() || clearLimits || !redact.isEmpty() || clearRedact;
            if (!given) {
                throw new Main.UsageException("client set needs at least one option: --listen, --socket, --socket-mode, --socket-owner,"
                        + " --peer-uid, --from, --cert-subject, --cert-ca, --cert-fingerprint, --guardrail, --drop-guardrail, --learn, --own-only,"
                        + " --max-requests, --max-streams, --rate, --redact or a --clear-... option");
            }
            both("--guardrail", !guardrails.isEmpty(), "--clear-guardrails", clearGuardrails);
            both("--drop-guardrail", !dropGuardrails.isEmpty(), "--clear-guardrails", clearGuardrails);
            both("--max-requests, --max-streams or --rate", limitOptions.given(), "--clear-limits", clearLimits);
            // Checked before the store is opened: a typo is a usage error, whatever the client has now.
            limitOptions.applyTo(ClientLimits.NONE);
            onOff("--learn", learn);
            onOff("--own-only", ownOnly);
            both("--redact", !redact.isEmpty(), "--clear-redact", clearRedact);
            java.util.Set<RedactedField> moreRedacted = StoreCommands.redacted(redact);
            Guardrails added = StoreCommands.guardrails(guardrails);
            Guardrails dropped = StoreCommands.guardrails(dropGuardrails);
            both("--listen", !id.listen.isEmpty(), "--clear-listen", clearListen);
            both("--socket", !id.socket.isEmpty(), "--clear-sockets", clearSockets);
            both("--socket-owner", id.socketOwner != null, "--clear-socket-owner", clearSocketOwner);
            both("--peer-uid", !id.peerUid.isEmpty(), "--clear-peer-uids", clearPeerUids);
            both("--from", !id.from.isEmpty(), "--clear-from", clearFrom);
            both("--cert-subject", !id.certSubject.isEmpty(), "--clear-cert-subjects", clearCertSubjects);
            both("--cert-ca", id.certCa != null, "--clear-cert-subjects", clearCertSubjects);
            both("--cert-fingerprint", !id.certFingerprint.isEmpty(), "--clear-cert-fingerprints", clearCertFingerprints);
            if (!id.certSubject.isEmpty() && id.certCa == null) {
                throw new Main.UsageException("--cert-subject needs --cert-ca: the CA that signs its certificates (any trusted CA could write the subject)");
            }
            String mode = id.socketMode == null ? null : StoreCommands.socketMode(id.socketMode);
            Integer[] owner = id.socketOwner == null ? null : StoreCommands.socketOwner(id.socketOwner);
            List<StoredClient.Listener> tcp = id.listen.isEmpty() ? null : id.tcpListeners();
            List<String> sources = id.from.isEmpty() ? null : StoreCommands.cidrs(id.from);
            List<Integer> peers = id.peerUid.isEmpty() ? null : id.peerUids();
            List<String> fingerprints = id.certFingerprint.isEmpty() ? null : id.fingerprints();
            StoredClient updated = StoreCommands.withStore(dataDir, s -> {
                String ca = id.certCa == null ? null : trustedCa(s, dataDir, id.certCa);
                DirectoryCompiler.Surroundings around = StoreCommands.surroundings(dataDir);
                return s.updateClient(name, old -> redaction(rules(edit(old, id, mode, owner, tcp, sources, peers, ca, fingerprints), added, dropped),
                                moreRedacted),
                        after -> {
                            DirectoryCompiler.refuseUnappliable(name, after, around);
                            id.refuseAnsweringSockets(dataDir);
                        });
            });
            System.out.print(StoreCommands.text(updated));
            return 0;
        }

        /** {@code c} with the learn mode and guardrails this command sets; a stored text that no longer parses is replaced only by --clear-guardrails. */
        private StoredClient rules(StoredClient c, Guardrails added, Guardrails dropped) {
            String mode = learn == null ? c.mode() : learn.equals("on") ? StoredClient.LEARN : StoredClient.ENFORCE;
            String rails = clearGuardrails ? "" : guardrails(c, added, dropped);
            return c.withRules(mode, rails, ownOnly == null ? c.ownOnly() : ownOnly.equals("on")).withLimits(limits(c));
        }

        /** The limits text {@code c} gets: none with --clear-limits, the options given on top of what it has, else what it has. */
        private String limits(StoredClient c) {
            if (clearLimits) {
                return "";
            }
            if (!limitOptions.given()) {
                return c.limits();
            }
            ClientLimits now;
            try {
                now = ClientLimits.parse(c.limits());
            } catch (IllegalArgumentException e) {
                throw new StoreException("client " + c.name() + " has stored limits this sockwarden cannot read (" + e.getMessage()
                        + "); --clear-limits replaces them; nothing was changed");
            }
            return limitOptions.applyTo(now).toString();
        }

        /** {@code c} with the fields --redact adds, or none with --clear-redact; a stored text that no longer parses is replaced only by --clear-redact. */
        private StoredClient redaction(StoredClient c, java.util.Set<RedactedField> more) {
            if (clearRedact) {
                return c.withRedact("");
            }
            if (more.isEmpty()) {
                return c;
            }
            java.util.Set<RedactedField> now = java.util.EnumSet.noneOf(RedactedField.class);
            try {
                now.addAll(RedactedField.parse(c.redact()));
            } catch (IllegalArgumentException e) {
                throw new StoreException("client " + c.name() + " has stored redacted fields this sockwarden cannot read (" + e.getMessage()
                        + "); --clear-redact replaces them; nothing was changed");
            }
            now.addAll(more);
            return c.withRedact(RedactedField.text(now));
        }

        private static void onOff(String option, String value) {
            if (value != null && !value.equals("on") && !value.equals("off")) {
                throw new Main.UsageException(option + " wants on or off, not " + value);
            }
        }

        private static void both(String option, boolean given, String clear, boolean clearing) {
            if (given && clearing) {
                throw new Main.UsageException(option + " and " + clear + " contradict each other: give one");
            }
        }

        /** The client as stored with what this command changes; null for an option not given. */
        private StoredClient edit(StoredClient old, Identity id, String mode, Integer[] owner, List<StoredClient.Listener> tcp,
                                  List<String> sources, List<Integer> peers, String ca, List<String> fingerprints) {
            List<StoredClient.Listener> oldSockets = old.listeners().stream().filter(l -> l.kind().equals("unix")).toList();
            // New sockets take the mode and owner the client's sockets had, unless given: they are the client's, not each socket's.
            StoredClient.Listener like = oldSockets.isEmpty() ? null : oldSockets.get(0);
            String socketMode = mode != null ? mode : like != null && like.mode() != null ? like.mode() : "0660";
            Integer uid = clearSocketOwner ? null : owner != null ? owner[0] : like == null ? null : like.uid();
            Integer gid = clearSocketOwner ? null : owner != null ? owner[1] : like == null ? null : like.gid();
            List<StoredClient.Listener> sockets;
            if (clearSockets) {
                sockets = List.of();
            } else if (!id.socket.isEmpty()) {
                sockets = id.sockets(socketMode, uid, gid);
            } else if (mode != null || owner != null || clearSocketOwner) {
                sockets = oldSockets.stream().map(l -> StoredClient.Listener.unix(l.address(), mode != null ? mode : l.mode(),
                        clearSocketOwner ? null : owner != null ? owner[0] : l.uid(), clearSocketOwner ? null : owner != null ? owner[1] : l.gid()))
                        .toList();
            } else {
                sockets = oldSockets;
            }
            List<StoredClient.Listener> listeners = new ArrayList<>(clearListen ? List.of()
                    : tcp != null ? tcp : old.listeners().stream().filter(l -> l.kind().equals("tcp")).toList());
            listeners.addAll(sockets);
            List<StoredClient.SubjectMapping> subjects = clearCertSubjects ? List.of()
                    : !id.certSubject.isEmpty() ? id.subjects(ca)
                    : ca != null ? old.certSubjects().stream().map(m -> new StoredClient.SubjectMapping(m.subject(), ca)).toList()
                    : old.certSubjects();
            return old.withIdentity(listeners,
                    clearFrom ? List.of() : sources != null ? sources : old.sources(),
                    clearPeerUids ? List.of() : peers != null ? peers : old.peerUids(),
                    subjects,
                    clearCertFingerprints ? List.of() : fingerprints != null ? fingerprints : old.certFingerprints());
        }
    }
}
