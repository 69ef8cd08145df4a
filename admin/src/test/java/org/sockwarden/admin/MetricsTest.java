package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sockwarden.proxy.api.Operation;
import org.sockwarden.proxy.audit.AuditRecord;
import org.sockwarden.proxy.audit.AuditRecord.Verdict;

class MetricsTest {

    private static AuditRecord record(String client, Operation op, Verdict verdict, long in, long out, long micros) {
        return new AuditRecord(Instant.now(), "127.0.0.1:2380", client, null, -1, new InetSocketAddress("127.0.0.1", 4000), "GET", "/x",
                op, verdict, null, null, 200, in, out, micros);
    }

    @Test
    void requestsBytesAndLatencyByClientOperationAndDecisionInTheTextFormat() throws Exception {
        Metrics m = new Metrics();
        m.record(record("traefik", Operation.CONTAINERS_LIST, Verdict.ALLOW, 0, 1000, 300));
        m.record(record("traefik", Operation.CONTAINERS_LIST, Verdict.ALLOW, 0, 500, 700));
        m.record(record("traefik", Operation.VOLUMES_LIST, Verdict.DENY, 0, 0, 50));
        m.record(record("ci", Operation.EXEC_START, Verdict.WOULD_DENY, 12, 20, 2_000_000));
        m.record(record(null, null, Verdict.REJECT, 0, 0, 40));
        m.policyReloadFailed();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        m.write(out);
        assertThat(m.contentType()).startsWith("text/plain; version=0.0.4");
        List<PrometheusText.Sample> s = PrometheusText.parse(out.toString(StandardCharsets.UTF_8));

        assertThat(PrometheusText.value(s, "sockwarden_requests_total",
                Map.of("client", "traefik", "operation", "containers.list", "decision", "allow"))).isEqualTo(2);
        assertThat(PrometheusText.value(s, "sockwarden_requests_total",
                Map.of("client", "traefik", "operation", "volumes.list", "decision", "deny"))).isEqualTo(1);
        assertThat(PrometheusText.value(s, "sockwarden_requests_total",
                Map.of("client", "ci", "operation", "exec.start", "decision", "would-deny"))).isEqualTo(1);
        assertThat(PrometheusText.value(s, "sockwarden_requests_total", Map.of("client", "-", "operation", "-", "decision", "reject")))
                .isEqualTo(1);
        assertThat(PrometheusText.value(s, "sockwarden_bytes_total", Map.of("client", "traefik", "direction", "out"))).isEqualTo(1500);
        assertThat(PrometheusText.value(s, "sockwarden_bytes_total", Map.of("client", "ci", "direction", "in"))).isEqualTo(12);
        assertThat(PrometheusText.value(s, "sockwarden_request_duration_seconds_count", Map.of("decision", "allow"))).isEqualTo(2);
        assertThat(PrometheusText.value(s, "sockwarden_request_duration_seconds_sum", Map.of("decision", "allow"))).isEqualTo(0.001);
        assertThat(PrometheusText.value(s, "sockwarden_request_duration_seconds_bucket", Map.of("decision", "allow", "le", "5.0E-4")))
                .isEqualTo(1);
        assertThat(PrometheusText.value(s, "sockwarden_request_duration_seconds_bucket", Map.of("decision", "would-deny", "le", "1.0")))
                .isZero();
        assertThat(PrometheusText.value(s, "sockwarden_policy_reload_failures_total", Map.of())).isEqualTo(1);
        assertThat(s).filteredOn(x -> x.family().equals("sockwarden_request_duration_seconds")).extracting(PrometheusText.Sample::type)
                .containsOnly("histogram");
        assertThat(s).filteredOn(x -> x.family().equals("sockwarden_requests")).extracting(PrometheusText.Sample::type)
                .containsOnly("counter");
    }

    @Test
    void requestsRefusedByALimitAreCountedByClientAndLimit() throws Exception {
        Metrics m = new Metrics();
        for (String limit : List.of("max-streams", "max-streams", "rate")) {
            m.record(new AuditRecord(Instant.now(), "127.0.0.1:2380", "dozzle", null, -1, null, "GET", "/x", Operation.CONTAINERS_LOGS,
                    Verdict.LIMIT, limit, null, 429, 0, 0, 10));
        }
        m.record(record("dozzle", Operation.CONTAINERS_LOGS, Verdict.ALLOW, 0, 10, 10));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        m.write(out);
        List<PrometheusText.Sample> s = PrometheusText.parse(out.toString(StandardCharsets.UTF_8));
        assertThat(PrometheusText.value(s, "sockwarden_limited_total", Map.of("client", "dozzle", "limit", "max-streams"))).isEqualTo(2);
        assertThat(PrometheusText.value(s, "sockwarden_limited_total", Map.of("client", "dozzle", "limit", "rate"))).isEqualTo(1);
        assertThat(PrometheusText.value(s, "sockwarden_requests_total",
                Map.of("client", "dozzle", "operation", "containers.logs", "decision", "limit"))).isEqualTo(3);
        assertThat(s).filteredOn(x -> x.family().equals("sockwarden_limited")).extracting(PrometheusText.Sample::type)
                .containsOnly("counter");
    }
}
