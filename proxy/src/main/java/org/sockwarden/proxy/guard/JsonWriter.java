package org.sockwarden.proxy.guard;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;

/**
 * Writes a {@link Json} document back as compact UTF-8 JSON with jackson's generator: keys in their
 * order and spelling, strings re-escaped, numbers as their literal text. What the engine decodes from
 * the result is the document the guard inspected (plus whatever the guard set in it), whatever white
 * space, escapes or key order the client used.
 */
final class JsonWriter {

    private static final JsonFactory FACTORY = JsonFactory.builder().build();

    private JsonWriter() {}

    static byte[] write(Json doc) {
        try (ByteArrayBuilder out = new ByteArrayBuilder(512)) {
            try (JsonGenerator g = FACTORY.createGenerator(out)) {
                write(g, doc);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory cannot fail", e);
        }
    }

    private static void write(JsonGenerator g, Json value) throws IOException {
        if (value instanceof Json.Obj o) {
            g.writeStartObject();
            for (Json.Member m : o.members()) {
                g.writeFieldName(m.key());
                write(g, m.value());
            }
            g.writeEndObject();
        } else if (value instanceof Json.Arr a) {
            g.writeStartArray();
            for (Json item : a.items()) {
                write(g, item);
            }
            g.writeEndArray();
        } else if (value instanceof Json.Str s) {
            g.writeString(s.value());
        } else if (value instanceof Json.Num n) {
            g.writeNumber(n.text());
        } else if (value == Json.Bool.TRUE || value == Json.Bool.FALSE) {
            g.writeBoolean(value == Json.Bool.TRUE);
        } else {
            g.writeNull();
        }
    }
}
