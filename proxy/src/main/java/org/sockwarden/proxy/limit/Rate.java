package org.sockwarden.proxy.limit;

import java.util.concurrent.TimeUnit;

/**
 * A request rate, {@code N/s} or {@code N/m}, enforced as a token bucket that holds {@code N}
 * tokens (its burst) and gains one every {@code 1/N} of the period: after a quiet period a client
 * may send {@code N} requests at once, and in the long run {@code N} per period.
 */
public record Rate(int count, Per per) {

    /** The largest {@code N}: beyond it a rate limits nothing a client could send. */
    public static final int MAX_COUNT = 1_000_000;

    /** The period of a rate. */
    public enum Per {
        SECOND("s", TimeUnit.SECONDS.toNanos(1)),
        MINUTE("m", TimeUnit.MINUTES.toNanos(1));

        private final String unit;
        private final long nanos;

        Per(String unit, long nanos) {
            this.unit = unit;
            this.nanos = nanos;
        }
    }

    public Rate {
        if (count < 1 || count > MAX_COUNT) {
            throw new IllegalArgumentException("a rate is 1 to " + MAX_COUNT + " requests per second or minute, not " + count);
        }
        java.util.Objects.requireNonNull(per, "per");
    }

    /** {@code N/s} or {@code N/m}. */
    public static Rate parse(String text) {
        int slash = text.indexOf('/');
        Per per = null;
        if (slash > 0) {
            String unit = text.substring(slash + 1);
            for (Per p : Per.values()) {
                if (p.unit.equals(unit)) {
                    per = p;
                }
            }
        }
        if (per == null || !text.substring(0, slash).matches("[0-9]{1,7}")) {
            throw new IllegalArgumentException("a rate is written N/s or N/m (requests per second or minute), not \"" + text + "\"");
        }
        return new Rate(Integer.parseInt(text.substring(0, slash)), per);
    }

    /** How long the bucket takes to gain one token. */
    long intervalNanos() {
        return per.nanos / count;
    }

    /** How many requests may come at once after a quiet period. */
    public int burst() {
        return count;
    }

    @Override
    public String toString() {
        return count + "/" + per.unit;
    }
}
