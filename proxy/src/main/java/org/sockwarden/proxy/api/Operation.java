package org.sockwarden.proxy.api;

import static org.sockwarden.proxy.api.Access.EXPLICIT;
import static org.sockwarden.proxy.api.Access.READ;
import static org.sockwarden.proxy.api.Access.WRITE;

/**
 * One Docker Engine API operation: what a request does, independent of the path syntax.
 * {@link DockerApi} maps every routed endpoint to exactly one operation.
 *
 * <p>The constant name is the fine-grained permission name users type; it is the {@link #id()}
 * upper-cased with {@code .} and {@code -} replaced by {@code _}.
 */
public enum Operation {
    // AUTH
    SYSTEM_AUTH("system.auth", Section.AUTH, WRITE),

    // BUILD
    IMAGES_BUILD("images.build", Section.BUILD, WRITE),
    BUILD_PRUNE("build.prune", Section.BUILD, WRITE),
    BUILD_CANCEL("build.cancel", Section.BUILD, WRITE),

    // COMMIT
    IMAGES_COMMIT("images.commit", Section.COMMIT, WRITE),

    // CONFIGS
    CONFIGS_LIST("configs.list", Section.CONFIGS, READ),
    CONFIGS_INSPECT("configs.inspect", Section.CONFIGS, READ),
    CONFIGS_CREATE("configs.create", Section.CONFIGS, WRITE),
    CONFIGS_UPDATE("configs.update", Section.CONFIGS, WRITE),
    CONFIGS_DELETE("configs.delete", Section.CONFIGS, WRITE),

    // CONTAINERS
    CONTAINERS_LIST("containers.list", Section.CONTAINERS, READ),
    CONTAINERS_INSPECT("containers.inspect", Section.CONTAINERS, READ),
    CONTAINERS_TOP("containers.top", Section.CONTAINERS, READ),
    CONTAINERS_LOGS("containers.logs", Section.CONTAINERS, READ),
    CONTAINERS_CHANGES("containers.changes", Section.CONTAINERS, READ),
    CONTAINERS_STATS("containers.stats", Section.CONTAINERS, READ),
    CONTAINERS_CREATE("containers.create", Section.CONTAINERS, WRITE),
    CONTAINERS_START("containers.start", Section.CONTAINERS, WRITE),
    CONTAINERS_STOP("containers.stop", Section.CONTAINERS, WRITE),
    CONTAINERS_RESTART("containers.restart", Section.CONTAINERS, WRITE),
    CONTAINERS_KILL("containers.kill", Section.CONTAINERS, WRITE),
    CONTAINERS_PAUSE("containers.pause", Section.CONTAINERS, WRITE),
    CONTAINERS_UNPAUSE("containers.unpause", Section.CONTAINERS, WRITE),
    CONTAINERS_WAIT("containers.wait", Section.CONTAINERS, WRITE),
    CONTAINERS_RESIZE("containers.resize", Section.CONTAINERS, WRITE),
    CONTAINERS_RENAME("containers.rename", Section.CONTAINERS, WRITE),
    CONTAINERS_UPDATE("containers.update", Section.CONTAINERS, WRITE),
    CONTAINERS_ATTACH("containers.attach", Section.CONTAINERS, WRITE, true),
    CONTAINERS_PRUNE("containers.prune", Section.CONTAINERS, WRITE),
    CONTAINERS_DELETE("containers.delete", Section.CONTAINERS, WRITE),
    /** A GET that opens a read-write WebSocket to the container's stdio: a write that looks like a read. */
    CONTAINERS_ATTACH_WS("containers.attach-ws", Section.CONTAINERS, EXPLICIT, true),
    /** GET/HEAD of files inside the container (HEAD stats a path): exfiltration. */
    CONTAINERS_ARCHIVE("containers.archive", Section.CONTAINERS, EXPLICIT),
    /** PUT a tar into the container's file system (also into volumes and bind mounts). */
    CONTAINERS_ARCHIVE_PUT("containers.archive-put", Section.CONTAINERS, EXPLICIT),
    /** GET of the container's whole file system as a tar: exfiltration. */
    CONTAINERS_EXPORT("containers.export", Section.CONTAINERS, EXPLICIT),
    /**
     * {@code POST /containers/{name}/copy}: registered by engines up to 25.0 (20.10 included). It
     * answers 404 for API 1.24 and later, but for a /v1.23 (or older) prefix it returns files from
     * the container, like {@link #CONTAINERS_ARCHIVE}: exfiltration.
     */
    CONTAINERS_COPY("containers.copy", Section.CONTAINERS, EXPLICIT),
    /**
     * Experimental checkpoint routes (always routed, 501 unless the daemon runs with
     * --experimental). All three take a client-chosen host directory ({@code dir} query /
     * {@code CheckpointDir} body): the list reads host directory names, create dumps the
     * container's memory into a host directory of the client's choice, delete runs
     * {@code os.RemoveAll(dir/checkpoint)} on the host. Hence EXPLICIT, the list included.
     */
    CONTAINERS_CHECKPOINT_LIST("containers.checkpoint-list", Section.CONTAINERS, EXPLICIT),
    CONTAINERS_CHECKPOINT_CREATE("containers.checkpoint-create", Section.CONTAINERS, EXPLICIT),
    CONTAINERS_CHECKPOINT_DELETE("containers.checkpoint-delete", Section.CONTAINERS, EXPLICIT),

    // DISTRIBUTION
    DISTRIBUTION_INSPECT("distribution.inspect", Section.DISTRIBUTION, READ),

    // EVENTS
    SYSTEM_EVENTS("system.events", Section.EVENTS, READ),

    // EXEC (sockwarden is stricter than tecnativa: creating an exec needs EXEC, not CONTAINERS)
    CONTAINERS_EXEC("containers.exec", Section.EXEC, WRITE),
    EXEC_START("exec.start", Section.EXEC, WRITE, true),
    EXEC_RESIZE("exec.resize", Section.EXEC, WRITE),
    EXEC_INSPECT("exec.inspect", Section.EXEC, READ),

    // GRPC
    /**
     * BuildKit's gRPC over an h2c upgrade. Not named {@code GRPC}: that is the section flag's
     * name, and a section flag and a single operation must not share a permission name.
     */
    GRPC_CONNECT("grpc.connect", Section.GRPC, WRITE, true),

    // IMAGES
    IMAGES_LIST("images.list", Section.IMAGES, READ),
    IMAGES_SEARCH("images.search", Section.IMAGES, READ),
    IMAGES_INSPECT("images.inspect", Section.IMAGES, READ),
    IMAGES_HISTORY("images.history", Section.IMAGES, READ),
    IMAGES_ATTESTATIONS("images.attestations", Section.IMAGES, READ),
    IMAGES_CREATE("images.create", Section.IMAGES, WRITE),
    IMAGES_LOAD("images.load", Section.IMAGES, WRITE),
    IMAGES_PUSH("images.push", Section.IMAGES, WRITE),
    IMAGES_TAG("images.tag", Section.IMAGES, WRITE),
    IMAGES_PRUNE("images.prune", Section.IMAGES, WRITE),
    IMAGES_DELETE("images.delete", Section.IMAGES, WRITE),
    /** GET of whole images as a tar ({@code docker save}): exfiltration of every layer. */
    IMAGES_EXPORT("images.export", Section.IMAGES, EXPLICIT),

    // INFO
    SYSTEM_INFO("system.info", Section.INFO, READ),

    // NETWORKS
    NETWORKS_LIST("networks.list", Section.NETWORKS, READ),
    NETWORKS_INSPECT("networks.inspect", Section.NETWORKS, READ),
    NETWORKS_CREATE("networks.create", Section.NETWORKS, WRITE),
    NETWORKS_CONNECT("networks.connect", Section.NETWORKS, WRITE),
    NETWORKS_DISCONNECT("networks.disconnect", Section.NETWORKS, WRITE),
    NETWORKS_PRUNE("networks.prune", Section.NETWORKS, WRITE),
    NETWORKS_DELETE("networks.delete", Section.NETWORKS, WRITE),

    // NODES
    NODES_LIST("nodes.list", Section.NODES, READ),
    NODES_INSPECT("nodes.inspect", Section.NODES, READ),
    NODES_UPDATE("nodes.update", Section.NODES, WRITE),
    NODES_DELETE("nodes.delete", Section.NODES, WRITE),

    // PING
    SYSTEM_PING("system.ping", Section.PING, READ),

    // PLUGINS
    PLUGINS_LIST("plugins.list", Section.PLUGINS, READ),
    PLUGINS_INSPECT("plugins.inspect", Section.PLUGINS, READ),
    PLUGINS_PRIVILEGES("plugins.privileges", Section.PLUGINS, READ),
    PLUGINS_PULL("plugins.pull", Section.PLUGINS, WRITE),
    PLUGINS_ENABLE("plugins.enable", Section.PLUGINS, WRITE),
    PLUGINS_DISABLE("plugins.disable", Section.PLUGINS, WRITE),
    PLUGINS_PUSH("plugins.push", Section.PLUGINS, WRITE),
    PLUGINS_UPGRADE("plugins.upgrade", Section.PLUGINS, WRITE),
    PLUGINS_SET("plugins.set", Section.PLUGINS, WRITE),
    PLUGINS_CREATE("plugins.create", Section.PLUGINS, WRITE),
    PLUGINS_DELETE("plugins.delete", Section.PLUGINS, WRITE),

    // SECRETS
    SECRETS_LIST("secrets.list", Section.SECRETS, READ),
    SECRETS_INSPECT("secrets.inspect", Section.SECRETS, READ),
    SECRETS_CREATE("secrets.create", Section.SECRETS, WRITE),
    SECRETS_UPDATE("secrets.update", Section.SECRETS, WRITE),
    SECRETS_DELETE("secrets.delete", Section.SECRETS, WRITE),

    // SERVICES
    SERVICES_LIST("services.list", Section.SERVICES, READ),
    SERVICES_INSPECT("services.inspect", Section.SERVICES, READ),
    SERVICES_LOGS("services.logs", Section.SERVICES, READ),
    SERVICES_CREATE("services.create", Section.SERVICES, WRITE),
    SERVICES_UPDATE("services.update", Section.SERVICES, WRITE),
    SERVICES_DELETE("services.delete", Section.SERVICES, WRITE),

    // SESSION
    /** BuildKit session over an h2c upgrade. Not named {@code SESSION}: that is the section flag's name. */
    SESSION_START("session.start", Section.SESSION, WRITE, true),

    // SWARM
    SWARM_INSPECT("swarm.inspect", Section.SWARM, READ),
    SWARM_INIT("swarm.init", Section.SWARM, WRITE),
    SWARM_JOIN("swarm.join", Section.SWARM, WRITE),
    SWARM_LEAVE("swarm.leave", Section.SWARM, WRITE),
    SWARM_UPDATE("swarm.update", Section.SWARM, WRITE),
    SWARM_UNLOCK("swarm.unlock", Section.SWARM, WRITE),
    /** GET of the key that decrypts the swarm's raft log (all secrets): exfiltration. */
    SWARM_UNLOCKKEY("swarm.unlockkey", Section.SWARM, EXPLICIT),

    // SYSTEM
    SYSTEM_DF("system.df", Section.SYSTEM, READ),
    /**
     * {@code /debug/vars} and {@code /debug/pprof/*}: Go expvar and pprof of the daemon itself
     * (its command line, heap and goroutine dumps that can hold credentials, CPU profiles and
     * traces that keep the daemon busy for as long as the client asks). Served on the API
     * socket by every engine; 20.10..27 answer it for any method. Nothing a Docker client
     * uses, so EXPLICIT.
     */
    SYSTEM_DEBUG("system.debug", Section.SYSTEM, EXPLICIT),
    /**
     * {@code OPTIONS} on any path: the engine's CORS pre-flight handler, which only answers 200.
     * It reveals and changes nothing, but it is a method on every path that no Docker client
     * sends, so no section flag grants it; only its own name does.
     */
    SYSTEM_OPTIONS("system.options", Section.SYSTEM, EXPLICIT),

    // TASKS
    TASKS_LIST("tasks.list", Section.TASKS, READ),
    TASKS_INSPECT("tasks.inspect", Section.TASKS, READ),
    TASKS_LOGS("tasks.logs", Section.TASKS, READ),

    // VERSION
    SYSTEM_VERSION("system.version", Section.VERSION, READ),

    // VOLUMES
    VOLUMES_LIST("volumes.list", Section.VOLUMES, READ),
    VOLUMES_INSPECT("volumes.inspect", Section.VOLUMES, READ),
    VOLUMES_CREATE("volumes.create", Section.VOLUMES, WRITE),
    VOLUMES_UPDATE("volumes.update", Section.VOLUMES, WRITE),
    VOLUMES_PRUNE("volumes.prune", Section.VOLUMES, WRITE),
    VOLUMES_DELETE("volumes.delete", Section.VOLUMES, WRITE);

    private final String id;
    private final Section section;
    private final Access access;
    private final boolean hijack;

    Operation(String id, Section section, Access access) {
        this(id, section, access, false);
    }

    Operation(String id, Section section, Access access, boolean hijack) {
        this.id = id;
        this.section = section;
        this.access = access;
        this.hijack = hijack;
    }

    /** Lower-case id, e.g. {@code containers.archive-put}. */
    public String id() {
        return id;
    }

    public Section section() {
        return section;
    }

    public Access access() {
        return access;
    }

    /** True when a successful request switches the connection to a raw (or WebSocket) stream. */
    public boolean hijack() {
        return hijack;
    }

    /**
     * True when the answer is a stream the caller follows for as long as it likes ({@code logs -f},
     * {@code events}, {@code stats}, {@code wait}, the progress of a pull, push, build or load, and
     * every hijacked session): a client that pauses reading one is never cut for it. Other answers
     * are data the client asked for and reads at once.
     */
    public boolean followed() {
        return hijack || switch (this) {
            case CONTAINERS_LOGS, CONTAINERS_STATS, CONTAINERS_WAIT, SYSTEM_EVENTS, SERVICES_LOGS, TASKS_LOGS,
                 IMAGES_CREATE, IMAGES_PUSH, IMAGES_BUILD, IMAGES_LOAD, PLUGINS_PULL, PLUGINS_PUSH, PLUGINS_UPGRADE -> true;
            default -> false;
        };
    }
}
