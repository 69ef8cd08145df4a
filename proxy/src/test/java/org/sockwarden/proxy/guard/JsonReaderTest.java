package org.sockwarden.proxy.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every body Go's encoding/json would read differently from jackson, or not at all, is refused with 400. */
class JsonReaderTest {

    private static Json read(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return JsonReader.read(b, b.length);
    }

    private static Json read(byte[] b) {
        return JsonReader.read(b, b.length);
    }

    private static Refusal refusal(byte[] b) {
        try {
            read(b);
        } catch (Refusal r) {
            return r;
        }
        throw new AssertionError("not refused: " + new String(b, StandardCharsets.UTF_8));
    }

    private static Refusal refusal(String s) {
        return refusal(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Lenient forms jackson can be configured to accept and Go never does. */
    @ParameterizedTest
    @ValueSource(strings = {
        "{\"a\":1 /* c */}", "{\"a\":1} // c", "# c\n{}", "{'a':1}", "{a:1}", "{\"a\":NaN}", "{\"a\":Infinity}",
        "{\"a\":-Infinity}", "{\"a\":01}", "{\"a\":+1}", "{\"a\":.5}", "{\"a\":1.}", "{\"a\":1,}", "[1,]", "[1,,2]",
        "{\"a\":\"\\x41\"}", "{\"a\":\"\\'\"}", "{\"a\":\"tab\there\"}", "{\"a\":1", "{\"a\" 1}", "nul", "{\"a\":tru}",
        "\u001E{}",
    })
    void lenientJsonIsRefused(String body) {
        assertThat(refusal(body).status).isEqualTo(400);
    }

    @Test
    void byteOrderMarkIsRefusedAsGoDoes() {
        // Go: invalid character 'ï' looking for beginning of value (checked on 20.10 by GuardEngineTest)
        byte[] b = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '{', '}'};
        assertThat(refusal(b).constraint).contains("byte-order mark");
    }

    @Test
    void utf16AndNulBytesAreRefusedNotDetected() {
        assertThat(refusal(new byte[] {0, '{', 0, '}'}).constraint).contains("control byte 0x0");
        assertThat(refusal(new byte[] {'{', 0, '"', 0, 'a', 0, '"', 0, ':', 0, '1', 0, '}', 0}).status).isEqualTo(400);
        assertThat(refusal(new byte[] {(byte) 0xFE, (byte) 0xFF, 0, '{', 0, '}'}).status).isEqualTo(400);
    }

    @Test
    void invalidUtf8IsRefusedWhereGoWouldSubstitute() {
        byte[][] bad = {
            {'{', '"', 'a', '"', ':', '"', (byte) 0xC0, (byte) 0xAF, '"', '}'}, // overlong '/'
            {'{', '"', 'a', '"', ':', '"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', '}'}, // encoded surrogate
            {'{', '"', 'a', '"', ':', '"', (byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80, '"', '}'}, // > U+10FFFF
            {'{', '"', 'a', '"', ':', '"', (byte) 0xE2, (byte) 0x82, '"', '}'}, // truncated
            {'{', '"', 'a', '"', ':', '"', (byte) 0x80, '"', '}'}, // lone continuation
            {'{', '"', (byte) 0xFF, '"', ':', '1', '}'},
            {'{', '"', 'a', '"', ':', '"', (byte) 0xE2},
        };
        for (byte[] b : bad) {
            assertThat(refusal(b).constraint).contains("invalid UTF-8");
        }
        assertThat(((Json.Obj) read("{\"a\":\"ſ€𝄞\"}")).members().get(0).value()).isEqualTo(new Json.Str("ſ€𝄞"));
    }

    @Test
    void escapedLoneSurrogatesAreRefusedPairsDecoded() {
        assertThat(refusal("{\"a\":\"\\ud800\"}").constraint).contains("lone surrogate");
        assertThat(refusal("{\"a\":\"\\udc00x\"}").constraint).contains("lone surrogate");
        assertThat(refusal("{\"\\ud800\":1}").status).as("jackson itself refuses it in a key").isEqualTo(400);
        Json.Obj o = (Json.Obj) read("{\"a\":\"\\ud834\\udd1e\"}");
        assertThat(o.members().get(0).value()).isEqualTo(new Json.Str("𝄞"));
    }

    @Test
    void escapedKeysAreDecodedBeforeMatching() {
        Json.Obj o = (Json.Obj) read("{\"\\u0050rivileged\":true}");
        assertThat(o.members().get(0).key()).isEqualTo("Privileged");
    }

    /** The engine matches keys with Go's folding and keeps the last: any two keys that fold together are refused. */
    @ParameterizedTest
    @ValueSource(strings = {
        "{\"HostConfig\":{},\"HostConfig\":{}}", "{\"HostConfig\":{},\"hostconfig\":{}}", "{\"HostConfig\":{},\"HOSTCONFIG\":{}}",
        "{\"HostConfig\":{},\"Ho\u017Ftconfig\":{}}", "{\"Links\":1,\"lin\u212As\":2}", "{\"a\":{\"Privileged\":true,\"privileged\":false}}",
        "{\"Privileged\":true,\"\\u0070rivileged\":false}", "[{\"x\":1,\"X\":2}]",
    })
    void duplicateKeysUnderGoFoldingAreRefused(String body) {
        assertThat(refusal(body).constraint).contains("duplicate key");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{} {}", "{}{}", "{} x", "{} \"", "{}]", "{}\n{\"Privileged\":true}", "[] 1"})
    void contentAfterTheValueIsRefused(String body) {
        assertThat(refusal(body).status).isEqualTo(400);
    }

    @Test
    void whiteSpaceIsNoBody() {
        assertThat(read("")).isNull();
        assertThat(read(" \r\n\t")).isNull();
        assertThat(read(" {} \n")).isEqualTo(new Json.Obj(java.util.List.of()));
    }

    @Test
    void nestingAndNumberLengthAreBounded() {
        assertThat(refusal("[".repeat(JsonReader.MAX_DEPTH + 1) + "]".repeat(JsonReader.MAX_DEPTH + 1)).status).isEqualTo(400);
        assertThat(read("[".repeat(JsonReader.MAX_DEPTH) + "]".repeat(JsonReader.MAX_DEPTH))).isNotNull();
        assertThat(refusal("{\"a\":" + "1".repeat(JsonReader.MAX_NUMBER_LENGTH + 1) + "}").status).isEqualTo(400);
    }

    @Test
    void numbersKeepTheirTextAndTheWriterWritesItBack() {
        String body = "{\"a\":-0,\"b\":1e2,\"c\":1E+2,\"d\":0.10,\"e\":12345678901234567890123,\"f\":\"\\u00e9\\n\",\"g\":[null,true,false]}";
        Json doc = read(body);
        Json.Obj o = (Json.Obj) doc;
        assertThat(o.members().get(0).value()).isEqualTo(new Json.Num("-0"));
        assertThat(o.members().get(1).value()).isEqualTo(new Json.Num("1e2"));
        assertThat(o.members().get(3).value()).isEqualTo(new Json.Num("0.10"));
        String written = new String(JsonWriter.write(doc), StandardCharsets.UTF_8);
        assertThat(written).isEqualTo("{\"a\":-0,\"b\":1e2,\"c\":1E+2,\"d\":0.10,\"e\":12345678901234567890123,\"f\":\"é\\n\",\"g\":[null,true,false]}");
        assertThat(read(written)).usingRecursiveComparison().isEqualTo(doc);
    }

    @Test
    void messagesNameThePathAsTheBodySpellsIt() {
        Refusal r = refusal("{\"HostConfig\":{\"Mounts\":[{\"a\":1},{\"Source\":\"x\",\"source\":\"y\"}]}}");
        assertThat(r.field).isEqualTo("HostConfig.Mounts[1]");
        assertThatThrownBy(() -> read("{\"a\":[\"\\ud800\"]}")).isInstanceOfSatisfying(Refusal.class,
                e -> assertThat(e.field).isEqualTo("a[0]"));
    }
}
