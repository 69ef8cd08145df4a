package org.sockwarden.proxy.api;

import static org.sockwarden.proxy.api.ObjectKind.CONFIG;
import static org.sockwarden.proxy.api.ObjectKind.CONTAINER;
import static org.sockwarden.proxy.api.ObjectKind.EXEC;
import static org.sockwarden.proxy.api.ObjectKind.NETWORK;
import static org.sockwarden.proxy.api.ObjectKind.SECRET;
import static org.sockwarden.proxy.api.ObjectKind.SERVICE;
import static org.sockwarden.proxy.api.ObjectKind.TASK;
import static org.sockwarden.proxy.api.ObjectKind.VOLUME;

import java.util.Set;

/**
 * What each {@link Operation} of an own-only client needs so that it reaches only that client's objects
 * (those carrying its owner label). Every operation is decided here, with no default, so that a new one
 * cannot slip through undecided.
 *
 * <ul>
 *   <li>{@link Shared}: it touches nothing an own-only client owns (images, the build cache, plugins, the
 *       swarm and its nodes, the daemon's version and info); forwarded as it is.</li>
 *   <li>{@link Listed}: a list or a prune; the owner label is merged into its {@code filters}.</li>
 *   <li>{@link Events}: the event stream; the owner label and the {@link #EVENT_TYPES} are merged into its
 *       {@code filters}.</li>
 *   <li>{@link Target}: it acts on one object named by the path (or a query parameter); the engine is asked
 *       whose it is first.</li>
 *   <li>{@link Creates}: it creates an object whose body names others (a container's joins and mounts, a
 *       network's config source) or whose name may be another owner's.</li>
 *   <li>{@link Connects}: networks connect and disconnect: the network is the target and the body names a
 *       container.</li>
 *   <li>{@link Unscoped}: it cannot be limited to one owner's objects; refused to own-only clients.</li>
 * </ul>
 */
public final class Ownership {

    /** How an own-only client's request of one operation is limited to its own objects. */
    public sealed interface Scope permits Shared, Listed, Events, Target, Creates, Connects, Unscoped {}

    /** Nothing the client can own: forwarded as it is. */
    public enum Shared implements Scope {
        SHARED
    }

    /** A list or prune of {@code kind}: only objects with the owner label. */
    public record Listed(ObjectKind kind) implements Scope {}

    /** The event stream: only events of the owner's objects, of the {@link #EVENT_TYPES}. */
    public enum Events implements Scope {
        EVENTS
    }

    /**
     * One object of {@code kind}, named by the path's first variable, or by the query parameter
     * {@code parameter} when it is not null.
     */
    public record Target(ObjectKind kind, String parameter) implements Scope {}

    /** Creates a {@code kind}: the objects its body names, and the name it takes, must not be another owner's. */
    public record Creates(ObjectKind kind) implements Scope {}

    /** Networks connect and disconnect: the network (the path) and the container (the body) must both be the client's. */
    public enum Connects implements Scope {
        CONNECTS
    }

    /** Not available to own-only clients, for {@code reason}. */
    public record Unscoped(String reason) implements Scope {}

    /**
     * The event types of what an own-only client can own. A container's events (exec and attach included)
     * carry its labels; those of networks, volumes and swarm objects carry none on the engines sockwarden
     * fronts, so the owner label lets only container events through, and these types keep image and daemon
     * events (which carry an image's or the daemon's labels, anyone's to choose) out.
     */
    public static final Set<String> EVENT_TYPES = Set.of("container", "network", "volume", "service", "secret", "config");

    private static final Listed CONTAINERS = new Listed(CONTAINER);
    private static final Target A_CONTAINER = new Target(CONTAINER, null);

    private Ownership() {}

    public static Scope of(Operation op) {
        return switch (op) {
            case CONTAINERS_LIST, CONTAINERS_PRUNE -> CONTAINERS;
            case CONTAINERS_INSPECT, CONTAINERS_TOP, CONTAINERS_LOGS, CONTAINERS_CHANGES, CONTAINERS_STATS, CONTAINERS_START,
                 CONTAINERS_STOP, CONTAINERS_RESTART, CONTAINERS_KILL, CONTAINERS_PAUSE, CONTAINERS_UNPAUSE, CONTAINERS_WAIT,
                 CONTAINERS_RESIZE, CONTAINERS_RENAME, CONTAINERS_UPDATE, CONTAINERS_ATTACH, CONTAINERS_DELETE,
                 CONTAINERS_ATTACH_WS, CONTAINERS_ARCHIVE, CONTAINERS_ARCHIVE_PUT, CONTAINERS_EXPORT, CONTAINERS_COPY,
                 CONTAINERS_CHECKPOINT_LIST, CONTAINERS_CHECKPOINT_CREATE, CONTAINERS_CHECKPOINT_DELETE, CONTAINERS_EXEC -> A_CONTAINER;
            case CONTAINERS_CREATE -> new Creates(CONTAINER);
            // An image made from a container is a copy of its file system: the container must be the client's.
            case IMAGES_COMMIT -> new Target(CONTAINER, "container");
            case EXEC_START, EXEC_RESIZE, EXEC_INSPECT -> new Target(EXEC, null);

            case NETWORKS_LIST, NETWORKS_PRUNE -> new Listed(NETWORK);
            case NETWORKS_INSPECT, NETWORKS_DELETE -> new Target(NETWORK, null);
            case NETWORKS_CREATE -> new Creates(NETWORK);
            case NETWORKS_CONNECT, NETWORKS_DISCONNECT -> Connects.CONNECTS;

            case VOLUMES_LIST, VOLUMES_PRUNE -> new Listed(VOLUME);
            case VOLUMES_INSPECT, VOLUMES_UPDATE, VOLUMES_DELETE -> new Target(VOLUME, null);
            case VOLUMES_CREATE -> new Creates(VOLUME);

            case SERVICES_LIST -> new Listed(SERVICE);
            case SERVICES_INSPECT, SERVICES_DELETE, SERVICES_LOGS -> new Target(SERVICE, null);
            // A task filter on labels matches its service's labels; a task is its service's.
            case TASKS_LIST -> new Listed(TASK);
            case TASKS_INSPECT, TASKS_LOGS -> new Target(TASK, null);
            case SECRETS_LIST -> new Listed(SECRET);
            case SECRETS_INSPECT, SECRETS_UPDATE, SECRETS_DELETE -> new Target(SECRET, null);
            case CONFIGS_LIST -> new Listed(CONFIG);
            case CONFIGS_INSPECT, CONFIGS_UPDATE, CONFIGS_DELETE -> new Target(CONFIG, null);
            case SERVICES_CREATE, SERVICES_UPDATE -> new Unscoped("a service's tasks reach the secrets, configs and networks"
                    + " its spec names, which sockwarden does not check against their owners");
            case SECRETS_CREATE, CONFIGS_CREATE -> new Unscoped("sockwarden does not label the secrets and configs a client"
                    + " creates, so they would be no one's");

            case SYSTEM_EVENTS -> Events.EVENTS;
            case SYSTEM_DF -> new Unscoped("it lists every owner's containers and volumes");

            case SYSTEM_AUTH, SYSTEM_PING, SYSTEM_VERSION, SYSTEM_INFO, SYSTEM_DEBUG, SYSTEM_OPTIONS, DISTRIBUTION_INSPECT,
                 IMAGES_BUILD, BUILD_PRUNE, BUILD_CANCEL, SESSION_START, GRPC_CONNECT,
                 IMAGES_LIST, IMAGES_SEARCH, IMAGES_INSPECT, IMAGES_HISTORY, IMAGES_ATTESTATIONS, IMAGES_CREATE, IMAGES_LOAD,
                 IMAGES_PUSH, IMAGES_TAG, IMAGES_PRUNE, IMAGES_DELETE, IMAGES_EXPORT,
                 PLUGINS_LIST, PLUGINS_INSPECT, PLUGINS_PRIVILEGES, PLUGINS_PULL, PLUGINS_ENABLE, PLUGINS_DISABLE, PLUGINS_PUSH,
                 PLUGINS_UPGRADE, PLUGINS_SET, PLUGINS_CREATE, PLUGINS_DELETE,
                 NODES_LIST, NODES_INSPECT, NODES_UPDATE, NODES_DELETE,
                 SWARM_INSPECT, SWARM_INIT, SWARM_JOIN, SWARM_LEAVE, SWARM_UPDATE, SWARM_UNLOCK, SWARM_UNLOCKKEY -> Shared.SHARED;
        };
    }
}
