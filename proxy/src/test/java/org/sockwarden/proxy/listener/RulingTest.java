package org.sockwarden.proxy.listener;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.sockwarden.proxy.limit.ClientLimits;
import org.sockwarden.proxy.api.Operation;
import org.sockwarden.proxy.audit.AuditRecord;
import org.sockwarden.proxy.guard.EngineInfo;
import org.sockwarden.proxy.guard.Guard;
import org.sockwarden.proxy.guard.GuardedRequest;
import org.sockwarden.proxy.guard.Guardrails;
import org.sockwarden.proxy.guard.HostPaths;
import org.sockwarden.proxy.guard.Label;
import org.sockwarden.proxy.identity.Client;
import org.sockwarden.proxy.identity.ClientRules;
import org.sockwarden.proxy.policy.Decider;
import org.sockwarden.proxy.policy.PermissionSet;

/** The ruling that puts a permission, the guard's verdict and learn mode together, as the proxy and explain ask it. */
class RulingTest {

    private static final Guard GUARD = new Guard(HostPaths.hidden(Path.of("/var/run/docker.sock"), Path.of("/var/lib/sockwarden")),
            new EngineInfo("20.10.24+dfsg1", "1.41", false));
    private static final String CREATE = "/v1.41/containers/create";

    private static Client client(String name, Client.GrantAdvice advice, boolean learning, String guardrails, String... grants) {
        return new Client(name, PermissionSet.parse(List.of(grants)), advice,
                new ClientRules(learning, Guardrails.parse(guardrails), null, ClientLimits.NONE, Set.of()));
    }

    private static Client ci(boolean learning, String guardrails, String... grants) {
        return client("ci", Client.GrantAdvice.CLI, learning, guardrails, grants);
    }

    private static byte[] createBody(String hostConfig) {
        return ("{\"Image\":\"busybox\",\"HostConfig\":{" + hostConfig + "}}").getBytes(StandardCharsets.UTF_8);
    }

    private static Ruling create(Client client, byte[] body) {
        return Ruling.of(client, Decider.decide(client.permissions(), Operation.CONTAINERS_CREATE), GUARD,
                new GuardedRequest(Operation.CONTAINERS_CREATE, "name=x", "application/json", null, body == null ? -1 : body.length, body), "POST", CREATE);
    }

    private static Ruling get(Client client, Operation op, String query, String path) {
        return Ruling.of(client, Decider.decide(client.permissions(), op), GUARD,
                new GuardedRequest(op, query, null, null, -1, null), "GET", path);
    }

    @Test
    void aMissingPermissionIsRefusedWithTheGrantThatAllowsItAndTheGuardIsNotAsked() {
        Ruling r = create(ci(false, "", "PING"), null);
        assertThat(r).isInstanceOf(Ruling.Refuse.class);
        Ruling.Refuse refused = (Ruling.Refuse) r;
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.verdict()).isEqualTo(AuditRecord.Verdict.DENY);
        assertThat(refused.decidedBy()).isEqualTo("CONTAINERS_CREATE");
        assertThat(refused.guard()).isNull();
        assertThat(refused.message()).isEqualTo("sockwarden: client \"ci\" may not call containers.create (POST " + CREATE
                + " needs CONTAINERS_CREATE); to allow it: sockwarden grant ci CONTAINERS_CREATE");
    }

    @Test
    void aGuardrailRefusalNamesTheFieldAndTheExactCommandForCliAndDropInClients() {
        byte[] privileged = createBody("\"Privileged\":true");
        Ruling.Refuse cli = (Ruling.Refuse) create(ci(false, "", "CONTAINERS_CREATE"), privileged);
        assertThat(cli.status()).isEqualTo(403);
        assertThat(cli.verdict()).isEqualTo(AuditRecord.Verdict.DENY);
        assertThat(cli.decidedBy()).isEqualTo("HostConfig.Privileged");
        assertThat(cli.guardrail()).isEqualTo("privileged");
        assertThat(cli.message()).startsWith("sockwarden: client \"ci\" may not call containers.create with HostConfig.Privileged: ")
                .endsWith("; to allow it: sockwarden client set ci --guardrail privileged");

        Client dropIn = client("default", Client.GrantAdvice.ENV_FLAGS, false, "bind-path=/srv/data", "CONTAINERS_CREATE");
        assertThat(((Ruling.Refuse) create(dropIn, privileged)).message())
                .endsWith("; to allow it: set SOCKWARDEN_GUARDRAILS='privileged bind-path=/srv/data'");
        Ruling.Refuse bind = (Ruling.Refuse) create(ci(false, "", "CONTAINERS_CREATE"), createBody("\"Binds\":[\"/srv/my data:/d\"]"));
        assertThat(bind.message()).endsWith("; to allow it: sockwarden client set ci --guardrail 'bind-path=\"/srv/my data\"'");
    }

    @Test
    void aBodyThatPassesIsForwardedAsReceivedAndForcedLabelsAreARewrite() {
        Ruling plain = create(ci(false, "", "CONTAINERS_CREATE"), createBody("\"NetworkMode\":\"none\""));
        assertThat(plain).isEqualTo(new Ruling.Forward(AuditRecord.Verdict.ALLOW, "CONTAINERS_CREATE", null, null));

        Client owned = new Client("ci", PermissionSet.parse(List.of("CONTAINERS_CREATE")), Client.GrantAdvice.CLI,
                new ClientRules(false, Guardrails.parse("label=team=ci"), new Label(ClientRules.OWNER_LABEL, "0123"), ClientLimits.NONE, Set.of()));
        Ruling.Forward rewritten = (Ruling.Forward) create(owned, createBody("\"NetworkMode\":\"none\""));
        assertThat(new String(rewritten.body(), StandardCharsets.UTF_8)).contains("\"team\":\"ci\"")
                .contains("\"" + ClientRules.OWNER_LABEL + "\":\"0123\"");
    }

    @Test
    void learnModeForwardsWhatAGrantOrGuardrailItemsWouldAllowAndNamesEveryItemNeeded() {
        Ruling notGranted = get(ci(true, "", "PING"), Operation.NETWORKS_LIST, null, "/v1.41/networks");
        assertThat(notGranted).isEqualTo(new Ruling.Forward(AuditRecord.Verdict.WOULD_DENY, "NETWORKS", null, null));

        byte[] body = createBody("\"Privileged\":true,\"Binds\":[\"/srv/data/x:/x\"],\"CapAdd\":[\"NET_ADMIN\"]");
        Ruling.Forward learned = (Ruling.Forward) create(ci(true, "", "CONTAINERS_CREATE"), body);
        assertThat(learned.verdict()).isEqualTo(AuditRecord.Verdict.WOULD_DENY);
        assertThat(learned.body()).as("forwarded as received").isNull();
        assertThat(Guardrails.parse(learned.guardrail()).items())
                .containsExactlyInAnyOrder("privileged", "bind-path=/srv/data/x", "cap-add=NET_ADMIN");
        assertThat(learned.decidedBy()).startsWith("HostConfig.");
        // What the client already has is not learned again.
        Ruling.Forward partly = (Ruling.Forward) create(ci(true, "privileged cap-add=NET_ADMIN", "CONTAINERS_CREATE"), body);
        assertThat(partly.guardrail()).isEqualTo("bind-path=/srv/data/x");

        Ruling.Forward both = (Ruling.Forward) create(ci(true, "", "PING"), createBody("\"Privileged\":true"));
        assertThat(both.decidedBy()).isEqualTo("CONTAINERS_CREATE");
        assertThat(both.guardrail()).isEqualTo("privileged");
    }

    @Test
    void learnModeNeverForwardsWhatNoGrantOrItemCouldAllow() {
        Client learning = ci(true, "bind-path=/", "CONTAINERS_CREATE");
        Ruling.Refuse socket = (Ruling.Refuse) create(learning, createBody("\"Binds\":[\"/var/run/docker.sock:/s\"]"));
        assertThat(socket.status()).isEqualTo(403);
        assertThat(socket.verdict()).isEqualTo(AuditRecord.Verdict.DENY);
        assertThat(socket.message()).contains("no guardrail allows it");

        Ruling.Refuse duplicate = (Ruling.Refuse) create(learning,
                "{\"Image\":\"x\",\"HostConfig\":{},\"hostconfig\":{\"Privileged\":true}}".getBytes(StandardCharsets.UTF_8));
        assertThat(duplicate.status()).isEqualTo(400);
        assertThat(duplicate.verdict()).isEqualTo(AuditRecord.Verdict.REJECT);

        Ruling.Refuse overCap = Ruling.overCap(learning, Operation.CONTAINERS_CREATE);
        assertThat(overCap.status()).isEqualTo(413);
        assertThat(overCap.verdict()).isEqualTo(AuditRecord.Verdict.REJECT);

        // A requirement the operator set is no guardrail a learning client is let past.
        Ruling.Refuse root = (Ruling.Refuse) create(ci(true, "non-root", "CONTAINERS_CREATE"), createBody(""));
        assertThat(root.guard().field()).isEqualTo("User");
        // Nor a query parameter the API does not define, nor an unknown endpoint's (refused before any ruling).
        Ruling.Refuse query = (Ruling.Refuse) get(ci(true, "", "PING"), Operation.CONTAINERS_LIST, "bogus=1", "/v1.41/containers/json");
        assertThat(query.guard().field()).isEqualTo("query bogus");
        // A missing permission for which no name exists is not forwarded either.
        assertThat(Ruling.of(learning, new org.sockwarden.proxy.policy.Decision.Deny(Operation.NETWORKS_LIST, List.of()), GUARD,
                new GuardedRequest(Operation.NETWORKS_LIST, null, null, null, -1, null), "GET", "/networks")).isInstanceOf(Ruling.Refuse.class);
    }

    @Test
    void noOperationWhoseBodyTheGuardReadsOpensATunnel() {
        // The hijacker forwards bodies it never judges: the proxy rules a hijack at its head, on the query alone.
        assertThat(Arrays.stream(Operation.values()).filter(op -> op.hijack() && Guard.readsBody(op))).isEmpty();
    }
}
