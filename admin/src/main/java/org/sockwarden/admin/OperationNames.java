package org.sockwarden.admin;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.sockwarden.proxy.api.Operation;
import org.sockwarden.proxy.identity.Client;
import org.sockwarden.proxy.identity.ClientConfig;
import org.sockwarden.proxy.policy.Permission;
import org.sockwarden.proxy.policy.Suggestions;
import org.sockwarden.proxy.policy.UnknownPermissionException;

/** Operations by the ids the audit trail stores, and the command that would allow one. */
final class OperationNames {
    private static final Map<String, Operation> BY_ID = new HashMap<>();

    static {
        for (Operation op : Operation.values()) {
            BY_ID.put(op.id(), op);
        }
    }

    private OperationNames() {}

    /** The operation of a stored id, or null (none recorded, or an id this version does not know). */
    static Operation byId(String id) {
        return id == null ? null : BY_ID.get(id);
    }

    /** What a user typed for --operation: an id ({@code containers.list}) or its permission name ({@code CONTAINERS_LIST}). */
    static Operation parse(String option, String typed) {
        Operation op = BY_ID.get(typed);
        if (op == null) {
            op = Arrays.stream(Operation.values()).filter(o -> o.name().equals(typed)).findFirst().orElse(null);
        }
        if (op == null) {
            throw new Main.UsageException(option + ": no operation " + typed
                    + Suggestions.nearest(typed, BY_ID.keySet()).map(n -> " (did you mean " + n + "?)").orElse("")
                    + "; `sockwarden permissions` lists them");
        }
        return op;
    }

    /**
     * The exact command that would allow {@code operationId} to {@code client}: from the client's
     * permissions now when {@code config} is known ("allowed now" when nothing is missing any more),
     * else from the names recorded as missing. Null when nothing can allow it (an unknown endpoint,
     * a caller that is not a client).
     */
    static String howToAllow(ClientConfig config, String client, String operationId, String recordedMissing) {
        Operation op = byId(operationId);
        if (op == null || client == null) {
            return null;
        }
        if (config != null) {
            List<Permission> missing = config.client().permissions().missingFor(op);
            return missing.isEmpty() ? "allowed now" : config.client().grantAdvice().howToGrant(client, missing);
        }
        if (recordedMissing == null || recordedMissing.isEmpty()) {
            return null;
        }
        try {
            List<Permission> missing = Arrays.stream(recordedMissing.split("\\+")).map(Permission::of).toList();
            Client.GrantAdvice advice = client.equals(ServeCommand.DEFAULT_LISTENER) ? Client.GrantAdvice.ENV_FLAGS : Client.GrantAdvice.CLI;
            return advice.howToGrant(client, missing);
        } catch (UnknownPermissionException e) {
            return null;
        }
    }
}
