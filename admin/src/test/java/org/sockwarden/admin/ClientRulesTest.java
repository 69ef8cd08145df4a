package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sockwarden.proxy.api.RedactedField;
import org.sockwarden.proxy.guard.Guardrails;
import org.sockwarden.proxy.guard.Relaxation;
import org.sockwarden.proxy.identity.ClientConfig;
import org.sockwarden.proxy.identity.Directory;
import org.sockwarden.proxy.limit.ClientLimits;
import org.sockwarden.store.Store;
import org.sockwarden.store.StoredClient;

/** A client's learn mode, guardrails, owner and limits: set with the CLI, stored as written, served as the proxy reads them. */
class ClientRulesTest {

    @TempDir
    Path dir;

    private CliTest.Run cli(String... args) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[args.length] = "--data=" + dir.resolve("data");
        return CliTest.run(all);
    }

    private StoredClient stored(String name) {
        try (Store store = Store.open(dir.resolve("data"))) {
            return store.client(name);
        }
    }

    private Directory served() {
        try (Store store = Store.open(dir.resolve("data"))) {
            return DirectoryCompiler.compile(store.snapshot(), new DirectoryCompiler.Surroundings(dir.resolve("data"),
                    dir.resolve("docker.sock"), List.of(), Set.of(), List.of()), w -> { });
        }
    }

    @Test
    void addAndSetWriteLearnModeAndGuardrailsInTheirCanonicalForm() {
        CliTest.Run add = cli("client", "add", "ci", "--allow", "CONTAINERS,POST", "--guardrail", "bind-path=/srv/ci",
                "--guardrail", "privileged cap-add=net_admin", "--learn");
        assertThat(add.exit()).as(add.err()).isZero();
        assertThat(add.out()).contains("  guardrails: privileged bind-path=/srv/ci cap-add=NET_ADMIN\n").contains("  mode: LEARN");
        assertThat(stored("ci").mode()).isEqualTo(StoredClient.LEARN);
        ClientConfig ci = served().byName("ci");
        assertThat(ci.applies()).isTrue();
        assertThat(ci.client().rules().learning()).isTrue();
        assertThat(ci.client().rules().guardrails()).isEqualTo(Guardrails.parse("privileged bind-path=/srv/ci cap-add=NET_ADMIN"));

        // --guardrail adds to what it has, --drop-guardrail removes; the identity and grants stay.
        CliTest.Run set = cli("client", "set", "ci", "--guardrail", "host-network", "--drop-guardrail", "privileged", "--learn", "off");
        assertThat(set.exit()).as(set.err()).isZero();
        StoredClient c = stored("ci");
        assertThat(c.guardrails()).isEqualTo("host-network bind-path=/srv/ci cap-add=NET_ADMIN");
        assertThat(c.mode()).isEqualTo(StoredClient.ENFORCE);
        assertThat(c.grants()).contains("CONTAINERS", "POST");
        assertThat(served().byName("ci").client().rules().learning()).isFalse();
        assertThat(served().byName("ci").client().rules().guardrails().allows(Relaxation.PRIVILEGED)).isFalse();

        assertThat(cli("client", "show", "ci", "--json").out()).contains("\"mode\" : \"enforce\"")
                .contains("\"guardrails\" : \"host-network bind-path=/srv/ci cap-add=NET_ADMIN\"");
        assertThat(cli("client", "set", "ci", "--clear-guardrails").exit()).isZero();
        assertThat(stored("ci").guardrails()).isEmpty();
        assertThat(cli("client", "show", "ci").out()).contains("  guardrails: (the defaults: nothing relaxed, nothing required)\n")
                .doesNotContain("LEARN");
    }

    @Test
    void ownOnlyClientsCarryAnOwnerLabelOfARandomIdThatANamesakeNeverInherits() throws Exception {
        var added = cli("client", "add", "ci", "--allow", "CONTAINERS", "--own-only");
        assertThat(added.exit()).isZero();
        assertThat(cli("client", "add", "other", "--allow", "CONTAINERS").exit()).isZero();
        String id = stored("ci").ownerId();
        // What client add prints is what was stored: the owner id the store gave it.
        assertThat(added.out()).contains("  own-only: what it creates gets the label org.sockwarden.owner=" + id + ",");
        assertThat(id).matches("[0-9a-f]{32}").isNotEqualTo(stored("other").ownerId());
        assertThat(stored("other").ownerId()).matches("[0-9a-f]{32}");
        ClientConfig ci = served().byName("ci");
        assertThat(ci.client().rules().owner()).isEqualTo(new org.sockwarden.proxy.guard.Label("org.sockwarden.owner", id));
        assertThat(served().byName("other").client().rules().ownOnly()).isFalse();
        assertThat(cli("client", "show", "ci").out()).contains("  own-only: what it creates gets the label org.sockwarden.owner=" + id);

        assertThat(cli("client", "set", "ci", "--own-only", "off").exit()).isZero();
        assertThat(served().byName("ci").client().rules().owner()).isNull();
        assertThat(cli("client", "set", "ci", "--own-only", "on").exit()).isZero();
        assertThat(stored("ci").ownerId()).as("the id stays with the client").isEqualTo(id);
        assertThat(cli("client", "set", "ci", "--own-only", "maybe").exit()).isEqualTo(2);

        // Removed and added again under the same name: another owner, so nothing of the first is its.
        assertThat(cli("client", "remove", "ci").exit()).isZero();
        assertThat(cli("client", "add", "ci", "--allow", "CONTAINERS", "--own-only").exit()).isZero();
        assertThat(stored("ci").ownerId()).matches("[0-9a-f]{32}").isNotEqualTo(id);

        // An owner id this version cannot use makes the client deny-all, never unlabelled.
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("data").resolve(Store.FILE));
             PreparedStatement p = c.prepareStatement("UPDATE clients SET owner_id = 'x' WHERE name = 'ci'")) {
            p.executeUpdate();
        }
        assertThat(served().byName("ci").applies()).isFalse();
        assertThat(served().byName("ci").problems()).anySatisfy(p -> assertThat(p).contains("owner id \"x\""));
    }

    @Test
    void presetsThatNeverReadTheEnvironmentRedactItAndTheCliSetsFieldsOfItsOwn() throws Exception {
        CliTest.Run add = cli("client", "add", "traefik", "--preset", "traefik");
        assertThat(add.exit()).as(add.err()).isZero();
        assertThat(add.out()).contains("  redacted from container inspect: Config.Env\n");
        assertThat(stored("traefik").redact()).isEqualTo("Config.Env");
        assertThat(served().byName("traefik").client().rules().redacted()).containsExactly(RedactedField.CONFIG_ENV);
        assertThat(cli("client", "show", "traefik", "--json").out()).contains("\"redact\" : [ \"Config.Env\" ]");
        // A preset that reads what containers run with (dozzle reads logs) redacts nothing; --redact adds fields.
        assertThat(cli("client", "add", "dozzle", "--preset", "dozzle").exit()).isZero();
        assertThat(stored("dozzle").redact()).isEmpty();
        assertThat(cli("client", "show", "dozzle").out()).doesNotContain("redacted");
        assertThat(cli("client", "show", "dozzle", "--json").out()).contains("\"redact\" : [ ]");
        assertThat(cli("client", "add", "ci", "--allow", "CONTAINERS", "--redact", "Args", "--redact", "Config.Env").exit()).isZero();
        assertThat(stored("ci").redact()).isEqualTo("Config.Env Args");

        assertThat(cli("client", "set", "traefik", "--redact", "HostConfig.LogConfig").exit()).isZero();
        assertThat(stored("traefik").redact()).isEqualTo("Config.Env HostConfig.LogConfig");
        assertThat(served().byName("traefik").client().rules().redacted())
                .containsExactlyInAnyOrder(RedactedField.CONFIG_ENV, RedactedField.HOST_CONFIG_LOG_CONFIG);
        assertThat(cli("client", "set", "traefik", "--clear-redact").exit()).isZero();
        assertThat(stored("traefik").redact()).isEmpty();
        assertThat(served().byName("traefik").client().rules().redacted()).isEmpty();

        CliTest.Run typo = cli("client", "set", "traefik", "--redact", "Config.env");
        assertThat(typo.exit()).isEqualTo(2);
        assertThat(typo.err()).contains("unknown field Config.env (did you mean Config.Env?)");
        assertThat(cli("client", "set", "traefik", "--redact", "Args", "--clear-redact").exit()).isEqualTo(2);
        assertThat(CliTest.run("preset", "show", "traefik").out()).contains("  redacted from container inspect: Config.Env");

        // A stored text this version cannot read makes the client deny-all, never unredacted.
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("data").resolve(Store.FILE));
             PreparedStatement p = c.prepareStatement("UPDATE clients SET redact = 'Config.Secrets' WHERE name = 'ci'")) {
            p.executeUpdate();
        }
        assertThat(served().byName("ci").applies()).isFalse();
        assertThat(served().byName("ci").problems()).anySatisfy(p -> assertThat(p).contains("redacted fields: unknown field Config.Secrets"));
        assertThat(served().byName("ci").client().rules()).isEqualTo(org.sockwarden.proxy.identity.ClientRules.DEFAULT);
    }

    @Test
    void aMistypedItemIsAUsageErrorThatChangesNothing() {
        assertThat(cli("client", "add", "ci", "--allow", "CONTAINERS").exit()).isZero();
        CliTest.Run typo = cli("client", "set", "ci", "--guardrail", "privilegd");
        assertThat(typo.exit()).isEqualTo(2);
        assertThat(typo.err()).contains("unknown guardrail privilegd (did you mean privileged?)").contains("`sockwarden guardrails`");
        assertThat(cli("client", "add", "other", "--guardrail", "bind-path=relative").exit()).isEqualTo(2);
        assertThat(cli("client", "set", "ci", "--learn", "yes").exit()).isEqualTo(2);
        assertThat(cli("client", "set", "ci", "--guardrail", "privileged", "--clear-guardrails").exit()).isEqualTo(2);
        assertThat(stored("ci").guardrails()).isEmpty();
        assertThat(CliTest.run("guardrails").out()).contains("  privileged ").contains("  bind-path=/srv/data ");
    }

    @Test
    void storedRulesThisVersionCannotReadMakeTheClientDenyAllAndNeverLearning() throws Exception {
        assertThat(cli("client", "add", "ci", "--allow", "CONTAINERS", "--learn").exit()).isZero();
        assertThat(cli("client", "add", "ok", "--allow", "CONTAINERS").exit()).isZero();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("data").resolve(Store.FILE));
             PreparedStatement p = c.prepareStatement("UPDATE clients SET guardrails = ? WHERE name = 'ci'")) {
            p.setString(1, "privileged superpowers");
            p.executeUpdate();
        }
        Directory d = served();
        assertThat(d.byName("ci").applies()).isFalse();
        assertThat(d.byName("ci").problems()).anySatisfy(p -> assertThat(p).startsWith("guardrails: unknown guardrail superpowers"));
        assertThat(d.byName("ci").client().rules().learning()).as("a deny-all client forwards nothing").isFalse();
        assertThat(d.byName("ok").applies()).isTrue();
        // Only --clear-guardrails replaces what cannot be read.
        CliTest.Run add = cli("client", "set", "ci", "--guardrail", "host-network");
        assertThat(add.exit()).isEqualTo(1);
        assertThat(add.err()).contains("--clear-guardrails replaces them; nothing was changed");
        assertThat(cli("client", "set", "ci", "--clear-guardrails").exit()).isZero();
        assertThat(served().byName("ci").applies()).isTrue();
    }

    private ClientLimits limits(String name) {
        return served().byName(name).client().rules().limits();
    }

    @Test
    void addSetAndShowEachLimitAndClearThem() {
        CliTest.Run add = cli("client", "add", "ci", "--allow", "CONTAINERS", "--max-requests", "10", "--rate", "600/m");
        assertThat(add.exit()).as(add.err()).isZero();
        assertThat(add.out()).contains("  limits: max-requests=10 rate=600/m\n");
        assertThat(stored("ci").limits()).isEqualTo("max-requests=10 rate=600/m");
        assertThat(limits("ci")).isEqualTo(ClientLimits.parse("max-requests=10 rate=600/m"));

        // Each option given changes its limit; none removes one; the others stay, and so do grants and rules.
        CliTest.Run set = cli("client", "set", "ci", "--max-streams", "4", "--max-requests", "none", "--rate", "20/s");
        assertThat(set.exit()).as(set.err()).isZero();
        assertThat(stored("ci").limits()).isEqualTo("max-streams=4 rate=20/s");
        assertThat(stored("ci").grants()).contains("CONTAINERS");
        assertThat(cli("client", "show", "ci").out()).contains("  limits: max-streams=4 rate=20/s\n");
        assertThat(cli("client", "show", "ci", "--json").out().replaceAll("\\s+", ""))
                .contains("\"limits\":{\"max_requests\":null,\"max_streams\":4,\"rate\":\"20/s\"}");
        assertThat(cli("client", "set", "ci", "--learn", "on").exit()).isZero();
        assertThat(stored("ci").limits()).as("other changes keep the limits").isEqualTo("max-streams=4 rate=20/s");

        assertThat(cli("client", "set", "ci", "--clear-limits").exit()).isZero();
        assertThat(stored("ci").limits()).isEmpty();
        assertThat(limits("ci")).isEqualTo(ClientLimits.NONE);
        assertThat(cli("client", "show", "ci").out()).contains("  limits: (none)\n");
        assertThat(cli("client", "add", "plain", "--allow", "PING").out()).contains("  limits: (none)\n");
    }

    @Test
    void aMistypedLimitIsAUsageErrorThatChangesNothing() {
        assertThat(cli("client", "add", "ci", "--allow", "CONTAINERS", "--max-streams", "2").exit()).isZero();
        CliTest.Run zero = cli("client", "set", "ci", "--max-requests", "0");
        assertThat(zero.exit()).isEqualTo(2);
        assertThat(zero.err()).contains("--max-requests is a number from 1 to 1000000 (or none), not \"0\"");
        CliTest.Run rate = cli("client", "set", "ci", "--rate", "20/h");
        assertThat(rate.exit()).isEqualTo(2);
        assertThat(rate.err()).contains("--rate: a rate is written N/s or N/m (requests per second or minute), not \"20/h\"");
        assertThat(cli("client", "set", "ci", "--max-streams", "3", "--clear-limits").exit()).isEqualTo(2);
        assertThat(cli("client", "add", "other", "--max-streams", "many").exit()).isEqualTo(2);
        assertThat(stored("ci").limits()).isEqualTo("max-streams=2");
        assertThat(cli("client", "list").out()).doesNotContain("other");
    }

    @Test
    void storedLimitsThisVersionCannotReadMakeTheClientDenyAll() throws Exception {
        assertThat(cli("client", "add", "ci", "--allow", "CONTAINERS", "--max-streams", "2").exit()).isZero();
        assertThat(cli("client", "add", "ok", "--allow", "CONTAINERS", "--max-streams", "2").exit()).isZero();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("data").resolve(Store.FILE));
             PreparedStatement p = c.prepareStatement("UPDATE clients SET limits = ? WHERE name = 'ci'")) {
            p.setString(1, "max-streams=2 burst=9");
            p.executeUpdate();
        }
        Directory d = served();
        ClientConfig ci = d.byName("ci");
        assertThat(ci.applies()).isFalse();
        assertThat(ci.problems()).containsExactly("limits: \"burst=9\" is not a limit (max-requests=N, max-streams=N, rate=N/s or rate=N/m)");
        assertThat(ci.client().permissions().allows(org.sockwarden.proxy.api.Operation.CONTAINERS_LIST)).isFalse();
        assertThat(d.byName("ok").applies()).isTrue();
        assertThat(cli("client", "show", "ci", "--json").out().replaceAll("\\s+", ""))
                .contains("\"limits\":{\"unreadable\":\"max-streams=2burst=9\"}");
        // Only --clear-limits replaces what cannot be read.
        CliTest.Run set = cli("client", "set", "ci", "--max-requests", "3");
        assertThat(set.exit()).isEqualTo(1);
        assertThat(set.err()).contains("--clear-limits replaces them; nothing was changed");
        assertThat(cli("client", "set", "ci", "--clear-limits").exit()).isZero();
        assertThat(served().byName("ci").applies()).isTrue();
    }

    @Test
    void serveLimitsOnlyItsDropInClient() {
        CliTest.Run none = cli("serve", "--listen", "none", "--max-streams", "3");
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).contains("--max-requests, --max-streams and --rate are the limits of the client \"default\" of --listen");
        CliTest.Run typo = cli("serve", "--rate", "fast");
        assertThat(typo.exit()).isEqualTo(2);
        assertThat(typo.err()).contains("--rate: a rate is written N/s or N/m");
    }

    @Test
    void explainWithABodyGivesTheGuardsVerdictTheDecidingFieldAndTheItemThatRelaxesIt() throws Exception {
        Path privileged = dir.resolve("privileged.json");
        java.nio.file.Files.writeString(privileged, "{\"Image\":\"busybox\",\"hostconfig\":{\"privileged\":true}}");
        Path plain = dir.resolve("plain.json");
        java.nio.file.Files.writeString(plain, "{\"Image\":\"busybox\",\"Cmd\":[\"sleep\",\"1\"]}");
        assertThat(cli("client", "add", "ci", "--allow", "CONTAINERS,POST").exit()).isZero();

        CliTest.Run refused = cli("explain", "ci", "POST", "/v1.41/containers/create", "--body", privileged.toString());
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.out()).contains("allowed: containers.create (POST /v1.41/containers/create) granted by CONTAINERS+POST\n")
                .contains("refused (403) by the guard: HostConfig.Privileged: privileged mode is root on the host\n")
                .contains("to allow it: guardrail privileged: sockwarden client set ci --guardrail privileged\n");
        CliTest.Run passes = cli("explain", "ci", "POST", "/v1.41/containers/create", "--body", plain.toString());
        assertThat(passes.exit()).isZero();
        assertThat(passes.out()).contains("guard: passes; the body is forwarded as it is");

        assertThat(cli("client", "set", "ci", "--learn", "on").exit()).isZero();
        CliTest.Run learning = cli("explain", "ci", "POST", "/v1.41/containers/create", "--body", privileged.toString());
        assertThat(learning.exit()).isZero();
        assertThat(learning.out()).contains("forwarded in learn mode, recorded as would-deny; guardrails it needs: privileged: ");

        assertThat(cli("client", "set", "ci", "--learn", "off", "--guardrail", "privileged").exit()).isZero();
        assertThat(cli("explain", "ci", "POST", "/v1.41/containers/create", "--body", privileged.toString()).exit()).isZero();
    }
}
