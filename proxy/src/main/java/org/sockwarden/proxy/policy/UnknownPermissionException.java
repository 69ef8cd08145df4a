package org.sockwarden.proxy.policy;

import java.util.Optional;

/** A permission name that does not exist; the message names the nearest one that does. */
public final class UnknownPermissionException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String name;
    private final transient Optional<String> suggestion;

    UnknownPermissionException(String name, Optional<String> suggestion) {
        super("unknown permission " + name + suggestion.map(s -> " (did you mean " + s + "?)").orElse("")
                + "; `sockwarden permissions` lists them all");
        this.name = name;
        this.suggestion = suggestion;
    }

    public String name() {
        return name;
    }

    public Optional<String> suggestion() {
        return suggestion;
    }
}
