package org.sockwarden.proxy.identity;

import java.util.Objects;
import java.util.Set;
import org.sockwarden.proxy.api.RedactedField;
import org.sockwarden.proxy.guard.Guardrails;
import org.sockwarden.proxy.guard.Label;
import org.sockwarden.proxy.limit.ClientLimits;

/**
 * How a client's allowed requests are treated beyond the permission that allows them.
 *
 * @param learning   learn mode: a request its permissions or guardrails would refuse is forwarded and recorded
 *                   as "would deny", so that {@code sockwarden suggest} can propose the least grants; never on
 *                   refusals of the request's form (canonical form, smuggling)
 * @param guardrails what the guard lets it past in the bodies and queries it inspects, and what it requires
 * @param owner      for an own-only client, the owner label ({@value #OWNER_LABEL}={@code <its owner id>}) set on
 *                   what it creates and required on what it acts on; null for a client that may act on any object
 * @param limits     how many requests and streams it may run at once and how fast it may send them
 *                   ({@link ClientLimits#NONE}: no limit); learn mode does not lift them
 * @param redacted   the fields stripped from the container inspect answers it gets (none: answers as the engine gives them)
 */
public record ClientRules(boolean learning, Guardrails guardrails, Label owner, ClientLimits limits, Set<RedactedField> redacted) {

    /** The key of the owner label of own-only clients; its value is the client's owner id (random, never reused). */
    public static final String OWNER_LABEL = "org.sockwarden.owner";

    /** Enforcing, with the default guardrails, on any object, without limits, answers whole: every client's rules unless its stored ones say otherwise. */
    public static final ClientRules DEFAULT = new ClientRules(false, Guardrails.DEFAULT, null, ClientLimits.NONE, Set.of());

    public boolean ownOnly() {
        return owner != null;
    }

    public ClientRules {
        Objects.requireNonNull(guardrails, "guardrails");
        Objects.requireNonNull(limits, "limits");
        redacted = Set.copyOf(redacted);
    }
}
