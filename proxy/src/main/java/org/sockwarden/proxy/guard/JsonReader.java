package org.sockwarden.proxy.guard;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads a request body into a {@link Json} document, refusing (400) every body that Go's
 * {@code encoding/json}, which the engine decodes with, would read differently from jackson or from
 * how the body looks:
 * <ul>
 *   <li>anything but strict RFC 8259 JSON: comments, single quotes, {@code NaN}, leading {@code +}
 *       or zeros, trailing commas (jackson's lenient features are all off, and set off here
 *       explicitly so that no default can turn one on);</li>
 *   <li>a byte-order mark (Go refuses it; jackson skips it), any control byte outside strings but
 *       the four JSON white spaces (jackson's encoding detection would read a body with NUL bytes as
 *       UTF-16), invalid UTF-8 and escaped lone surrogates (Go replaces both with U+FFFD, jackson
 *       fails on the first and keeps the second);</li>
 *   <li>a key that repeats another in the same object under Go's case folding: Go matches
 *       {@code "privileged"} and {@code "Privileged"} to one field and keeps the last, and merges two
 *       {@code HostConfig} objects;</li>
 *   <li>content after the first value: engines before 23.0 ignore it, later ones refuse it;</li>
 *   <li>nesting deeper than {@link #MAX_DEPTH} (Docker's deepest bodies nest about eight levels) and
 *       number literals longer than {@link #MAX_NUMBER_LENGTH}.</li>
 * </ul>
 */
final class JsonReader {

    static final int MAX_DEPTH = 64;
    static final int MAX_NUMBER_LENGTH = 64;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .disable(JsonFactory.Feature.CHARSET_DETECTION)
            .disable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
            .disable(JsonReadFeature.ALLOW_YAML_COMMENTS)
            .disable(JsonReadFeature.ALLOW_BACKSLASH_ESCAPING_ANY_CHARACTER)
            .disable(JsonReadFeature.ALLOW_SINGLE_QUOTES)
            .disable(JsonReadFeature.ALLOW_UNESCAPED_CONTROL_CHARS)
            .disable(JsonReadFeature.ALLOW_UNQUOTED_FIELD_NAMES)
            .disable(JsonReadFeature.ALLOW_RS_CONTROL_CHAR)
            .disable(JsonReadFeature.ALLOW_LEADING_DECIMAL_POINT_FOR_NUMBERS)
            .disable(JsonReadFeature.ALLOW_LEADING_PLUS_SIGN_FOR_NUMBERS)
            .disable(JsonReadFeature.ALLOW_LEADING_ZEROS_FOR_NUMBERS)
            .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .disable(JsonReadFeature.ALLOW_TRAILING_DECIMAL_POINT_FOR_NUMBERS)
            .disable(JsonReadFeature.ALLOW_MISSING_VALUES)
            .disable(JsonReadFeature.ALLOW_TRAILING_COMMA)
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .disable(StreamReadFeature.STRICT_DUPLICATE_DETECTION) // ours is stricter: Go's folding, not equality
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_DEPTH)
                    .maxNumberLength(MAX_NUMBER_LENGTH)
                    .build())
            .build();

    private final JsonParser parser;
    /** Where the reader is, for messages only: keys (String) and array indices (Integer), built into a path on refusal. */
    private final Object[] at = new Object[MAX_DEPTH + 2];
    private int depth;

    private JsonReader(JsonParser parser) {
        this.parser = parser;
    }

    /**
     * The document in {@code body[0..length)}, or null when that holds nothing but white space (no body:
     * the engine's decoder sees end of input). Throws a 400 {@link Refusal} for everything listed above.
     */
    static Json read(byte[] body, int length) {
        int start = checkBytes(body, length);
        if (start == length) {
            return null;
        }
        try (JsonParser p = FACTORY.createParser(body, 0, length)) {
            JsonReader reader = new JsonReader(p);
            Json doc = reader.value(p.nextToken());
            JsonToken after;
            try {
                after = p.nextToken();
            } catch (JsonProcessingException e) {
                after = JsonToken.NOT_AVAILABLE;
            }
            if (after != null) {
                throw Refusal.malformed("body", "content after the JSON value (at byte " + p.currentTokenLocation().getByteOffset()
                        + "): engines before 23.0 ignore it and read only the first value, later ones refuse it");
            }
            return doc;
        } catch (JsonProcessingException e) {
            throw Refusal.malformed("body", "not valid JSON as the engine reads it: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalStateException("reading a byte array cannot fail", e);
        }
    }

    /**
     * Refuses a byte-order mark, control bytes other than tab, LF and CR (JSON allows them nowhere
     * else: raw in a string they are an error for Go and jackson alike) and any byte sequence that is
     * not strict UTF-8 (overlong forms, encoded surrogates, beyond U+10FFFF, truncated). Returns the
     * index of the first byte that is not white space.
     */
    static int checkBytes(byte[] b, int length) {
        if (length >= 3 && (b[0] & 0xFF) == 0xEF && (b[1] & 0xFF) == 0xBB && (b[2] & 0xFF) == 0xBF) {
            throw Refusal.malformed("body", "starts with a UTF-8 byte-order mark, which the engine's decoder refuses");
        }
        int firstNonSpace = -1;
        int i = 0;
        while (i < length) {
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
                    throw Refusal.malformed("body", "control byte 0x" + Integer.toHexString(c) + " at byte " + i
                            + " (JSON allows only tab, LF and CR outside strings, and none inside)");
                }
                if (firstNonSpace < 0 && c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                    firstNonSpace = i;
                }
                i++;
                continue;
            }
            if (firstNonSpace < 0) {
                firstNonSpace = i;
            }
            int need;
            int min;
            if (c >= 0xC2 && c <= 0xDF) {
                need = 1;
                min = 0x80;
            } else if (c >= 0xE0 && c <= 0xEF) {
                need = 2;
                min = 0x800;
            } else if (c >= 0xF0 && c <= 0xF4) {
                need = 3;
                min = 0x10000;
            } else {
                throw invalidUtf8(i);
            }
            if (i + need >= length) {
                throw invalidUtf8(i);
            }
            int cp = c & (0x3F >> need);
            for (int k = 1; k <= need; k++) {
                int cc = b[i + k] & 0xFF;
                if ((cc & 0xC0) != 0x80) {
                    throw invalidUtf8(i);
                }
                cp = (cp << 6) | (cc & 0x3F);
            }
            if (cp < min || cp > Character.MAX_CODE_POINT || (cp >= 0xD800 && cp <= 0xDFFF)) {
                throw invalidUtf8(i);
            }
            i += need + 1;
        }
        return firstNonSpace < 0 ? length : firstNonSpace;
    }

    private static Refusal invalidUtf8(int at) {
        return Refusal.malformed("body", "invalid UTF-8 at byte " + at + " (the engine's decoder would replace it with U+FFFD)");
    }

    private Json value(JsonToken token) throws IOException {
        if (token == null) {
            throw Refusal.malformed("body", "ends before the JSON value does");
        }
        return switch (token) {
            case START_OBJECT -> object();
            case START_ARRAY -> array();
            case VALUE_STRING -> new Json.Str(checkedText(parser.getText()));
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> new Json.Num(parser.getText());
            case VALUE_TRUE -> Json.Bool.TRUE;
            case VALUE_FALSE -> Json.Bool.FALSE;
            case VALUE_NULL -> Json.Null.NULL;
            default -> throw Refusal.malformed(where(), "unexpected " + token);
        };
    }

    private Json object() throws IOException {
        List<Json.Member> members = new ArrayList<>();
        int[] hashes = null;
        JsonToken t;
        while ((t = parser.nextToken()) == JsonToken.FIELD_NAME) {
            String key = checkedText(parser.currentName());
            int hash = GoFold.hash(key);
            if (hashes == null) {
                hashes = new int[8];
            } else if (members.size() == hashes.length) {
                hashes = Arrays.copyOf(hashes, hashes.length * 2);
            }
            for (int i = 0; i < members.size(); i++) {
                if (hashes[i] == hash && GoFold.equalFold(members.get(i).key(), key)) {
                    throw Refusal.malformed(where(), "duplicate key \"" + key + "\" (after \"" + members.get(i).key()
                            + "\"): the engine matches keys case-insensitively, with Unicode folding, and takes the last one");
                }
            }
            hashes[members.size()] = hash;
            at[depth++] = key;
            members.add(new Json.Member(key, value(parser.nextToken())));
            depth--;
        }
        if (t != JsonToken.END_OBJECT) {
            throw Refusal.malformed(where(), "unexpected " + t);
        }
        return new Json.Obj(members);
    }

    private Json array() throws IOException {
        List<Json> items = new ArrayList<>();
        JsonToken t;
        while ((t = parser.nextToken()) != JsonToken.END_ARRAY) {
            at[depth++] = items.size();
            items.add(value(t));
            depth--;
        }
        return new Json.Arr(items);
    }

    /** Refuses unpaired surrogates, which only \\u escapes can produce here (the bytes were checked). */
    private String checkedText(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw Refusal.malformed(where(), "escaped lone surrogate \\u" + Integer.toHexString(c)
                        + " (the engine's decoder would replace it with U+FFFD)");
            }
        }
        return s;
    }

    /** The path of the value being read, keys as the body spells them: {@code HostConfig.Mounts[0].Source}. */
    private String where() {
        if (depth == 0) {
            return "body";
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < depth; i++) {
            if (at[i] instanceof Integer index) {
                sb.append('[').append(index).append(']');
            } else {
                sb.append(i == 0 ? "" : ".").append(at[i]);
            }
        }
        return sb.toString();
    }
}
