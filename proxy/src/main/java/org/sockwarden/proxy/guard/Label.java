package org.sockwarden.proxy.guard;

import java.util.Objects;

/**
 * A label the guard sets on what a request creates, overwriting any the client sent under a key that
 * folds onto it ({@code Owner}, {@code OWNER}): the owner label of an own-only client.
 */
public record Label(String key, String value) {
    public Label {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        if (key.isEmpty()) {
            throw new IllegalArgumentException("a label needs a key");
        }
    }
}
