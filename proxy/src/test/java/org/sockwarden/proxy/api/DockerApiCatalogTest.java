package org.sockwarden.proxy.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DockerApiCatalogTest {

    private static final String HEX = "3f4e8b2a9c1d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f";
    private static final String DIGEST = "sha256:" + "a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4";

    private static final String FIRST_VERSION = "1.24";
    private static final String NEWEST_VERSION = "1.56";

    /**
     * Documented endpoints that no engine from 1.13 on routes. GET /plugins/{name} is in the v1.24
     * (Docker 1.12) docs only: 1.12 registered {@code /plugins/{name:.*}} in experimental builds;
     * 1.13 replaced it with /plugins/{name}/json, so every engine sockwarden fronts answers 404.
     */
    static final Set<String> DOCUMENTED_BUT_UNROUTED = Set.of("v1.24.txt GET /plugins/{name}");

    record Endpoint(String file, String method, String template) {
        String key() {
            return file + " " + method + " " + template;
        }
    }

    static List<String> versionFiles() {
        List<String> files = new ArrayList<>();
        for (int minor = 24; minor < 100; minor++) {
            String name = "v1." + minor + ".txt";
            if (DockerApiCatalogTest.class.getResource("/engine-api/" + name) == null) {
                break;
            }
            files.add(name);
        }
        return files;
    }

    static List<Endpoint> endpoints(String file) throws IOException {
        List<Endpoint> out = new ArrayList<>();
        try (InputStream in = DockerApiCatalogTest.class.getResourceAsStream("/engine-api/" + file)) {
            assertThat(in).as(file).isNotNull();
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = r.readLine()) != null) {
                int hash = line.indexOf('#');
                if (hash >= 0) {
                    line = line.substring(0, hash);
                }
                line = line.strip();
                if (line.isEmpty()) {
                    continue;
                }
                String[] parts = line.split(" ");
                assertThat(parts).as("%s: %s", file, line).hasSize(2);
                out.add(new Endpoint(file, parts[0], parts[1]));
            }
        }
        return out;
    }

    @Test
    void versionFilesCoverEverySupportedVersion() {
        List<String> files = versionFiles();
        assertThat(files).first().isEqualTo("v" + FIRST_VERSION + ".txt");
        assertThat(files).last().isEqualTo("v" + NEWEST_VERSION + ".txt");
        assertThat(DockerApiCatalogTest.class.getResource("/engine-api/v1." + (Integer.parseInt(NEWEST_VERSION.substring(2)) + 1) + ".txt"))
                .isNull();
    }

    @Test
    void versionFilesAreSortedAndFormatted() throws IOException {
        for (String file : versionFiles()) {
            List<String> lines = new ArrayList<>();
            for (Endpoint e : endpoints(file)) {
                assertThat(e.method()).as(file).isIn("GET", "HEAD", "POST", "PUT", "DELETE");
                assertThat(e.template()).as(file).startsWith("/");
                lines.add(e.method() + " " + e.template());
            }
            assertThat(lines).as(file).isSorted().doesNotHaveDuplicates().isNotEmpty();
        }
    }

    /** Realistic values for one path parameter, chosen by the path's first segment and the name. */
    static List<String> values(String template, String param) {
        String section = template.substring(1).split("/", 2)[0];
        if (param.equals("checkpoint")) {
            return List.of("cp1", "checkpoint-2024.01");
        }
        switch (section) {
            case "images":
                return List.of("busybox", "ghcr.io/a/b:tag", "busybox@" + DIGEST, "localhost:5000/ns/img:1.0",
                        DIGEST, "a/history", "docker.io/library/ubuntu:22.04@" + DIGEST);
            case "distribution":
                return List.of("busybox", "ghcr.io/a/b:tag", "busybox@" + DIGEST, "registry.example.com:443/team/app:v2");
            case "plugins":
                return List.of("vieux/sshfs:latest", "ghcr.io/a/plugin:1.0", "tiborvass/no-remove", HEX);
            case "containers":
                return List.of("web", HEX, HEX.substring(0, 12), "my_app.1", "compose-db-1");
            case "exec":
                return List.of(HEX, HEX.substring(0, 12));
            case "networks":
                return List.of("bridge", "my-net", HEX, "compose_default");
            case "volumes":
                return List.of("data", HEX, "compose_db-data");
            case "debug":
                return List.of("heap", "goroutine", "allocs");
            case "services":
            case "nodes":
            case "tasks":
            case "secrets":
            case "configs":
                return List.of("web", "9mnpnzenvg8p8tdbtq4wvbkcz", "my_stack_web");
            default:
                throw new AssertionError("no sample values for {" + param + "} in " + template);
        }
    }

    private static final Pattern PARAM = Pattern.compile("\\{([^}:]+)(?::[^}]*)?}");

    /** Every combination would explode; fill all params with the i-th value (wrapping). */
    static List<String> fill(String template) {
        Matcher m = PARAM.matcher(template);
        List<String> names = new ArrayList<>();
        while (m.find()) {
            names.add(m.group(1));
        }
        if (names.isEmpty()) {
            return List.of(template);
        }
        int variants = 1;
        for (String n : names) {
            variants = Math.max(variants, values(template, n).size());
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < variants; i++) {
            StringBuilder sb = new StringBuilder();
            Matcher mm = PARAM.matcher(template);
            int k = 0;
            while (mm.find()) {
                List<String> vs = values(template, names.get(k++));
                mm.appendReplacement(sb, Matcher.quoteReplacement(vs.get(i % vs.size())));
            }
            mm.appendTail(sb);
            out.add(sb.toString());
        }
        return out;
    }

    @Test
    void everyDocumentedEndpointOfEveryVersionAndEveryExtraRouteResolves() throws IOException {
        List<String> files = new ArrayList<>(versionFiles());
        files.add("extra-routes.txt");
        List<String> failures = new ArrayList<>();
        Set<String> unroutedSeen = new TreeSet<>();
        int checked = 0;
        for (String file : files) {
            for (Endpoint e : endpoints(file)) {
                Operation first = null;
                boolean unrouted = DOCUMENTED_BUT_UNROUTED.contains(e.key());
                for (String path : fill(e.template())) {
                    Operation op = DockerApi.match(e.method(), path);
                    checked++;
                    if (unrouted) {
                        unroutedSeen.add(e.key());
                        if (op != null) {
                            failures.add(e.key() + ": " + path + " expected unrouted, got " + op);
                        }
                        continue;
                    }
                    if (op == null) {
                        failures.add(e.key() + ": " + e.method() + " " + path + " -> null");
                    } else if (first == null) {
                        first = op;
                    } else if (op != first) {
                        failures.add(e.key() + ": " + path + " -> " + op + " but other values gave " + first);
                    }
                }
            }
        }
        assertThat(failures).isEmpty();
        assertThat(unroutedSeen).containsExactlyInAnyOrderElementsOf(DOCUMENTED_BUT_UNROUTED);
        assertThat(checked).isGreaterThan(3000);
    }

    static Stream<Arguments> wellKnown() {
        String img = "ghcr.io/a/b:tag";
        return Stream.of(
                // containers
                Arguments.of("GET", "/containers/json", "containers.list"),
                Arguments.of("GET", "/containers/json/json", "containers.inspect"),
                Arguments.of("GET", "/containers/" + HEX + "/json", "containers.inspect"),
                Arguments.of("GET", "/containers/web/logs", "containers.logs"),
                Arguments.of("GET", "/containers/web/stats", "containers.stats"),
                Arguments.of("GET", "/containers/web/top", "containers.top"),
                Arguments.of("GET", "/containers/web/changes", "containers.changes"),
                Arguments.of("POST", "/containers/create", "containers.create"),
                Arguments.of("POST", "/containers/create/start", "containers.start"),
                Arguments.of("POST", "/containers/web/start", "containers.start"),
                Arguments.of("POST", "/containers/web/stop", "containers.stop"),
                Arguments.of("POST", "/containers/web/restart", "containers.restart"),
                Arguments.of("POST", "/containers/web/kill", "containers.kill"),
                Arguments.of("POST", "/containers/web/wait", "containers.wait"),
                Arguments.of("POST", "/containers/web/attach", "containers.attach"),
                Arguments.of("POST", "/containers/prune", "containers.prune"),
                Arguments.of("DELETE", "/containers/web", "containers.delete"),
                Arguments.of("DELETE", "/containers/", "containers.delete"),
                Arguments.of("GET", "/containers/web/attach/ws", "containers.attach-ws"),
                Arguments.of("GET", "/containers/web/archive", "containers.archive"),
                Arguments.of("HEAD", "/containers/web/archive", "containers.archive"),
                Arguments.of("PUT", "/containers/web/archive", "containers.archive-put"),
                Arguments.of("GET", "/containers/web/export", "containers.export"),
                Arguments.of("POST", "/containers/web/copy", "containers.copy"),
                // checkpoints: registered first, single-segment names
                Arguments.of("DELETE", "/containers/web/checkpoints/cp1", "containers.checkpoint-delete"),
                Arguments.of("DELETE", "/containers/a/b/checkpoints/cp1", "containers.delete"),
                Arguments.of("DELETE", "/containers/web/checkpoints/cp1/x", "containers.delete"),
                Arguments.of("GET", "/containers/web/checkpoints", "containers.checkpoint-list"),
                Arguments.of("POST", "/containers/web/checkpoints", "containers.checkpoint-create"),
                // exec
                Arguments.of("POST", "/containers/web/exec", "containers.exec"),
                Arguments.of("POST", "/exec/" + HEX + "/start", "exec.start"),
                Arguments.of("POST", "/exec/" + HEX + "/resize", "exec.resize"),
                Arguments.of("GET", "/exec/" + HEX + "/json", "exec.inspect"),
                Arguments.of("POST", "/containers/a/exec/start", "containers.start"),
                // images, greedy names
                Arguments.of("GET", "/images/json", "images.list"),
                Arguments.of("GET", "/images/json/json", "images.inspect"),
                Arguments.of("GET", "/images/" + img + "/json", "images.inspect"),
                Arguments.of("GET", "/images/busybox@" + DIGEST + "/json", "images.inspect"),
                Arguments.of("GET", "/images/a/history/json", "images.inspect"),
                Arguments.of("GET", "/images/a/json/history", "images.history"),
                Arguments.of("GET", "/images/a/get/history", "images.history"),
                Arguments.of("GET", "/images/search", "images.search"),
                Arguments.of("GET", "/images/search/json", "images.inspect"),
                Arguments.of("GET", "/images/get", "images.export"),
                Arguments.of("GET", "/images/" + img + "/get", "images.export"),
                Arguments.of("GET", "/images/" + img + "/attestations", "images.attestations"),
                Arguments.of("POST", "/images/create", "images.create"),
                Arguments.of("POST", "/images/load", "images.load"),
                Arguments.of("POST", "/images/" + img + "/push", "images.push"),
                Arguments.of("POST", "/images/" + img + "/tag", "images.tag"),
                Arguments.of("POST", "/images/prune", "images.prune"),
                Arguments.of("DELETE", "/images/" + img, "images.delete"),
                Arguments.of("DELETE", "/images/a/json", "images.delete"),
                Arguments.of("DELETE", "/images/busybox@" + DIGEST, "images.delete"),
                // top-level sections
                Arguments.of("GET", "/_ping", "system.ping"),
                Arguments.of("HEAD", "/_ping", "system.ping"),
                Arguments.of("GET", "/version", "system.version"),
                Arguments.of("GET", "/info", "system.info"),
                Arguments.of("GET", "/events", "system.events"),
                Arguments.of("GET", "/system/df", "system.df"),
                Arguments.of("POST", "/auth", "system.auth"),
                Arguments.of("POST", "/build", "images.build"),
                Arguments.of("POST", "/build/prune", "build.prune"),
                Arguments.of("POST", "/build/cancel", "build.cancel"),
                Arguments.of("POST", "/commit", "images.commit"),
                Arguments.of("POST", "/session", "session.start"),
                Arguments.of("POST", "/grpc", "grpc.connect"),
                Arguments.of("GET", "/distribution/" + img + "/json", "distribution.inspect"),
                Arguments.of("GET", "/distribution/busybox@" + DIGEST + "/json", "distribution.inspect"),
                // swarm
                Arguments.of("GET", "/swarm", "swarm.inspect"),
                Arguments.of("GET", "/swarm/unlockkey", "swarm.unlockkey"),
                Arguments.of("POST", "/swarm/init", "swarm.init"),
                Arguments.of("POST", "/swarm/unlock", "swarm.unlock"),
                Arguments.of("GET", "/services/web", "services.inspect"),
                Arguments.of("POST", "/services/create", "services.create"),
                Arguments.of("POST", "/services/web/update", "services.update"),
                Arguments.of("GET", "/services/web/logs", "services.logs"),
                Arguments.of("GET", "/tasks/abc/logs", "tasks.logs"),
                Arguments.of("GET", "/secrets/abc", "secrets.inspect"),
                Arguments.of("POST", "/configs/create", "configs.create"),
                Arguments.of("DELETE", "/nodes/abc", "nodes.delete"),
                // networks
                Arguments.of("GET", "/networks", "networks.list"),
                Arguments.of("GET", "/networks/", "networks.list"),
                Arguments.of("GET", "/networks/bridge", "networks.inspect"),
                Arguments.of("GET", "/networks/a/b", "networks.inspect"),
                Arguments.of("POST", "/networks/create", "networks.create"),
                Arguments.of("POST", "/networks/my-net/connect", "networks.connect"),
                Arguments.of("POST", "/networks/create/connect", "networks.connect"),
                Arguments.of("POST", "/networks/my-net/disconnect", "networks.disconnect"),
                Arguments.of("DELETE", "/networks/my-net", "networks.delete"),
                // volumes
                Arguments.of("GET", "/volumes", "volumes.list"),
                Arguments.of("GET", "/volumes/data", "volumes.inspect"),
                Arguments.of("GET", "/volumes/", "volumes.inspect"),
                Arguments.of("POST", "/volumes/create", "volumes.create"),
                Arguments.of("PUT", "/volumes/data", "volumes.update"),
                Arguments.of("DELETE", "/volumes/data", "volumes.delete"),
                // plugins
                Arguments.of("GET", "/plugins", "plugins.list"),
                Arguments.of("GET", "/plugins/privileges", "plugins.privileges"),
                Arguments.of("GET", "/plugins/privileges/json", "plugins.inspect"),
                Arguments.of("GET", "/plugins/vieux/sshfs:latest/json", "plugins.inspect"),
                Arguments.of("POST", "/plugins/pull", "plugins.pull"),
                Arguments.of("POST", "/plugins/vieux/sshfs:latest/enable", "plugins.enable"),
                Arguments.of("POST", "/plugins/create", "plugins.create"),
                Arguments.of("DELETE", "/plugins/vieux/sshfs:latest", "plugins.delete"),
                // debug and OPTIONS
                Arguments.of("GET", "/debug/vars", "system.debug"),
                Arguments.of("GET", "/debug/pprof/heap", "system.debug"),
                Arguments.of("POST", "/debug/pprof/symbol", "system.debug"),
                Arguments.of("OPTIONS", "/", "system.options"),
                Arguments.of("OPTIONS", "/containers/web/exec", "system.options"),
                // newline: Go's '.' does not match it, [^/]+ does
                Arguments.of("GET", "/containers/a\nb/json", null),
                Arguments.of("GET", "/services/a\nb", "services.inspect"),
                Arguments.of("DELETE", "/containers/a\nb/checkpoints/c", "containers.checkpoint-delete"),
                Arguments.of("OPTIONS", "/a\nb", null),
                // 404s
                Arguments.of("HEAD", "/containers/web/json", null),
                Arguments.of("GET", "/containers/web/attach", null),
                Arguments.of("POST", "/containers/web/attach/ws", null),
                Arguments.of("GET", "/containers/web", null),
                Arguments.of("GET", "/containers", null),
                Arguments.of("GET", "/services/a/b", null),
                Arguments.of("GET", "/services/", null),
                Arguments.of("GET", "/plugins/vieux/sshfs", null),
                Arguments.of("GET", "/Containers/json", null),
                Arguments.of("get", "/containers/json", null),
                Arguments.of("PATCH", "/containers/web/update", null),
                Arguments.of("GET", "/_ping/", null),
                Arguments.of("GET", "/", null),
                Arguments.of("GET", "", null),
                Arguments.of("GET", "containers/json", null),
                Arguments.of("HEAD", "/debug/pprof/a/b", null),
                Arguments.of("GET", "/v1.41/containers/json", null));
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @MethodSource("wellKnown")
    void wellKnownCases(String method, String path, String expectedId) {
        Operation op = DockerApi.match(method, path);
        assertThat(op == null ? null : op.id()).isEqualTo(expectedId);
    }

    @Test
    void fixedChoices() {
        assertThat(Operation.CONTAINERS_EXEC).extracting(Operation::section, Operation::access)
                .containsExactly(Section.EXEC, Access.WRITE);
        assertThat(Operation.EXEC_START.hijack()).isTrue();
        assertThat(Operation.SYSTEM_PING.section()).isEqualTo(Section.PING);
        assertThat(Operation.SYSTEM_VERSION.section()).isEqualTo(Section.VERSION);
        assertThat(Operation.SYSTEM_INFO.section()).isEqualTo(Section.INFO);
        assertThat(Operation.SYSTEM_EVENTS.section()).isEqualTo(Section.EVENTS);
        assertThat(Operation.SYSTEM_DF.section()).isEqualTo(Section.SYSTEM);
        assertThat(Operation.SYSTEM_AUTH).extracting(Operation::section, Operation::access)
                .containsExactly(Section.AUTH, Access.WRITE);
        assertThat(Operation.IMAGES_BUILD.section()).isEqualTo(Section.BUILD);
        assertThat(Operation.IMAGES_COMMIT.section()).isEqualTo(Section.COMMIT);
        assertThat(Operation.SESSION_START).extracting(Operation::section, Operation::access, Operation::hijack)
                .containsExactly(Section.SESSION, Access.WRITE, true);
        assertThat(Operation.GRPC_CONNECT).extracting(Operation::section, Operation::access, Operation::hijack)
                .containsExactly(Section.GRPC, Access.WRITE, true);
        assertThat(Operation.DISTRIBUTION_INSPECT).extracting(Operation::section, Operation::access)
                .containsExactly(Section.DISTRIBUTION, Access.READ);
        assertThat(Section.values()).extracting(Enum::name).containsExactly(
                "AUTH", "BUILD", "COMMIT", "CONFIGS", "CONTAINERS", "DISTRIBUTION", "EVENTS", "EXEC", "GRPC",
                "IMAGES", "INFO", "NETWORKS", "NODES", "PING", "PLUGINS", "SECRETS", "SERVICES", "SESSION",
                "SWARM", "SYSTEM", "TASKS", "VERSION", "VOLUMES");
    }

    @Test
    void explicitAndHijackSetsAreExactlyTheReviewedOnes() {
        Set<Operation> explicit = EnumSet.noneOf(Operation.class);
        Set<Operation> hijack = EnumSet.noneOf(Operation.class);
        for (Operation op : Operation.values()) {
            if (op.access() == Access.EXPLICIT) {
                explicit.add(op);
            }
            if (op.hijack()) {
                hijack.add(op);
            }
        }
        assertThat(explicit).containsExactlyInAnyOrder(
                Operation.CONTAINERS_ARCHIVE, Operation.CONTAINERS_ARCHIVE_PUT, Operation.CONTAINERS_EXPORT,
                Operation.CONTAINERS_ATTACH_WS, Operation.CONTAINERS_COPY, Operation.CONTAINERS_CHECKPOINT_LIST,
                Operation.CONTAINERS_CHECKPOINT_CREATE, Operation.CONTAINERS_CHECKPOINT_DELETE,
                Operation.IMAGES_EXPORT, Operation.SWARM_UNLOCKKEY, Operation.SYSTEM_DEBUG, Operation.SYSTEM_OPTIONS);
        assertThat(hijack).containsExactlyInAnyOrder(Operation.CONTAINERS_ATTACH, Operation.EXEC_START,
                Operation.SESSION_START, Operation.GRPC_CONNECT, Operation.CONTAINERS_ATTACH_WS);
    }

    @Test
    void constantNameIsTheIdUpperCased() {
        Set<String> ids = new TreeSet<>();
        for (Operation op : Operation.values()) {
            // operation names and section flags share one permission namespace
            assertThat(Section.values()).extracting(Enum::name).as(op.name()).doesNotContain(op.name());
            assertThat(op.id()).matches("[a-z]+(\\.[a-z]+(-[a-z]+)*)?");
            assertThat(op.name()).isEqualTo(op.id().toUpperCase().replace('.', '_').replace('-', '_'));
            assertThat(ids.add(op.id())).isTrue();
        }
    }

    @Test
    void accessAgreesWithTheMethodsOfItsRoutes() {
        for (DockerApi.Route r : DockerApi.routes()) {
            Access a = r.operation().access();
            if (a == Access.READ) {
                assertThat(r.method()).as(r.toString()).isIn("GET", "HEAD");
            } else if (a == Access.WRITE) {
                assertThat(r.method()).as(r.toString()).isIn("POST", "PUT", "DELETE");
            }
        }
    }

    @Test
    void everyOperationHasARouteAndEveryRouteIsReachable() {
        Set<Operation> used = EnumSet.noneOf(Operation.class);
        for (DockerApi.Route r : DockerApi.routes()) {
            used.add(r.operation());
            String path = r.template().replaceAll("\\{[^}]+}", "x1");
            assertThat(DockerApi.match(r.method(), path)).as(r.toString()).isEqualTo(r.operation());
        }
        assertThat(used).containsExactlyInAnyOrder(Operation.values());
    }

    @Test
    void routesAreImmutableAndUnique() {
        List<DockerApi.Route> routes = DockerApi.routes();
        assertThatThrownBy(() -> routes.add(routes.get(0))).isInstanceOf(UnsupportedOperationException.class);
        Map<String, DockerApi.Route> seen = new LinkedHashMap<>();
        for (DockerApi.Route r : routes) {
            assertThat(seen.put(r.method() + " " + r.template(), r)).as(r.toString()).isNull();
        }
    }

    @Test
    void knownMethods() {
        for (String m : List.of("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS")) {
            assertThat(DockerApi.knownMethod(m)).as(m).isTrue();
        }
        for (String m : new String[] {"PATCH", "TRACE", "CONNECT", "get", "", "PROPFIND", null}) {
            assertThat(DockerApi.knownMethod(m)).as(String.valueOf(m)).isFalse();
        }
    }
}
