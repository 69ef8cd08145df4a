package org.sockwarden.admin;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.sockwarden.proxy.identity.Cidr;
import org.sockwarden.proxy.identity.ListenerAddress;
import org.sockwarden.proxy.log.AccessLog;
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

    static StoredClient.Listener unix(Path path, String mode, String owner) {
        if (!path.isAbsolute()) {
            throw new Main.UsageException("--socket wants an absolute path, not " + path);
        }
        if (path.toString().length() > 107) {
            throw new Main.UsageException("--socket path is " + path.toString().length() + " characters; unix sockets allow 107");
        }
        if (mode != null && !mode.matches("0?[0-7]{3}")) {
            throw new Main.UsageException("--socket-mode wants an octal mode such as 0660, not " + mode);
        }
        Integer uid = null;
        Integer gid = null;
        if (owner != null) {
            String[] parts = owner.split(":", 2);
            try {
                uid = parts[0].isEmpty() ? null : Integer.valueOf(parts[0]);
                gid = parts.length > 1 && !parts[1].isEmpty() ? Integer.valueOf(parts[1]) : null;
            } catch (NumberFormatException e) {
                throw new Main.UsageException("--socket-owner wants UID[:GID] as numbers, not " + owner);
            }
        }
        return StoredClient.Listener.unix(path.toString(), mode == null ? "0660" : mode, uid, gid);
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
            b.append("  certificates: ").append(java.util.stream.Stream.concat(c.certSubjects().stream().map(x -> "subject " + x),
                    c.certFingerprints().stream().map(x -> "sha256 " + x)).collect(Collectors.joining(", "))).append('\n');
        }
        if (!c.presets().isEmpty()) {
            b.append("  presets: ").append(String.join(", ", c.presets())).append('\n');
        }
        b.append("  grants: ").append(c.grants().isEmpty() ? "(none)" : String.join(" ", c.grants())).append('\n');
        return b.toString();
    }

    static String json(StoredClient c) {
        return "{\"name\":" + AccessLog.quote(c.name())
                + ",\"listeners\":[" + c.listeners().stream().map(l -> "{\"kind\":" + AccessLog.quote(l.kind()) + ",\"address\":"
                + AccessLog.quote(l.address()) + ",\"mode\":" + AccessLog.quote(l.mode()) + ",\"uid\":" + l.uid() + ",\"gid\":" + l.gid() + "}")
                .collect(Collectors.joining(",")) + "]"
                + ",\"from\":[" + c.sources().stream().map(AccessLog::quote).collect(Collectors.joining(",")) + "]"
                + ",\"peer_uids\":" + c.peerUids()
                + ",\"presets\":[" + c.presets().stream().map(AccessLog::quote).collect(Collectors.joining(",")) + "]"
                + ",\"grants\":[" + c.grants().stream().map(AccessLog::quote).collect(Collectors.joining(",")) + "]}";
    }
}
