package org.sockwarden.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class DurationsTest {

    @Test
    void spansAndInstants() {
        assertThat(Durations.parse("--x", "90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(Durations.parse("--x", "15m")).isEqualTo(Duration.ofMinutes(15));
        assertThat(Durations.parse("--x", "1h")).isEqualTo(Duration.ofHours(1));
        assertThat(Durations.parse("--x", "30d")).isEqualTo(Duration.ofDays(30));
        Instant now = Instant.parse("2026-12-07T12:00:00Z");
        assertThat(Durations.since("--since", "2h", now)).isEqualTo(Instant.parse("2026-12-07T10:00:00Z"));
        assertThat(Durations.since("--since", "2026-12-01T08:00:00Z", now)).isEqualTo(Instant.parse("2026-12-01T08:00:00Z"));
    }

    @Test
    void anythingElseIsAUsageErrorThatShowsTheForms() {
        assertThatThrownBy(() -> Durations.parse("--audit-retention", "30 days")).isInstanceOf(Main.UsageException.class)
                .hasMessage("--audit-retention wants a span such as 90s, 15m, 1h or 30d, not 30 days");
        assertThatThrownBy(() -> Durations.since("--since", "yesterday", Instant.now())).isInstanceOf(Main.UsageException.class)
                .hasMessage("--since wants a span such as 1h or 7d, or an instant such as 2026-12-01T08:00:00Z, not yesterday");
        assertThatThrownBy(() -> Durations.parse("--x", "-1h")).isInstanceOf(Main.UsageException.class);
    }
}
