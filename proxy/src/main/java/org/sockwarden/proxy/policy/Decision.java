package org.sockwarden.proxy.policy;

import java.util.List;
import org.sockwarden.proxy.api.Operation;

/** What sockwarden does with one request, decided before any byte reaches the engine. */
public sealed interface Decision {

    /** The request goes to the engine; {@code grantedBy} names the grant that allowed it. */
    record Allow(Operation operation, String grantedBy) implements Decision {}

    /** Refused with 403; {@code missing} are the names that would allow it (empty when nothing can). */
    record Deny(Operation operation, List<Permission> missing) implements Decision {}

    /** Refused with 403: no endpoint of the Docker Engine API has this method and path. */
    record Unknown(String method, String path) implements Decision {}
}
