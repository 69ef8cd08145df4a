package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.sockwarden.admin.MultiClientTest.accepts;
import static org.sockwarden.admin.MultiClientTest.await;
import static org.sockwarden.admin.MultiClientTest.cli;
import static org.sockwarden.admin.MultiClientTest.freePort;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.sockwarden.proxy.testing.Docker;
import org.sockwarden.proxy.testing.RawHttp;
import org.sockwarden.proxy.testing.TestEngine;

/**
 * Issue 19's per-client limits, end to end: a `sockwarden serve` with stored clients limited by
 * `client add`, the drop-in client limited by serve's own options, the real engine and the real
 * docker CLI. Beyond a limit the CLI shows sockwarden's 429 message; another client is
 * unaffected meanwhile; a slot that ends makes room; every refusal is counted (access log, audit
 * trail, {@code sockwarden_limited_total}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LimitsAcceptanceTest {

    private static final Pattern RETRY_AFTER = Pattern.compile("(?i)\r\nRetry-After: (\\d+)\r\n");
    private static final Duration STREAM = Duration.ofSeconds(30);

    private final String prefix = "sw-lima-" + UUID.randomUUID().toString().substring(0, 6);
    private final ExecutorService background = Executors.newCachedThreadPool();
    private Path data;
    private ServedProxy proxy;
    private int defaultPort;
    private int streamerPort;
    private int slowPort;
    private Docker dropIn;
    private Docker streamer;
    private Docker slow;
    private Docker other;
    private Docker direct;

    @BeforeAll
    void start() throws Exception {
        Path engine = TestEngine.socket();
        data = Docker.tempDir("swlim");
        defaultPort = freePort();
        streamerPort = freePort();
        slowPort = freePort();
        int otherPort = freePort();
        assertThat(cli(data, "client", "add", "streamer", "--listen", "127.0.0.1:" + streamerPort, "--allow", "CONTAINERS,EVENTS,POST,EXEC",
                "--max-streams", "2")).isZero();
        assertThat(cli(data, "client", "add", "slow", "--listen", "127.0.0.1:" + slowPort, "--allow", "CONTAINERS,POST",
                "--max-requests", "2")).isZero();
        assertThat(cli(data, "client", "add", "other", "--listen", "127.0.0.1:" + otherPort, "--allow", "CONTAINERS,EVENTS,POST,EXEC"))
                .isZero();
        proxy = ServedProxy.start(data, Map.of("CONTAINERS", "1"), "--listen", "127.0.0.1:" + defaultPort, "--rate", "3/m",
                "--docker-socket", engine.toString());
        await("listeners", () -> accepts(defaultPort) && accepts(streamerPort) && accepts(slowPort) && accepts(otherPort),
                Duration.ofSeconds(30));
        dropIn = new Docker("tcp://127.0.0.1:" + defaultPort);
        streamer = new Docker("tcp://127.0.0.1:" + streamerPort).timeout(Duration.ofSeconds(120));
        slow = new Docker("tcp://127.0.0.1:" + slowPort).timeout(Duration.ofSeconds(120));
        other = new Docker("tcp://127.0.0.1:" + otherPort).timeout(Duration.ofSeconds(120));
        direct = Docker.engine();
    }

    @AfterAll
    void stop() throws Exception {
        if (direct != null) {
            direct.run("rm", "-f", prefix + "-f1", prefix + "-f2", prefix + "-s1", prefix + "-s2");
        }
        background.shutdownNow();
        if (proxy != null) {
            proxy.close();
        }
        if (data != null) {
            try (var paths = Files.walk(data)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** Output that the test reads while the command still runs. */
    private static final class Output extends OutputStream {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public synchronized void write(int b) {
            bytes.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            bytes.write(b, off, len);
        }

        synchronized boolean contains(String text) {
            return bytes.toString(StandardCharsets.UTF_8).contains(text);
        }
    }

    /** A command left running (a stream the test holds open), its output readable as it comes. */
    private record Running(Future<Docker.Result> result, Output out) {
        Running awaitOutput(String text) throws InterruptedException {
            await("\"" + text + "\" from a stream", () -> out.contains(text) || result.isDone(), STREAM);
            assertThat(out.contains(text)).as("the stream printed %s (it ended: %s)", text, result.isDone()).isTrue();
            return this;
        }

        Docker.Result end() throws Exception {
            return result.get(STREAM.toSeconds(), TimeUnit.SECONDS);
        }
    }

    private Running inBackground(Docker cli, String... args) {
        Output out = new Output();
        return new Running(background.submit(() -> cli.runTo(out, args)), out);
    }

    private String container(String name, String command) {
        direct.run("run", "-d", "--name", prefix + "-" + name, "--network", "none", TestEngine.IMAGE, "sh", "-c", command).ok();
        return prefix + "-" + name;
    }

    private static String raw(String target) {
        return "GET " + target + " HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n";
    }

    private static long retryAfter(RawHttp.Answer answer) {
        Matcher m = RETRY_AFTER.matcher(answer.text());
        assertThat(m.find()).as("Retry-After in %s", answer.text()).isTrue();
        return Long.parseLong(m.group(1));
    }

    private double limited(String client, String limit) throws Exception {
        return PrometheusText.value(proxy.metrics(), "sockwarden_limited_total", Map.of("client", client, "limit", limit));
    }

    /** Waits (bounded) until the metric and the audit trail both count {@code atLeast} refusals of {@code client} at {@code limit}. */
    private void awaitCounted(String client, String limit, int atLeast) throws InterruptedException {
        await(atLeast + " refusals of " + client + " counted", () -> {
            try {
                return limited(client, limit) >= atLeast
                        && limitedInAudit(client).stream().filter(row -> limit.equals(row.get("decided_by"))).count() >= atLeast;
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(20));
    }

    private List<Map<String, Object>> limitedInAudit(String client) throws Exception {
        CliTest.Run r = CliTest.run("audit", "--json", "--limit", "0", "--denied", "--client", client, "--data", data.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        return AuditCommandTest.jsonLines(r.out()).stream().filter(row -> "limit".equals(row.get("decision"))).toList();
    }

    @Test
    void theStreamBeyondAClientsLimitIsRefusedWhileAnotherClientStreamsOnAndAnEndedOneMakesRoom() throws Exception {
        String f1 = container("f1", "echo ready; while true; do sleep 1; done");
        String f2 = container("f2", "echo ready; while true; do sleep 1; done");
        // Two streams: a followed log and a hijacked exec session.
        Running logs = inBackground(streamer, "logs", "-f", f1).awaitOutput("ready");
        Running session = inBackground(streamer, "exec", f2, "sh", "-c", "echo session; sleep 600").awaitOutput("session");

        String refused = "sockwarden: client \"streamer\" has 2 streams and sessions open, its limit (--max-streams 2);";
        Docker.Result events = streamer.run("events", "--since", "1s");
        assertThat(events.failed().stderr()).contains("Error response from daemon: " + refused + " system.events is one,"
                + " retry when one of them has ended");
        assertThat(streamer.run("logs", "-f", f2).failed().stderr()).contains(refused + " containers.logs is one");
        // The docker CLI does not read the body of a refused hijack: only the status shows.
        Docker.Result exec = streamer.run("exec", f2, "echo", "more");
        assertThat(exec.failed().stderr()).contains("unable to upgrade to tcp, received 429");
        assertThat(exec.stdout()).doesNotContain("more");
        RawHttp.Answer answer = RawHttp.tcp(streamerPort, raw("/v1.41/events"), Duration.ofSeconds(5));
        assertThat(answer.status()).isEqualTo(429);
        assertThat(retryAfter(answer)).isEqualTo(1);
        assertThat(answer.text()).contains("{\"message\":\"" + refused.replace("\"", "\\\"") + " system.events is one");
        // Calls that are no stream go on.
        streamer.run("ps").ok();

        // Meanwhile another client has all the streams it asks for.
        other.run("ps").ok();
        List<Running> others = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            others.add(inBackground(other, "logs", "-f", f1).awaitOutput("ready"));
        }
        others.add(inBackground(other, "exec", f2, "sh", "-c", "echo session; sleep 600").awaitOutput("session"));

        // The followed log ends (its container stops): a new stream is admitted.
        direct.run("kill", f1).ok();
        logs.end();
        for (int i = 0; i < 3; i++) {
            others.get(i).end();
        }
        await("a new stream admitted", () -> {
            Running again = inBackground(streamer, "logs", "-f", f2);
            try {
                again.awaitOutput("ready");
                return true;
            } catch (AssertionError | InterruptedException refusedAgain) {
                return false;
            }
        }, STREAM);

        direct.run("kill", f2).ok();
        session.end();
        others.get(3).end();

        assertThat(proxy.log()).containsPattern("client=streamer GET /v1\\.41/events\\S* op=system\\.events limit\\(max-streams\\) status=429");
        awaitCounted("streamer", "max-streams", 4);
        assertThat(limitedInAudit("streamer")).allSatisfy(row -> assertThat(row).containsEntry("decided_by", "max-streams")
                .containsEntry("status", 429L));
        assertThat(proxy.metrics()).filteredOn(x -> x.name().equals("sockwarden_limited_total"))
                .noneSatisfy(x -> assertThat(x.labels()).containsEntry("client", "other"));
    }

    @Test
    void beyondMaxRequestsWithSlowRequestsInFlightACallIsRefusedUntilOneEnds() throws Exception {
        // sleep as PID 1 ignores SIGTERM: `docker stop -t 60` runs until the container is killed.
        String s1 = container("s1", "sleep 600");
        String s2 = container("s2", "sleep 600");
        // --since: the stream replays what happened before it was open, so a kill sent first is not missed.
        String since = Long.toString(java.time.Instant.now().getEpochSecond() - 1);
        Running kills = inBackground(direct, "events", "--since", since, "--filter", "event=kill", "--filter", "container=" + s1, "--filter",
                "container=" + s2, "--format", "{{.Actor.Attributes.name}} signal={{.Actor.Attributes.signal}}");
        Running stop1 = inBackground(slow, "stop", "-t", "60", s1);
        Running stop2 = inBackground(slow, "stop", "-t", "60", s2);
        kills.awaitOutput(s1 + " signal=15").awaitOutput(s2 + " signal=15");

        Docker.Result ps = slow.run("ps");
        assertThat(ps.failed().stderr()).contains("Error response from daemon: sockwarden: client \"slow\" has 2 requests running,"
                + " its limit (--max-requests 2); retry when one of them has ended");
        RawHttp.Answer answer = RawHttp.tcp(slowPort, raw("/v1.41/containers/json"), Duration.ofSeconds(5));
        assertThat(answer.status()).isEqualTo(429);
        assertThat(retryAfter(answer)).isEqualTo(1);
        // Streams are not requests: the same client may still read a log (the docker CLI would inspect the container first).
        assertThat(RawHttp.tcp(slowPort, raw("/v1.41/containers/" + s1 + "/logs?stdout=1"), Duration.ofSeconds(5)).status()).isEqualTo(200);
        other.run("ps").ok();

        direct.run("kill", s1, s2).ok();
        assertThat(stop1.end().exitCode()).isZero();
        assertThat(stop2.end().exitCode()).isZero();
        await("a call admitted again", () -> slow.run("ps").exitCode() == 0, Duration.ofSeconds(20));
        awaitCounted("slow", "max-requests", 2);
    }

    @Test
    void theDropInClientsRateRefusesABurstBeyondItAndAdmitsAgainOnceTheBucketRefills() throws Exception {
        // serve --rate 3/m: three at once, then one every 20 s. /_ping is not counted.
        List<Integer> statuses = new ArrayList<>();
        List<Long> waits = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            RawHttp.Answer a = RawHttp.tcp(defaultPort, raw("/v1.41/containers/json"), Duration.ofSeconds(5));
            statuses.add(a.status());
            if (a.status() == 429) {
                waits.add(retryAfter(a));
                assertThat(a.text()).contains("sockwarden: client \\\"default\\\" sends requests faster than its rate (--rate 3/m,"
                        + " bursts of up to 3)");
            }
        }
        assertThat(statuses).containsExactly(200, 200, 200, 429, 429);
        assertThat(waits).allSatisfy(w -> assertThat(w).isBetween(1L, 20L));

        Docker.Result ps = dropIn.run("ps");
        Matcher m = Pattern.compile("sockwarden: client \"default\" sends requests faster than its rate \\(--rate 3/m, bursts of up to 3\\);"
                + " retry in (\\d+) s").matcher(ps.failed().stderr());
        assertThat(m.find()).as(ps.stderr()).isTrue();
        long retry = Long.parseLong(m.group(1));
        assertThat(retry).isBetween(1L, 20L);

        Thread.sleep(TimeUnit.SECONDS.toMillis(retry));
        await("admitted once the bucket refilled", () -> dropIn.run("ps").exitCode() == 0, Duration.ofSeconds(30));
        awaitCounted("default", "rate", 3);
        assertThat(proxy.log()).contains("GET /v1.41/containers/json op=containers.list limit(rate) status=429");
    }
}
