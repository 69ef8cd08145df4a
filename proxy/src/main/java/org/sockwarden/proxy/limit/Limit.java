package org.sockwarden.proxy.limit;

/** The three per-client limits, named as their options and in the log, the audit trail and the metrics. */
public enum Limit {
    /** Requests running at once that are not streams. */
    MAX_REQUESTS("max-requests"),
    /** Streams and hijacked sessions open at once ({@link org.sockwarden.proxy.api.Operation#followed}). */
    MAX_STREAMS("max-streams"),
    /** Requests admitted per second or minute, from a token bucket. */
    RATE("rate");

    private final String text;

    Limit(String text) {
        this.text = text;
    }

    /** {@code max-requests}, {@code max-streams} or {@code rate}: the item of the stored text and the label of the metric. */
    public String text() {
        return text;
    }

    /** The command-line option that sets it. */
    public String option() {
        return "--" + text;
    }
}
