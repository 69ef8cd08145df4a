package org.sockwarden.admin;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.sockwarden.proxy.api.Operation;
import org.sockwarden.proxy.guard.Guardrails;
import org.sockwarden.proxy.guard.InvalidGuardrailsException;
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

    private static final String ALLOWED_NOW = "allowed now";

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
     * permissions and guardrails now when {@code config} is known ("allowed now" when nothing is missing
     * any more), else from what the record names. Null when nothing can allow it (an unknown endpoint, a
     * caller that is not a client, a request the guard refused with no item to relax, or for its form).
     *
     * @param decidedBy what the record says decided: the missing permissions, or the field the guard named
     * @param guardrail the guardrail items the record says were needed, or null
     */
    static String howToAllow(ClientConfig config, String client, String operationId, String decidedBy, String guardrail) {
        Operation op = byId(operationId);
        if (op == null || client == null) {
            return null;
        }
        Client.GrantAdvice advice = config != null ? config.client().grantAdvice()
                : client.equals(ServeCommand.DEFAULT_LISTENER) ? Client.GrantAdvice.ENV_FLAGS : Client.GrantAdvice.CLI;
        String relax = relax(config, client, advice, guardrail);
        List<Permission> recorded = permissions(decidedBy);
        if (decidedBy != null && !decidedBy.isEmpty() && recorded == null) {
            return relax; // the guard's field: only a guardrail item, if one was named, allows it
        }
        String grant;
        if (config != null) {
            List<Permission> missing = config.client().permissions().missingFor(op);
            grant = missing.isEmpty() ? ALLOWED_NOW : advice.howToGrant(client, missing);
        } else {
            grant = recorded == null || recorded.isEmpty() ? null : advice.howToGrant(client, recorded);
        }
        if (relax == null) {
            return grant;
        }
        if (grant == null || grant.equals(ALLOWED_NOW)) {
            return relax;
        }
        return relax.equals(ALLOWED_NOW) ? grant : grant + ", and " + relax;
    }

    /** The command that adds the guardrail items a record names, "allowed now" when the client has them; null for none or unknown ones. */
    private static String relax(ClientConfig config, String client, Client.GrantAdvice advice, String guardrail) {
        if (guardrail == null) {
            return null;
        }
        try {
            Guardrails now = config != null ? config.client().rules().guardrails() : Guardrails.DEFAULT;
            return now.plus(Guardrails.parse(guardrail)).equals(now) ? ALLOWED_NOW : advice.howToRelax(client, now, guardrail);
        } catch (InvalidGuardrailsException e) {
            return null; // items this version does not know
        }
    }

    /** The permission names a record joins with {@code +}, or null when it names something else. */
    private static List<Permission> permissions(String decidedBy) {
        if (decidedBy == null || decidedBy.isEmpty()) {
            return null;
        }
        try {
            return Arrays.stream(decidedBy.split("\\+")).map(Permission::of).toList();
        } catch (UnknownPermissionException e) {
            return null;
        }
    }
}
