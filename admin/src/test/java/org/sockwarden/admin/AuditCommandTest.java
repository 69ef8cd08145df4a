package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sockwarden.store.AuditEntry;
import org.sockwarden.store.AuditStore;

class AuditCommandTest {

    @TempDir
    Path data;

    static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    static AuditEntry entry(Instant t, String client, String method, String target, String op, String decision, String by) {
        return new AuditEntry(0, t, client, "port", "127.0.0.1:2380", "127.0.0.1", 40000, method, target, op, decision, by, null,
                decision.equals("allow") ? 200 : decision.equals("reject") ? 400 : 403, 0, 7, 120);
    }

    static void append(Path data, AuditEntry... entries) {
        try (AuditStore a = AuditStore.open(data)) {
            a.append(List.of(entries));
        }
    }

    /** One JSON object per line, each read into a map of its fields (numbers as Long, null as null). */
    static List<Map<String, Object>> jsonLines(String out) throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        JsonFactory f = new JsonFactory();
        for (String line : out.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            try (JsonParser p = f.createParser(line)) {
                assertThat(p.nextToken()).isEqualTo(JsonToken.START_OBJECT);
                Map<String, Object> row = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    JsonToken v = p.nextToken();
                    row.put(name, v == JsonToken.VALUE_NULL ? null : v == JsonToken.VALUE_NUMBER_INT ? (Object) p.getLongValue() : p.getText());
                }
                assertThat(p.nextToken()).as("one object per line").isNull();
                rows.add(row);
            }
        }
        return rows;
    }

    @BeforeEach
    void clients() {
        assertThat(CliTest.run("client", "add", "traefik", "--listen", "127.0.0.1:2380", "--preset", "traefik", "--data", data.toString())
                .exit()).isZero();
    }

    @Test
    void textAndJsonWithEveryFilter() throws Exception {
        append(data,
                entry(T0, "traefik", "HEAD", "/_ping", "system.ping", "allow", "SYSTEM_PING"),
                entry(T0.plusSeconds(1), "traefik", "GET", "/v1.41/volumes", "volumes.list", "deny", "VOLUMES"),
                entry(T0.plusSeconds(2), "default", "GET", "/v1.41/networks", "networks.list", "deny", "NETWORKS"),
                entry(T0.plusSeconds(3), null, "GET", "/v1.41/containers/./json", null, "reject", null));
        CliTest.Run all = CliTest.run("audit", "--data", data.toString());
        assertThat(all.exit()).isZero();
        assertThat(all.out().lines()).hasSize(4);
        assertThat(all.out().lines().findFirst().orElseThrow()).isEqualTo("2026-12-01T10:00:00Z client=traefik port=127.0.0.1:2380 "
                + "from=127.0.0.1:40000 HEAD /_ping op=system.ping allow(SYSTEM_PING) status=200 in=0 out=7 us=120");
        assertThat(CliTest.run("audit", "--denied", "--data", data.toString()).out().lines())
                .allMatch(l -> l.contains(" deny(") || l.contains(" reject ")).hasSize(3);
        assertThat(CliTest.run("audit", "--client", "traefik", "--limit", "1", "--data", data.toString()).out().lines())
                .containsExactly("2026-12-01T10:00:01Z client=traefik port=127.0.0.1:2380 from=127.0.0.1:40000 GET /v1.41/volumes "
                        + "op=volumes.list deny(VOLUMES) status=403 in=0 out=7 us=120");
        assertThat(CliTest.run("audit", "--operation", "NETWORKS_LIST", "--data", data.toString()).out())
                .isEqualTo(CliTest.run("audit", "--operation", "networks.list", "--data", data.toString()).out()).contains("client=default");
        assertThat(CliTest.run("audit", "--since", "2026-12-01T10:00:02Z", "--data", data.toString()).out().lines()).hasSize(2);

        List<Map<String, Object>> json = jsonLines(CliTest.run("audit", "--json", "--data", data.toString()).out());
        assertThat(json).hasSize(4);
        assertThat(json.get(1)).containsEntry("client", "traefik").containsEntry("identity_kind", "port")
                .containsEntry("identity", "127.0.0.1:2380").containsEntry("remote", "127.0.0.1:40000").containsEntry("method", "GET")
                .containsEntry("target", "/v1.41/volumes").containsEntry("operation", "volumes.list").containsEntry("decision", "deny")
                .containsEntry("decided_by", "VOLUMES").containsEntry("guardrail", null).containsEntry("status", 403L)
                .containsEntry("bytes_in", 0L).containsEntry("bytes_out", 7L).containsEntry("duration_us", 120L)
                .containsEntry("time", "2026-12-01T10:00:01Z").containsKey("id");
        assertThat(json.get(3)).containsEntry("client", null).containsEntry("operation", null).containsEntry("decision", "reject");
    }

    @Test
    void aMistypedOperationIsAUsageErrorAndNoTrailIsSaidSo() {
        CliTest.Run typo = CliTest.run("audit", "--operation", "containers.lst", "--data", data.toString());
        assertThat(typo.exit()).isEqualTo(2);
        assertThat(typo.err()).contains("--operation: no operation containers.lst (did you mean containers.list?)");
        CliTest.Run none = CliTest.run("audit", "--data", data.toString());
        assertThat(none.exit()).isZero();
        assertThat(none.out()).isEmpty();
        assertThat(none.err()).contains("no audit trail in " + data + " yet");
    }

    @Test
    void summaryCountsPerClientAndNamesTheCommandThatAllowsEachDenial() {
        Instant now = Instant.now();
        append(data,
                entry(now.minusSeconds(60), "traefik", "GET", "/v1.41/containers/json", "containers.list", "allow", "CONTAINERS_LIST"),
                entry(now.minusSeconds(50), "traefik", "GET", "/v1.41/volumes", "volumes.list", "deny", "VOLUMES"),
                entry(now.minusSeconds(40), "traefik", "GET", "/v1.41/volumes?x=1", "volumes.list", "deny", "VOLUMES"),
                entry(now.minusSeconds(30), "traefik", "GET", "/v1.41/containers/json", "containers.list", "deny", "CONTAINERS_LIST"),
                entry(now.minusSeconds(20), "default", "GET", "/v1.41/networks", "networks.list", "deny", "NETWORKS"),
                entry(now.minusSeconds(3 * 86_400), "traefik", "GET", "/v1.41/info", "system.info", "deny", "INFO"));
        CliTest.Run r = CliTest.run("audit", "summary", "--data", data.toString());
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("client default: 0 allowed, 1 denied, 0 rejected\n"
                        + "  denied networks.list 1 time, e.g. GET /v1.41/networks; to allow it: set NETWORKS=1\n")
                .contains("client traefik: 1 allowed, 3 denied, 0 rejected\n"
                        + "  denied volumes.list 2 times, e.g. GET /v1.41/volumes?x=1; to allow it: sockwarden grant traefik VOLUMES\n"
                        // traefik has CONTAINERS_LIST now: the fix says so instead of repeating the old one.
                        + "  denied containers.list 1 time, e.g. GET /v1.41/containers/json; to allow it: allowed now\n")
                .doesNotContain("system.info");
        assertThat(CliTest.run("audit", "summary", "--since", "7d", "--data", data.toString()).out())
                .contains("denied system.info 1 time, e.g. GET /v1.41/info; to allow it: sockwarden grant traefik INFO");
    }

    @Test
    void followPrintsRecordsAsTheyAreWrittenUntilStopped() throws Exception {
        append(data, entry(T0, "traefik", "HEAD", "/_ping", "system.ping", "allow", "SYSTEM_PING"));
        Process follow = new ProcessBuilder(ChildJvm.sockwarden("audit", "--follow", "--json", "--data", data.toString())).redirectErrorStream(true).start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(follow.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                }
            } catch (java.io.IOException ignored) {
                // the process was ended
            }
        });
        reader.setDaemon(true);
        reader.start();
        try {
            assertThat(lines.poll(30, TimeUnit.SECONDS)).contains("\"target\":\"/_ping\"");
            append(data, entry(T0.plusSeconds(5), "traefik", "GET", "/v1.41/volumes", "volumes.list", "deny", "VOLUMES"));
            assertThat(lines.poll(30, TimeUnit.SECONDS)).contains("\"target\":\"/v1.41/volumes\"");
            assertThat(follow.isAlive()).isTrue();
        } finally {
            follow.destroy();
            follow.waitFor(10, TimeUnit.SECONDS);
            follow.destroyForcibly();
        }
    }
}
