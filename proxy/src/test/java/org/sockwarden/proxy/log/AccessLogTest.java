package org.sockwarden.proxy.log;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AccessLogTest {

    @Test
    void timestampsAreWrittenExactlyAsInstantWritesThem() {
        long[][] edges = {{0, 0}, {0, 1}, {0, 1_000}, {0, 1_000_000}, {0, 999_999_999}, {0, 100_000_000}, {0, 10},
                {1_796_217_817, 120_000}, {1_796_217_817, 7_000_000}, {253_402_300_799L, 999_999_999}, {253_402_300_800L, 0},
                {-62_167_219_200L, 0}, {-62_167_219_201L, 5}};
        for (long[] e : edges) {
            Instant t = Instant.ofEpochSecond(e[0], e[1]);
            assertThat(AccessLog.appendInstant(new StringBuilder(), t).toString()).isEqualTo(t.toString());
        }
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 100_000; i++) {
            // Consecutive lines share their second most of the time; the cache must not leak one line's fraction into the next.
            long second = 1_796_217_817L + random.nextInt(3);
            int nano = switch (random.nextInt(4)) {
                case 0 -> random.nextInt(1_000) * 1_000_000;
                case 1 -> random.nextInt(1_000_000) * 1_000;
                case 2 -> 0;
                default -> random.nextInt(1_000_000_000);
            };
            Instant t = Instant.ofEpochSecond(second, nano);
            assertThat(AccessLog.appendInstant(new StringBuilder(), t).toString()).isEqualTo(t.toString());
        }
    }

    @Test
    void textAndJsonLinesCarryTheSameTimestamp() {
        Instant t = Instant.parse("2026-12-02T13:20:15.641479120Z");
        AccessLog.Entry e = new AccessLog.Entry(t, "127.0.0.1:2375", "default", "GET", "/_ping", "system.ping", "allow", "PING",
                200, 0, 2, 57);
        assertThat(AccessLog.text(e)).isEqualTo("2026-12-02T13:20:15.641479120Z listener=127.0.0.1:2375 client=default GET /_ping"
                + " op=system.ping allow(PING) status=200 in=0 out=2 us=57");
        assertThat(json(e)).isEqualTo("{\"time\":\"2026-12-02T13:20:15.641479120Z\",\"listener\":\"127.0.0.1:2375\","
                + "\"client\":\"default\",\"method\":\"GET\",\"target\":\"/_ping\",\"operation\":\"system.ping\",\"decision\":\"allow\","
                + "\"grant\":\"PING\",\"status\":200,\"bytes_in\":0,\"bytes_out\":2,\"duration_us\":57}\n");
    }

    @Test
    void whatAClientSentStaysInItsLine() {
        AccessLog.Entry e = new AccessLog.Entry(Instant.parse("2026-12-02T13:20:15Z"), "unix:/run/a\\b.sock", "-", "GET",
                "/_ping?x=\n2026 INFO forged\u2029\u007f", null, "reject", null, 400, 0, 0, 1);
        assertThat(AccessLog.text(e)).isEqualTo("2026-12-02T13:20:15Z listener=unix:/run/a\\\\b.sock client=- GET"
                + " /_ping?x=\\x0a2026 INFO forged\\u2029\\x7f op=- reject status=400 in=0 out=0 us=1");
        assertThat(json(e)).contains("\"target\":\"/_ping?x=\\n2026 INFO forged\\u2029\\u007f\"").containsOnlyOnce("\n").endsWith("}\n");
    }

    @Test
    void anEventIsOneLineInBothFormats() throws Exception {
        for (AccessLog.Format format : AccessLog.Format.values()) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            try (AccessLog log = new AccessLog(format, new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8))) {
                log.event("WARN", "refused CN=x\r\nINFO forged\u0085");
            }
            String written = out.toString(java.nio.charset.StandardCharsets.UTF_8);
            assertThat(written.lines()).as(format + ": " + written).hasSize(1);
            assertThat(written).doesNotContain("\r", "\u0085");
        }
    }

    /** Values a client chooses (a target, a certificate subject), each with something JSON or a terminal must be careful of. */
    private static final List<String> NASTY = List.of("plain", "quote \" and backslash \\ and slash /", "tab\tnewline\nreturn\rnul\u0000bell\u0007",
            "escape \u001b[31mred", "del \u007f c1 \u0085\u009b", "separators \u2028 \u2029", "Grüße ĳ 漢字 ﬁ", "emoji \ud83d\ude00",
            "lone surrogates \ud800 and \udfff", "BOM \ufeff", "\"}\n{\"forged\":true", "");

    @Test
    void everyJsonLineParsesStrictlyToWhatWasLogged() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Map<String, Object>> expected = new ArrayList<>();
        try (AccessLog log = new AccessLog(AccessLog.Format.JSON, new PrintStream(out, true, StandardCharsets.UTF_8))) {
            Instant t = Instant.parse("2026-12-02T13:20:15.000000001Z");
            for (String v : NASTY) {
                log.log(new AccessLog.Entry(t, "unix:/run/" + v, v, "GET", "/containers/" + v + "/json", null, "deny", v, 403, 1, 2, 3));
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("time", t.toString());
                entry.put("listener", "unix:/run/" + v);
                entry.put("client", v);
                entry.put("method", "GET");
                entry.put("target", "/containers/" + v + "/json");
                entry.put("operation", null);
                entry.put("decision", "deny");
                entry.put("grant", v);
                entry.put("status", 403L);
                entry.put("bytes_in", 1L);
                entry.put("bytes_out", 2L);
                entry.put("duration_us", 3L);
                expected.add(entry);
                log.event("WARN", "refused CN=" + v);
                expected.add(Map.of("level", "WARN", "message", "refused CN=" + v));
            }
        }
        String written = out.toString(StandardCharsets.UTF_8);
        List<String> lines = written.lines().toList();
        assertThat(lines).hasSize(expected.size());
        assertThat(written).endsWith("}\n");
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            for (char c : line.toCharArray()) {
                assertThat(AccessLog.isLineUnsafe(c)).as("raw %04x in %s", (int) c, line).isFalse();
            }
            Map<String, Object> parsed = parseStrictly(line);
            if (expected.get(i).containsKey("level")) {
                assertThat(parsed).containsKey("time").hasSize(3);
                assertThat(parsed).containsAllEntriesOf(expected.get(i));
            } else {
                assertThat(parsed).containsExactlyEntriesOf(expected.get(i));
            }
        }
    }

    @Test
    void linesLostToAFullQueueAreCountedInALineOfTheLogsFormat() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // A stdout that holds the writer on its first flush, until the queue behind it has overflowed.
        java.io.OutputStream stalled = new java.io.OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                try {
                    release.await(30, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                synchronized (out) {
                    out.write(b, off, len);
                }
            }
        };
        int sent = 70_000;
        try (AccessLog log = new AccessLog(AccessLog.Format.JSON, new PrintStream(stalled, false, StandardCharsets.UTF_8))) {
            for (int i = 0; i < sent; i++) {
                log.log(new AccessLog.Entry(Instant.EPOCH, "l", "c", "GET", "/" + i, null, "allow", null, 200, 0, 0, 0));
            }
            release.countDown();
        }
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        long lost = 0;
        int warnings = 0;
        for (String line : lines) {
            Map<String, Object> fields = parseStrictly(line);
            if (fields.containsKey("level")) {
                assertThat(fields).containsEntry("level", "WARN");
                String message = (String) fields.get("message");
                assertThat(message).matches("access log queue full: \\d+ lines lost");
                lost += Long.parseLong(message.replaceAll("\\D", ""));
                warnings++;
            }
        }
        assertThat(lost).isPositive();
        assertThat(lines.size() - warnings + lost).as("every entry is written or counted as lost").isEqualTo(sent);
    }

    /** One flat JSON object, read by jackson with nothing lenient: no unescaped controls, no trailing content, no duplicate keys. */
    static Map<String, Object> parseStrictly(String line) {
        JsonFactory strict = JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
        Map<String, Object> fields = new LinkedHashMap<>();
        try (JsonParser p = strict.createParser(line.getBytes(StandardCharsets.UTF_8))) {
            assertThat(p.nextToken()).isEqualTo(JsonToken.START_OBJECT);
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                fields.put(name, switch (value) {
                    case VALUE_STRING -> p.getText();
                    case VALUE_NUMBER_INT -> p.getLongValue();
                    case VALUE_NULL -> null;
                    default -> throw new AssertionError("unexpected " + value + " in " + line);
                });
            }
            assertThat(p.nextToken()).as("content after the object in %s", line).isNull();
        } catch (IOException e) {
            throw new AssertionError("not strict JSON: " + line, e);
        }
        return fields;
    }

    /** An entry as the JSON format writes it. */
    static String json(AccessLog.Entry e) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            new JsonLines(out).entry(e);
        } catch (IOException x) {
            throw new AssertionError(x);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
