package org.sockwarden.admin;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.sockwarden.proxy.api.RedactedField;
import org.sockwarden.proxy.guard.Guardrails;
import org.sockwarden.proxy.guard.InvalidGuardrailsException;
import org.sockwarden.proxy.identity.Cidr;
import org.sockwarden.proxy.identity.Client;
import org.sockwarden.proxy.identity.ClientConfig;
import org.sockwarden.proxy.identity.ClientRules;
import org.sockwarden.proxy.identity.ListenerAddress;
import org.sockwarden.proxy.identity.SocketPaths;
import org.sockwarden.proxy.limit.ClientLimits;
import org.sockwarden.proxy.policy.PermissionSet;
import org.sockwarden.proxy.policy.Permission;
import org.sockwarden.proxy.policy.Presets;
import org.sockwarden.proxy.policy.UnknownPermissionException;
import org.sockwarden.store.Store;
import org.sockwarden.store.StoredClient;

/** What the store-editing commands share: opening the store, checking names, printing clients. */
final class StoreCommands {
    private StoreCommands() {}

    static <T> T withStore(DataDir dataDir, Function<Store, T> action) {
        try (Store store = Store.open(dataDir.resolve())) {
            return action.apply(store);
        }
    }

    /** Validates and canonicalises permission names (aliases become their operation's name). */
    static List<String> permissions(List<String> names) {
        List<String> out = new ArrayList<>();
        for (String raw : names) {
            for (String name : raw.split(",")) {
                if (name.isBlank()) {
                    continue;
                }
                try {
                    out.add(Permission.of(name.trim()).name());
                } catch (UnknownPermissionException e) {
                    throw new Main.UsageException(e.getMessage());
                }
            }
        }
        return out;
    }

    /** Guardrail items as typed (each value may hold several, separated by spaces), checked; a typo is a usage error. */
    static Guardrails guardrails(List<String> values) {
        Guardrails all = Guardrails.DEFAULT;
        for (String v : values) {
            try {
                all = all.plus(Guardrails.parse(v));
            } catch (InvalidGuardrailsException e) {
                throw new Main.UsageException("--guardrail " + e.getMessage() + "; `sockwarden guardrails` lists them all");
            }
        }
        return all;
    }

    /** The fields of {@code values} (each one or more names separated by spaces); an unknown one is a usage error with the nearest name. */
    static java.util.Set<RedactedField> redacted(List<String> values) {
        java.util.Set<RedactedField> all = java.util.EnumSet.noneOf(RedactedField.class);
        for (String v : values) {
            for (String name : v.trim().split("\\s+")) {
                try {
                    all.add(RedactedField.of(name));
                } catch (IllegalArgumentException e) {
                    String near = org.sockwarden.proxy.policy.Suggestions.nearest(name, RedactedField.names()).map(n -> " (did you mean " + n + "?)")
                            .orElse("");
                    throw new Main.UsageException("--redact: unknown field " + name + near + "; fields: " + String.join(", ", RedactedField.names()));
                }
            }
        }
        return all;
    }

    static Presets.Preset preset(String name) {
        try {
            return Presets.get(name);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException(e.getMessage());
        }
    }

    /** Each range in its one spelling, once; a value that is no numeric range is a usage error naming it. */
    static List<String> cidrs(List<String> values) {
        java.util.LinkedHashSet<String> out = new java.util.LinkedHashSet<>();
        for (String v : values) {
            try {
                out.add(Cidr.parse(v).text());
            } catch (IllegalArgumentException e) {
                throw new Main.UsageException("--from " + e.getMessage());
            }
        }
        return List.copyOf(out);
    }

    /** A client's TCP listener, stored by its key (numeric address in its one spelling, port as a number). */
    static StoredClient.Listener tcp(String hostPort) {
        ListenerAddress.Tcp address = ServeCommand.parseListen("--listen", hostPort);
        if (address.port() == 0) {
            throw new Main.UsageException("--listen " + hostPort + ": a client's port must be fixed (its callers connect to it), not 0");
        }
        return StoredClient.Listener.tcp(address.key());
    }

    /**
     * A client socket, stored at its real location (see {@link SocketPaths}); whether it may be one
     * (not the engine's, not sockwarden's own files) is the check of the whole change.
     */
    static StoredClient.Listener unix(String path, String mode, Integer uid, Integer gid) {
        try {
            return StoredClient.Listener.unix(SocketPaths.realLocation(path).toString(), mode, uid, gid);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException("--socket " + e.getMessage());
        }
    }

    static String socketMode(String mode) {
        if (!mode.matches("0?[0-7]{3}")) {
            throw new Main.UsageException("--socket-mode wants an octal mode such as 0660, not " + mode);
        }
        return mode;
    }

    /** {@code UID[:GID]}, either may be left out ({@code :1000}); null where left out. */
    static Integer[] socketOwner(String owner) {
        String[] parts = owner.split(":", 2);
        try {
            Integer uid = parts[0].isEmpty() ? null : Integer.valueOf(parts[0]);
            Integer gid = parts.length > 1 && !parts[1].isEmpty() ? Integer.valueOf(parts[1]) : null;
            if ((uid == null && gid == null) || (uid != null && uid < 0) || (gid != null && gid < 0)) {
                throw new NumberFormatException();
            }
            return new Integer[] {uid, gid};
        } catch (NumberFormatException e) {
            throw new Main.UsageException("--socket-owner wants UID[:GID] as numbers, not " + owner);
        }
    }

    /**
     * What a change is checked against: the proxy running with this data directory (its status file
     * names its engine and its own listeners), else the engine a proxy would use by default; the
     * CAs trusted now.
     */
    static DirectoryCompiler.Surroundings surroundings(DataDir dataDir) {
        Path data = dataDir.resolve();
        Optional<StatusFile.Running> running = StatusFile.read(data);
        Path engine = running.map(r -> Path.of(r.engine())).orElseGet(() -> ServeCommand.defaultSocket(System.getenv()));
        List<ClientConfig> builtIn = new ArrayList<>();
        Set<String> reserved = new HashSet<>();
        for (StatusFile.Listener own : running.map(StatusFile.Running::ownListeners).orElse(List.of())) {
            if (own.client() == null) {
                reserved.add(own.listener()); // the mutual-TLS listener
            } else {
                builtIn.add(new ClientConfig(new Client(own.client(), PermissionSet.none(), Client.GrantAdvice.ENV_FLAGS),
                        List.of(ListenerAddress.Tcp.parse(own.listener())), List.of(), Set.of()));
            }
        }
        List<X509Certificate> cas;
        try {
            cas = Tls.trustedCas(data);
        } catch (IOException e) {
            cas = List.of(); // no CA yet: a mapping names one that `init --trust-ca` made trusted, checked on its own
        }
        return new DirectoryCompiler.Surroundings(data, engine, builtIn, reserved, cas);
    }

    static String text(StoredClient c) {
        StringBuilder b = new StringBuilder();
        b.append("client ").append(c.name()).append('\n');
        b.append("  listeners: ").append(c.listeners().isEmpty() ? "(none)" : c.listeners().stream().map(l -> l.kind().equals("unix")
                ? "unix:" + l.address() + " mode " + l.mode() + (l.uid() == null && l.gid() == null ? "" : " owner " + (l.uid() == null ? "" : l.uid())
                + (l.gid() == null ? "" : ":" + l.gid())) : l.address()).collect(Collectors.joining(", "))).append('\n');
        if (!c.sources().isEmpty()) {
            b.append("  from: ").append(String.join(", ", c.sources())).append('\n');
        }
        if (!c.peerUids().isEmpty()) {
            b.append("  peer uids: ").append(c.peerUids().stream().map(String::valueOf).collect(Collectors.joining(", "))).append('\n');
        }
        if (!c.certSubjects().isEmpty() || !c.certFingerprints().isEmpty()) {
            b.append("  certificates: ").append(java.util.stream.Stream.concat(
                    c.certSubjects().stream().map(x -> "subject " + x.subject() + " signed by CA " + (x.ca() == null ? "(none named)" : x.ca())),
                    c.certFingerprints().stream().map(x -> "sha256 " + x)).collect(Collectors.joining(", "))).append('\n');
        }
        if (!c.presets().isEmpty()) {
            b.append("  presets: ").append(String.join(", ", c.presets())).append('\n');
        }
        b.append("  grants: ").append(c.grants().isEmpty() ? "(none)" : String.join(" ", c.grants())).append('\n');
        b.append("  guardrails: ").append(c.guardrails().isEmpty() ? "(the defaults: nothing relaxed, nothing required)" : c.guardrails())
                .append('\n');
        b.append("  limits: ").append(c.limits().isEmpty() ? "(none)" : c.limits()).append('\n');
        if (!c.redact().isEmpty()) {
            b.append("  redacted from container inspect: ").append(c.redact()).append('\n');
        }
        if (c.ownOnly()) {
            b.append("  own-only: what it creates gets the label ").append(ClientRules.OWNER_LABEL).append('=').append(c.ownerId())
                    .append(", and it may act only on what carries it\n");
        }
        if (c.mode().equals(StoredClient.LEARN)) {
            b.append("  mode: LEARN (what its permissions or guardrails would refuse is forwarded and recorded as would-deny;"
                    + " `sockwarden suggest ").append(c.name()).append("` proposes its grants)\n");
        }
        return b.toString();
    }

    static void json(JsonGenerator g, StoredClient c) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", c.name());
        g.writeStringField("mode", c.mode());
        g.writeStringField("guardrails", c.guardrails());
        limits(g, c.limits());
        g.writeBooleanField("own_only", c.ownOnly());
        Json.field(g, "owner_id", c.ownerId());
        strings(g, "redact", c.redact().isEmpty() ? List.of() : List.of(c.redact().split(" ")));
        g.writeArrayFieldStart("listeners");
        for (StoredClient.Listener l : c.listeners()) {
            g.writeStartObject();
            g.writeStringField("kind", l.kind());
            g.writeStringField("address", l.address());
            Json.field(g, "mode", l.mode());
            number(g, "uid", l.uid());
            number(g, "gid", l.gid());
            g.writeEndObject();
        }
        g.writeEndArray();
        strings(g, "from", c.sources());
        g.writeArrayFieldStart("peer_uids");
        for (int uid : c.peerUids()) {
            g.writeNumber(uid);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("cert_subjects");
        for (StoredClient.SubjectMapping m : c.certSubjects()) {
            g.writeStartObject();
            g.writeStringField("subject", m.subject());
            Json.field(g, "ca", m.ca());
            g.writeEndObject();
        }
        g.writeEndArray();
        strings(g, "cert_fingerprints", c.certFingerprints());
        strings(g, "presets", c.presets());
        strings(g, "grants", List.copyOf(c.grants()));
        g.writeEndObject();
    }

    /**
     * {@code "limits": {"max_requests": N, "max_streams": N, "rate": "N/s"}}, null for each limit not set; stored limits this
     * sockwarden cannot read (the client is served deny-all) are shown as their text, under {@code "unreadable"}.
     */
    private static void limits(JsonGenerator g, String text) throws IOException {
        g.writeObjectFieldStart("limits");
        try {
            ClientLimits limits = ClientLimits.parse(text);
            number(g, "max_requests", limits.maxRequests() == 0 ? null : limits.maxRequests());
            number(g, "max_streams", limits.maxStreams() == 0 ? null : limits.maxStreams());
            Json.field(g, "rate", limits.rate() == null ? null : limits.rate().toString());
        } catch (IllegalArgumentException e) {
            g.writeStringField("unreadable", text);
        }
        g.writeEndObject();
    }

    private static void strings(JsonGenerator g, String name, List<String> values) throws IOException {
        g.writeArrayFieldStart(name);
        for (String v : values) {
            g.writeString(v);
        }
        g.writeEndArray();
    }

    private static void number(JsonGenerator g, String name, Integer value) throws IOException {
        if (value == null) {
            g.writeNullField(name);
        } else {
            g.writeNumberField(name, value);
        }
    }
}
