package org.sockwarden.proxy.api;

import static org.sockwarden.proxy.api.Operation.*;

import java.util.EnumMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The query parameters the Docker Engine API defines for each {@link Operation}: the allow-list a
 * guarded request's query is checked against. A parameter outside it is refused, whatever its value:
 * the engine ignores names it does not read, but an engine that reads more than Docker's API
 * (Podman's {@code /build} takes {@code addcaps}, {@code devices}, {@code nsoptions}, {@code volume},
 * ...) would act on it.
 *
 * <h2>Where the lists come from</h2>
 * <ul>
 *   <li>{@link #documented(Operation)}: the union, per operation, of the query parameters of every endpoint
 *       routed to it in the Engine API swagger files v1.25 .. v1.56 and the v1.24 markdown (the
 *       test resource {@code engine-api/query-parameters.txt} holds them per endpoint, with the
 *       first version of each; {@code QueryParametersTest} checks this table against it).</li>
 *   <li>{@link #undocumented(Operation)}: parameters the engine's routers read (20.10 .. master) that no swagger
 *       lists, only where Docker's own client sends them, and the parameters of the routes no
 *       swagger lists ({@code engine-api/extra-routes.txt}). Router parameters that no Docker client
 *       sends stay out: {@code checkpoint} and {@code checkpoint-dir} on start (restoring a checkpoint
 *       from a directory of the client's choice, what the explicit checkpoint operations guard), and
 *       the experimental {@code format} of logs. Also docker-py's {@code trunc_cmd} on containers.list,
 *       which no router reads and docker-py sends on every list.</li>
 * </ul>
 * Names are case-sensitive, as the engine reads them ({@code r.Form["fromSrc"]}).
 */
public final class QueryParameters {

    private static final Map<Operation, Set<String>> DOCUMENTED = new EnumMap<>(Operation.class);
    private static final Map<Operation, Set<String>> UNDOCUMENTED = new EnumMap<>(Operation.class);
    /** By operation ordinal: documented and undocumented together. */
    private static final Set<?>[] ALLOWED;

    static {
        swagger(SYSTEM_AUTH);
        swagger(IMAGES_BUILD, "dockerfile", "t", "remote", "q", "nocache", "cachefrom", "pull", "rm", "forcerm",
                "memory", "memswap", "cpushares", "cpusetcpus", "cpuperiod", "cpuquota", "buildargs", "shmsize",
                "squash", "labels", "networkmode", "extrahosts", "platform", "target", "version", "outputs");
        swagger(BUILD_PRUNE, "keep-storage", "all", "filters", "reserved-space", "max-used-space", "min-free-space");
        swagger(IMAGES_COMMIT, "container", "repo", "tag", "comment", "author", "pause", "changes");
        swagger(CONFIGS_LIST, "filters");
        swagger(CONFIGS_CREATE);
        swagger(CONFIGS_DELETE);
        swagger(CONFIGS_INSPECT);
        swagger(CONFIGS_UPDATE, "version");
        swagger(CONTAINERS_CREATE, "name", "platform");
        swagger(CONTAINERS_LIST, "all", "limit", "size", "filters", "since", "before");
        swagger(CONTAINERS_PRUNE, "filters");
        swagger(CONTAINERS_DELETE, "v", "force", "link");
        swagger(CONTAINERS_ARCHIVE, "path");
        swagger(CONTAINERS_ARCHIVE_PUT, "path", "noOverwriteDirNonDir", "copyUIDGID");
        swagger(CONTAINERS_ATTACH, "detachKeys", "logs", "stream", "stdin", "stdout", "stderr");
        swagger(CONTAINERS_ATTACH_WS, "detachKeys", "logs", "stream", "stdin", "stdout", "stderr");
        swagger(CONTAINERS_CHANGES);
        swagger(CONTAINERS_EXEC);
        swagger(CONTAINERS_EXPORT);
        swagger(CONTAINERS_INSPECT, "size");
        swagger(CONTAINERS_KILL, "signal");
        swagger(CONTAINERS_LOGS, "follow", "stdout", "stderr", "since", "timestamps", "tail", "until", "details");
        swagger(CONTAINERS_PAUSE);
        swagger(CONTAINERS_RENAME, "name");
        swagger(CONTAINERS_RESIZE, "h", "w");
        swagger(CONTAINERS_RESTART, "t", "signal");
        swagger(CONTAINERS_START, "detachKeys");
        swagger(CONTAINERS_STATS, "stream", "one-shot");
        swagger(CONTAINERS_STOP, "t", "signal");
        swagger(CONTAINERS_TOP, "ps_args");
        swagger(CONTAINERS_UNPAUSE);
        swagger(CONTAINERS_UPDATE);
        swagger(CONTAINERS_WAIT, "condition");
        swagger(DISTRIBUTION_INSPECT);
        swagger(SYSTEM_EVENTS, "since", "until", "filters");
        swagger(EXEC_INSPECT);
        swagger(EXEC_RESIZE, "h", "w");
        swagger(EXEC_START);
        swagger(IMAGES_CREATE, "fromImage", "fromSrc", "repo", "tag", "platform", "message", "changes");
        swagger(IMAGES_EXPORT, "names", "platform");
        swagger(IMAGES_LIST, "all", "filters", "digests", "shared-size", "manifests", "identity", "filter");
        swagger(IMAGES_LOAD, "quiet", "platform");
        swagger(IMAGES_PRUNE, "filters");
        swagger(IMAGES_SEARCH, "term", "limit", "filters");
        swagger(IMAGES_DELETE, "force", "noprune", "platforms");
        swagger(IMAGES_ATTESTATIONS, "platform", "type", "statement");
        swagger(IMAGES_HISTORY, "platform");
        swagger(IMAGES_INSPECT, "manifests", "platform");
        swagger(IMAGES_PUSH, "tag", "platform");
        swagger(IMAGES_TAG, "repo", "tag");
        swagger(SYSTEM_INFO);
        swagger(NETWORKS_LIST, "filters");
        swagger(NETWORKS_CREATE);
        swagger(NETWORKS_PRUNE, "filters");
        swagger(NETWORKS_DELETE);
        swagger(NETWORKS_INSPECT, "verbose", "scope");
        swagger(NETWORKS_CONNECT);
        swagger(NETWORKS_DISCONNECT);
        swagger(NODES_LIST, "filters");
        swagger(NODES_DELETE, "force");
        swagger(NODES_INSPECT);
        swagger(NODES_UPDATE, "version");
        swagger(PLUGINS_LIST, "filters");
        swagger(PLUGINS_CREATE, "name");
        swagger(PLUGINS_PRIVILEGES, "name", "remote");
        swagger(PLUGINS_PULL, "remote", "name");
        swagger(PLUGINS_DELETE, "force");
        swagger(PLUGINS_DISABLE, "force");
        swagger(PLUGINS_ENABLE, "timeout");
        swagger(PLUGINS_INSPECT);
        swagger(PLUGINS_PUSH);
        swagger(PLUGINS_SET);
        swagger(PLUGINS_UPGRADE, "remote");
        swagger(SECRETS_LIST, "filters");
        swagger(SECRETS_CREATE);
        swagger(SECRETS_DELETE);
        swagger(SECRETS_INSPECT);
        swagger(SECRETS_UPDATE, "version");
        swagger(SERVICES_LIST, "filters", "status");
        swagger(SERVICES_CREATE);
        swagger(SERVICES_DELETE);
        swagger(SERVICES_INSPECT, "insertDefaults");
        swagger(SERVICES_LOGS, "details", "follow", "stdout", "stderr", "since", "timestamps", "tail");
        swagger(SERVICES_UPDATE, "version", "registryAuthFrom", "rollback");
        swagger(SESSION_START);
        swagger(SWARM_INSPECT);
        swagger(SWARM_INIT);
        swagger(SWARM_JOIN);
        swagger(SWARM_LEAVE, "force");
        swagger(SWARM_UNLOCK);
        swagger(SWARM_UNLOCKKEY);
        swagger(SWARM_UPDATE, "version", "rotateWorkerToken", "rotateManagerToken", "rotateManagerUnlockKey");
        swagger(SYSTEM_DF, "type", "verbose");
        swagger(TASKS_LIST, "filters");
        swagger(TASKS_INSPECT);
        swagger(TASKS_LOGS, "details", "follow", "stdout", "stderr", "since", "timestamps", "tail");
        swagger(SYSTEM_PING);
        swagger(SYSTEM_VERSION);
        swagger(VOLUMES_LIST, "filters");
        swagger(VOLUMES_CREATE);
        swagger(VOLUMES_PRUNE, "filters");
        swagger(VOLUMES_DELETE, "force");
        swagger(VOLUMES_INSPECT);
        swagger(VOLUMES_UPDATE, "version");

        // build_routes.go reads these and the docker CLI sends them (client/image_build.go; 20.10's client sent
        // cgroupparent, cpusetmems and ulimits on every build, empty or not).
        extra(IMAGES_BUILD, "buildid", "cgroupparent", "cpusetmems", "isolation", "securityopt", "session", "ulimits");
        // docker-py (docker.from_env().containers.list()) sends trunc_cmd=0 on every list; no engine's router reads it
        // (Docker's nor Podman's compat handler), so it changes nothing, and refusing it breaks every docker-py client.
        extra(CONTAINERS_LIST, "trunc_cmd");
        // Routes no swagger lists (extra-routes.txt), parameters as their handlers read them.
        extra(CONTAINERS_CHECKPOINT_LIST, "dir");
        extra(CONTAINERS_CHECKPOINT_CREATE);
        extra(CONTAINERS_CHECKPOINT_DELETE, "dir");
        extra(CONTAINERS_COPY);
        extra(BUILD_CANCEL, "id");
        extra(GRPC_CONNECT);
        extra(SYSTEM_OPTIONS);
        extra(SYSTEM_DEBUG, "seconds", "debug", "gc"); // net/http/pprof's profile, trace and named profiles

        Set<?>[] allowed = new Set<?>[Operation.values().length];
        for (Operation op : Operation.values()) {
            Set<String> d = DOCUMENTED.get(op);
            Set<String> u = UNDOCUMENTED.get(op);
            if (d == null && u == null) {
                throw new IllegalStateException("no query parameter list for " + op);
            }
            Set<String> all = new HashSet<>();
            if (d != null) {
                all.addAll(d);
            }
            if (u != null) {
                all.addAll(u);
            }
            allowed[op.ordinal()] = Set.copyOf(all);
        }
        ALLOWED = allowed;
    }

    private QueryParameters() {}

    private static void swagger(Operation op, String... names) {
        add(DOCUMENTED, op, names);
    }

    private static void extra(Operation op, String... names) {
        add(UNDOCUMENTED, op, names);
    }

    private static void add(Map<Operation, Set<String>> map, Operation op, String... names) {
        if (map.put(op, Set.of(names)) != null) {
            throw new IllegalStateException("two query parameter lists for " + op);
        }
    }

    /** Whether the API defines the (decoded, case-sensitive) parameter {@code name} for {@code op}. */
    public static boolean defines(Operation op, String name) {
        return ALLOWED[op.ordinal()].contains(name);
    }

    /** Every parameter {@code op} may carry. */
    @SuppressWarnings("unchecked")
    public static Set<String> of(Operation op) {
        return (Set<String>) ALLOWED[op.ordinal()];
    }

    /** The parameters the swagger files (v1.24 .. v1.56) document for {@code op}; empty for routes they do not list. */
    static Set<String> documented(Operation op) {
        return DOCUMENTED.getOrDefault(op, Set.of());
    }

    /** The parameters of {@link #of} that no swagger file documents. */
    static Set<String> undocumented(Operation op) {
        return UNDOCUMENTED.getOrDefault(op, Set.of());
    }
}
