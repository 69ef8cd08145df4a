package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sockwarden.store.AuditEntry;
import org.sockwarden.store.Store;
import org.sockwarden.store.StoredClient;

/**
 * suggest over records as the learn-mode wiring will write them: allowed and would-deny requests of
 * a learning client, some refused by a guardrail that names the option to relax.
 */
class SuggestCommandTest {

    @TempDir
    Path data;

    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    private static AuditEntry used(int second, String client, String method, String target, String op, String decision, String by,
                                   String guardrail) {
        return new AuditEntry(0, T0.plusSeconds(second), client, "socket", "/run/sw/" + client + ".sock uid 1000", null, 0, method, target, op,
                decision, by, guardrail, decision.equals("deny") ? 403 : 200, 0, 10, 100);
    }

    private CliTest.Run run(String... args) {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--data";
        all[args.length + 1] = data.toString();
        return CliTest.run(all);
    }

    private StoredClient client(String name) {
        try (Store s = Store.open(data)) {
            return s.client(name);
        }
    }

    /** A client that starts from nothing (no PING and VERSION either) in learn mode. */
    private void learning(String name, String... addArgs) {
        String[] args = new String[addArgs.length + 4];
        args[0] = "client";
        args[1] = "add";
        args[2] = name;
        args[3] = "--no-defaults";
        System.arraycopy(addArgs, 0, args, 4, addArgs.length);
        assertThat(run(args).exit()).isZero();
        try (Store s = Store.open(data)) {
            s.setMode(name, StoredClient.LEARN);
        }
    }

    private void discoveryWorkload(String client) {
        AuditCommandTest.append(data,
                used(0, client, "HEAD", "/_ping", "system.ping", "would-deny", "SYSTEM_PING", null),
                used(1, client, "GET", "/v1.41/version", "system.version", "would-deny", "SYSTEM_VERSION", null),
                used(2, client, "GET", "/v1.41/containers/json?all=1", "containers.list", "would-deny", "CONTAINERS_LIST", null),
                used(3, client, "GET", "/v1.41/containers/abc/json", "containers.inspect", "would-deny", "CONTAINERS_INSPECT", null),
                used(4, client, "GET", "/v1.41/containers/def/json", "containers.inspect", "would-deny", "CONTAINERS_INSPECT", null),
                used(5, client, "GET", "/v1.41/networks", "networks.list", "would-deny", "NETWORKS", null),
                used(6, client, "GET", "/v1.41/networks/n1", "networks.inspect", "would-deny", "NETWORKS", null),
                used(7, client, "GET", "/v1.41/events", "system.events", "would-deny", "EVENTS", null));
    }

    @Test
    void aLearnedWorkloadBecomesTheLeastGrantWithCountsAndExamplesAndApplyEndsLearning() {
        learning("disco", "--socket", "/run/sw/disco.sock");
        discoveryWorkload("disco");
        // A denial of an enforced moment is not something the client needs: left out.
        AuditCommandTest.append(data, used(8, "disco", "GET", "/v1.41/volumes", "volumes.list", "deny", "VOLUMES", null));
        CliTest.Run r = run("suggest", "disco");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("client \"disco\": 8 requests (0 allowed, 8 would have been denied)\n")
                .contains("  CONTAINERS_INSPECT                2  containers.inspect 2; e.g. GET /v1.41/containers/def/json\n")
                .contains("  NETWORKS                          2  networks.inspect 1, networks.list 1; e.g. GET /v1.41/networks/n1\n")
                .contains("  EVENTS                            1  system.events 1; e.g. GET /v1.41/events\n")
                .contains("grant: sockwarden grant disco EVENTS NETWORKS PING VERSION CONTAINERS_LIST CONTAINERS_INSPECT\n")
                .contains("apply: sockwarden suggest disco --apply\n")
                .doesNotContain("volumes");
        assertThat(client("disco").grants()).isEmpty();

        CliTest.Run applied = run("suggest", "disco", "--apply");
        assertThat(applied.exit()).isZero();
        assertThat(applied.out()).contains("granted disco: EVENTS NETWORKS PING VERSION CONTAINERS_LIST CONTAINERS_INSPECT\n")
                .contains("learn mode off for disco");
        StoredClient after = client("disco");
        assertThat(after.grants()).containsExactlyInAnyOrder("EVENTS", "NETWORKS", "PING", "VERSION", "CONTAINERS_LIST", "CONTAINERS_INSPECT");
        assertThat(after.mode()).isEqualTo(StoredClient.ENFORCE);
    }

    @Test
    void guardrailItemsItNeededAreListedAndApplyAddsThemAndEndsLearnMode() {
        learning("ci", "--listen", "127.0.0.1:2399", "--guardrail", "cap-add=NET_ADMIN");
        AuditCommandTest.append(data,
                used(0, "ci", "POST", "/v1.41/containers/create", "containers.create", "would-deny", "CONTAINERS_CREATE",
                        "bind-path=/srv/data"),
                used(1, "ci", "POST", "/v1.41/containers/create?name=b", "containers.create", "would-deny", "CONTAINERS_CREATE",
                        "privileged bind-path=/srv/data"),
                used(2, "ci", "POST", "/v1.41/containers/create?name=c", "containers.create", "would-deny", "CONTAINERS_CREATE", null),
                used(3, "ci", "POST", "/v1.41/containers/create?name=d", "containers.create", "would-deny", "CONTAINERS_CREATE",
                        "cap-add=NET_ADMIN"),
                used(4, "ci", "POST", "/v1.41/containers/x/start", "containers.start", "would-deny", "CONTAINERS_START", null));
        CliTest.Run r = run("suggest", "ci");
        // Each item of a record counts on its own; one the client has already is not listed again.
        assertThat(r.out()).contains("  CONTAINERS_CREATE                 4  containers.create 4; e.g. ")
                .contains("guardrail items it needed:\n"
                        + "  bind-path=/srv/data               2  e.g. POST /v1.41/containers/create?name=b\n"
                        + "  privileged                        1  e.g. POST /v1.41/containers/create?name=b\n")
                .contains("guardrails: sockwarden client set ci --guardrail privileged --guardrail bind-path=/srv/data\n")
                .doesNotContain("  cap-add=NET_ADMIN ");
        CliTest.Run applied = run("suggest", "ci", "--apply");
        assertThat(applied.exit()).isZero();
        assertThat(applied.out()).contains("granted ci: CONTAINERS_CREATE CONTAINERS_START\n")
                .contains("guardrails of ci: privileged bind-path=/srv/data cap-add=NET_ADMIN\n")
                .contains("learn mode off for ci");
        StoredClient after = client("ci");
        assertThat(after.mode()).isEqualTo(StoredClient.ENFORCE);
        assertThat(after.guardrails()).isEqualTo("privileged bind-path=/srv/data cap-add=NET_ADMIN");
    }

    @Test
    void aPresetIsTheStartingPointAndOnlyWhatGoesBeyondItIsListed() {
        learning("disco", "--preset", "traefik");
        discoveryWorkload("disco");
        CliTest.Run r = run("suggest", "disco");
        // traefik has ping, version, the container list and inspect, events and the network list already.
        assertThat(r.out()).contains(", beyond preset traefik\n").contains("grant: sockwarden grant disco NETWORKS\n")
                .doesNotContain("CONTAINERS_INSPECT ");
        // Another preset as the baseline, asked for on the command line.
        assertThat(run("suggest", "disco", "--preset", "uptime-kuma").out()).contains(", beyond preset uptime-kuma\n")
                .contains("grant: sockwarden grant disco EVENTS NETWORKS\n");
        CliTest.Run applied = run("suggest", "disco", "--apply", "--preset", "discovery");
        assertThat(applied.out()).contains("nothing beyond the preset").contains("learn mode off for disco");
        assertThat(client("disco").presets()).containsExactlyInAnyOrder("traefik", "discovery");
        assertThat(client("disco").grants()).contains("NETWORKS_INSPECT", "TASKS_LIST");
    }

    @Test
    void nothingRecordedIsExitOneAndAnUnknownClientTooWithTheNames() {
        learning("idle", "--listen", "127.0.0.1:2398");
        assertThat(run("suggest", "idle").exit()).isEqualTo(1);
        AuditCommandTest.append(data, used(0, "other", "HEAD", "/_ping", "system.ping", "allow", "PING", null));
        CliTest.Run r = run("suggest", "idle", "--apply");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("nothing recorded for client \"idle\"");
        assertThat(client("idle").mode()).isEqualTo(StoredClient.LEARN);
        CliTest.Run unknown = run("suggest", "idl");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err()).contains("no client \"idl\"; clients: idle");
    }
}
