package org.sockwarden.proxy.identity;

import java.util.Objects;
import org.sockwarden.proxy.guard.Guardrails;

/**
 * How a client's allowed requests are treated beyond the permission that allows them.
 *
 * @param learning   learn mode: a request its permissions or guardrails would refuse is forwarded and recorded
 *                   as "would deny", so that {@code sockwarden suggest} can propose the least grants; never on
 *                   refusals of the request's form (canonical form, smuggling)
 * @param guardrails what the guard lets it past in the bodies and queries it inspects, and what it requires
 */
public record ClientRules(boolean learning, Guardrails guardrails) {

    /** Enforcing, with the default guardrails: every client's rules unless its stored ones say otherwise. */
    public static final ClientRules DEFAULT = new ClientRules(false, Guardrails.DEFAULT);

    public ClientRules {
        Objects.requireNonNull(guardrails, "guardrails");
    }
}
