package org.sockwarden.proxy.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
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
        assertThat(AccessLog.json(e)).startsWith("{\"time\":\"2026-12-02T13:20:15.641479120Z\",\"listener\":\"127.0.0.1:2375\"");
    }

    @Test
    void whatAClientSentStaysInItsLine() {
        AccessLog.Entry e = new AccessLog.Entry(Instant.parse("2026-12-02T13:20:15Z"), "unix:/run/a\\b.sock", "-", "GET",
                "/_ping?x=\n2026 INFO forged\u2029\u007f", null, "reject", null, 400, 0, 0, 1);
        assertThat(AccessLog.text(e)).isEqualTo("2026-12-02T13:20:15Z listener=unix:/run/a\\\\b.sock client=- GET"
                + " /_ping?x=\\x0a2026 INFO forged\\u2029\\x7f op=- reject status=400 in=0 out=0 us=1");
        assertThat(AccessLog.json(e)).contains("\"target\":\"/_ping?x=\\n2026 INFO forged\\u2029\\u007f\"").doesNotContain("\n");
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
}
