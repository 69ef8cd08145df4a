package org.sockwarden.proxy.policy;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/** "Did you mean …?" for names a user typed. */
public final class Suggestions {
    private Suggestions() {}

    /**
     * The candidate closest to {@code typed} by edit distance (case-insensitive), if it is close
     * enough to be a plausible typo: at most a third of the longer name, and at least one letter kept.
     */
    public static Optional<String> nearest(String typed, Collection<String> candidates) {
        String t = typed.toUpperCase(Locale.ROOT);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(t, c.toUpperCase(Locale.ROOT));
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        int limit = Math.max(1, Math.max(t.length(), best.length()) / 3);
        return bestDistance <= limit && bestDistance < t.length() ? Optional.of(best) : Optional.empty();
    }

    /** Optimal-string-alignment distance: a swap of two neighbours counts as one typo. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
