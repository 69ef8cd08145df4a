package org.sockwarden.proxy.limit;

import java.util.EnumSet;
import java.util.Set;

/**
 * How much of the proxy and the engine one client may hold at once and how fast it may ask (0 and
 * null: no such limit). The text form, as stored and shown, is a line of items such as
 * {@code max-requests=10 max-streams=4 rate=20/s}; the empty line is {@link #NONE}.
 *
 * @param maxRequests requests running at once that are not streams, or 0
 * @param maxStreams  streams and hijacked sessions open at once, or 0
 * @param rate        the request rate, or null
 */
public record ClientLimits(int maxRequests, int maxStreams, Rate rate) {

    /** No limit at all: what a client without stored limits has, and what costs nothing on the request path. */
    public static final ClientLimits NONE = new ClientLimits(0, 0, null);
    /** The largest maximum that can be set; far beyond what one engine serves. */
    public static final int MAX = 1_000_000;
    /** The value of an option that removes its limit. */
    public static final String UNLIMITED = "none";

    public ClientLimits {
        for (int max : new int[] {maxRequests, maxStreams}) {
            if (max < 0 || max > MAX) {
                throw new IllegalArgumentException("a maximum is 1 to " + MAX + ", not " + max);
            }
        }
    }

    /** True when no limit is set: the request path then skips the limits entirely. */
    public boolean none() {
        return maxRequests == 0 && maxStreams == 0 && rate == null;
    }

    /**
     * These limits with {@code limit} set to {@code value}, as an option or a stored item gives it:
     * a count for the maximums, {@code N/s} or {@code N/m} for the rate, {@value #UNLIMITED} for no such limit.
     */
    public ClientLimits with(Limit limit, String value) {
        boolean unset = value.equals(UNLIMITED);
        return switch (limit) {
            case MAX_REQUESTS -> new ClientLimits(unset ? 0 : maximum(limit, value), maxStreams, rate);
            case MAX_STREAMS -> new ClientLimits(maxRequests, unset ? 0 : maximum(limit, value), rate);
            case RATE -> {
                try {
                    yield new ClientLimits(maxRequests, maxStreams, unset ? null : Rate.parse(value));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(limit.text() + ": " + e.getMessage(), e);
                }
            }
        };
    }

    private static int maximum(Limit limit, String value) {
        if (!value.matches("[0-9]{1,7}") || Integer.parseInt(value) < 1 || Integer.parseInt(value) > MAX) {
            throw new IllegalArgumentException(limit.text() + " is a number from 1 to " + MAX + " (or " + UNLIMITED + "), not \"" + value + "\"");
        }
        return Integer.parseInt(value);
    }

    /** Reads the text form; throws IllegalArgumentException, saying what is wrong, for anything else. */
    public static ClientLimits parse(String text) {
        ClientLimits limits = NONE;
        Set<Limit> seen = EnumSet.noneOf(Limit.class);
        for (String item : text.strip().split("\\s+")) {
            if (item.isEmpty()) {
                continue;
            }
            int eq = item.indexOf('=');
            Limit limit = eq < 0 ? null : byText(item.substring(0, eq));
            if (limit == null) {
                throw new IllegalArgumentException("\"" + item + "\" is not a limit (max-requests=N, max-streams=N, rate=N/s or rate=N/m)");
            }
            if (!seen.add(limit)) {
                throw new IllegalArgumentException(limit.text() + " is given twice");
            }
            limits = limits.with(limit, item.substring(eq + 1));
        }
        return limits;
    }

    private static Limit byText(String name) {
        for (Limit l : Limit.values()) {
            if (l.text().equals(name)) {
                return l;
            }
        }
        return null;
    }

    /** The text form: the items set, in a fixed order; empty for {@link #NONE}. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        if (maxRequests > 0) {
            b.append(Limit.MAX_REQUESTS.text()).append('=').append(maxRequests);
        }
        if (maxStreams > 0) {
            b.append(b.isEmpty() ? "" : " ").append(Limit.MAX_STREAMS.text()).append('=').append(maxStreams);
        }
        if (rate != null) {
            b.append(b.isEmpty() ? "" : " ").append(Limit.RATE.text()).append('=').append(rate);
        }
        return b.toString();
    }
}
