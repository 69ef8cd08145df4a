package org.sockwarden.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.sockwarden.proxy.guard.Guardrails;
import org.sockwarden.proxy.guard.Label;
import org.sockwarden.proxy.identity.Client;
import org.sockwarden.proxy.identity.ClientRules;
import org.sockwarden.proxy.limit.ClientLimits;
import org.sockwarden.proxy.policy.PermissionSet;
import org.sockwarden.proxy.testing.Docker;
import org.sockwarden.proxy.testing.RawHttp;
import org.sockwarden.proxy.testing.TestEngine;
import org.sockwarden.proxy.testing.TestProxy;

/**
 * Owner isolation against the real engine and the real docker CLI: two own-only clients, a and b, and an
 * unrestricted one. Their objects are made on the engine directly, with the owner label the proxy's guard
 * writes on creates, so that this test needs nothing but the owner checks: each own-only client sees and
 * reaches only its own, and another owner's object answers exactly as a missing one does.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OwnerIsolationTest {

    private static final String[] GRANTS = {"PING", "VERSION", "INFO", "CONTAINERS", "POST", "DELETE", "EXEC", "NETWORKS",
            "VOLUMES", "EVENTS", "IMAGES", "COMMIT", "SYSTEM", "CONTAINERS_ARCHIVE", "CONTAINERS_EXPORT"};
    private static final Duration ENGINE = Duration.ofSeconds(10);

    private final String p = "sw-own-" + UUID.randomUUID().toString().substring(0, 6);
    private final String ownerA = randomId();
    private final String ownerB = randomId();
    private final Docker direct = Docker.engine();
    private Path engine;
    private TestProxy proxy;
    private Docker a;
    private Docker b;
    private Docker all;
    private String b1Id;

    private static String randomId() {
        byte[] id = new byte[16];
        new java.security.SecureRandom().nextBytes(id);
        return HexFormat.of().formatHex(id);
    }

    private static Client client(String name, String owner) {
        // The guardrails that refuse every join and every VolumesFrom are relaxed, so that the owner check is what these tests meet.
        ClientRules rules = new ClientRules(false, Guardrails.parse("join-container volumes-from"), owner == null ? null : new Label(ClientRules.OWNER_LABEL, owner), ClientLimits.NONE, Set.of());
        return new Client(name, PermissionSet.parse(List.of(GRANTS)), Client.GrantAdvice.CLI, rules);
    }

    private String label(String owner) {
        return ClientRules.OWNER_LABEL + "=" + owner;
    }

    @BeforeAll
    void start() throws Exception {
        engine = TestEngine.socket();
        proxy = TestProxy.start(engine, client("a", ownerA), client("b", ownerB), client("all", null));
        a = new Docker(proxy.dockerHost("a"));
        b = new Docker(proxy.dockerHost("b"));
        all = new Docker(proxy.dockerHost("all"));
        direct.run("run", "-d", "--name", p + "-a1", "--network", "none", "--label", label(ownerA), TestEngine.IMAGE, "sleep", "300").ok();
        b1Id = direct.run("run", "-d", "--name", p + "-b1", "--network", "none", "--label", label(ownerB), TestEngine.IMAGE, "sleep", "300")
                .ok().stdout().trim();
        direct.run("run", "-d", "--name", p + "-u1", "--network", "none", TestEngine.IMAGE, "sleep", "300").ok();
        // The label key in another case is another label: not the owner's.
        direct.run("run", "-d", "--name", p + "-case", "--network", "none", "--label", "Org.Sockwarden.Owner=" + ownerA, TestEngine.IMAGE,
                "sleep", "300").ok();
        direct.run("network", "create", "--label", label(ownerA), p + "-na").ok();
        direct.run("network", "create", "--label", label(ownerB), p + "-nb").ok();
        direct.run("volume", "create", "--label", label(ownerA), p + "-va").ok();
        direct.run("volume", "create", "--label", label(ownerB), p + "-vb").ok();
    }

    @AfterAll
    void stop() throws Exception {
        String ids = direct.run("ps", "-aq", "--filter", "name=" + p).stdout();
        for (String id : ids.split("\\s+")) {
            if (!id.isBlank()) {
                direct.run("rm", "-f", id);
            }
        }
        for (String n : new String[] {"-na", "-nb", "-late-net"}) {
            direct.run("network", "rm", p + n);
        }
        for (String v : new String[] {"-va", "-vb"}) {
            direct.run("volume", "rm", "-f", p + v);
        }
        if (proxy != null) {
            proxy.close();
        }
    }

    /** The docker CLI's error for {@code args} on a missing object, with the missing name in place of {@code name}. */
    private String asMissing(Docker.Result foreign, String name, String... args) {
        String missing = p + "-nothing-" + UUID.randomUUID().toString().substring(0, 8);
        String[] replaced = java.util.Arrays.stream(args).map(x -> x.equals(name) ? missing : x).toArray(String[]::new);
        Docker.Result m = direct.run(replaced);
        assertThat(foreign.stderr()).as("%s", foreign.command()).isEqualTo(m.stderr().replace(missing, name));
        assertThat(foreign.stdout()).as("%s", foreign.command()).isEqualTo(m.stdout().replace(missing, name));
        assertThat(foreign.exitCode()).as("%s", foreign.command()).isEqualTo(m.exitCode());
        return foreign.stderr();
    }

    @Test
    void listsShowOnlyTheClientsOwnObjects() {
        String ps = a.run("ps", "-a", "--format", "{{.Names}}").ok().stdout();
        assertThat(ps).contains(p + "-a1").doesNotContain(p + "-b1").doesNotContain(p + "-u1").doesNotContain(p + "-case");
        assertThat(b.run("ps", "-a", "--format", "{{.Names}}").ok().stdout()).contains(p + "-b1").doesNotContain(p + "-a1");
        assertThat(a.run("network", "ls", "--format", "{{.Name}}").ok().stdout()).contains(p + "-na").doesNotContain(p + "-nb")
                .doesNotContain("none").doesNotContain("host");
        assertThat(a.run("volume", "ls", "--format", "{{.Name}}").ok().stdout()).contains(p + "-va").doesNotContain(p + "-vb");
        // The unrestricted client sees everything.
        assertThat(all.run("ps", "-a", "--format", "{{.Names}}").ok().stdout()).contains(p + "-a1", p + "-b1", p + "-u1");
        assertThat(all.run("network", "ls", "--format", "{{.Name}}").ok().stdout()).contains(p + "-na", p + "-nb", "none");
        assertThat(all.run("volume", "ls", "--format", "{{.Name}}").ok().stdout()).contains(p + "-va", p + "-vb");
    }

    @Test
    void anotherOwnersContainerAnswersAsAMissingOne() {
        String b1 = p + "-b1";
        for (String[] args : List.of(new String[] {"container", "inspect", b1}, new String[] {"stop", b1}, new String[] {"rm", "-f", b1},
                new String[] {"exec", b1, "true"}, new String[] {"logs", b1}, new String[] {"kill", b1}, new String[] {"top", b1},
                new String[] {"restart", b1}, new String[] {"pause", b1}, new String[] {"rename", b1, p + "-renamed"},
                new String[] {"wait", b1}, new String[] {"port", b1}, new String[] {"diff", b1}, new String[] {"export", b1},
                new String[] {"cp", b1 + ":/etc/hostname", "-"}, new String[] {"update", "--cpu-shares", "512", b1},
                new String[] {"commit", b1, p + "-img"}, new String[] {"stats", "--no-stream", b1}, new String[] {"attach", b1})) {
            Docker.Result r = a.run(args);
            if (args[0].equals("cp")) {
                assertThat(r.stderr()).contains("No such container:");
            } else {
                asMissing(r, b1, args);
            }
        }
        // Unlabelled containers and a label key in another case are no one's.
        asMissing(a.run("container", "inspect", p + "-u1"), p + "-u1", "container", "inspect", p + "-u1");
        asMissing(a.run("stop", p + "-case"), p + "-case", "stop", p + "-case");
        // Still there and running, untouched.
        assertThat(direct.run("inspect", "-f", "{{.State.Running}} {{.Name}}", b1).ok().stdout().trim()).isEqualTo("true /" + b1);
        assertThat(direct.run("image", "inspect", p + "-img").exitCode()).isNotZero();
        // b reaches it, and so does the unrestricted client.
        assertThat(b.run("container", "inspect", "-f", "{{.Name}}", b1).ok().stdout().trim()).isEqualTo("/" + b1);
        assertThat(all.run("logs", b1).exitCode()).isZero();
    }

    @Test
    void theOwnersOwnCallsWorkByNameIdAndPrefix() {
        String a1 = p + "-a1";
        String id = direct.run("inspect", "-f", "{{.Id}}", a1).ok().stdout().trim();
        assertThat(a.run("container", "inspect", "-f", "{{.Id}}", a1).ok().stdout().trim()).isEqualTo(id);
        assertThat(a.run("container", "inspect", "-f", "{{.Name}}", id.substring(0, 12)).ok().stdout().trim()).isEqualTo("/" + a1);
        assertThat(a.run("exec", a1, "echo", "hello").ok().stdout()).isEqualTo("hello\n");
        assertThat(a.run("top", a1).ok().stdout()).contains("sleep");
        assertThat(a.run("logs", a1).exitCode()).isZero();
        assertThat(a.run("network", "inspect", "-f", "{{.Name}}", p + "-na").ok().stdout().trim()).isEqualTo(p + "-na");
        assertThat(a.run("volume", "inspect", "-f", "{{.Name}}", p + "-va").ok().stdout().trim()).isEqualTo(p + "-va");
    }

    @Test
    void anIdPrefixOfAnotherOwnersContainerIsMissing() throws Exception {
        String prefix = b1Id.substring(0, 10);
        asMissing(a.run("container", "inspect", prefix), prefix, "container", "inspect", prefix);
        asMissing(a.run("stop", prefix), prefix, "stop", prefix);
        // The full ID too, and with the API version prefix, in raw HTTP.
        RawHttp.Answer raw = raw("a", "POST /v1.41/containers/" + b1Id + "/kill", null);
        assertThat(raw.status()).isEqualTo(404);
        assertThat(raw.text()).contains("{\"message\":\"Cannot kill container: " + b1Id + ": No such container: " + b1Id + "\"}");
        assertThat(direct.run("inspect", "-f", "{{.State.Running}}", b1Id).ok().stdout().trim()).isEqualTo("true");
    }

    @Test
    void aNameProbedBeforeItsCreationIsLookedUpAgain() {
        String late = p + "-late";
        asMissing(a.run("container", "inspect", late), late, "container", "inspect", late);
        // b's container takes the name: still missing for a.
        direct.run("create", "--name", late, "--network", "none", "--label", label(ownerB), TestEngine.IMAGE, "true").ok();
        asMissing(a.run("container", "inspect", late), late, "container", "inspect", late);
        asMissing(a.run("rm", late), late, "rm", late);
        assertThat(b.run("container", "inspect", "-f", "{{.Name}}", late).ok().stdout().trim()).isEqualTo("/" + late);
        direct.run("rm", late).ok();
        // a's own under that name: reachable at once, nothing was remembered.
        a.run("container", "inspect", late).failed();
        direct.run("create", "--name", late, "--network", "none", "--label", label(ownerA), TestEngine.IMAGE, "true").ok();
        assertThat(a.run("container", "inspect", "-f", "{{.Name}}", late).ok().stdout().trim()).isEqualTo("/" + late);
        a.run("rm", late).ok();
        assertThat(direct.run("inspect", late).exitCode()).isNotZero();
    }

    @Test
    void execInstancesOfAnotherOwnersContainerAreMissing() throws Exception {
        String exec = createExec(p + "-b1");
        for (String call : new String[] {"GET /v1.41/exec/" + exec + "/json", "POST /v1.41/exec/" + exec + "/resize?h=10&w=10"}) {
            RawHttp.Answer r = raw("a", call, null);
            assertThat(r.status()).as(call).isEqualTo(404);
            assertThat(r.text()).contains("{\"message\":\"No such exec instance: " + exec + "\"}");
        }
        RawHttp.Answer start = raw("a", "POST /v1.41/exec/" + exec + "/start", "{\"Detach\":true}");
        assertThat(start.status()).isEqualTo(404);
        assertThat(start.text()).contains("No such exec instance: " + exec);
        assertThat(engineGet("/exec/" + exec + "/json")).contains("\"Running\":false").contains("\"Pid\":0");
        // b's own exec is b's.
        assertThat(raw("b", "GET /v1.41/exec/" + exec + "/json", null).status()).isEqualTo(200);
    }

    private String createExec(String container) throws Exception {
        RawHttp.Answer r = RawHttp.unix(engine, post("/containers/" + container + "/exec", "{\"Cmd\":[\"true\"]}"), ENGINE);
        Matcher m = Pattern.compile("\"Id\":\"([0-9a-f]{64})\"").matcher(r.text());
        assertThat(m.find()).as(r.text()).isTrue();
        return m.group(1);
    }

    private String engineGet(String path) throws Exception {
        return RawHttp.unix(engine, "GET " + path + " HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n", ENGINE).text();
    }

    private static String post(String target, String body) {
        return "POST " + target + " HTTP/1.1\r\nHost: docker\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }

    private RawHttp.Answer raw(String client, String requestLine, String body) throws Exception {
        String[] parts = requestLine.split(" ", 2);
        String request = body == null
                ? parts[0] + " " + parts[1] + " HTTP/1.1\r\nHost: docker\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
                : post(parts[1], body).replaceFirst("^POST", parts[0]);
        return RawHttp.unix(proxy.socket(client), request, ENGINE);
    }

    private static String filters(String json) {
        return URLEncoder.encode(json, StandardCharsets.UTF_8);
    }

    @Test
    void filtersInEveryFormCannotWidenAList() throws Exception {
        String b1 = p + "-b1";
        String other = label(ownerB);
        for (String f : new String[] {"{\"label\":{\"" + other + "\":true}}", "{\"label\":[\"" + other + "\"]}",
                "{\"label\":{\"" + label(ownerA) + "\":false}}", "{\"name\":{\"" + b1 + "\":true}}", "{}", "null", "",
                "{\"label\":null}"}) {
            RawHttp.Answer r = raw("a", "GET /v1.41/containers/json?all=1&filters=" + filters(f), null);
            assertThat(r.status()).as(f).isEqualTo(200);
            assertThat(r.text()).as(f).doesNotContain(b1).doesNotContain(p + "-u1");
        }
        // Mixed forms, garbage, trailing content and a repeated parameter (also one spelt with an escape) are refused.
        for (String q : new String[] {"filters=" + filters("{\"label\":{\"x\":true},\"name\":[\"y\"]}"), "filters=" + filters("{"),
                "filters=" + filters("[\"label\"]"), "filters=" + filters("{\"label\":{\"x\":1}}"), "filters=" + filters("{} {}"),
                "filters=" + filters("  "), "filters=%7B%7D&filters=" + filters("{\"label\":[\"" + other + "\"]}"),
                "filters=%7B%7D&%66ilters=%7B%7D", "filters=%7B%7D;x=1", "filters=%zz"}) {
            RawHttp.Answer r = raw("a", "GET /v1.41/containers/json?all=1&" + q, null);
            assertThat(r.status()).as(q).isEqualTo(400);
            assertThat(r.text()).as(q).doesNotContain(b1);
        }
        // Networks and volumes the same way.
        assertThat(raw("a", "GET /v1.41/networks?filters=" + filters("{\"label\":[\"" + other + "\"]}"), null).text())
                .doesNotContain(p + "-nb");
        assertThat(raw("a", "GET /v1.41/volumes?filters=" + filters("{\"name\":{\"" + p + "-vb\":true}}"), null).text())
                .doesNotContain(p + "-vb");
        // A form body would be read as the query by the engine: refused.
        String form = "filters=%7B%7D";
        RawHttp.Answer prune = RawHttp.unix(proxy.socket("a"), "POST /v1.41/containers/prune HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n"
                + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + form.length() + "\r\n\r\n" + form, ENGINE);
        assertThat(prune.status()).isEqualTo(400);
    }

    @Test
    void pruneRemovesOnlyTheClientsOwnObjects() {
        direct.run("create", "--name", p + "-stopped-a", "--network", "none", "--label", label(ownerA), TestEngine.IMAGE, "true").ok();
        direct.run("create", "--name", p + "-stopped-b", "--network", "none", "--label", label(ownerB), TestEngine.IMAGE, "true").ok();
        direct.run("create", "--name", p + "-stopped-u", "--network", "none", TestEngine.IMAGE, "true").ok();
        direct.run("volume", "create", "--label", label(ownerA), p + "-vpa").ok();
        direct.run("volume", "create", "--label", label(ownerB), p + "-vpb").ok();
        direct.run("network", "create", "--label", label(ownerB), p + "-npb").ok();
        direct.run("network", "create", "--label", label(ownerA), p + "-npa").ok();
        try {
            a.run("container", "prune", "-f").ok();
            a.run("volume", "prune", "-f").ok();
            a.run("network", "prune", "-f").ok();
            assertThat(direct.run("inspect", p + "-stopped-a").exitCode()).isNotZero();
            assertThat(direct.run("inspect", p + "-stopped-b").exitCode()).isZero();
            assertThat(direct.run("inspect", p + "-stopped-u").exitCode()).isZero();
            assertThat(direct.run("volume", "inspect", p + "-vpa").exitCode()).isNotZero();
            assertThat(direct.run("volume", "inspect", p + "-vpb").exitCode()).isZero();
            assertThat(direct.run("network", "inspect", p + "-npa").exitCode()).isNotZero();
            assertThat(direct.run("network", "inspect", p + "-npb").exitCode()).isZero();
            // The unused own network and volume of the other tests were pruned too: put them back.
        } finally {
            direct.run("rm", "-f", p + "-stopped-b", p + "-stopped-u");
            direct.run("volume", "rm", "-f", p + "-vpb", p + "-vpa");
            direct.run("network", "rm", p + "-npb", p + "-npa");
            if (direct.run("network", "inspect", p + "-na").exitCode() != 0) {
                direct.run("network", "create", "--label", label(ownerA), p + "-na").ok();
            }
            if (direct.run("volume", "inspect", p + "-va").exitCode() != 0) {
                direct.run("volume", "create", "--label", label(ownerA), p + "-va").ok();
            }
        }
    }

    @Test
    void eventsShowOnlyTheClientsOwnObjects() {
        String since = Long.toString(Instant.now().getEpochSecond() - 1);
        direct.run("exec", p + "-a1", "true").ok();
        direct.run("exec", p + "-b1", "true").ok();
        direct.run("exec", p + "-u1", "true").ok();
        String until = Long.toString(Instant.now().getEpochSecond() + 1);
        String seen = a.run("events", "--since", since, "--until", until, "--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}")
                .ok().stdout();
        assertThat(seen).contains("container exec_start").contains(p + "-a1").doesNotContain(p + "-b1").doesNotContain(p + "-u1");
        assertThat(all.run("events", "--since", since, "--until", until, "--format", "{{.Actor.Attributes.name}}").ok().stdout())
                .contains(p + "-a1", p + "-b1", p + "-u1");
        // Event types an own-only client cannot own are none of its business.
        Docker.Result images = a.run("events", "--since", since, "--until", until, "--filter", "type=image");
        assertThat(images.exitCode()).isNotZero();
        assertThat(images.stderr()).contains("own-only");
    }

    @Test
    void joinsAndMountsOfAnotherOwnersObjectsAreRefused() throws Exception {
        String b1 = p + "-b1";
        String image = TestEngine.IMAGE;
        String[][] refused = {
                {"run", "--network", "container:" + b1, image, "true"},
                {"run", "--pid", "container:" + b1, "--network", "none", image, "true"},
                {"run", "--ipc", "container:" + b1, "--network", "none", image, "true"},
                {"run", "--volumes-from", b1, "--network", "none", image, "true"},
                {"run", "--volumes-from", b1Id.substring(0, 12) + ":ro", "--network", "none", image, "true"},
                {"run", "--link", b1 + ":x", "--network", "none", image, "true"},
                {"run", "-v", p + "-vb:/data", "--network", "none", image, "true"},
                {"run", "--mount", "type=volume,source=" + p + "-vb,target=/data", "--network", "none", image, "true"},
                {"run", "-v", p + "-fresh:/data", "--network", "none", image, "true"},
                {"run", "--network", p + "-nb", image, "true"},
                {"run", "--network", "container:" + p + "-nothing", image, "true"},
        };
        for (String[] args : refused) {
            Docker.Result r = a.run(args).failed();
            assertThat(r.stderr()).as(String.join(" ", args)).contains("sockwarden: client \"a\" may not call containers.create with")
                    .contains("is not one of its own");
        }
        // The message is the same for another owner's object and a missing one.
        String foreign = a.run("run", "--volumes-from", b1, "--network", "none", image, "true").failed().stderr();
        String missing = a.run("run", "--volumes-from", p + "-nothing", "--network", "none", image, "true").failed().stderr();
        assertThat(missing.replace(p + "-nothing", b1)).isEqualTo(foreign);
        assertThat(direct.run("volume", "inspect", p + "-fresh").exitCode()).as("no volume was created").isNotZero();
        assertThat(direct.run("ps", "-aq", "--filter", "label=" + label(ownerA), "--filter", "status=created").stdout())
                .as("nothing was created").isBlank();
        // Its own volume and network are fine (the guard gives the container a's owner label).
        String own = a.run("create", "-v", p + "-va:/data", "--network", p + "-na", "--volumes-from", p + "-a1", image, "true").ok().stdout().trim();
        direct.run("rm", own).ok();
        // Crafted bodies: case-folded keys reach the same fields; HostConfig fields at the top level are refused.
        RawHttp.Answer folded = raw("a", "POST /v1.41/containers/create", "{\"Image\":\"" + image + "\",\"hostconfig\":{\"volumesfrom\":[\"" + b1 + "\"]}}");
        assertThat(folded.status()).isEqualTo(403);
        RawHttp.Answer top = raw("a", "POST /v1.41/containers/create", "{\"Image\":\"" + image + "\",\"VolumesFrom\":[\"" + b1 + "\"]}");
        assertThat(top.status()).isEqualTo(400);
        RawHttp.Answer endpoint = raw("a", "POST /v1.41/containers/create", "{\"Image\":\"" + image
                + "\",\"NetworkingConfig\":{\"EndpointsConfig\":{\"" + p + "-na\":{\"Links\":[\"" + b1 + ":x\"]}}}}");
        assertThat(endpoint.status()).isEqualTo(403);
    }

    @Test
    void networksConnectAndDisconnectAcrossOwnersAreRefused() throws Exception {
        String a1 = p + "-a1";
        String b1 = p + "-b1";
        // a's container to b's network: the network is missing for a.
        Docker.Result toForeign = a.run("network", "connect", p + "-nb", a1).failed();
        assertThat(toForeign.stderr()).contains("network " + p + "-nb not found");
        // b's container to a's network: refused, as for a missing container.
        Docker.Result foreignContainer = a.run("network", "connect", p + "-na", b1).failed();
        assertThat(foreignContainer.stderr()).contains("container \"" + b1 + "\" is not one of its own");
        assertThat(a.run("network", "disconnect", p + "-na", b1).failed().stderr()).contains("is not one of its own");
        assertThat(a.run("network", "inspect", p + "-nb").failed().stderr()).contains(p + "-nb");
        assertThat(a.run("network", "rm", p + "-nb").failed().stderr()).contains(p + "-nb");
        assertThat(direct.run("network", "inspect", p + "-nb").exitCode()).isZero();
        assertThat(a.run("volume", "rm", p + "-vb").failed().stderr()).contains("no such volume");
        assertThat(direct.run("volume", "inspect", p + "-vb").exitCode()).isZero();
        // A network or volume name another owner has is taken: never a second network of that name, never b's volume.
        assertThat(raw("a", "POST /v1.41/volumes/create", "{\"Name\":\"" + p + "-vb\"}").status()).isEqualTo(409);
        RawHttp.Answer net = raw("a", "POST /v1.41/networks/create", "{\"Name\":\"" + p + "-nb\"}");
        assertThat(net.status()).isEqualTo(409);
        assertThat(net.text()).doesNotContain(ownerB);
        assertThat(direct.run("network", "ls", "-q", "--filter", "name=^" + p + "-nb$").stdout().trim().split("\\s+")).hasSize(1);
    }

    @Test
    void operationsThatCannotBeLimitedToOneOwnerAreRefused() {
        Docker.Result df = a.run("system", "df");
        assertThat(df.exitCode()).isNotZero();
        assertThat(df.stderr()).contains("is own-only and may not call system.df");
        assertThat(all.run("system", "df").exitCode()).isZero();
    }
}
