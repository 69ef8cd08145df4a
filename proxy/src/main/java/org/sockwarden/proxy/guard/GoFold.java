package org.sockwarden.proxy.guard;

import java.util.Arrays;

/**
 * Go's Unicode simple case folding, as the engine's JSON decoder matches object keys to struct
 * fields: {@code unicode.SimpleFold} and {@code bytes.EqualFold} (Go 1.19, Unicode 13.0.0, the Go
 * of the 20.10 engine; later Go versions fold the same way: {@code encoding/json}'s
 * {@code foldName} maps each rune to the smallest of its orbit, which is equivalent).
 *
 * <p>Under this folding {@code "privileged"} and {@code "PRIVILEGED"} are {@code "Privileged"},
 * U+017F (ſ) is {@code s} and U+212A (Kelvin sign) is {@code k}: the only two non-ASCII runes whose
 * orbit holds an ASCII letter. {@code GoFoldTest} checks {@link #simpleFold} against every rune of
 * Go's own table.
 */
final class GoFold {

    /**
     * Go's {@code caseOrbit}: the runes whose SimpleFold is not the other half of their
     * lower/upper pair (orbits of three or more runes, and İ and ı, which fold only to themselves).
     * Sorted by rune.
     */
    private static final int[] ORBIT_FROM = {
        0x006B, 0x0073, 0x00DF, 0x00E5, 0x0130, 0x0131, 0x01C4, 0x01C7, 0x01CA, 0x01F1, 0x03A3, 0x03B2,
        0x03B5, 0x03B8, 0x03B9, 0x03BA, 0x03BC, 0x03C0, 0x03C1, 0x03C2, 0x03C6, 0x03C9, 0x03D1, 0x03F4,
        0x0432, 0x0434, 0x043E, 0x0441, 0x0442, 0x044A, 0x0463, 0x1C84, 0x1E61, 0x1FBE, 0x2126, 0x212A,
        0x212B, 0xA64B,
    };
    private static final int[] ORBIT_TO = {
        0x212A, 0x017F, 0x1E9E, 0x212B, 0x0130, 0x0131, 0x01C5, 0x01C8, 0x01CB, 0x01F2, 0x03C2, 0x03D0,
        0x03F5, 0x03D1, 0x1FBE, 0x03F0, 0x00B5, 0x03D6, 0x03F1, 0x03C3, 0x03D5, 0x2126, 0x03F4, 0x0398,
        0x1C80, 0x1C81, 0x1C82, 0x1C83, 0x1C84, 0x1C86, 0x1C87, 0x1C85, 0x1E9B, 0x0345, 0x03A9, 0x004B,
        0x00C5, 0x1C88,
    };

    private GoFold() {}

    /**
     * {@code unicode.SimpleFold}: the smallest rune of {@code r}'s fold orbit that is greater than
     * {@code r}, or the smallest of the orbit when there is none ({@code r} itself when it folds to nothing).
     */
    static int simpleFold(int r) {
        if (r < 0 || r > Character.MAX_CODE_POINT) {
            return r;
        }
        int i = Arrays.binarySearch(ORBIT_FROM, r);
        if (i >= 0) {
            return ORBIT_TO[i];
        }
        int lower = Character.toLowerCase(r);
        return lower != r ? lower : Character.toUpperCase(r);
    }

    /** The smallest rune of {@code r}'s orbit: two runes fold together exactly when these are equal. */
    static int foldRune(int r) {
        if (r < 0x80) {
            return r >= 'a' && r <= 'z' ? r - ('a' - 'A') : r;
        }
        int min = r;
        for (int f = simpleFold(r); f != r; f = simpleFold(f)) {
            min = Math.min(min, f);
        }
        return min;
    }

    /** {@code bytes.EqualFold} on the UTF-8 forms of two well-formed strings. */
    static boolean equalFold(String s, String t) {
        int i = 0;
        int j = 0;
        while (i < s.length() && j < t.length()) {
            int sr = s.codePointAt(i);
            int tr = t.codePointAt(j);
            i += Character.charCount(sr);
            j += Character.charCount(tr);
            if (sr == tr) {
                continue;
            }
            if (tr < sr) {
                int x = tr;
                tr = sr;
                sr = x;
            }
            if (tr < 0x80) {
                if (sr >= 'A' && sr <= 'Z' && tr == sr + 'a' - 'A') {
                    continue;
                }
                return false;
            }
            int r = simpleFold(sr);
            while (r != sr && r < tr) {
                r = simpleFold(r);
            }
            if (r != tr) {
                return false;
            }
        }
        return i == s.length() && j == t.length();
    }

    /** A hash that is equal for strings {@link #equalFold} calls equal; allocation-free. */
    static int hash(String s) {
        int h = 0;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            h = 31 * h + foldRune(c);
        }
        return h;
    }
}
