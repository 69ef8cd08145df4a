package org.sockwarden.admin;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Spans and points in time as users type them: {@code 90s}, {@code 15m}, {@code 1h}, {@code 30d}, or an instant. */
final class Durations {
    private static final Pattern SPAN = Pattern.compile("([0-9]{1,9})([smhd])");

    private Durations() {}

    /** {@code 30d}, {@code 12h}, {@code 15m} or {@code 90s}; a usage error names the option and the forms it takes. */
    static Duration parse(String option, String text) {
        Matcher m = SPAN.matcher(text.strip());
        if (!m.matches()) {
            throw new Main.UsageException(option + " wants a span such as 90s, 15m, 1h or 30d, not " + text);
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /** A span back from {@code now} ({@code 1h}) or an instant ({@code 2026-12-01T08:00:00Z}). */
    static Instant since(String option, String text, Instant now) {
        if (SPAN.matcher(text.strip()).matches()) {
            return now.minus(parse(option, text));
        }
        try {
            return Instant.parse(text.strip());
        } catch (DateTimeParseException e) {
            throw new Main.UsageException(option + " wants a span such as 1h or 7d, or an instant such as 2026-12-01T08:00:00Z, not "
                    + text);
        }
    }
}
