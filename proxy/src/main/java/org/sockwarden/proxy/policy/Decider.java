package org.sockwarden.proxy.policy;

import org.sockwarden.proxy.api.DockerApi;
import org.sockwarden.proxy.api.Operation;
import org.sockwarden.proxy.request.CanonicalRequest;

/** The one place a request in canonical form meets a client's permissions; the proxy and `explain` both ask it. */
public final class Decider {
    private Decider() {}

    public static Decision decide(PermissionSet permissions, String method, CanonicalRequest request) {
        Operation op = DockerApi.match(method, request.path());
        if (op == null) {
            return new Decision.Unknown(method, request.path());
        }
        return decide(permissions, op);
    }

    /** The permission decision on an operation the catalog matched: again, while its request runs, against newer permissions. */
    public static Decision decide(PermissionSet permissions, Operation op) {
        String grantedBy = permissions.grantedBy(op);
        return grantedBy != null ? new Decision.Allow(op, grantedBy) : new Decision.Deny(op, permissions.missingFor(op));
    }
}
