package org.sockwarden.proxy.scope;

import java.util.EnumMap;
import java.util.Map;
import org.sockwarden.proxy.api.DockerApi;
import org.sockwarden.proxy.api.ObjectKind;
import org.sockwarden.proxy.api.Operation;
import org.sockwarden.proxy.api.Ownership;
import org.sockwarden.proxy.forward.EngineProbe;
import org.sockwarden.proxy.forward.Preflight;
import org.sockwarden.proxy.identity.Client;
import org.sockwarden.proxy.request.CanonicalRequest;

/**
 * What an allowed request may reach and see, beyond the operation its permissions allow: an own-only
 * client's requests reach only objects carrying its owner label ({@link Ownership}), and a client with
 * redacted fields gets container inspect answers without them. Both are a {@link Preflight} of the
 * request, built here from the client's rules; every other request gets none and costs nothing more.
 */
public final class Scope {

    /** The most of an engine answer a pre-flight reads (an inspect answer is a few KiB; one with a huge environment, more). */
    static final int MAX_ANSWER = 4 << 20;

    /** The operation that inspects one object of each kind: its answer is the owner check's own. */
    private static final Map<ObjectKind, Operation> INSPECTS = new EnumMap<>(ObjectKind.class);

    static {
        for (ObjectKind kind : ObjectKind.values()) {
            Operation op = DockerApi.match("GET", DockerApi.expand(kind.inspect(), "x"));
            if (op == null) {
                throw new IllegalStateException(kind.inspect() + " is no route of the catalog");
            }
            INSPECTS.put(kind, op);
        }
    }

    private final EngineProbe probe;

    public Scope(EngineProbe probe) {
        this.probe = probe;
    }

    /**
     * The pre-flight of a request of {@code op} that {@code client}'s permissions allowed, or null when it
     * needs none: the client is not own-only, or the operation touches nothing it can own, and no field of the
     * answer is to be redacted.
     */
    public Preflight preflight(Client client, Operation op, CanonicalRequest canonical) {
        boolean redacts = op == Operation.CONTAINERS_INSPECT && !client.rules().redacted().isEmpty();
        if (!client.rules().ownOnly()) {
            return redacts ? new Check(probe, client, op, null, canonical) : null;
        }
        Ownership.Scope reach = Ownership.of(op);
        return reach == Ownership.Shared.SHARED ? null : new Check(probe, client, op, reach, canonical);
    }

    /** The operation that inspects one {@code kind}. */
    static Operation inspectOf(ObjectKind kind) {
        return INSPECTS.get(kind);
    }
}
