package org.sockwarden.proxy.guard;

import java.util.Optional;

/** A guardrails text that does not parse; the message names the item and, for a typo, the nearest valid name. */
public final class InvalidGuardrailsException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final transient Optional<String> suggestion;

    InvalidGuardrailsException(String problem, String suggestion) {
        super(problem + (suggestion == null ? "" : " (did you mean " + suggestion + "?)"));
        this.suggestion = Optional.ofNullable(suggestion);
    }

    /** The nearest valid item, when the problem looks like a typo. */
    public Optional<String> suggestion() {
        return suggestion;
    }
}
