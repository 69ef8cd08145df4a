package org.sockwarden.admin;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/** The admin commands' JSON, written and read with jackson-core's streaming API. */
final class Json {
    static final JsonFactory FACTORY = JsonFactory.builder().build();

    private Json() {}

    @FunctionalInterface
    interface Writing {
        void to(JsonGenerator g) throws IOException;
    }

    /** One JSON document as text. */
    static String write(Writing writing) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            writing.to(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.toString();
    }

    /** As {@link #write}, indented for people. */
    static String pretty(Writing writing) {
        return write(g -> {
            g.useDefaultPrettyPrinter();
            writing.to(g);
        });
    }

    static JsonParser parser(String json) throws IOException {
        return FACTORY.createParser(json);
    }

    /** Writes {@code name: value}, or {@code name: null}. */
    static void field(JsonGenerator g, String name, String value) throws IOException {
        if (value == null) {
            g.writeNullField(name);
        } else {
            g.writeStringField(name, value);
        }
    }
}
