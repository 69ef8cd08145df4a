package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sockwarden.admin.migrate.Migration;
import org.sockwarden.proxy.api.DockerApi;
import org.sockwarden.proxy.api.Operation;
import org.sockwarden.store.Store;

/**
 * `sockwarden migrate compose` on compose files kept in the repository: four tecnativa proxies
 * (read-only, write, Traefik's, Watchtower's) become one sockwarden service whose clients decide every
 * operation of the catalog, asked one by one with `sockwarden explain`, as those proxies' env files
 * did; the rest of the file stays byte for byte; docker-compose accepts what it writes. The other
 * proxy images are read as their own sources decide, and what cannot be mapped is refused.
 */
class MigrateComposeTest {

    private static final String RESOURCES = "/org/sockwarden/admin/migrate/";

    @Test
    void fourProxiesBecomeOneSockwardenWhoseClientsDecideEveryOperationAsTheirEnvFilesDid(@TempDir Path tmp) throws Exception {
        // The README's walk-through, in a copy of examples/migrate.
        Path dir = Files.createDirectories(tmp.resolve("migrate"));
        for (String f : List.of("docker-compose.yml", "read-only.env", "write.env", "traefik.env", "watchtower.env")) {
            Files.copy(TestImage.repository().resolve("examples/migrate").resolve(f), dir.resolve(f));
        }
        Path compose = dir.resolve("docker-compose.yml");
        Path data = dir.resolve("sockwarden-data");
        Cli plan = cli("migrate", "compose", compose.toString(), "--data", data.toString());
        assertThat(plan.code()).as(plan.out()).isZero();
        assertThat(plan.out()).contains("client homepage for service homepage (was docker-proxy-ro): tcp://sockwarden:2380")
                .contains("--apply creates these 4 clients in " + data);
        assertThat(Files.exists(data)).isFalse();
        Cli apply = cli("migrate", "compose", compose.toString(), "--apply", "--data", data.toString());
        assertThat(apply.code()).as(apply.out()).isZero();
        Path out = dir.resolve("docker-compose.sockwarden.yml");
        assertThat(apply.out()).contains("created 4 clients in " + data + "; wrote " + out);

        // Every line but the proxies' blocks and the endpoints that named them is as it was.
        assertThat(Files.readString(out)).isEqualTo(resource("four-proxies.expected.yml"));
        dockerComposeAccepts(out);
        assertThat(cli("explain", "homepage", "GET", "/v1.41/containers/json", "--data", data.toString()).out())
                .contains("allowed: containers.list (GET /v1.41/containers/json) granted by CONTAINERS\nguard: passes\n");
        Cli narrow = cli("migrate", "compose", compose.toString(), "--narrow", "--data", data.toString());
        assertThat(narrow.out()).contains("client watchtower for service watchtower (was watchtower-proxy): tcp://sockwarden:2383\n"
                + "  preset watchtower, dropping ");

        Map<String, String> envFileOfClient = Map.of("homepage", "read-only.env", "portainer", "write.env", "traefik", "traefik.env",
                "watchtower", "watchtower.env");
        for (Map.Entry<String, String> e : envFileOfClient.entrySet()) {
            Map<String, String> env = envFile(dir.resolve(e.getValue()));
            Map<Operation, Boolean> checked = new EnumMap<>(Operation.class);
            for (DockerApi.Route route : DockerApi.routes()) {
                if (checked.containsKey(route.operation())) {
                    continue;
                }
                String path = "/v1.41" + route.template().replaceAll("\\{[^}]*}", "x1");
                Cli explain = cli("explain", e.getKey(), route.method(), path, "--data", data.toString());
                if (!explain.out().contains(": " + route.operation().id() + " (")) {
                    continue; // this sample path routes to another operation; another route of the operation is tried
                }
                boolean expected = tecnativaAllows(env, route.operation());
                // The permission decision is what the env file decided; the guard may still refuse a sample request without its body or query.
                boolean granted = explain.out().lines().anyMatch(l -> l.startsWith("allowed: "));
                assertThat(granted).as(e.getKey() + " (" + e.getValue() + "): " + explain.out()).isEqualTo(expected);
                checked.put(route.operation(), expected);
            }
            assertThat(checked.keySet()).as("every operation of the catalog checked for " + e.getKey()).containsAll(List.of(Operation.values()));
        }
    }

    /**
     * tecnativa/docker-socket-proxy's haproxy.cfg, written out here independently of migrate's rules:
     * without POST only GET and HEAD pass; ALLOW_RESTARTS, ALLOW_START and ALLOW_STOP allow those
     * container calls; otherwise the flag named by the path's first segment decides (EVENTS, PING and
     * VERSION default to on). An operation is allowed when any of its routes is.
     */
    private static boolean tecnativaAllows(Map<String, String> env, Operation op) {
        Map<String, String> flags = new LinkedHashMap<>(Map.of("EVENTS", "1", "PING", "1", "VERSION", "1"));
        flags.putAll(env);
        for (DockerApi.Route r : DockerApi.routes()) {
            if (r.operation() != op) {
                continue;
            }
            boolean read = r.method().equals("GET") || r.method().equals("HEAD");
            if (!read && !"1".equals(flags.get("POST"))) {
                continue;
            }
            String path = r.template();
            if (("1".equals(flags.get("ALLOW_RESTARTS")) && path.matches("/containers/[^/]+/(stop|restart|kill)"))
                    || ("1".equals(flags.get("ALLOW_START")) && path.matches("/containers/[^/]+/start"))
                    || ("1".equals(flags.get("ALLOW_STOP")) && path.matches("/containers/[^/]+/stop"))) {
                return true;
            }
            String first = path.split("/")[1];
            if ("1".equals(flags.get(first.equals("_ping") ? "PING" : first.toUpperCase(java.util.Locale.ROOT)))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void theOtherProxiesAreReadAsTheirSourcesDecide(@TempDir Path tmp) throws Exception {
        Path dir = copy("other-proxies", tmp, "docker-compose.yml");
        Migration plan = Migration.plan(dir.resolve("docker-compose.yml"), false);
        assertThat(plan.refusals()).isEmpty();
        Map<String, Set<Operation>> allowed = new LinkedHashMap<>();
        plan.proxies().forEach(p -> allowed.put(p.service(), p.allowed()));

        // linuxserver: CONTAINERS without ALLOW_LOGS reads no logs; ALLOW_START starts without POST.
        assertThat(allowed.get("lsio-proxy")).contains(Operation.CONTAINERS_LIST, Operation.CONTAINERS_START)
                .doesNotContain(Operation.CONTAINERS_LOGS, Operation.CONTAINERS_ARCHIVE, Operation.CONTAINERS_STOP, Operation.CONTAINERS_CREATE);
        // wollomatic: GET of the versioned paths its regex names, HEAD /_ping; GET /_ping was not allowed, sockwarden allows both.
        assertThat(allowed.get("wollo")).contains(Operation.SYSTEM_VERSION, Operation.CONTAINERS_LIST, Operation.CONTAINERS_LOGS,
                Operation.SYSTEM_EVENTS, Operation.SYSTEM_PING).doesNotContain(Operation.NETWORKS_LIST, Operation.CONTAINERS_CREATE);
        assertThat(plan.describe()).contains("note: -allowfrom=traefik: sockwarden tells its clients apart by their own ports instead")
                .contains("system.ping (also GET /v1.41/_ping, GET /_ping, HEAD /v1.41/_ping)");
        // 11notes: every read but what it blocks.
        assertThat(allowed.get("eleven")).contains(Operation.NETWORKS_LIST, Operation.SYSTEM_INFO, Operation.CONTAINERS_LOGS)
                .doesNotContain(Operation.CONTAINERS_ARCHIVE, Operation.CONTAINERS_EXPORT, Operation.SECRETS_LIST, Operation.CONTAINERS_CREATE);
        // mjmccans: its table lists NETWORKS_CONNECT twice, and the second entry, disconnect, is what it allows.
        assertThat(allowed.get("mjm")).contains(Operation.CONTAINERS_LIST, Operation.NETWORKS_DISCONNECT, Operation.IMAGES_DELETE,
                Operation.IMAGES_LIST).doesNotContain(Operation.NETWORKS_CONNECT, Operation.NETWORKS_LIST, Operation.IMAGES_CREATE);
        assertThat(plan.clients()).extracting(Migration.Client::name).containsExactly("dozzle", "traefik", "glances", "diun");

        // --narrow: Traefik's preset needs calls its proxy never allowed, so its grants stay; Glances' preset is a subset.
        Migration narrow = Migration.plan(dir.resolve("docker-compose.yml"), true);
        Migration.Client glances = narrow.clients().get(2);
        assertThat(glances.preset()).isEqualTo("glances");
        assertThat(glances.dropped()).contains("networks.list", "system.info").doesNotContain("containers.stats");
        assertThat(narrow.clients().get(1).preset()).isNull();
        assertThat(narrow.describe()).contains("preset traefik is not a subset of what its proxy allowed (it needs networks.list, nodes.inspect, services.list, tasks.list)");
    }

    @Test
    void whatCannotBeMappedIsRefusedAndNothingChanges(@TempDir Path tmp) throws Exception {
        Path compose = tmp.resolve("docker-compose.yml");
        Files.writeString(compose, """
                services:
                  proxy:
                    image: wollomatic/socket-proxy:1
                    command: ["-allowGET=/v1.41/containers/[a-z0-9]+/json", "-allowbindmountfrom=/srv"]
                    volumes: ["/var/run/docker.sock:/var/run/docker.sock:ro"]
                    networks: [socket]
                  app:
                    image: example/app
                    environment: ["DOCKER_HOST=tcp://proxy:2375"]
                    networks: [socket]
                  dashboard:
                    image: example/dashboard
                    networks: [socket]
                networks:
                  socket: {}
                """);
        Path data = tmp.resolve("data");
        Cli refused = cli("migrate", "compose", compose.toString(), "--apply", "--data", data.toString());
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.out()).contains("cannot migrate: proxy proxy: containers.inspect: the proxy's rules allow GET /v1.41/containers/{name}/json"
                        + " for some names and not for others")
                .contains("cannot migrate: proxy proxy: -allowbindmountfrom is not mapped")
                .contains("cannot migrate: service dashboard shares network socket with proxy proxy but names no proxy endpoint")
                .contains("nothing applied");
        assertThat(Files.exists(tmp.resolve("docker-compose.sockwarden.yml"))).isFalse();
        try (Store store = Store.open(data)) {
            assertThat(store.snapshot().clients()).isEmpty();
        }
    }

    static void dockerComposeAccepts(Path file) throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/docker-compose"))) {
            if ("true".equals(System.getenv("CI"))) {
                Assertions.fail("CI installs docker-compose (scripts/test.sh): this check must run there");
            }
            Assumptions.abort("docker-compose is not installed");
        }
        Process p = new ProcessBuilder("docker-compose", "-f", file.toString(), "config", "-q").redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("docker-compose config " + file + ": " + output).isZero();
    }

    record Cli(int code, String out) {}

    /** Runs the command in this JVM and captures what it prints. */
    static synchronized Cli cli(String... args) {
        PrintStream stdout = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            int code = Main.run(args);
            return new Cli(code, buffer.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(stdout);
        }
    }

    private static Path copy(String set, Path tmp, String... names) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(set));
        for (String n : names) {
            Files.writeString(dir.resolve(n), resource(set + "/" + n));
        }
        return dir;
    }

    private static String resource(String name) throws IOException {
        try (var in = MigrateComposeTest.class.getResourceAsStream(RESOURCES + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static Map<String, String> envFile(Path f) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        List<String> lines = new ArrayList<>(Files.readAllLines(f));
        for (String l : lines) {
            if (!l.isBlank() && !l.startsWith("#")) {
                env.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1));
            }
        }
        return env;
    }
}
