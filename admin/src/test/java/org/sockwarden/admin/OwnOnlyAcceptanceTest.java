package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.sockwarden.proxy.testing.Docker;
import org.sockwarden.proxy.testing.TestEngine;
import org.sockwarden.store.Store;

/**
 * Issue 19's acceptance for owner isolation and redacted inspect, end to end: clients made with the CLI,
 * `sockwarden serve` in a process of its own, the real docker CLI on each client's socket, the engine
 * checked directly. Two own-only clients, alice and bob, an unrestricted admin, and a traefik-preset client.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OwnOnlyAcceptanceTest {

    private static final String GRANTS = "CONTAINERS,POST,DELETE,EXEC,NETWORKS,VOLUMES,EVENTS";

    private final String p = "sw-acc-" + UUID.randomUUID().toString().substring(0, 6);
    private final Docker direct = Docker.engine();
    private Path data;
    private ServedProxy proxy;
    private Docker alice;
    private Docker bob;
    private Docker admin;
    private Docker traefik;

    @BeforeAll
    void serve() throws Exception {
        Path engine = TestEngine.socket();
        data = Docker.tempDir("sw-acc");
        Path sockets = Docker.tempDir("sw-acc-s");
        for (String[] c : new String[][] {{"alice", "--own-only", "--allow", GRANTS}, {"bob", "--own-only", "--allow", GRANTS},
                {"admin", "--allow", GRANTS}, {"traefik", "--preset", "traefik"}}) {
            String[] args = new String[c.length + 4];
            args[0] = "client";
            args[1] = "add";
            System.arraycopy(c, 0, args, 2, c.length);
            args[c.length + 2] = "--socket";
            args[c.length + 3] = sockets.resolve(c[0] + ".sock").toString();
            assertThat(MultiClientTest.cli(data, args)).as(String.join(" ", args)).isZero();
        }
        proxy = ServedProxy.start(data, Map.of(), "--listen", "none", "--docker-socket", engine.toString());
        alice = new Docker("unix://" + sockets.resolve("alice.sock"));
        bob = new Docker("unix://" + sockets.resolve("bob.sock"));
        admin = new Docker("unix://" + sockets.resolve("admin.sock"));
        traefik = new Docker("unix://" + sockets.resolve("traefik.sock"));
        MultiClientTest.await("the client sockets", () -> Files.exists(sockets.resolve("traefik.sock")), Duration.ofSeconds(20));
    }

    @AfterAll
    void stop() throws Exception {
        for (String id : direct.run("ps", "-aq", "--filter", "name=" + p).stdout().split("\\s+")) {
            if (!id.isBlank()) {
                direct.run("rm", "-f", id);
            }
        }
        for (String who : new String[] {"alice", "bob"}) {
            direct.run("network", "rm", p + "-" + who + "-net");
            direct.run("volume", "rm", "-f", p + "-" + who + "-vol");
        }
        if (proxy != null) {
            proxy.close();
        }
    }

    private String ownerLabel(String client) {
        try (Store store = Store.open(data)) {
            return "org.sockwarden.owner=" + store.client(client).ownerId();
        }
    }

    /**
     * Each own-only client runs its containers and makes a network and a volume with the docker CLI, and sees
     * and reaches only its own. Needs the body guard wired into the request path (f-guard): it writes the owner
     * label onto what an own-only client creates, without which alice's own containers are no one's.
     */
    @Test
    void twoOwnOnlyClientsEachRunContainersAndSeeOnlyTheirOwn() {
        String since = Long.toString(Instant.now().getEpochSecond() - 1);
        for (String[] who : new String[][] {{"alice"}, {"bob"}}) {
            Docker cli = who[0].equals("alice") ? alice : bob;
            String n = p + "-" + who[0];
            cli.run("run", "-d", "--name", n + "-1", "--network", "none", TestEngine.IMAGE, "sleep", "300").ok();
            cli.run("run", "--name", n + "-2", "--network", "none", TestEngine.IMAGE, "echo", "hello from " + who[0]).ok();
            cli.run("network", "create", n + "-net").ok();
            cli.run("volume", "create", n + "-vol").ok();
            cli.run("exec", n + "-1", "true").ok();
        }
        String until = Long.toString(Instant.now().getEpochSecond() + 1);
        String a = p + "-alice";
        String b = p + "-bob";
        assertThat(alice.run("ps", "-a", "--format", "{{.Names}}").ok().stdout()).contains(a + "-1", a + "-2").doesNotContain(b);
        assertThat(bob.run("ps", "-a", "--format", "{{.Names}}").ok().stdout()).contains(b + "-1", b + "-2").doesNotContain(a);
        assertThat(alice.run("network", "ls", "--format", "{{.Name}}").ok().stdout()).contains(a + "-net").doesNotContain(b);
        assertThat(alice.run("volume", "ls", "--format", "{{.Name}}").ok().stdout()).contains(a + "-vol").doesNotContain(b);
        assertThat(alice.run("events", "--since", since, "--until", until, "--format", "{{.Actor.Attributes.name}}").ok().stdout())
                .contains(a + "-1").doesNotContain(b);
        assertThat(alice.run("logs", a + "-2").ok().stdout()).isEqualTo("hello from alice\n");
        // The other's container: the engine's own words for a missing one.
        for (String[] args : new String[][] {{"stop", b + "-1"}, {"rm", b + "-1"}, {"exec", b + "-1", "true"}, {"logs", b + "-1"},
                {"container", "inspect", b + "-1"}}) {
            Docker.Result r = alice.run(args);
            assertThat(r.exitCode()).as(String.join(" ", args)).isNotZero();
            assertThat(r.stderr()).isEqualTo("Error response from daemon: No such container: " + b + "-1\n");
        }
        assertThat(direct.run("inspect", "-f", "{{.State.Running}}", b + "-1").ok().stdout().trim()).isEqualTo("true");
        // A client-sent owner label is overwritten: bob cannot make a container alice's.
        bob.run("create", "--name", b + "-forged", "--label", ownerLabel("alice"), "--network", "none", TestEngine.IMAGE, "true").ok();
        assertThat(alice.run("ps", "-a", "--format", "{{.Names}}").ok().stdout()).doesNotContain(b + "-forged");
        // The unrestricted client sees everyone's.
        assertThat(admin.run("ps", "-a", "--format", "{{.Names}}").ok().stdout()).contains(a + "-1", b + "-1");
        assertThat(admin.run("network", "ls", "--format", "{{.Name}}").ok().stdout()).contains(a + "-net", b + "-net");
        assertThat(admin.run("volume", "ls", "--format", "{{.Name}}").ok().stdout()).contains(a + "-vol", b + "-vol");
    }

    /** The same isolation with the objects labelled on the engine directly (as the guard will label them): the store's owner ids reach the proxy. */
    @Test
    void theOwnerIdsOfTheStoreIsolateTheClients() throws InterruptedException {
        String a = p + "-alice-direct";
        String b = p + "-bob-direct";
        direct.run("run", "-d", "--name", a, "--network", "none", "--label", ownerLabel("alice"), TestEngine.IMAGE, "sleep", "300").ok();
        direct.run("run", "-d", "--name", b, "--network", "none", "--label", ownerLabel("bob"), TestEngine.IMAGE, "sleep", "300").ok();
        assertThat(alice.run("ps", "-a", "--format", "{{.Names}}").ok().stdout()).contains(a).doesNotContain(b);
        assertThat(bob.run("ps", "-a", "--format", "{{.Names}}").ok().stdout()).contains(b).doesNotContain(a);
        assertThat(alice.run("exec", a, "echo", "mine").ok().stdout()).isEqualTo("mine\n");
        for (String[] args : new String[][] {{"stop", b}, {"rm", b}, {"exec", b, "true"}, {"logs", b}, {"container", "inspect", b}}) {
            Docker.Result r = alice.run(args);
            assertThat(r.exitCode()).as(String.join(" ", args)).isNotZero();
            assertThat(r.stderr()).isEqualTo("Error response from daemon: No such container: " + b + "\n");
        }
        assertThat(direct.run("inspect", "-f", "{{.State.Running}}", b).ok().stdout().trim()).isEqualTo("true");
        assertThat(admin.run("ps", "-a", "--format", "{{.Names}}").ok().stdout()).contains(a, b);
        // Turned off, alice is an ordinary client again.
        assertThat(MultiClientTest.cli(data, "client", "set", "alice", "--own-only", "off")).isZero();
        try {
            MultiClientTest.await("alice seeing every container", () -> alice.run("ps", "-a", "--format", "{{.Names}}").stdout().contains(b),
                    Duration.ofSeconds(10));
        } finally {
            assertThat(MultiClientTest.cli(data, "client", "set", "alice", "--own-only", "on")).isZero();
        }
    }

    @Test
    void aTraefikPresetClientGetsNoEnvironmentWhileTheEngineHasIt() {
        String web = p + "-web";
        direct.run("create", "--name", web, "--network", "none", "-e", "DB_PASSWORD=s3cret-" + p, "--label", "traefik.enable=true",
                TestEngine.IMAGE, "true").ok();
        assertThat(MultiClientTest.cli(data, "client", "show", "traefik")).isZero();
        Docker.Result seen = traefik.run("inspect", web).ok();
        assertThat(seen.stdout()).doesNotContain("s3cret-" + p).doesNotContain("DB_PASSWORD").contains("traefik.enable");
        assertThat(traefik.run("inspect", "-f", "{{json .Config.Env}}", web).ok().stdout().trim()).isEqualTo("null");
        assertThat(direct.run("inspect", "-f", "{{json .Config.Env}}", web).ok().stdout()).contains("DB_PASSWORD=s3cret-" + p);
    }
}
