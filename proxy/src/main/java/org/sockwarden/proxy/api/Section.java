package org.sockwarden.proxy.api;

/**
 * The coarse permission sections, named like the environment flags of the HAProxy based
 * socket proxies (tecnativa/docker-socket-proxy): each is the path prefix it covers there.
 * Sockwarden assigns every {@link Operation} to exactly one section; see {@link DockerApi}
 * for which paths belong to which operation.
 */
public enum Section {
    AUTH("/auth"),
    BUILD("/build"),
    COMMIT("/commit"),
    CONFIGS("/configs"),
    CONTAINERS("/containers"),
    DISTRIBUTION("/distribution"),
    EVENTS("/events"),
    EXEC("/exec"),
    GRPC("/grpc"),
    IMAGES("/images"),
    INFO("/info"),
    NETWORKS("/networks"),
    NODES("/nodes"),
    PING("/_ping"),
    PLUGINS("/plugins"),
    SECRETS("/secrets"),
    SERVICES("/services"),
    SESSION("/session"),
    SWARM("/swarm"),
    SYSTEM("/system"),
    TASKS("/tasks"),
    VERSION("/version"),
    VOLUMES("/volumes");

    private final String prefix;

    Section(String prefix) {
        this.prefix = prefix;
    }

    /** The path prefix this section stands for in the HAProxy based proxies, e.g. {@code /containers}. */
    public String prefix() {
        return prefix;
    }
}
