package org.sockwarden.proxy.guard;

import java.util.Objects;
import org.sockwarden.proxy.api.Operation;

/**
 * One request as the guard judges it, after the catalog matched it and the client's permissions
 * allowed it.
 *
 * @param operation       the operation the catalog matched
 * @param rawQuery        the query exactly as received, without the {@code ?}, not decoded; null or empty for none
 * @param contentType     the first {@code Content-Type} header, or null
 * @param contentEncoding the {@code Content-Encoding} header(s), joined, or null
 * @param declaredLength  {@code Content-Length}, or -1 (chunked, or none)
 * @param body            for operations {@link Guard#readsBody} names: the body as received, read up to
 *                        {@link Guard#BODY_CAP} + 1 bytes (more tells the guard it is over the cap); null for the others
 */
public record GuardedRequest(Operation operation, String rawQuery, String contentType, String contentEncoding,
                             long declaredLength, byte[] body) {
    public GuardedRequest {
        Objects.requireNonNull(operation, "operation");
    }
}
