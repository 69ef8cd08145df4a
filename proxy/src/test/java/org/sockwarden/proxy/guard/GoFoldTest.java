package org.sockwarden.proxy.guard;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GoFoldTest {

    /** {@code guard/go-simplefold.txt}: Go 1.19's unicode.SimpleFold for every rune that folds (its header says how it was made). */
    private static Map<Integer, Integer> goTable() throws IOException {
        Map<Integer, Integer> table = new HashMap<>();
        try (InputStream in = GoFoldTest.class.getResourceAsStream("/guard/go-simplefold.txt")) {
            assertThat(in).isNotNull();
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            String line;
            while ((line = r.readLine()) != null) {
                if (!line.startsWith("#")) {
                    String[] p = line.split(" ");
                    table.put(Integer.parseInt(p[0], 16), Integer.parseInt(p[1], 16));
                }
            }
        }
        return table;
    }

    @Test
    void simpleFoldIsGosForEveryRune() throws IOException {
        Map<Integer, Integer> go = goTable();
        assertThat(go).hasSize(2798);
        for (int r = 0; r <= Character.MAX_CODE_POINT; r++) {
            int expected = go.getOrDefault(r, r);
            if (GoFold.simpleFold(r) != expected) {
                assertThat(Integer.toHexString(GoFold.simpleFold(r))).as("SimpleFold(U+%04X)", r).isEqualTo(Integer.toHexString(expected));
            }
        }
    }

    /** Go's unicode package test: each string lists an orbit in SimpleFold order. */
    @ParameterizedTest
    @CsvSource({"Aa", "\u03b4\u0394", "Kk\u212A", "Ss\u017F", "\u03c1\u03f1\u03a1", "\u0345\u0399\u03b9\u1fbe", "\u0130", "\u0131", "\u13b0\uab80"})
    void orbitsOfGosTests(String orbit) {
        int[] runes = orbit.codePoints().toArray();
        for (int i = 0; i < runes.length; i++) {
            assertThat(GoFold.simpleFold(runes[i])).as("SimpleFold(U+%04X)", runes[i]).isEqualTo(runes[(i + 1) % runes.length]);
        }
    }

    /** Go's bytes package EqualFold tests, and the keys that reach Docker's field names. */
    @ParameterizedTest
    @CsvSource({
        "abc, ABC, true", "ABcd, ABcd, true", "123abc, 123ABC, true", "αβδ, ΑΒΔ, true", "abc, xyz, false",
        "abc, XYZ, false", "abcdefghijk, abcdefghijX, false", "abcdefghijk, abcdefghij\u212A, true",
        "abcdefghijK, abcdefghij\u212A, true", "abcdefghijkz, abcdefghij\u212Ay, false",
        "abcdefghijKz, abcdefghij\u212Ay, false", "1, 2, false", "utf-8, US-ASCII, false",
        "HostConfig, Ho\u017Ftconfig, true", "Privileged, PRIVILEGED, true", "Privileged, privileged, true",
        "Privileged, Pr\u0130vileged, false", "Privileged, Pr\u0131vileged, false", "CapAdd, \u212Aapadd, false",
        "Links, lin\u212As, true", "Links, Link, false", "Binds, Bind\u00DF, false",
    })
    void equalFoldIsGos(String a, String b, boolean equal) {
        assertThat(GoFold.equalFold(a, b)).isEqualTo(equal);
        assertThat(GoFold.equalFold(b, a)).isEqualTo(equal);
        if (equal) {
            assertThat(GoFold.hash(a)).isEqualTo(GoFold.hash(b));
        }
    }

    @Test
    void foldRuneIsTheSmallestOfTheOrbit() throws IOException {
        for (int r : goTable().keySet()) {
            int f = GoFold.foldRune(r);
            assertThat(GoFold.equalFold(new String(Character.toChars(r)), new String(Character.toChars(f)))).isTrue();
            for (int x = GoFold.simpleFold(r); x != r; x = GoFold.simpleFold(x)) {
                assertThat(GoFold.foldRune(x)).isEqualTo(f);
                assertThat(x).isGreaterThanOrEqualTo(f);
            }
        }
        assertThat(GoFold.foldRune('\u017F')).isEqualTo('S');
        assertThat(GoFold.foldRune('\u212A')).isEqualTo('K');
    }
}
