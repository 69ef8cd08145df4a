package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.sockwarden.admin.MultiClientTest.accepts;
import static org.sockwarden.admin.MultiClientTest.await;
import static org.sockwarden.admin.MultiClientTest.cli;
import static org.sockwarden.admin.MultiClientTest.freePort;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.sockwarden.certs.Fingerprints;
import org.sockwarden.certs.Pem;
import org.sockwarden.proxy.testing.Docker;
import org.sockwarden.proxy.testing.RawHttp;
import org.sockwarden.proxy.testing.TestEngine;
import org.sockwarden.store.Store;
import org.sockwarden.store.StoredCertificate;
import org.sockwarden.store.StoredClient;

/**
 * One sockwarden with clients of every kind of identity (two ports, a socket, a certificate) and
 * an admin listener, driven by the real docker CLI: the audit trail holds exactly the requests the
 * access log shows, the metrics count them, the status page shows them in Chromium, and suggest
 * turns a recorded workload into the grants that allow it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AuditAcceptanceTest {

    private static final Pattern ACCESS = Pattern.compile(
            "^\\S+ listener=\\S+ client=(\\S+) (\\S+) (\\S+) op=(\\S+) ([a-z-]+)(?:\\(([^)]*)\\))? status=(\\d+) .*$");
    private static final List<String> OPS_GRANTS = List.of("CONTAINERS", "POST", "NETWORKS", "VOLUMES", "IMAGES", "PING", "VERSION",
            "EVENTS", "INFO");

    private Path data;
    private ServedProxy proxy;
    private int traefikPort;
    private int opsPort;
    private Path discoSocket;
    private Path vidarCerts;
    private Docker traefik;
    private Docker ops;
    private Docker disco;
    private Docker vidar;
    private Docker direct;
    private final String prefix = "sw-aud-" + UUID.randomUUID().toString().substring(0, 6);

    /** One decided request as the access log or the audit trail tells it. */
    record Request(String client, String method, String target, String operation, String decision, String decidedBy) {}

    @BeforeAll
    void start() throws Exception {
        Path engine = TestEngine.socket();
        data = Docker.tempDir("swaud");
        traefikPort = freePort();
        opsPort = freePort();
        int tlsPort = freePort();
        discoSocket = data.resolve("disco.sock");
        vidarCerts = data.resolve("vidar-certs");
        assertThat(cli(data, "client", "add", "traefik", "--listen", "127.0.0.1:" + traefikPort, "--preset", "traefik")).isZero();
        assertThat(cli(data, "client", "add", "ops", "--listen", "127.0.0.1:" + opsPort, "--allow", String.join(",", OPS_GRANTS))).isZero();
        assertThat(cli(data, "client", "add", "disco", "--socket", discoSocket.toString(), "--preset", "discovery")).isZero();
        assertThat(cli(data, "client", "add", "vidar", "--allow", "PING,VERSION,CONTAINERS")).isZero();
        assertThat(cli(data, "cert", "issue", "vidar", "--out", vidarCerts.toString(), "--days", "7")).isZero();
        proxy = ServedProxy.start(data, Map.of(), "--listen", "none", "--tls-listen", "127.0.0.1:" + tlsPort,
                "--docker-socket", engine.toString());
        await("listeners", () -> accepts(traefikPort) && accepts(opsPort) && accepts(tlsPort) && Files.exists(discoSocket),
                Duration.ofSeconds(30));
        traefik = new Docker("tcp://127.0.0.1:" + traefikPort);
        ops = new Docker("tcp://127.0.0.1:" + opsPort);
        disco = new Docker("unix://" + discoSocket);
        vidar = new Docker("tcp://127.0.0.1:" + tlsPort).env("DOCKER_TLS_VERIFY", "1").env("DOCKER_CERT_PATH", vidarCerts.toString());
        direct = Docker.engine();
        direct.run("run", "-d", "--name", prefix + "-worker", "--network", "none", TestEngine.IMAGE, "sleep", "600").ok();
    }

    @AfterAll
    void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (direct != null) {
            direct.run("rm", "-f", prefix + "-worker");
        }
        if (data != null) {
            try (var paths = Files.walk(data)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private List<Request> accessLog() {
        List<Request> out = new ArrayList<>();
        for (String line : proxy.log().split("\n")) {
            Matcher m = ACCESS.matcher(line);
            if (m.matches()) {
                out.add(new Request(m.group(1), m.group(2), m.group(3), m.group(4), m.group(5), m.group(6)));
            }
        }
        return out;
    }

    private List<Map<String, Object>> audit(String... filter) throws Exception {
        List<String> args = new ArrayList<>(List.of("audit", "--json", "--limit", "0", "--data", data.toString()));
        args.addAll(List.of(filter));
        CliTest.Run r = CliTest.run(args.toArray(String[]::new));
        assertThat(r.exit()).as(r.err()).isZero();
        return AuditCommandTest.jsonLines(r.out());
    }

    /**
     * The audit trail once it and the access log agree on how many requests there were, and
     * neither has moved for a moment: both are written off the request path.
     */
    private List<Map<String, Object>> settled() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        int last = -1;
        while (true) {
            List<Map<String, Object>> rows = audit();
            int logged = accessLog().size();
            if (rows.size() == logged && logged == last) {
                return rows;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the audit trail (" + rows.size() + ") and the access log (" + logged + ") did not settle");
            }
            last = rows.size() == logged ? logged : -1;
            Thread.sleep(200);
        }
    }

    private static Request request(Map<String, Object> row) {
        return new Request(row.get("client") == null ? "-" : (String) row.get("client"), (String) row.get("method"),
                (String) row.get("target"), row.get("operation") == null ? "-" : (String) row.get("operation"), (String) row.get("decision"),
                (String) row.get("decided_by"));
    }

    private static List<String> operations(List<Map<String, Object>> rows, String client) {
        return rows.stream().filter(r -> client.equals(r.get("client"))).map(r -> (String) r.get("operation")).toList();
    }

    private static Map<String, Object> first(List<Map<String, Object>> rows, String client) {
        return rows.stream().filter(r -> client.equals(r.get("client"))).findFirst().orElseThrow();
    }

    @Test
    @Order(1)
    void auditReturnsExactlyTheRequestsOfADockerCliSessionWithWhoAndWhy() throws Exception {
        traefik.run("ps").ok();
        traefik.run("network", "ls").ok();
        assertThat(traefik.run("volume", "ls").failed().stderr()).contains("may not call volumes.list");
        ops.run("run", "--rm", "--network", "none", TestEngine.IMAGE, "echo", "hello").ok();
        disco.run("ps").ok();
        vidar.run("ps").ok();

        List<Map<String, Object>> rows = settled();
        List<Request> logged = new ArrayList<>(accessLog());
        List<Request> audited = new ArrayList<>(rows.stream().map(AuditAcceptanceTest::request).toList());
        assertThat(audited).as("the audit trail has the access log's requests, no more, no fewer").containsExactlyInAnyOrderElementsOf(logged);

        // The docker CLI negotiates the version before each command; the denial names what would allow it.
        assertThat(operations(rows, "traefik")).containsExactly("system.ping", "containers.list", "system.ping", "networks.list",
                "system.ping", "volumes.list");
        Map<String, Object> denied = rows.stream().filter(r -> "volumes.list".equals(r.get("operation"))).findFirst().orElseThrow();
        assertThat(denied).containsEntry("client", "traefik").containsEntry("decision", "deny").containsEntry("decided_by", "VOLUMES")
                .containsEntry("status", 403L);
        assertThat(operations(rows, "ops")).contains("containers.create", "containers.attach", "containers.wait", "containers.start");
        Map<String, Object> session = rows.stream().filter(r -> "containers.attach".equals(r.get("operation"))).findFirst().orElseThrow();
        assertThat(session).containsEntry("status", 101L).containsEntry("decided_by", "CONTAINERS+POST");
        assertThat((Long) session.get("bytes_out")).isGreaterThanOrEqualTo("hello\n".length());
        assertThat(operations(rows, "disco")).containsExactly("system.ping", "containers.list");
        assertThat(operations(rows, "vidar")).containsExactly("system.ping", "containers.list");
        assertThat(rows).allSatisfy(r -> assertThat(r.get("decision")).isIn("allow", "deny"));

        // Who called: the port, the socket and its peer uid, the certificate.
        assertThat(first(rows, "traefik")).containsEntry("identity_kind", "port")
                .containsEntry("identity", "127.0.0.1:" + traefikPort);
        assertThat((String) first(rows, "traefik").get("remote")).startsWith("127.0.0.1:");
        long uid = new com.sun.security.auth.module.UnixSystem().getUid();
        assertThat(first(rows, "disco")).containsEntry("identity_kind", "socket").containsEntry("identity", discoSocket + " uid " + uid)
                .containsEntry("remote", null);
        String fingerprint = Fingerprints.sha256(Pem.readCertificates(vidarCerts.resolve("cert.pem")).get(0));
        assertThat(first(rows, "vidar")).containsEntry("identity_kind", "certificate").containsEntry("identity", fingerprint);
    }

    @Test
    @Order(2)
    void metricsAreScrapedAndParsedAndCountWhatTheAuditTrailHolds() throws Exception {
        List<Map<String, Object>> rows = audit();
        List<PrometheusText.Sample> m = proxy.metrics();
        assertThat(PrometheusText.value(m, "sockwarden_requests_total",
                Map.of("client", "traefik", "operation", "volumes.list", "decision", "deny"))).isEqualTo(1);
        assertThat(PrometheusText.value(m, "sockwarden_requests_total",
                Map.of("client", "traefik", "operation", "system.ping", "decision", "allow"))).isEqualTo(3);
        double total = m.stream().filter(s -> s.name().equals("sockwarden_requests_total")).mapToDouble(PrometheusText.Sample::value).sum();
        assertThat(total).isEqualTo(rows.size());
        assertThat(PrometheusText.value(m, "sockwarden_request_duration_seconds_count", Map.of("decision", "allow"))
                + PrometheusText.value(m, "sockwarden_request_duration_seconds_count", Map.of("decision", "deny"))).isEqualTo(rows.size());
        assertThat(PrometheusText.value(m, "sockwarden_bytes_total", Map.of("client", "ops", "direction", "out"))).isPositive();
        assertThat(PrometheusText.value(m, "sockwarden_audit_written_total", Map.of())).isEqualTo(rows.size());
        assertThat(PrometheusText.value(m, "sockwarden_audit_dropped_total", Map.of("reason", "queue_full"))).isZero();
        assertThat(PrometheusText.value(m, "sockwarden_audit_dropped_total", Map.of("reason", "write_failed"))).isZero();
        assertThat(PrometheusText.value(m, "sockwarden_audit_queue_depth", Map.of())).isZero();
        assertThat(PrometheusText.value(m, "sockwarden_engine_reachable", Map.of())).isEqualTo(1);
        assertThat(PrometheusText.value(m, "sockwarden_healthy", Map.of())).isEqualTo(1);
        assertThat(PrometheusText.value(m, "sockwarden_hijacked_sessions", Map.of())).isZero();
        try (Store s = Store.open(data)) {
            assertThat(PrometheusText.value(m, "sockwarden_policy_version", Map.of())).isEqualTo(s.snapshot().version());
            StoredCertificate cert = s.certificates("vidar").get(0);
            assertThat(PrometheusText.value(m, "sockwarden_certificate_expiry_timestamp_seconds",
                    Map.of("kind", "client", "client", "vidar", "fingerprint", cert.fingerprint()))).isEqualTo(cert.notAfter().getEpochSecond());
        }
        assertThat(PrometheusText.value(m, "sockwarden_policy_reload_failures_total", Map.of())).isZero();
    }

    @Test
    @Order(3)
    void theAdminEndpointsAreNotReachableThroughAClientListenerAndHealthSaysHealthy() throws Exception {
        for (String path : List.of("/metrics", "/healthz", "/")) {
            RawHttp.Answer a = RawHttp.tcp(traefikPort, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                    Duration.ofSeconds(2));
            assertThat(a.status()).as(path).isEqualTo(403);
            assertThat(a.text()).as(path).doesNotContain("sockwarden_requests_total").doesNotContain("<html");
        }
        assertThat(proxy.get("/healthz")).isEqualTo(new ServedProxy.Answer(200, "ok\n"));
        assertThat(CliTest.run("health", "--data", data.toString())).isEqualTo(new CliTest.Run(0, "ok\n", ""));
        assertThat(CliTest.run("health", "--admin", proxy.admin).exit()).isZero();
        assertThat(CliTest.run("status", "--data", data.toString()).out()).contains("  admin listener: http://" + proxy.admin + "/");
    }

    @Test
    @Order(4)
    void theStatusPageInChromiumShowsClientsDenialsLearningAndExpiringCertificates() throws Exception {
        try (Store s = Store.open(data)) {
            s.setMode("disco", StoredClient.LEARN);
        }
        await("the learning client on the page", () -> proxy.get("/").body().contains("<b>learning</b>"), Duration.ofSeconds(5));
        String dom = Chromium.dumpDom(proxy.url("/"));
        assertThat(dom).contains("<h1>sockwarden ").contains("healthy")
                .contains("<td>traefik</td>").contains("<td>ops</td>").contains("<td>vidar</td>")
                .contains("port 127.0.0.1:" + traefikPort).contains("socket " + discoSocket + " (mode 0660)")
                .contains("<code>GET /v1.41/volumes</code>").contains("<code>sockwarden grant traefik VOLUMES</code>")
                .contains("<code>sockwarden suggest disco</code>");
        // vidar's certificate was issued for 7 days: close to expiry.
        String fingerprint = Fingerprints.sha256(Pem.readCertificates(vidarCerts.resolve("cert.pem")).get(0));
        assertThat(dom).contains("<table id=\"expiring\">").contains(fingerprint);
        // Per client over the last hour: traefik's 6 requests of the CLI session and the 3 refused tries at the admin paths.
        assertThat(dom).containsPattern("<td>traefik</td><td>enforce</td>.*?<td>9</td><td>4</td>");
        Path png = Path.of(System.getProperty("basedir", ".")).resolve("target/status-page.png");
        Chromium.screenshot(proxy.url("/"), png);
        byte[] bytes = Files.readAllBytes(png);
        assertThat(bytes.length).isGreaterThan(10_000);
        assertThat(new String(bytes, 1, 3, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("PNG");
        try (Store s = Store.open(data)) {
            s.setMode("disco", StoredClient.ENFORCE);
        }
    }

    private void workload() {
        ops.run("ps", "-a").ok();
        ops.run("inspect", prefix + "-worker").ok();
        ops.run("network", "ls").ok();
        ops.run("run", "--rm", "--network", "none", TestEngine.IMAGE, "true").ok();
    }

    @Test
    @Order(5)
    void suggestTurnsARecordedWorkloadIntoASetThatAllowsItAndNothingMore() throws Exception {
        Instant since = Instant.now();
        workload();
        settled();
        CliTest.Run suggested = CliTest.run("suggest", "ops", "--since", since.toString(), "--data", data.toString());
        assertThat(suggested.exit()).isZero();
        String grant = suggested.out().lines().filter(l -> l.startsWith("grant: ")).findFirst().orElseThrow();
        assertThat(grant).contains("CONTAINERS_CREATE", "CONTAINERS_ATTACH", "NETWORKS_LIST").doesNotContain("VOLUMES")
                .doesNotContain("POST").doesNotContain("CONTAINERS_DELETE");

        // From nothing, the suggestion alone: the workload works again, and a write outside it is refused.
        List<String> revoke = new ArrayList<>(List.of("revoke", "ops"));
        revoke.addAll(OPS_GRANTS);
        assertThat(cli(data, revoke.toArray(String[]::new))).isZero();
        await("revoked", () -> ops.run("ps").exitCode() != 0, Duration.ofSeconds(5));
        assertThat(CliTest.run("suggest", "ops", "--since", since.toString(), "--apply", "--data", data.toString()).exit()).isZero();
        await("the suggestion applied", () -> ops.run("ps", "-a").exitCode() == 0, Duration.ofSeconds(5));
        workload();
        assertThat(ops.run("volume", "create", prefix + "-v").failed().stderr()).contains("may not call volumes.create");
        assertThat(ops.run("network", "create", prefix + "-n").failed().stderr()).contains("may not call networks.create");
        assertThat(ops.run("rm", "-f", prefix + "-worker").failed().stderr()).contains("may not call containers.delete");
    }
}
