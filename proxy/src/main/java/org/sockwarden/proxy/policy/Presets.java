package org.sockwarden.proxy.policy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.sockwarden.proxy.api.RedactedField;

/**
 * Least-privilege permission sets for well-known Docker API clients, each the calls that client
 * makes in normal operation (its Docker SDK calls), by operation name so that no section flag
 * brings along more than it uses.
 */
public final class Presets {

    /**
     * {@code basis} names the client's source files and the calls in them that the set covers, so a
     * reader can check it against a newer version of the client. {@code redacted}: the fields of container
     * inspect answers the client never reads and so does not get, set on a client when the preset is applied.
     */
    public record Preset(String name, String description, List<String> permissions, String basis, Set<RedactedField> redacted) {
        public PermissionSet permissionSet() {
            return PermissionSet.parse(permissions);
        }
    }

    private static final List<String> HANDSHAKE = List.of("SYSTEM_PING", "SYSTEM_VERSION");
    private static final Map<String, Preset> ALL = new LinkedHashMap<>();
    /**
     * Presets of clients that read container labels, state and networks but never the environment: their
     * inspect answers come without Config.Env, where secrets are passed.
     */
    private static final Set<String> NEVER_READ_ENV = Set.of("traefik", "homepage", "uptime-kuma", "diun", "glances", "netdata", "discovery");

    static {
        add("traefik", "Traefik's docker and swarm providers",
                List.of("CONTAINERS_LIST", "CONTAINERS_INSPECT", "SYSTEM_EVENTS", "SERVICES_LIST", "NETWORKS_LIST", "TASKS_LIST",
                        "NODES_INSPECT"),
                "traefik pkg/provider/docker/pdocker.go: ServerVersion, ContainerList(all), ContainerInspect, Events(type=container); "
                        + "pswarm.go: ServiceList, NetworkList, TaskList, NodeInspect; HEAD /_ping health checks");
        add("portainer", "Portainer managing a local environment (an admin UI: nearly everything)",
                List.of("CONTAINERS", "IMAGES", "NETWORKS", "VOLUMES", "SERVICES", "TASKS", "NODES", "SECRETS", "CONFIGS",
                        "SWARM", "PLUGINS", "SYSTEM", "INFO", "EVENTS", "EXEC", "BUILD", "COMMIT", "DISTRIBUTION", "AUTH",
                        "POST", "CONTAINERS_ARCHIVE", "CONTAINERS_ARCHIVE_PUT", "CONTAINERS_ATTACH_WS", "IMAGES_EXPORT",
                        "CONTAINERS_EXPORT"),
                "the Docker API proxy of its UI: every section; console (attach/ws, exec), file browser (archive), image export");
        add("watchtower", "Watchtower updating containers to newer images",
                List.of("CONTAINERS_LIST", "CONTAINERS_INSPECT", "CONTAINERS_CREATE", "CONTAINERS_START", "CONTAINERS_KILL",
                        "CONTAINERS_DELETE", "CONTAINERS_RENAME", "IMAGES_INSPECT", "IMAGES_CREATE", "IMAGES_DELETE",
                        "NETWORKS_CONNECT", "NETWORKS_DISCONNECT"),
                "containrrr/watchtower pkg/container/client.go: ContainerList, ContainerInspect, ImageInspectWithRaw, ImagePull, "
                        + "ContainerKill (its stop), ContainerRemove, ContainerCreate, NetworkDisconnect/Connect, ContainerStart, "
                        + "ContainerRename, ImageRemove (--cleanup); lifecycle hooks also need CONTAINERS_EXEC EXEC_START EXEC_INSPECT");
        add("homepage", "Homepage's docker integration (status and stats widgets)",
                List.of("CONTAINERS_LIST", "CONTAINERS_INSPECT", "CONTAINERS_STATS", "SERVICES_LIST", "SERVICES_INSPECT", "TASKS_LIST"),
                "gethomepage/homepage src/pages/api/docker/status/[...service].js, stats/[...service].js, src/utils/config/service-helpers.js: " + "dockerode listContainers, container inspect and stats by name; swarm: services, service inspect, tasks");
        add("dozzle", "Dozzle log viewer",
                List.of("CONTAINERS_LIST", "CONTAINERS_INSPECT", "CONTAINERS_LOGS", "CONTAINERS_STATS", "SYSTEM_INFO",
                        "SYSTEM_EVENTS"),
                "amir20/dozzle internal/docker/client.go: Ping, ContainerList(all), ContainerInspect, ContainerLogs (follow), "
                        + "ContainerStats (stream), Events; Info for host details; its start/stop/restart actions need "
                        + "ALLOW_START ALLOW_STOP ALLOW_RESTARTS on top");
        add("diun", "Diun image update notifier",
                List.of("CONTAINERS_LIST", "IMAGES_INSPECT", "SERVICES_LIST"),
                "crazy-max/diun internal/provider/docker/container.go: ContainerList, ImageInspect; internal/provider/swarm/service.go: ServiceList");
        add("uptime-kuma", "Uptime Kuma's docker container monitor",
                List.of("CONTAINERS_LIST", "CONTAINERS_INSPECT"),
                "louislam/uptime-kuma server/docker.js (host test: GET /containers/json), server/model/monitor.js: GET /containers/{name}/json");
        add("glances", "Glances' docker plugin",
                List.of("CONTAINERS_LIST", "CONTAINERS_INSPECT", "CONTAINERS_STATS"),
                "nicolargo/glances glances/plugins/containers/engines/docker.py: docker-py containers.list, container attrs, stats(stream); " + "image names need IMAGES_INSPECT on top");
        add("netdata", "Netdata's cgroup name resolution and docker collector",
                List.of("CONTAINERS_LIST", "CONTAINERS_INSPECT", "IMAGES_LIST", "SYSTEM_INFO"),
                "netdata src/collectors/cgroups.plugin/cgroup-name/container_runtime.go: GET /containers/{id}/json; " + "src/go/plugin/go.d/collector/docker/collect.go: Info, ImageList, ContainerList");
        add("crowdsec", "CrowdSec's docker log acquisition",
                List.of("CONTAINERS_LIST", "CONTAINERS_INSPECT", "CONTAINERS_LOGS", "SYSTEM_INFO", "SYSTEM_EVENTS"),
                "crowdsecurity/crowdsec pkg/acquisition/modules/docker/{config,run,source}.go: Info, ContainerList, ContainerInspect, " + "ContainerLogs (follow), Events; swarm services need SERVICES_LIST SERVICES_INSPECT SERVICES_LOGS on top");
        add("discovery", "Read-only topology for a CMDB or discovery service",
                List.of("CONTAINERS_LIST", "CONTAINERS_INSPECT", "NETWORKS_LIST", "NETWORKS_INSPECT", "SERVICES_LIST",
                        "SERVICES_INSPECT", "TASKS_LIST", "TASKS_INSPECT", "SYSTEM_INFO", "SYSTEM_EVENTS"),
                "containers, networks, services, tasks and events, read only: no logs, no files, no exec");
    }

    private Presets() {}

    private static void add(String name, String description, List<String> permissions, String basis) {
        List<String> all = new java.util.ArrayList<>(HANDSHAKE);
        all.addAll(permissions);
        Preset p = new Preset(name, description, List.copyOf(all), basis,
                NEVER_READ_ENV.contains(name) ? Set.of(RedactedField.CONFIG_ENV) : Set.of());
        p.permissionSet(); // every name must exist: a typo here fails at class init and in tests
        ALL.put(name, p);
    }

    public static List<Preset> all() {
        return List.copyOf(ALL.values());
    }

    public static Preset get(String name) {
        Preset p = ALL.get(name);
        if (p == null) {
            Optional<String> near = Suggestions.nearest(name, ALL.keySet());
            throw new IllegalArgumentException("unknown preset " + name + near.map(n -> " (did you mean " + n + "?)").orElse("")
                    + "; presets: " + String.join(", ", ALL.keySet()));
        }
        return p;
    }
}
