package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.sockwarden.proxy.guard.EngineInfo;
import org.sockwarden.proxy.identity.Client;
import org.sockwarden.proxy.identity.ClientConfig;
import org.sockwarden.proxy.identity.Directory;
import org.sockwarden.proxy.identity.ListenerAddress;
import org.sockwarden.proxy.policy.PermissionSet;
import org.sockwarden.proxy.testing.RawHttp;
import org.sockwarden.store.AuditEntry;
import org.sockwarden.store.AuditStore;
import org.sockwarden.store.Snapshot;
import org.sockwarden.store.StoredClient;

class AdminServerTest {

    private AdminServer server;
    private final AtomicBoolean ready = new AtomicBoolean();
    private final AtomicReference<String> engineProblem = new AtomicReference<>();

    private static final String EVIL = "/v1.41/containers/<script>alert('x')</script>/json?a=\"b\"&c";

    private static StatusPage.View view() {
        Directory directory = new Directory(7, List.of(new ClientConfig(new Client("ci", PermissionSet.parse(List.of("CONTAINERS")),
                Client.GrantAdvice.CLI), List.of(new ListenerAddress.Tcp("127.0.0.1", 2380)), List.of(), Set.of())));
        StoredClient ci = new StoredClient("ci", StoredClient.LEARN, "", false, null, "", "", List.of(StoredClient.Listener.tcp("127.0.0.1:2380")), List.of(),
                List.of(), new TreeSet<>(Set.of("CONTAINERS")), List.of(), List.of(), List.of());
        AuditEntry denial = new AuditEntry(3, Instant.parse("2026-12-07T10:00:00Z"), "ci", "port", "127.0.0.1:2380", "127.0.0.1", 5000,
                "GET", EVIL, "networks.list", "deny", "NETWORKS", "<b>bold</b>", 403, 0, 0, 10);
        return new StatusPage.View("1.0", Instant.parse("2026-12-07T10:05:00Z"), List.of(), directory,
                new Snapshot(7, List.of(ci), List.of(), List.of()), List.of(new AuditStore.Count("ci", "allow", 5), new AuditStore.Count("ci", "deny", 2)),
                List.of(denial), null, EngineInfo.UNKNOWN);
    }

    private int start() throws Exception {
        Metrics metrics = new Metrics();
        HealthChecks health = new HealthChecks();
        health.add("engine", engineProblem::get);
        server = AdminServer.start(new InetSocketAddress("127.0.0.1", 0), true,
                new AdminServer.Sources(metrics, health, ready::get, AdminServerTest::view));
        String bound = server.boundAddress();
        return Integer.parseInt(bound.substring(bound.lastIndexOf(':') + 1));
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private static RawHttp.Answer get(int port, String path, String host) throws Exception {
        return RawHttp.tcp(port, "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n", Duration.ofSeconds(2));
    }

    @Test
    void aNonLoopbackAddressIsRefusedUnlessAskedForOnPurpose() {
        assertThatThrownBy(() -> AdminServer.address("0.0.0.0:9375", false)).isInstanceOf(Main.UsageException.class)
                .hasMessage("--admin-listen 0.0.0.0:9375 is not a loopback address; the status page and metrics name every client: "
                        + "add --admin-listen-public to serve them there on purpose");
        assertThat(AdminServer.address("0.0.0.0:9375", true).getPort()).isEqualTo(9375);
        assertThat(AdminServer.address("127.0.0.1:0", false).getAddress().isLoopbackAddress()).isTrue();
        assertThat(AdminServer.address("[::1]:9375", false).getAddress().isLoopbackAddress()).isTrue();
        // Numeric, as every listener: no name is looked up.
        assertThatThrownBy(() -> AdminServer.address("localhost:9375", false)).isInstanceOf(Main.UsageException.class)
                .hasMessageContaining("not a numeric IP address: \"localhost\"");
    }

    @Test
    void healthAndReadinessFollowTheirSources() throws Exception {
        int port = start();
        String host = "127.0.0.1:" + port;
        assertThat(get(port, "/readyz", host).status()).isEqualTo(503);
        ready.set(true);
        assertThat(get(port, "/readyz", host).status()).isEqualTo(200);
        RawHttp.Answer ok = get(port, "/healthz", host);
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.text()).endsWith("\r\n\r\nok\n");
        engineProblem.set("Docker engine socket /x does not exist");
        RawHttp.Answer bad = get(port, "/healthz", host);
        assertThat(bad.status()).isEqualTo(503);
        assertThat(bad.text()).endsWith("\r\n\r\nengine: Docker engine socket /x does not exist\n");
    }

    @Test
    void readOnlyAndOnlyForLoopbackHostNames() throws Exception {
        int port = start();
        assertThat(get(port, "/metrics", "localhost:" + port).status()).isEqualTo(200);
        assertThat(get(port, "/metrics", "[::1]:" + port).status()).isEqualTo(200);
        // A page that rebinds its own name to 127.0.0.1 sends that name as Host.
        assertThat(get(port, "/", "attacker.example:" + port).status()).isEqualTo(421);
        assertThat(get(port, "/nothing", "127.0.0.1").status()).isEqualTo(404);
        RawHttp.Answer post = RawHttp.tcp(port, "POST /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                Duration.ofSeconds(2));
        assertThat(post.status()).isEqualTo(405);
        assertThat(post.text()).contains("Allow: GET, HEAD");
    }

    @Test
    void theStatusPageEscapesWhatClientsSentAndAllowsNoScript() throws Exception {
        int port = start();
        RawHttp.Answer page = get(port, "/", "127.0.0.1:" + port);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.text()).contains("Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
                .contains("Content-Type: text/html; charset=utf-8")
                .contains("&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt;/json?a=&quot;b&quot;&amp;c")
                .contains("guardrail &lt;b&gt;bold&lt;/b&gt;")
                .doesNotContain("<script>").doesNotContain("<b>bold");
        String html = page.text().substring(page.text().indexOf("<!DOCTYPE html>"));
        assertThat(html).contains("<td>ci</td><td><b>learning</b></td>").contains("sockwarden grant ci NETWORKS")
                .contains("<td>7</td><td>2</td>").contains("<code>sockwarden suggest ci</code>");
    }

    @Test
    void metricsAreTheTextFormat() throws Exception {
        int port = start();
        RawHttp.Answer m = get(port, "/metrics", "127.0.0.1:" + port);
        assertThat(m.text()).contains("Content-Type: text/plain; version=0.0.4; charset=utf-8");
        List<PrometheusText.Sample> samples = PrometheusText.parse(m.text().substring(m.text().indexOf("\r\n\r\n") + 4));
        assertThat(PrometheusText.value(samples, "sockwarden_policy_reload_failures_total", java.util.Map.of())).isZero();
    }
}
